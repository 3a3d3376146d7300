#!/bin/bash
# bench/create_rate.sh - certificates per second over PVAccess (the
# CERT:CREATE RPC) next to HTTPS (POST /v1/certs), same run, same pvacms.
#
# Starts the sample issuer and one pvacms in local JWT mode (the token's
# signature checked in pvacms against the issuer's JWKS, as
# issue_rate.sh MODE=local), makes one P-256 key per client (openssl
# genpkey; the CSR for HTTPS and the PEM public key for PVAccess come
# from the same key), then for each client count in CLIENTS runs, one
# after the other:
#   - HTTPS: bench/issue_rate, CLIENTS clients POST /v1/certs with their
#     CSR and a fresh token per request, for SECS seconds (its status
#     window is skipped: only issuance is compared);
#   - PVAccess: bench/create_rate, CLIENTS clients each on one PVAccess
#     connection (handshake and channel once), RPC INIT + EXEC per
#     certificate with their public key and a fresh token, SECS seconds.
# Each program fetches its own token pool before its window (see
# Tokens below).  Each window prints pvacms's CPU time per certificate
# (user + system of all its threads, from /proc) and the clients' own;
# a summary table follows.  A benchmark: it never judges the figures.
# Tokens: a token given again with the same key is a retry (the same
# certificate sent back, nothing signed) and with another key a replay
# (refused), so every request needs its own.  The sample issuer hands
# out about 500 a second, so each window's pool is sized to what the
# window can use, POOL tokens split over its clients, rather than a
# fixed count per client (a window that runs dry says so).
# Environment: see bench/lib.sh; CLIENTS (a list, default "1 2 4"), SECS
# (10), POOL per window (1200 x SECS: above the highest total rate seen
# on 2 cores, about 1,100/s), TOKENS per client (overrides POOL),
# BENCH_LIMIT (default 1200 here: six windows and their token pools).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${BENCH_LIMIT:=1200}"
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

CLIENTS=${CLIENTS:-1 2 4}
SECS=${SECS:-10}
POOL=${POOL:-$((1200 * SECS))}
TOKENS=${TOKENS:-}
HTTPS_PROG=$top_builddir/bench/issue_rate
PVA_PROG=$top_builddir/bench/create_rate

bench_setup
[ -x "$HTTPS_PROG" ] || die "$HTTPS_PROG not built (make bench/issue_rate)"
[ -x "$PVA_PROG" ] || die "$PVA_PROG not built (make bench/create_rate)"
start_issuer
start_pvacms --jwt-mode local \
    --jwt-jwks-uri "http://localhost:$ISSUER_PORT/default/jwks" \
    --jwt-issuer "http://localhost:$ISSUER_PORT/default" \
    --jwt-audience default
PVA_PORT=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$ROOT/run/pvacms.listen")
[ -n "$PVA_PORT" ] || die "pvacms names no pva= port (front off?)"

max=0
for n in $CLIENTS; do
	[ "$n" -gt "$max" ] && max=$n
done
[ "$max" -gt 0 ] || die "CLIENTS names no client count"
declare -a csrs=() pubs=()
for i in $(seq "$max"); do
	k=$ROOT/run/client$i
	"$OPENSSL" genpkey -quiet -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$k.key" \
	    2>>"$ROOT/run/openssl.err" || die "openssl genpkey failed"
	"$OPENSSL" req -new -key "$k.key" -subj "/CN=client" -out "$k.csr" \
	    2>>"$ROOT/run/openssl.err" || die "openssl req failed"
	"$OPENSSL" pkey -in "$k.key" -pubout -out "$k.pub" \
	    2>>"$ROOT/run/openssl.err" || die "openssl pkey -pubout failed"
	csrs+=(--csr "$k.csr")
	pubs+=(--pubkey "$k.pub")
done

# window OUT PROG ARGS...: one window, its output printed and kept in OUT
# for the summary.  Only a program that could not run at all stops the
# benchmark.
window()
{
	local out=$1
	shift
	bench_run "$@" >"$out" 2>"$out.err"
	local rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || die "${1##*/} could not run: $(tail -n 3 "$out.err")"
}

# figure FILE WHAT: "RATE SERVER_MS" from a window's output ("-" when
# absent).
figure()
{
	awk -v what="$2" '
	index($0, what " rate:") == 1 { rate = $3 }
	/^  server CPU:/ { cpu = $3 }
	END { printf "%s %s\n", rate == "" ? "-" : rate, cpu == "" ? "-" : cpu }
	' "$1"
}

echo "leaf keys: EC P-256, one per client; pvacms: local JWT verification"
echo "PVAccess: plain TCP 127.0.0.1:$PVA_PORT, CERT:CREATE, type jwt"
for n in $CLIENTS; do
	tokens=${TOKENS:-$(((POOL + n - 1) / n))}
	echo "-- $n client(s): HTTPS POST /v1/certs"
	window "$ROOT/run/https.$n" "$HTTPS_PROG" --cms "$CMS_URL" \
	    --cacert "$CA_FILE" --token-url "$TOKEN_URL" --clients "$n" \
	    --secs "$SECS" --status-secs 0 --tokens "$tokens" \
	    --timeout-ms 10000 --cpu-pid "$PVACMS_PID" "${csrs[@]}"
	echo "-- $n client(s): PVAccess CERT:CREATE"
	window "$ROOT/run/pva.$n" "$PVA_PROG" --port "$PVA_PORT" \
	    --token-url "$TOKEN_URL" --clients "$n" --secs "$SECS" \
	    --tokens "$tokens" --timeout-ms 10000 --cpu-pid "$PVACMS_PID" \
	    "${pubs[@]}"
done

echo "-- summary (certificates/s; pvacms CPU ms per certificate)"
printf '%-8s %12s %12s %12s %12s\n' clients "HTTPS/s" "HTTPS ms" \
    "PVA/s" "PVA ms"
for n in $CLIENTS; do
	read -r hr hc < <(figure "$ROOT/run/https.$n" issue)
	read -r pr pc < <(figure "$ROOT/run/pva.$n" create)
	printf '%-8s %12s %12s %12s %12s\n' "$n" "$hr" "$hc" "$pr" "$pc"
done
exit 0
