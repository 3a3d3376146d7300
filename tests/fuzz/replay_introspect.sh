#!/bin/sh
# replay_introspect.sh - `make check`: run every seed of
# tests/fuzz/corpus/introspect through the fuzz target once (TAP from
# tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_introspect" \
    "${top_srcdir:-.}/tests/fuzz/corpus/introspect"
