#!/bin/sh
# include_circles.sh - the folders whose files must not include each other
# in a circle (include_circles.py says how it is measured).  TAP.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
py=${PYTHON3:-/usr/bin/python3}
command -v "$py" >/dev/null 2>&1 || py=python3
exec "$py" "$top_srcdir/tests/include_circles.py" "$top_srcdir" \
    host/pvacms host/pva host/common host/pvxcert plugins/jwt lua
