#!/bin/bash
# bench/issue_rate.sh - certificates issued per second by pvacms.
#
# Starts the sample issuer and pvacms on ephemeral ports, makes one
# RSA-2048 CSR per client, and runs bench/issue_rate: CLIENTS concurrent
# HTTPS clients POST /v1/certs for SECS seconds, each request with a fresh
# token from a pool fetched before the window (the validator is called
# for every request), then the status rate of one certificate for
# STATUS_SECS seconds.  A benchmark: it never judges the figures.
# MODE picks how pvacms checks the tokens: remote (the seed's validator
# call per request), local (signature checked in pvacms against the
# issuer's JWKS, issue #4) or both (default: one run of each, one after
# the other, each with its own issuer and pvacms).
# Environment: see bench/lib.sh; MODE (both), CLIENTS (a list, default
# "1 2 4": one window per count, same pvacms), KEY (ec: P-256 leaf keys,
# as authnjwt makes; or rsa: RSA-2048), SECS (10), STATUS_SECS (5),
# TOKENS per client (2000 remote, 4000 local: local mode goes through
# them faster).  Each window also prints pvacms's CPU time per
# certificate (user + system, from /proc), and the clients' own.

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

MODE=${MODE:-both}
case $MODE in
both)
	rc=0
	for m in remote local; do
		echo "-- mode $m"
		MODE=$m bash "$0" "$@" || rc=1
	done
	exit "$rc"
	;;
remote | local) ;;
*)
	echo "${0##*/}: MODE must be remote, local or both" >&2
	exit 2
	;;
esac

CLIENTS=${CLIENTS:-1 2 4}
KEY=${KEY:-ec}
SECS=${SECS:-10}
STATUS_SECS=${STATUS_SECS:-5}
if [ "$MODE" = local ]; then
	TOKENS=${TOKENS:-4000}
else
	TOKENS=${TOKENS:-2000}
fi
PROG=$top_builddir/bench/issue_rate

bench_setup
[ -x "$PROG" ] || die "$PROG not built (make bench/issue_rate)"
start_issuer
if [ "$MODE" = local ]; then
	start_pvacms --jwt-mode local \
	    --jwt-jwks-uri "http://localhost:$ISSUER_PORT/default/jwks" \
	    --jwt-issuer "http://localhost:$ISSUER_PORT/default" \
	    --jwt-audience default
else
	start_pvacms
fi

case $KEY in
ec) keyopts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
rsa) keyopts=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048) ;;
*) die "KEY must be ec or rsa" ;;
esac
max=0
for n in $CLIENTS; do
	[ "$n" -gt "$max" ] && max=$n
done
declare -a csrs=()
for i in $(seq "$max"); do
	"$OPENSSL" genpkey -quiet "${keyopts[@]}" \
	    -out "$ROOT/run/client$i.key" \
	    2>>"$ROOT/run/openssl.err" || die "openssl genpkey failed"
	"$OPENSSL" req -new -key "$ROOT/run/client$i.key" -subj "/CN=client" \
	    -out "$ROOT/run/client$i.csr" 2>>"$ROOT/run/openssl.err" ||
	    die "openssl req failed"
	csrs+=(--csr "$ROOT/run/client$i.csr")
done

echo "leaf keys: $KEY"
for n in $CLIENTS; do
	bench_run "$PROG" --cms "$CMS_URL" --cacert "$CA_FILE" \
	    --token-url "$TOKEN_URL" --status-base "$STATUS_URL" \
	    --clients "$n" --secs "$SECS" --status-secs "$STATUS_SECS" \
	    --tokens "$TOKENS" --timeout-ms 10000 --cpu-pid "$PVACMS_PID" \
	    "${csrs[@]}" || die "issue_rate could not run"
done
