#!/bin/sh
# replay_request.sh - `make check`: run every seed of tests/fuzz/corpus/request
# through the fuzz target once (TAP from tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_request" \
    "${top_srcdir:-.}/tests/fuzz/corpus/request"
