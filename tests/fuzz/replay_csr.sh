#!/bin/sh
# replay_csr.sh - `make check`: run every seed of tests/fuzz/corpus/csr
# through the fuzz target once (TAP from tests/fuzz/replay_main.c).
exec "${top_builddir:-.}/tests/fuzz/replay_csr" \
    "${top_srcdir:-.}/tests/fuzz/corpus/csr"
