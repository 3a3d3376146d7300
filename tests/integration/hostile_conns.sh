#!/bin/bash
# hostile_conns.sh - hostile connections cannot take the service down
# (issue 10, point 8).
#
# From 127.0.0.1, an attacker (slow_clients.py) opens 1,100 connections
# to the HTTP listener that dribble header bytes and never finish, and
# 600 half-finished TLS handshakes on the HTTPS listener, opening new
# ones as pvacms closes them.  Meanwhile a well-behaved client from the
# same address asks for a certificate's status 200 times: every answer
# must come (5 s client timeout each: a liveness bound, not a speed
# test; the latencies are printed, never judged).  pvacms starts with a
# soft descriptor limit of 1024 and must raise it; its log stays under
# 1 MB; once the attacker stops sending, the header timeout closes what
# it holds and the descriptor count returns to idle.
#
# Second case: a hard limit of 256 with 120 descriptors already taken,
# so accept() fails with EMFILE.  pvacms must stay up, answer the good
# client, keep its log small and not spin (CPU time far below wall time
# while the attacker holds its connections).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

SLOW=$LIB_DIR/slow_clients.py
LOG_MAX=1048576

# log_small: pvacms's log (stderr) is still under LOG_MAX bytes.
log_small()
{
	local size
	size=$(stat -c %s "$PVACMS_ERR")
	diag "log size: $size bytes"
	if [ "$size" -lt "$LOG_MAX" ]; then
		ok "the log stays under 1 MB ($size bytes)"
	else
		not_ok "the log stays under 1 MB" "$size bytes"
	fi
}

setup_root
plan 25
start_issuer

# wrap_pvacms LINES: $ROOT/bin/pvacms runs LINES (shell), then the real
# pvacms ("$REAL" "$@"), keeping its process id.
wrap_pvacms()
{
	rm -f "$ROOT/bin/pvacms"
	{
		echo '#!/bin/bash'
		echo "REAL='$top_builddir/pvacms'"
		printf '%s\n' "$1"
	} >"$ROOT/bin/pvacms"
	chmod +x "$ROOT/bin/pvacms"
}

fd_count()
{
	ls "/proc/$PVACMS_PID/fd" 2>/dev/null | wc -l
}

# cpu_ticks: utime + stime of pvacms, in clock ticks.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$PVACMS_PID/stat" 2>/dev/null
}

