#!/bin/sh
# replay_pvacreate.sh - `make check`: run every seed of
# tests/fuzz/corpus/pvacreate through the fuzz target once (TAP from
# tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_pvacreate" \
    "${top_srcdir:-.}/tests/fuzz/corpus/pvacreate"
