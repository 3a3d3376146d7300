#!/bin/sh
# replay_token.sh - `make check`: run every seed of tests/fuzz/corpus/token
# through the fuzz target once (TAP from tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_token" \
    "${top_srcdir:-.}/tests/fuzz/corpus/token"