# wait_fds_idle MAX: wait (bounded) until pvacms holds at most MAX
# descriptors; sets FDS to the last count.
wait_fds_idle()
{
	local i
	for i in $(seq $((WAIT_SECS * 10))); do
		FDS=$(fd_count)
		[ "$FDS" -le "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# attack NAME ARGS: start the attacker in the background (ATTACK_PID).
attack()
{
	local name=$1
	shift
	rm -f "$ROOT/run/$name".{ready,stop,hold}
	"$PYTHON3" "$SLOW" attack --http-port "$HTTP_PORT" \
	    --https-port "$HTTPS_PORT" --ready-file "$ROOT/run/$name.ready" \
	    --stop-file "$ROOT/run/$name.stop" \
	    --hold-file "$ROOT/run/$name.hold" "$@" \
	    >"$ROOT/run/$name.out" 2>&1 &
	ATTACK_PID=$!
	track "$ATTACK_PID"
}

# wait_for FILE: bounded wait for the attacker's FILE.
wait_for()
{
	wait_file "$1" "$ATTACK_PID"
}

# good N: N status requests; sets GOOD (the summary line) and GOOD_RC.
good()
{
	GOOD=$("$PYTHON3" "$SLOW" good --port "$HTTP_PORT" \
	    --path "/v1/certs/$CERT_ID/status" --count "$1" --timeout 5)
	GOOD_RC=$?
	[ "$GOOD_RC" -eq 0 ] || diag "$GOOD"
	GOOD=$(printf '%s\n' "$GOOD" | head -n 1)
}

# ---- case 1: soft limit 1024, 1,100 slow headers + 600 TLS handshakes
wrap_pvacms 'ulimit -Sn 1024 || exit 1
exec "$REAL" "$@"'
start_pvacms --header-timeout 2 --body-timeout 4 --idle-timeout 4
like "$(cat "$PVACMS_ERR")" 'descriptor limit raised from 1024 to [0-9]+' \
    "pvacms raises its soft descriptor limit and says so"
like "$(cat "$PVACMS_ERR")" 'at most [0-9]+ in total, 128 per peer' \
    "pvacms states its connection caps"
post_token "$(get_token client)"
CERT_ID=$(printf '%s' "$BODY" | sed -n 's/.*"cert_id" *: *"\([^"]*\)".*/\1/p')
[ -n "$CERT_ID" ] || bail_out "no certificate to ask about: $BODY"
good 5
is "$GOOD_RC" 0 "status answers before the attack ($GOOD)"
# Keep-alive still works, and the idle and body timeouts close what
# dawdles (bounded waits; the seconds are printed, not judged).
"$PYTHON3" "$SLOW" probe keepalive --port "$HTTP_PORT" \
    --path "/v1/certs/$CERT_ID/status" --wait 15 >"$ROOT/run/ka.out" 2>&1 &
KA=$!
"$PYTHON3" "$SLOW" probe slowbody --port "$HTTP_PORT" --path /v1/certs \
    --wait 15 >"$ROOT/run/sb.out" 2>&1
wait "$KA"
diag "keep-alive: $(cat "$ROOT/run/ka.out")" \
    "slow body: $(cat "$ROOT/run/sb.out")"
like "$(cat "$ROOT/run/ka.out")" '^answers 2 closed_after [0-9]' \
    "keep-alive answers twice, then the idle timeout closes it"
like "$(cat "$ROOT/run/sb.out")" '^answers 0 closed_after [0-9]' \
    "a body that never ends is closed by the body timeout"
sleep 0.5
IDLE_FDS=$(fd_count)
diag "idle descriptors: $IDLE_FDS"

# Reconnects are capped at 500 a second: past a per-peer cap the oldest
# connection no handler holds is closed, so a same-address flood churning
# faster than a loaded machine completes one TLS handshake can close that
# handshake too (a limit pvacms(8) states); bench/hostile_conns.sh drives
# 2,000 a second for the figures.
attack a1 --slow 1100 --tls 600 --secs 60 --hold 8 \
    --max-connects 200000 --reconnect-rate 500
if wait_for "$ROOT/run/a1.ready"; then
	ok "the attacker opened its connections"
else
	not_ok "the attacker opened its connections"
fi
PEAK1=$(fd_count)
good 200
is "$GOOD_RC" 0 "200 status requests during the attack all succeed"
diag "good client under attack: $GOOD"
diag "p99 $(printf '%s' "$GOOD" | sed -n 's/.* p99 \([0-9.]*\).*/\1/p') ms"
PEAK1=$(( $(fd_count) > PEAK1 ? $(fd_count) : PEAK1 ))
# HTTPS too: 20 TLS handshakes and requests while the flood goes on.
# Each may retry once: the per-peer cap may close a handshake of the same
# address, the limit stated above, which a loaded machine shows now and
# then (19 of 20 once in CI); a second failure is a real one.
n=0
for _ in $(seq 20); do
	curl -sf --max-time 5 --retry 1 --retry-delay 0 --retry-all-errors \
	    --cacert "$CA_FILE" "$CMS_URL/healthz" \
	    2>/dev/null | grep -q '"status" *: *"ok"' && n=$((n + 1))
done
is "$n" 20 "HTTPS requests during the attack all succeed"
touch "$ROOT/run/a1.stop"
check "pvacms is alive after the attack" kill -0 "$PVACMS_PID"
if wait_for "$ROOT/run/a1.hold"; then
	ok "the attacker holds its connections, sending nothing"
else
	not_ok "the attacker holds its connections, sending nothing"
fi
# Still held by the attacker: only the header timeout can close them.
if wait_fds_idle $((IDLE_FDS + 3)); then
	ok "the header timeout brings descriptors back to idle ($FDS)"
else
	not_ok "the header timeout brings descriptors back to idle" \
	    "idle $IDLE_FDS, now $FDS"
fi
diag "descriptors: idle $IDLE_FDS, peak $PEAK1, after $FDS"
wait "$ATTACK_PID"
untrack "$ATTACK_PID"
diag "attacker: $(cat "$ROOT/run/a1.out")"
like "$(cat "$ROOT/run/a1.out")" 'closed_by_server [1-9]' \
    "pvacms closed slow connections"
log_small
good 5
is "$GOOD_RC" 0 "status answers after the attack"
if wait_fds_idle $((IDLE_FDS + 3)); then
	ok "descriptors idle again after the attack ($FDS)"
else
	not_ok "descriptors idle again after the attack" \
	    "idle $IDLE_FDS, now $FDS"
fi
stop_pvacms
is "$STOP_RC" 0 "SIGTERM still stops pvacms cleanly"
like "$(cat "$PVACMS_ERR")" \
    'closed [0-9]+ connections in the last [0-9]+ s \(.*header timeout' \
    "the log sums up the closed connections, with reasons"

# ---- case 2: hard limit 256, 120 descriptors taken: accept hits EMFILE
wrap_pvacms 'ulimit -n 256 || exit 1
exec "'"$PYTHON3"'" "'"$SLOW"'" hold-fds 120 -- "$REAL" "$@"'
start_pvacms --header-timeout 2 --body-timeout 4 --idle-timeout 4
like "$(cat "$PVACMS_ERR")" 'descriptor limit 256 \(already the hard limit\)' \
    "at the hard limit already, pvacms says so"
like "$(cat "$PVACMS_ERR")" 'at most 192 in total, 128 per peer' \
    "the total cap is clipped to the descriptor limit"
attack a2 --slow 1100 --tls 600 --secs 60 --hold 6 \
    --max-connects 200000
wait_for "$ROOT/run/a2.ready"
good 100
is "$GOOD_RC" 0 "100 status requests during the attack all succeed"
diag "good client under attack: $GOOD"
diag "p99 $(printf '%s' "$GOOD" | sed -n 's/.* p99 \([0-9.]*\).*/\1/p') ms"
touch "$ROOT/run/a2.stop"
wait_for "$ROOT/run/a2.hold"
T0=$(now_ms)
C0=$(cpu_ticks)
sleep 4
C1=$(cpu_ticks)
T1=$(now_ms)
# A spinning accept loop burns a whole core; allow a third of one.
CPU_MS=$(( (C1 - C0) * 1000 / $(getconf CLK_TCK) ))
diag "CPU while the attacker holds: $CPU_MS ms in $((T1 - T0)) ms"
if [ "$CPU_MS" -lt $(( (T1 - T0) / 3 )) ]; then
	ok "no busy loop: CPU time far below wall time"
else
	not_ok "no busy loop: CPU time far below wall time" \
	    "$CPU_MS ms of CPU in $((T1 - T0)) ms"
fi
wait "$ATTACK_PID"
untrack "$ATTACK_PID"
diag "attacker: $(cat "$ROOT/run/a2.out")"
check "pvacms is alive after the EMFILE attack" kill -0 "$PVACMS_PID"
like "$(cat "$PVACMS_ERR")" \
    'accepts failed in the last [0-9]+ s \(Too many open files\)' \
    "accept failures are logged, aggregated"
log_small
good 5
is "$GOOD_RC" 0 "status answers after the EMFILE attack"
