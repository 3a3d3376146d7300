#!/bin/bash
# bench/hostile_conns.sh - what a well-behaved client sees while pvacms
# is under a slow-connection attack, with the default caps and timeouts.
#
# pvacms starts with a soft descriptor limit of 1024 (it raises it).  A
# good client (tests/integration/slow_clients.py good) makes COUNT status
# requests, each on a new connection from 127.0.0.1: first with nobody
# else around, then while the attacker, from the same address, holds
# 1,100 connections that dribble header bytes on the HTTP listener and
# 600 half-finished TLS handshakes on the HTTPS listener, opening up to
# 2,000 new ones a second as pvacms closes them.  Then the attacker
# stops sending and holds what is open, and we wait for the header
# timeout to hand the descriptors back.  Prints the latencies (p50, p90,
# p99, max), failures, descriptor counts (idle, peak, after) and the log
# size.  A benchmark: it never judges the figures.
# Environment: see bench/lib.sh; COUNT (default 2000).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

COUNT=${COUNT:-2000}
case $COUNT in
'' | *[!0-9]*) die "COUNT must be a number" ;;
esac
if [ "$COUNT" -lt 1 ] || [ "$COUNT" -gt 100000 ]; then
	die "COUNT must be 1..100000"
fi
SLOW=$top_srcdir/tests/integration/slow_clients.py
[ -r "$SLOW" ] || die "$SLOW missing"

bench_setup
start_issuer
# As a service gets it by default; pvacms raises it to the hard limit.
ulimit -Sn 1024 || die "cannot set the soft descriptor limit"
start_pvacms
PID=${BENCH_PIDS[${#BENCH_PIDS[@]} - 1]}
R=$ROOT/run

fds()
{
	ls "/proc/$PID/fd" 2>/dev/null | wc -l
}

# good LABEL: COUNT status requests; prints the summary line.
good()
{
	local out
	out=$(bench_run "$PYTHON3" "$SLOW" good --port "$HTTP_PORT" \
	    --path "/v1/certs/$CERT_ID/status" --count "$COUNT" --timeout 5)
	printf '  %-16s %s\n' "$1:" "$(printf '%s\n' "$out" | head -n 1)"
	printf '%s\n' "$out" | sed -n 's/^failed/    failed/p'
}

# A certificate to ask about.
"$OPENSSL" req -new -newkey rsa:2048 -nodes -keyout "$R/k.pem" -subj /CN=x \
    -out "$R/csr.pem" 2>/dev/null || die "cannot make a CSR"
TOKEN=$(get_token) || die "cannot get a token"
"$PYTHON3" - "$R/csr.pem" "$TOKEN" >"$R/req.json" <<'EOF_PY'
import json, sys
print(json.dumps({"type": "jwt", "usage": "client",
                  "csr": open(sys.argv[1]).read(),
                  "data": {"token": sys.argv[2]}}))
EOF_PY
CERT_ID=$(curl -s --max-time "$WAIT_SECS" --cacert "$CA_FILE" \
    -H 'Content-Type: application/json' --data-binary @"$R/req.json" \
    "$CMS_URL/v1/certs" | sed -n 's/.*"cert_id" *: *"\([^"]*\)".*/\1/p')
[ -n "$CERT_ID" ] || die "no certificate issued"

echo "pvacms: $(grep -E 'descriptor limit|connections: at most' \
    "$R/pvacms.err" | sed 's/^pvacms: //' | paste -sd ';' -)"
echo "GET /v1/certs/{cert_id}/status, $COUNT requests, one connection each:"
good "alone"
sleep 0.5
IDLE=$(fds)

"$PYTHON3" "$SLOW" attack --http-port "$HTTP_PORT" \
    --https-port "$HTTPS_PORT" --slow 1100 --tls 600 --secs 300 \
    --hold 15 --max-connects 2000000 --ready-file "$R/ready" \
    --stop-file "$R/stop" --hold-file "$R/hold" >"$R/attack.out" 2>&1 &
ATTACK=$!
BENCH_PIDS+=("$ATTACK")
wait_file "$R/ready" "$ATTACK" || die "the attacker did not start"
# Peak descriptors: sampled every 0.1 s while the good client runs.
(
	for _ in $(seq 3000); do
		[ -e "$R/stop" ] && break
		fds
		sleep 0.1
	done >"$R/fds"
) &
SAMPLER=$!
good "under attack"
touch "$R/stop"
wait "$SAMPLER"
PEAK=$(sort -n "$R/fds" | tail -n 1)
wait_file "$R/hold" "$ATTACK" || die "the attacker did not stop"
T0=$(date +%s%N)
AFTER=$(fds)
for _ in $(seq 400); do
	AFTER=$(fds)
	[ "$AFTER" -le $((IDLE + 3)) ] && break
	sleep 0.05
done
T1=$(date +%s%N)
wait "$ATTACK"
echo "  attacker:        $(cat "$R/attack.out")"
echo "descriptors: idle $IDLE, peak $PEAK, $AFTER after the attacker" \
    "fell silent (after $(( (T1 - T0) / 1000000 )) ms; header timeout 10 s)"
echo "log: $(stat -c %s "$R/pvacms.err") bytes"
grep -E 'closed [0-9]+ connections|accepts failed' "$R/pvacms.err" |
    sed 's/^pvacms: /  /'
