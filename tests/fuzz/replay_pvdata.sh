#!/bin/sh
# replay_pvdata.sh - `make check`: run every seed of tests/fuzz/corpus/pvdata
# through the fuzz target once (TAP from tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_pvdata" \
    "${top_srcdir:-.}/tests/fuzz/corpus/pvdata"
