#!/bin/bash
# admin_api.sh - administration over HTTPS with client certificates:
# POST /v1/certs/{id}/{approve,deny,revoke}.
#
# The bootstrap admin keychain may revoke, approve and deny; a holder may
# revoke its own certificate; another client, a caller without a
# certificate, and the plain HTTP listener are refused; final states and
# wrong starting states give 409.  A PENDING_APPROVAL certificate (from a
# claims script asking for approval) is approved and another denied.  An
# administrator added with --admin-keychain-new works at once, listed in
# EPICS_PVACMS_ADMINS or not, and stops working once revoked; a token
# certificate is an administrator only when its CN is listed.  Every
# change leaves one audit line naming who made it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

setup_root
start_issuer
approval_script "$ROOT/approval.lua"
start_pvacms --admins "admin alice" --jwt-claims-script "$ROOT/approval.lua"
CFG=$ROOT/home/pvacms/.config/pva/1.4
ADMIN=$CFG/admin.p12
check "the bootstrap admin keychain exists" test -s "$ADMIN"

issue_client bob
is "$RC" 0 "bob gets a client certificate"
BOB=$ID
BOB_P12=$(keychain_path bob client)
issue_client carol
CAROL=$ID
CAROL_P12=$(keychain_path carol client)
issue_client dave
DAVE=$ID
like "$BOB $CAROL $DAVE" '^[0-9a-f]{8}:[0-9]+ [0-9a-f]{8}:[0-9]+ [0-9a-f]{8}:[0-9]+$' \
    "three client certificates"
ISSUER=${BOB%%:*}

# ---- refusals before anything changes
admin_post "" "$BOB" revoke
is "$CODE $ECODE" "403 forbidden" "no client certificate: 403 forbidden"
like "$BODY" 'no client certificate' "the refusal says there was no certificate"
admin_post "" "$BOB" revoke "$STATUS_URL"
is "$CODE" 403 "the HTTP listener refuses administration"
like "$BODY" 'HTTPS listener only' "and says to use HTTPS"
CODE=$(curl -s -o /dev/null -w "%{http_code}" --cacert "$CA_FILE" \
    "$CMS_URL/v1/certs/$BOB/revoke")
is "$CODE" 405 "GET on an admin endpoint: 405"
admin_post "$CAROL_P12" "$BOB" revoke
is "$CODE $ECODE" "403 forbidden" "carol may not revoke bob's certificate"
like "$BODY" 'only the holder or an administrator may revoke' \
    "the refusal says who may revoke"
like "$(audit_line refused "$BOB")" \
    '"action":"revoke",.*"code":"forbidden",.*"by":"carol","by_cert_id":"[0-9a-f]{8}:[0-9]+","peer":"127.0.0.1"' \
    "audit: the refusal is recorded with who asked"
admin_post "$CAROL_P12" "$BOB" approve
is "$CODE $ECODE" "403 forbidden" "carol may not approve"
like "$BODY" 'CN=carol is not an administrator' "the refusal names carol"
is "$(status_of "$BOB")" VALID "bob's certificate is still VALID"

# ---- bodies: {} or {"reason": NAME}, anything else refused, nothing changed
# admin_body DATA ACTION: POST DATA as the admin about dave's certificate.
admin_body()
{
	local pfx=$ROOT/run/admin_body
	p12_extract "$ADMIN" "$pfx" || return 1
	CODE=$(curl -s --max-time "$RUN_TIMEOUT" --cacert "$CA_FILE" \
	    --cert "$pfx.crt" --key "$pfx.key" -o "$ROOT/run/admin.answer" \
	    -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "$1" -X POST "$CMS_URL/v1/certs/$DAVE/$2")
	BODY=$(cat "$ROOT/run/admin.answer")
	ECODE=$(json_field code)
	rm -f "$pfx.crt" "$pfx.key" "$pfx.chain"
}
admin_body 'reason=keyCompromise' revoke
is "$CODE $ECODE" "400 bad_request" "a body that is not JSON: 400"
like "$BODY" 'not a JSON object' "it says so"
admin_body '{"reason":"keyCompromise","why":"x"}' revoke
is "$CODE $ECODE" "400 bad_request" "an unknown member: 400"
like "$BODY" 'unknown member \\"why\\"' "it names the member"
admin_body '{"reason":"certificateHold"}' revoke
is "$CODE $ECODE" "400 bad_request" "certificateHold (not final): 400"
admin_body '{"reason":7}' revoke
is "$CODE $ECODE" "400 bad_request" "a reason that is not a string: 400"
admin_body '{"reason":"superseded"}' approve
is "$CODE $ECODE" "400 bad_request" "an approval with a reason: 400"
admin_body "{\"reason\":\"$(head -c 1100 /dev/zero | tr '\0' x)\"}" revoke
is "$CODE $ECODE" "413 too_large" "a body over 1024 bytes: 413"
is "$(status_of "$DAVE")" VALID "dave's certificate is still VALID"

