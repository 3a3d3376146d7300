#!/bin/bash
# bench/pva_rate.sh - the PVAccess front of pvacms under load.
#
# Starts the sample issuer and pvacms (front on, per-peer connection cap
# raised since every client here is 127.0.0.1), issues a certificate with
# authnjwt, and runs bench/pva_client against CERT:STATUS:<issuer>:<serial>:
#   - status GET round trips per second over one connection (GET_SECS);
#   - from `pvxcert -R` (as the pvacms user, who holds the admin
#     keychain) to the revocation update reaching the last of 1, 100 and
#     10,000 monitoring subscribers, a fresh certificate for each size
#     (the client prints CLOCK_REALTIME stamps; the stamp taken here just
#     before pvxcert starts is the trigger);
#   - pvacms's VmRSS before and after IDLE validated idle connections and
#     before and after the 10,000 subscriptions (their 40 connections
#     included), divided.  The idle connections stay open during the
#     monitor runs (so their memory is not reused by the subscriptions);
#     memory freed by the 1- and 100-subscriber runs may be.
# A benchmark: it prints figures and never judges them.
# Environment: see bench/lib.sh; GET_SECS (5), IDLE (1000), SUBS
# ("1 100 10000"), SUBS_PER_CONN (250).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

GET_SECS=${GET_SECS:-5}
IDLE=${IDLE:-1000}
SUBS=${SUBS:-1 100 10000}
SUBS_PER_CONN=${SUBS_PER_CONN:-250}
PROG=$top_builddir/bench/pva_client
PVXCERT=$top_builddir/pvxcert

bench_setup
[ -x "$PROG" ] || die "$PROG not built (make bench/pva_client)"
[ -x "$PVXCERT" ] || die "$PVXCERT not built (make pvxcert)"
start_issuer
start_pvacms --max-connections 20000 --max-connections-per-peer 20000
PVA_PORT=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$ROOT/run/pvacms.listen")
[ -n "$PVA_PORT" ] || die "pvacms names no pva= port (front off?)"
CMS_PID=${BENCH_PIDS[-1]}
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# issue: a fresh certificate for user client; sets ID and PV.
issue()
{
	local out
	(
		as_user client
		get_token >token_file || exit 1
		"$top_builddir/authnjwt" -u client --token-file token_file
	) >"$ROOT/run/authnjwt.out" 2>>"$ROOT/run/authnjwt.err" ||
	    die "authnjwt failed"
	out=$(sed -n 's/^Certificate identifier  *: //p' \
	    "$ROOT/run/authnjwt.out")
	[ -n "$out" ] || die "authnjwt printed no certificate identifier"
	ID=$out
	PV="CERT:STATUS:${ID%%:*}:${ID#*:}"
}

# rss: pvacms's VmRSS in kB.
rss()
{
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$CMS_PID/status"
}

# client_bg OUT ARGS...: pva_client in the background, output to OUT;
# waits for its "ready" line.  Sets CPID.
client_bg()
{
	local out=$1
	shift
	"$PROG" "$@" >"$out" 2>"$out.err" &
	CPID=$!
	BENCH_PIDS+=("$CPID")
	WAIT_SECS=120 wait_file "$out" "$CPID" '^ready' ||
	    die "pva_client $1 did not get ready: $(cat "$out.err")"
}

issue
bench_run "$PROG" get "$PVA_PORT" "$PV" "$GET_SECS" >"$ROOT/run/get.out" ||
    die "pva_client get failed"
GET_LINE=$(cat "$ROOT/run/get.out")

# Idle connections: RSS once they are all validated.  They stay open
# through the monitor runs, so that the memory they hold is not handed
# back to the subscriptions measured next.
R0=$(rss)
client_bg "$ROOT/run/idle.out" idle "$PVA_PORT" "$IDLE" 120
IDLE_PID=$CPID
sleep 0.5
R1=$(rss)

declare -a LAT=()
for n in $SUBS; do
	issue
	c=$(((n + SUBS_PER_CONN - 1) / SUBS_PER_CONN))
	S0=$(rss)
	client_bg "$ROOT/run/sub$n.out" subscribe "$PVA_PORT" "$PV" "$n" \
	    "$c" 60
	S1=$(rss)
	t0=$(date +%s%6N)
	(as_user pvacms && "$PVXCERT" -R "$ID") \
	    >>"$ROOT/run/pvxcert.log" 2>&1 || die "pvxcert -R $ID failed"
	t1=$(date +%s%6N)
	wait "$CPID"
	# "updates GOT/N first_us F last_us L"
	read -r _ got _ f _ l < <(grep '^updates' "$ROOT/run/sub$n.out")
	LAT+=("$(awk -v n="$n" -v c="$c" -v got="$got" -v f="$f" -v l="$l" \
	    -v t0="$t0" -v t1="$t1" 'BEGIN {
		printf "%6d subscribers on %3d conns: %s updates, " \
		    "first %.1f ms, last %.1f ms (pvxcert -R took %.1f ms)",
		    n, c, got, (f - t0) / 1000, (l - t0) / 1000,
		    (t1 - t0) / 1000 }')")
	if [ "$n" -eq 10000 ]; then
		MEM_SUB="$S0 $S1 $n"
	fi
done

kill -TERM "$IDLE_PID" 2>/dev/null
wait "$IDLE_PID" 2>/dev/null

echo "PVAccess front, CERT:STATUS of one certificate, loopback"
echo "status GET, 1 connection, ${GET_SECS} s: ${GET_LINE#get: }"
echo "pvxcert -R to the revocation update (from the stamp before pvxcert):"
printf '  %s\n' "${LAT[@]}"
awk -v a="$R0" -v b="$R1" -v n="$IDLE" 'BEGIN {
	printf "memory, %d idle validated connections: " \
	    "VmRSS %d -> %d kB, %.2f kB each\n", n, a, b, (b - a) / n }'
if [ -n "${MEM_SUB:-}" ]; then
	read -r s0 s1 sn <<<"$MEM_SUB"
	awk -v a="$s0" -v b="$s1" -v n="$sn" 'BEGIN {
		printf "memory, %d subscriptions: " \
		    "VmRSS %d -> %d kB, %.2f kB each\n", n, a, b, (b - a) / n }'
fi
