#!/bin/sh
# replay_pvamsg.sh - `make check`: run every seed of tests/fuzz/corpus/pvamsg
# through the fuzz target once (TAP from tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_pvamsg" \
    "${top_srcdir:-.}/tests/fuzz/corpus/pvamsg"