# ---- bad ids, as GET status answers them
admin_post "$ADMIN" "nonsense" revoke
is "$CODE $ECODE" "400 bad_request" "malformed id: 400"
admin_post "$ADMIN" "00000000:1" revoke
is "$CODE $ECODE" "404 not_found" "another CA's id: 404"
admin_post "$ADMIN" "$ISSUER:12345" revoke
is "$CODE $ECODE" "404 not_found" "unknown serial: 404"

# ---- the holder revokes its own certificate
admin_post "$BOB_P12" "$BOB" revoke
is "$CODE $STATE" "200 REVOKED" "bob revokes his own certificate: 200 REVOKED"
like "$BODY" '"ocsp_response" *: *"[A-Za-z0-9+/=]+"' \
    "the answer is the status JSON with its OCSP proof"
is "$(status_of "$BOB")" REVOKED "GET status says REVOKED"
line=$(audit_line revoked "$BOB")
like "$line" '"from":"VALID","to":"REVOKED","reason":"unspecified","by":"bob"' \
    "audit: revoked, from VALID, reason unspecified, by bob"
like "$line" "\"by_cert_id\":\"$BOB\",\"peer\":\"127.0.0.1\"" \
    "audit: names bob's certificate and address"
admin_post "$BOB_P12" "$CAROL" revoke
is "$CODE $ECODE" "403 forbidden" "a revoked certificate cannot act"
like "$BODY" 'is REVOKED, not VALID' "the refusal says it is revoked"

# ---- the bootstrap admin
admin_post "$ADMIN" "$BOB" revoke
is "$CODE $ECODE" "409 invalid_transition" "revoking twice: 409"
like "$BODY" "certificate $BOB is REVOKED; revocation is final" \
    "the conflict names the state"
admin_post "$ADMIN" "$CAROL" revoke
is "$CODE $STATE" "200 REVOKED" "admin revokes carol's certificate"
like "$(audit_line revoked "$CAROL")" '"by":"admin","by_cert_id":"[0-9a-f]{8}:[0-9]+"' \
    "audit: revoked by admin"
admin_post "$ADMIN" "$DAVE" approve
is "$CODE $ECODE" "409 invalid_transition" "approving a VALID certificate: 409"
like "$BODY" "$DAVE is VALID" "the conflict names VALID"

# ---- approval: approve one, deny another
issue_client pendy
PENDY=$ID
is "$(status_of "$PENDY")" PENDING_APPROVAL "pendy waits for approval"
issue_client pending2
PEND2=$ID
admin_post "$(keychain_path dave client)" "$PENDY" approve
is "$CODE $ECODE" "403 forbidden" "dave may not approve"
admin_post "$ADMIN" "$PENDY" approve
is "$CODE $STATE" "200 VALID" "admin approves: VALID"
like "$(audit_line approved "$PENDY")" \
    '"from":"PENDING_APPROVAL","to":"VALID","by":"admin"' \
    "audit: approved, PENDING_APPROVAL to VALID"
admin_post "$ADMIN" "$PEND2" deny
is "$CODE $STATE" "200 REVOKED" "admin denies: REVOKED"
like "$(audit_line denied "$PEND2")" \
    '"from":"PENDING_APPROVAL","to":"REVOKED","reason":"unspecified","by":"admin"' \
    "audit: denied, PENDING_APPROVAL to REVOKED"
admin_post "$ADMIN" "$PENDY" deny
is "$CODE $ECODE" "409 invalid_transition" "denying an approved certificate: 409"

# ---- a new administrator, offline
run as_pvacms --admin-keychain-new alice --admins "admin alice" \
    --http-listen "127.0.0.1:$HTTP_PORT"
is "$RC" 0 "--admin-keychain-new alice exits 0"
is "$(printf '%s\n' "$OUT" | sed -n 1p)" "Keychain file created   : $CFG/alice.p12" \
    "it names the keychain, next to the bootstrap admin's"
ALICE=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
like "$ALICE" "^$ISSUER:[0-9]+\$" "it prints the certificate id"
is "$ERR" "" "no warning for a listed name"
is "$(file_mode "$CFG/alice.p12")" 600 "the keychain is mode 0600"
is "$("$OPENSSL" pkcs12 -in "$CFG/alice.p12" -passin pass: -nokeys -clcerts \
    2>/dev/null | "$OPENSSL" x509 -noout -subject -nameopt RFC2253)" \
    "subject=CN=alice" "the keychain holds CN=alice"
