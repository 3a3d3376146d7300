#!/bin/bash
# crash.sh - kill -9 under load loses no certificate a client received
# and no audit line of a stored row.
#
# Four clients post certificate requests as fast as pvacms answers; once
# some are issued, pvacms is killed with SIGKILL.  Every cert_id a client
# received must be in the database, every certificate the database holds
# for a request must have its "issued" audit line (pvacms writes the line
# durably before the commit, and answers after it), and pvacms must start
# again on the same files and answer for the certificates.  (A power cut
# cannot be pulled here; the order of commit, sync and answer is checked
# by test_recorder, and in pvacms's own system calls by fsync_order.sh.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
setup_root
start_issuer
start_pvacms_local
DB=$ROOT/home/pvacms/.local/share/pva/1.4/certs.db
plan 8

for i in $(seq 300); do
	get_token "crash$i" || bail_out "no token from the issuer"
	echo
done >"$ROOT/run/tokens"
ec_csr crash || bail_out "cannot make a CSR"

"$PYTHON3" "$(dirname "$0")/crash_clients.py" "$CMS_URL" "$CA_FILE" \
    "$ROOT/run/tokens" "$ROOT/run/crash.csr" "$ROOT/run/received" &
CLIENTS=$!
track "$CLIENTS"
# Kill once some certificates are out and more are in flight.
for _ in $(seq $((WAIT_SECS * 20))); do
	n=$(grep -c '"event":"issued".*"sub":"crash' "$AUDIT_LOG" 2>/dev/null)
	[ "${n:-0}" -ge 40 ] && break
	sleep 0.05
done
kill -KILL "$PVACMS_PID"
wait "$PVACMS_PID" 2>/dev/null
untrack "$PVACMS_PID"
wait "$CLIENTS"
untrack "$CLIENTS"

received=$(wc -l <"$ROOT/run/received")
check "clients received certificates before the kill ($received)" \
    test "$received" -ge 40
check "the kill came while requests were still being made" \
    test "$received" -lt 300
missing=0
while read -r id; do
	serial=${id#*:}
	# Serials have 63 random bits: stored as they read.
	n=$(sqlite3 "$DB" "SELECT COUNT(*) FROM certs WHERE serial = $serial;")
	[ "$n" = 1 ] || missing=$((missing + 1))
done <"$ROOT/run/received"
is "$missing" 0 "every certificate a client received is in the database"

stored=0
unaudited=0
while read -r serial; do
	stored=$((stored + 1))
	grep -q "\"event\":\"issued\",\"cert_id\":\"[0-9a-f]*:$serial\"" \
	    "$AUDIT_LOG" || unaudited=$((unaudited + 1))
done < <(sqlite3 "$DB" "SELECT serial FROM certs WHERE cn LIKE 'crash%';")
check "the database holds at least what was received ($stored)" \
    test "$stored" -ge "$received"
is "$unaudited" 0 "every stored certificate has its issued line"
is "$(grep -c '^[^{]\|[^}]$' "$AUDIT_LOG")" 0 "every audit line is whole"

start_pvacms_local
id=$(head -n 1 "$ROOT/run/received")
is "$(status_of "$id")" VALID "pvacms starts again and answers: VALID"
stop_pvacms TERM
is "$STOP_RC" 0 "and stops cleanly"

done_testing
