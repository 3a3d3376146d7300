#!/bin/bash
# db_locked.sh - another process holds the database's write lock.
#
# An operator's sqlite3 shell (or a long offline tool) sits in a write
# transaction for a few seconds.  Meanwhile pvacms keeps answering what
# only reads: /healthz, the status JSON and OCSP, including a certificate
# that expires during the lock, which is already reported EXPIRED.  A
# certificate request and an admin action fail with an honest 503 "busy"
# instead of hanging.  Once the lock is gone, the sweep records the
# expiry on its own and requests succeed again.  (Liveness is checked
# with generous curl timeouts, not measured.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
setup_root
start_issuer
start_pvacms
plan 18
DB=$ROOT/home/pvacms/.local/share/pva/1.4/certs.db
ADMIN=$ROOT/home/pvacms/.config/pva/1.4/admin.p12

# Twenty certificate requests, made ready before the lock.
ec_csr pile || bail_out "cannot make a CSR"
for i in $(seq 20); do
	cert_body "$ROOT/run/pile.csr" "$(get_token "pile$i")" \
	    >"$ROOT/run/pile$i.body"
done

post_token "$(get_token shorty '&exp_secs=3')"
is "$CODE" 201 "a 3-second certificate is issued"
SHORT=$(json_field cert_id)
SHORT_NA=$(printf '%s' "$BODY" | sed -n 's/.*"not_after" *: *\([0-9]*\).*/\1/p')
issue_client bob
BOB=$ID

# Hold the write lock for 14 s, from another process: long enough for
# the recorder's own wait (2 s) to run out on each write below.
{
	echo "BEGIN IMMEDIATE;"
	echo "SELECT 'locked';"
	sleep 14
	echo "COMMIT;"
} | sqlite3 "$DB" >"$ROOT/run/lock.out" 2>&1 &
LOCK_PID=$!
track "$LOCK_PID"
wait_file "$ROOT/run/lock.out" "$LOCK_PID" '^locked$' ||
    bail_out "sqlite3 did not take the lock: $(cat "$ROOT/run/lock.out")"
# Past the short certificate's notAfter, still inside the lock.
while [ "$(date +%s)" -le "$SHORT_NA" ]; do sleep 0.2; done

check "while locked: /healthz answers" healthz
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "$STATUS_URL/v1/certs/$BOB/status")
is "$CODE" 200 "while locked: the status JSON answers"
is "$(status_of "$SHORT")" EXPIRED \
    "while locked: a certificate past notAfter is reported EXPIRED"
# Certificate requests pile up behind the lock while status requests
# come in: the writes wait (on the recorder's thread), the reads must not.
declare -a PILE=() BURST=()
for i in $(seq 20); do
	curl -s -o /dev/null --max-time 30 --cacert "$CA_FILE" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/pile$i.body" "$CMS_URL/v1/certs" &
	PILE+=("$!")
done
sleep 0.5
for i in $(seq 40); do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 3 \
	    "$STATUS_URL/v1/certs/$BOB/status" >"$ROOT/run/burst.$i" &
	BURST+=("$!")
done
for p in "${BURST[@]}"; do
	wait "$p"
done
cat "$ROOT"/run/burst.* >"$ROOT/run/burst.codes"
is "$(grep -c '^200$' "$ROOT/run/burst.codes")" 40 \
    "while locked: 40 status requests among 20 certificate requests all answer"
p12_extract "$(keychain_path bob client)" "$ROOT/run/bob" ||
    bail_out "cannot read bob's keychain"
OUT=$(timeout 5 "$OPENSSL" ocsp -issuer "$CA_FILE" -CAfile "$CA_FILE" \
    -url "$STATUS_URL/ocsp" -cert "$ROOT/run/bob.crt" 2>&1)
like "$OUT" 'bob.crt: good' "while locked: OCSP answers, verified"
post_token "$(get_token carl)"
is "$CODE $ECODE" "503 busy" "while locked: a certificate request gets 503 busy"
like "$BODY" 'locked by another process; try again' "and says why"
admin_post "$ADMIN" "$BOB" revoke
is "$CODE $ECODE" "503 busy" "while locked: an admin action gets 503 busy"
is "$(audit_line expired "$SHORT")" "" "no expiry is recorded while locked"

wait "$LOCK_PID"
is "$?" 0 "the lock holder commits"
for p in "${PILE[@]}"; do
	wait "$p"
done
untrack "$LOCK_PID"
if wait_audit expired "$SHORT"; then
	ok "after the lock, the sweep records the expiry on its own"
else
	not_ok "after the lock, the sweep records the expiry on its own"
fi
post_token "$(get_token carl)"
is "$CODE" 201 "after the lock, a certificate request succeeds"
admin_post "$ADMIN" "$BOB" revoke
is "$CODE $STATE" "200 REVOKED" "after the lock, the admin action succeeds"
is "$(grep '"event":"issued"' "$AUDIT_LOG" | grep -vc '"sub":"pile')" 3 \
    "the refused request left no issued line (3: shorty, bob, carl)"
like "$(cat "$PVACMS_ERR")" 'retrying later|cannot apply|cannot record' \
    "pvacms logged the failed write"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
unlike "$(cat "$PVACMS_ERR")" 'AddressSanitizer|Segmentation' "no crash"