like "$(audit_line issued "$ALICE")" '"cn":"alice"' "audit: issued to alice"
sum=$(sha256sum <"$CFG/alice.p12")
run as_pvacms --admin-keychain-new alice --admins "admin alice"
check "a second --admin-keychain-new alice fails" [ "$RC" -ne 0 ]
like "$ERR" "alice.p12 already exists; not overwriting" \
    "it refuses to overwrite"
is "$(nlines "$ERR")" 1 "in one line"
is "$(sha256sum <"$CFG/alice.p12")" "$sum" "the keychain is untouched"

admin_post "$CFG/alice.p12" "$DAVE" revoke
is "$CODE $STATE" "200 REVOKED" "alice (listed) revokes dave's certificate"
like "$(audit_line revoked "$DAVE")" "\"by\":\"alice\",\"by_cert_id\":\"$ALICE\"" \
    "audit: revoked by alice"

mkdir -p "$ROOT/out"
chmod 755 "$ROOT/out"
# An administrator made by pvacms needs no listing and no restart: the
# keychain works against the running daemon at once.
run as_pvacms --admin-keychain-new mallory --admins "admin alice" \
    --out "$ROOT/out/sub/mallory.p12"
is "$RC" 0 "--admin-keychain-new mallory --out FILE exits 0"
like "$OUT" "Keychain file created   : $ROOT/out/sub/mallory.p12" \
    "it writes where --out says"
MALLORY=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
is "$ERR" "" "no warning for a name that is not listed"
is "$(file_mode "$ROOT/out/sub")" 700 "a directory it makes is mode 0700"
like "$(audit_line issued "$MALLORY")" '"usage":"admin","admin":"true","cn":"mallory"' \
    "audit: issued with usage admin"
issue_client erin
ERIN=$ID
issue_client frank
FRANK=$ID
admin_post "$ROOT/out/sub/mallory.p12" "$FRANK" revoke
is "$CODE $STATE" "200 REVOKED" \
    "mallory's new keychain revokes at once, unlisted, without a restart"
like "$(audit_line revoked "$FRANK")" "\"by\":\"mallory\",\"by_cert_id\":\"$MALLORY\"" \
    "audit: revoked by mallory"

# The role belongs to the certificate pvacms made, not to the name: a
# token-issued certificate for mallory is no administrator ...
issue_client mallory
admin_post "$(keychain_path mallory client)" "$ERIN" revoke
is "$CODE $ECODE" "403 forbidden" "mallory's token certificate may not revoke erin's"
# ... while EPICS_PVACMS_ADMINS lists names, which token certificates
# match too (pvacms(8) ADMINISTRATION says to list reserved names).
issue_client alice
ALICE_TOKEN=$ID
issue_client pending3
admin_post "$(keychain_path alice client)" "$ID" approve
is "$CODE $STATE" "200 VALID" "a token certificate whose CN is listed approves"
# A listed name acts as an administrator only with a certificate meant
# for TLS clients.
make_home alicesrv
get_token alice >"$ROOT/home/alicesrv/token_file"
run as_user alicesrv authnjwt -u server --token-file token_file
admin_post "$(keychain_path alicesrv server)" "$ERIN" revoke
is "$CODE $ECODE" "403 forbidden" "alice's server certificate may not revoke erin's"
like "$BODY" "\\(CN=alice\\) is an administrator's, but not for TLS clients" \
    "the refusal says why"

# ---- a revoked administrator can no longer act
admin_post "$ADMIN" "$ALICE" revoke
is "$CODE $STATE" "200 REVOKED" "admin revokes alice's certificate"
admin_post "$CFG/alice.p12" "$ERIN" revoke
is "$CODE $ECODE" "403 forbidden" "the revoked alice may no longer act"
like "$BODY" "$ALICE \\(CN=alice\\) is REVOKED" "the refusal says why"
admin_post "$ADMIN" "$MALLORY" revoke
admin_post "$ROOT/out/sub/mallory.p12" "$ERIN" revoke
is "$CODE $ECODE" "403 forbidden" "nor the revoked mallory"
is "$(status_of "$ERIN")" VALID "erin's certificate is untouched"
is "$(status_of "$ALICE_TOKEN")" VALID "alice's token certificate is another certificate"

# ---- the audit log holds no secrets
unlike "$(cat "$AUDIT_LOG")" 'BEGIN|PRIVATE' "no key or PEM in the audit log"
no_token_leaked "$(cat "$ROOT"/home/*/token_file)"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"

done_testing
