#!/bin/sh
# signing_file.sh - the CA key's whole life fits one sitting (issue 10):
# in the tree that ships, only host/pvacms/ca.c calls X509_sign and
# OCSP_basic_sign, and it stays under 600 lines.  (The client tools sign
# CSRs with X509_REQ_sign, which is not the CA key.)  TAP.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
cd "$top_srcdir" || exit 99
echo "1..2"
callers=$(grep -rlE '\b(X509_sign|OCSP_basic_sign)[[:space:]]*\(' \
    host plugins lua | sort | tr '\n' ' ')
if [ "$callers" = "host/pvacms/ca.c " ]; then
	echo "ok 1 - only host/pvacms/ca.c calls X509_sign and OCSP_basic_sign"
else
	echo "not ok 1 - only host/pvacms/ca.c calls X509_sign and OCSP_basic_sign"
	echo "# callers: $callers"
fi
lines=$(wc -l <host/pvacms/ca.c)
if [ "$lines" -lt 600 ]; then
	echo "ok 2 - host/pvacms/ca.c has $lines lines (< 600)"
else
	echo "not ok 2 - host/pvacms/ca.c has $lines lines, not under 600"
fi
