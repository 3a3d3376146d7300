#!/bin/bash
# db_fault.sh - a database failure while signing is called what it is.
#
# An operator's sqlite3 shell renames the certificate table under the
# running daemon, a real fault that every statement of pvacms then hits.
# A certificate request is refused with 500 database_error naming the
# check that failed (not 403 policy_denied, nor "no free serial after 8
# tries" as before), the status of a known certificate with 500 database_error,
# and each refusal is audited with that code.  Nothing is issued.  Once
# the table is back, pvacms serves again without a restart.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
setup_root
start_issuer
start_pvacms
plan 10
DB=$ROOT/home/pvacms/.local/share/pva/1.4/certs.db

issue_client bob
BOB=$ID
is "$RC" 0 "bob gets a certificate"

sqlite3 "$DB" 'ALTER TABLE certs RENAME TO certs_away;' ||
    bail_out "cannot rename the table"
post_token "$(get_token carl)"
is "$CODE $ECODE" "500 database_error" \
    "a certificate request during the fault: 500 database_error"
like "$BODY" 'cannot check whether the credential was used before' \
    "the message names what failed"
unlike "$BODY" 'no free serial|policy' "not a policy denial"
like "$(grep '"event":"denied"' "$AUDIT_LOG" | tail -n 1)" \
    '"code":"database_error".*"sub":"carl"' "the refusal is audited with its code"
BODY=$(curl -s --max-time "$WAIT_SECS" "$STATUS_URL/v1/certs/$BOB/status")
like "$BODY" '"code":"database_error"' \
    "a status request during the fault: database_error"
check "pvacms is alive" kill -0 "$PVACMS_PID"

sqlite3 "$DB" 'ALTER TABLE certs_away RENAME TO certs;' ||
    bail_out "cannot rename the table back"
is "$(status_of "$BOB")" VALID "after the fault: bob's status answers"
post_token "$(get_token carl2)"
is "$CODE" 201 "after the fault: a certificate is issued"
is "$(sqlite3 "$DB" "SELECT COUNT(*) FROM certs WHERE cn = 'carl';")" 0 \
    "nothing was recorded for the refused request"

done_testing
