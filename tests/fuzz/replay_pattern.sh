#!/bin/sh
# replay_pattern.sh - `make check`: run every seed of tests/fuzz/corpus/pattern
# through the fuzz target once (TAP from tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_pattern" \
    "${top_srcdir:-.}/tests/fuzz/corpus/pattern"
