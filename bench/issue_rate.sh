#!/bin/bash
# bench/issue_rate.sh - certificates issued per second by pvacms.
#
# Starts the sample issuer and pvacms on ephemeral ports, makes one
# RSA-2048 CSR per client, and runs bench/issue_rate: CLIENTS concurrent
# HTTPS clients POST /v1/certs for SECS seconds, each request with a fresh
# token from a pool fetched before the window (the validator is called
# for every request), then the status rate of one certificate for
# STATUS_SECS seconds.  A benchmark: it never judges the figures.
# Environment: see bench/lib.sh; CLIENTS (default 4), SECS (10),
# STATUS_SECS (5), TOKENS per client (2000).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

CLIENTS=${CLIENTS:-4}
SECS=${SECS:-10}
STATUS_SECS=${STATUS_SECS:-5}
TOKENS=${TOKENS:-2000}
PROG=$top_builddir/bench/issue_rate

bench_setup
[ -x "$PROG" ] || die "$PROG not built (make bench/issue_rate)"
start_issuer
start_pvacms

declare -a csrs=()
for i in $(seq "$CLIENTS"); do
	"$OPENSSL" genpkey -quiet -algorithm RSA \
	    -pkeyopt rsa_keygen_bits:2048 -out "$ROOT/run/client$i.key" \
	    2>>"$ROOT/run/openssl.err" || die "openssl genpkey failed"
	"$OPENSSL" req -new -key "$ROOT/run/client$i.key" -subj "/CN=client" \
	    -out "$ROOT/run/client$i.csr" 2>>"$ROOT/run/openssl.err" ||
	    die "openssl req failed"
	csrs+=(--csr "$ROOT/run/client$i.csr")
done

bench_run "$PROG" --cms "$CMS_URL" --cacert "$CA_FILE" \
    --token-url "$TOKEN_URL" --status-base "$STATUS_URL" \
    --clients "$CLIENTS" --secs "$SECS" --status-secs "$STATUS_SECS" \
    --tokens "$TOKENS" --timeout-ms 10000 "${csrs[@]}" ||
    die "issue_rate could not run"
