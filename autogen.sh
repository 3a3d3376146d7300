#!/bin/sh
# Regenerate the build system from a git checkout (release tarballs ship it).
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf -fi
# automake does not install its TAP driver on its own.
am_dir=$(automake --print-libdir)
cp -f "$am_dir/tap-driver.sh" build-aux/tap-driver.sh
chmod +x build-aux/tap-driver.sh
