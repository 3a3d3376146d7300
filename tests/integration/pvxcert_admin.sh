#!/bin/bash
# pvxcert_admin.sh - `pvxcert -A/-R/-D CERT_ID` as an operator uses it.
#
# The daemon's own user revokes, approves and denies with the bootstrap
# admin keychain it finds on its own; a holder revokes its own
# certificate with its client keychain; anyone else is refused in one
# line that gives pvacms's reason, and nothing changes.  Every success
# prints the new, verified status block and exits 0, and `openssl ocsp`
# agrees with it: a certificate waiting for approval is "unknown", an
# approved one "good", a denied or revoked one "revoked".  Bad ids, flag
# combinations, keychains, passwords and URLs each get a one-line error.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

setup_root
start_issuer
approval_script "$ROOT/approval.lua"
start_pvacms --jwt-claims-script "$ROOT/approval.lua"
plan 79

# ocsp_of CERT_ID: what `openssl ocsp` says of the serial, the signature
# checked against the CA file alone ("good", "revoked", "unknown").
ocsp_of()
{
	local out
	out=$(timeout 10 "$OPENSSL" ocsp -issuer "$CA_FILE" -CAfile "$CA_FILE" \
	    -url "$STATUS_URL/ocsp" -serial "${1#*:}" 2>&1)
	printf '%s\n' "$out" | grep -q '^Response verify OK' || {
		echo "unverified"
		return
	}
	printf '%s\n' "$out" | sed -n 's/^[0-9]*: \([a-z]*\)$/\1/p'
}

# status_line NAME: the value of "NAME:" in the status block in OUT.
status_line()
{
	printf '%s\n' "$OUT" | sed -n "s/^$1 *: //p"
}

issue_client bob
BOB=$ID
issue_client carol
CAROL=$ID
issue_client dave
DAVE=$ID
issue_client erin
ERIN=$ID
issue_client pendy
PENDY=$ID
issue_client pending2
PEND2=$ID
like "$BOB $CAROL $DAVE $ERIN" \
    '^([0-9a-f]{8}:[0-9]+ ){3}[0-9a-f]{8}:[0-9]+$' "four client certificates"
ISSUER=${BOB%%:*}

# ---- the operator revokes with the bootstrap admin keychain
is "$(ocsp_of "$DAVE")" good "openssl ocsp: dave's certificate is good"
run as_user pvacms pvxcert -R "$DAVE"
is "$RC" 0 "pvxcert -R as the daemon's user exits 0"
is "$(printf '%s\n' "$OUT" | sed -n 1,2p)" "Certificate Status:
============================================" "it prints the status block"
is "$(status_line 'Certificate ID')" "$DAVE" "the block names dave's certificate"
is "$(status_line Status)" REVOKED "Status: REVOKED"
like "$(status_line 'Revocation Date')" \
    '^[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9:]{8} [0-9]{4} UTC$' \
    "it shows the revocation date"
is "$ERR" "" "nothing on stderr"
is "$(ocsp_of "$DAVE")" revoked "openssl ocsp agrees: revoked"
like "$(audit_line revoked "$DAVE")" '"by":"admin"' "audit: revoked by admin"

# ---- a holder revokes its own certificate with its client keychain
run as_user bob pvxcert -R "$BOB"
is "$RC" 0 "bob revokes his own certificate: exit 0"
is "$(status_line Status)" REVOKED "bob sees REVOKED"
is "$(ocsp_of "$BOB")" revoked "openssl ocsp agrees"
like "$(audit_line revoked "$BOB")" '"by":"bob"' "audit: revoked by bob"
run as_user bob pvxcert -f "$(keychain_path bob client)"
like "$OUT" 'Status        : REVOKED' "pvxcert -f on bob's keychain: REVOKED"

# ---- a server holds its certificate too, and may revoke it
make_home ioc
get_token ioc >"$ROOT/home/ioc/token_file"
run as_user ioc authnjwt -u server --token-file token_file
IOC=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
run as_user ioc env EPICS_ADMIN_TLS_KEYCHAIN="$(keychain_path ioc server)" \
    pvxcert -R "$IOC"
is "$RC $(status_line Status)" "0 REVOKED" \
    "an IOC revokes its own server certificate with its server keychain"
is "$(ocsp_of "$IOC")" revoked "openssl ocsp agrees"

# ---- everyone else is refused, in one line, and nothing changes
run as_user carol pvxcert -R "$ERIN"
is "$RC" 1 "carol may not revoke erin's certificate: exit 1"
is "$OUT" "" "nothing on stdout"
is "$(nlines "$ERR")" 1 "one line on stderr"
like "$ERR" "^pvxcert: cannot revoke $ERIN: HTTP 403: .*only the holder or an administrator may revoke" \
    "it gives pvacms's reason"
is "$(status_of "$ERIN")" VALID "erin's certificate is still VALID"
is "$(ocsp_of "$ERIN")" good "and openssl ocsp still says good"
run as_user carol pvxcert -A "$PENDY"
is "$RC" 1 "carol may not approve"
like "$ERR" "^pvxcert: cannot approve $PENDY: HTTP 403: .*CN=carol is not an administrator" \
    "the refusal names carol"
run as_user bob pvxcert -R "$CAROL"
is "$RC" 1 "bob, revoked, may not act"
like "$ERR" "HTTP 403: .*is REVOKED, not VALID" "the refusal says why"

# A certificate named admin from a token is no administrator: by default
# names make none, whatever the usage.
make_home admin
get_token admin >"$ROOT/home/admin/token_file"
run as_user admin authnjwt -u server --token-file token_file
run as_user admin env \
    EPICS_ADMIN_TLS_KEYCHAIN="$(keychain_path admin server)" \
    pvxcert -R "$ERIN"
is "$RC" 1 "a server certificate named admin may not revoke others"
like "$ERR" "HTTP 403: only the holder or an administrator may revoke a certificate; CN=admin is neither" \
    "the refusal says why"
# A keychain from another CA completes the handshake and is refused by
# pvacms with a reason, not by a TLS alert.
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=admin -days 1 -keyout "$ROOT/rogue.key" -out "$ROOT/rogue.crt" \
    2>/dev/null &&
    "$OPENSSL" pkcs12 -export -inkey "$ROOT/rogue.key" -in "$ROOT/rogue.crt" \
    -passout pass: -out "$ROOT/rogue.p12" 2>/dev/null ||
    bail_out "cannot make a self-signed keychain"
run as_user erin env EPICS_ADMIN_TLS_KEYCHAIN="$ROOT/rogue.p12" \
    pvxcert -R "$ERIN"
is "$RC" 1 "a self-signed CN=admin keychain may not revoke"
like "$ERR" "HTTP 403: the client certificate did not verify: " \
    "pvacms says it did not verify"

# ---- approval: unknown until approved, then good; a denial revokes
is "$(ocsp_of "$PENDY")" unknown "openssl ocsp: a pending certificate is unknown"
run as_user pendy pvxcert "$PENDY"
is "$(status_line Status)" PENDING_APPROVAL "pvxcert: PENDING_APPROVAL"
run as_user pvacms pvxcert -A "$PENDY"
is "$RC" 0 "pvxcert -A exits 0"
is "$(status_line Status)" VALID "the approved certificate is VALID"
is "$(status_line 'Revocation Date')" "" "with no revocation date"
is "$(ocsp_of "$PENDY")" good "openssl ocsp agrees: good"
like "$(audit_line approved "$PENDY")" '"from":"PENDING_APPROVAL","to":"VALID"' \
    "audit: approved"
run as_user pvacms pvxcert --deny "$PEND2"
is "$RC" 0 "pvxcert --deny exits 0"
is "$(status_line Status)" REVOKED "the denied certificate is REVOKED"
is "$(ocsp_of "$PEND2")" revoked "openssl ocsp agrees: revoked"
run as_user pvacms pvxcert -D "$PENDY"
is "$RC" 1 "denying an approved certificate fails"
like "$ERR" "^pvxcert: cannot deny $PENDY: HTTP 409: " "with pvacms's 409"
run as_user pvacms pvxcert -R "$DAVE"
is "$RC" 1 "revoking twice fails"
like "$ERR" 'revocation is final' "it says revocation is final"

# ---- EPICS_ADMIN_TLS_KEYCHAIN picks the identity
ADMIN=$ROOT/home/pvacms/.config/pva/1.4/admin.p12
run as_user erin env EPICS_ADMIN_TLS_KEYCHAIN="$ADMIN" pvxcert -R "$CAROL"
is "$RC" 0 "with EPICS_ADMIN_TLS_KEYCHAIN, erin's shell acts as admin"
is "$(status_line Status)" REVOKED "carol's certificate is REVOKED"
run as_user erin env EPICS_ADMIN_TLS_KEYCHAIN="$ROOT/nowhere.p12" \
    pvxcert -R "$ERIN"
is "$RC" 1 "a missing keychain: exit 1"
is "$ERR" "pvxcert: keychain $ROOT/nowhere.p12 not found: set EPICS_ADMIN_TLS_KEYCHAIN" \
    "it names the missing keychain"
printf 'wrong\n' >"$ROOT/wrong.pwd"
run as_user erin env EPICS_ADMIN_TLS_KEYCHAIN="$ADMIN" \
    EPICS_ADMIN_TLS_KEYCHAIN_PWD_FILE="$ROOT/wrong.pwd" pvxcert -R "$ERIN"
is "$RC" 1 "a wrong keychain password: exit 1"
like "$ERR" "^pvxcert: .*admin.p12" "the error names the keychain"
is "$(nlines "$ERR")" 1 "in one line"
printf 'not a keychain' >"$ROOT/junk.p12"
run as_user erin env EPICS_ADMIN_TLS_KEYCHAIN="$ROOT/junk.p12" pvxcert -R "$ERIN"
is "$RC" 1 "a file that is no keychain: exit 1"
like "$ERR" "^pvxcert: .*junk.p12" "the error names it"
is "$(status_of "$ERIN")" VALID "erin's certificate survived all of that"

# ---- bad ids, flags and URLs
run as_user pvacms pvxcert -R nonsense
is "$RC" 2 "a malformed id: exit 2"
is "$ERR" "pvxcert: malformed certificate id 'nonsense'" "it says so"
run as_user pvacms pvxcert -R "$ISSUER:12345"
is "$RC" 1 "an unknown serial: exit 1"
like "$ERR" "^pvxcert: certificate $ISSUER:12345 is not known to $CMS_URL\$" \
    "it says pvacms does not know it"
run as_user pvacms pvxcert -f "$ADMIN" -R "$ERIN"
is "$RC" 2 "-f with -R: exit 2"
is "$ERR" "pvxcert: -f cannot be combined with -A, -R or -D" "it says why"
run as_user pvacms pvxcert -A "$ERIN" -R "$ERIN"
is "$RC" 2 "-A with -R: exit 2"
is "$ERR" "pvxcert: give one of -A, -R and -D" "it says to give one"
run as_user pvacms env EPICS_PVACMS_URL="$STATUS_URL" pvxcert -R "$ERIN"
is "$RC" 1 "a plain-HTTP EPICS_PVACMS_URL: exit 1"
like "$ERR" 'is not https: administration needs the HTTPS listener' \
    "it asks for the HTTPS listener"

# ---- a revocation reason, signed into the OCSP answer
issue_client kim
KIM=$ID
run as_user pvacms pvxcert --verbose -r keyCompromise -R "$KIM"
is "$RC $(status_line Status)" "0 REVOKED" "-r keyCompromise -R: exit 0, REVOKED"
like "$ERR" "^pvxcert: POST $CMS_URL/v1/certs/$KIM/revoke" \
    "--verbose says what it posts, and where"
OUT=$(timeout 10 "$OPENSSL" ocsp -issuer "$CA_FILE" -CAfile "$CA_FILE" \
    -url "$STATUS_URL/ocsp" -serial "${KIM#*:}" 2>&1)
like "$OUT" 'Reason: keyCompromise' "openssl ocsp: revoked for keyCompromise"
like "$(curl -s "$STATUS_URL/v1/certs/$KIM/status")" \
    '"revocation_reason" *: *"keyCompromise"' "the status JSON names the reason"
like "$(audit_line revoked "$KIM")" '"to":"REVOKED","reason":"keyCompromise"' \
    "audit: the reason is recorded"
run as_user pvacms pvxcert -r bogus -R "$ERIN"
is "$RC" 1 "an unknown reason: exit 1"
like "$ERR" 'HTTP 400: reason must be one of unspecified, keyCompromise' \
    "pvacms lists the reasons it takes"
is "$(status_of "$ERIN")" VALID "and nothing changed"
run as_user pvacms pvxcert -r superseded -A "$ERIN"
is "$RC" 2 "-r with -A: exit 2"
is "$ERR" "pvxcert: -r needs -R or -D" "it says -r goes with -R or -D"

# ---- pvacms down
stop_pvacms
run as_user pvacms pvxcert -R "$ERIN"
is "$RC" 1 "pvacms down: exit 1"
like "$ERR" "^pvxcert: cannot revoke $ERIN: .*(refused|connect)" \
    "it says it cannot connect"
is "$(nlines "$ERR")" 1 "in one line"

no_token_leaked "$(cat "$ROOT"/home/*/token_file)"
done_testing
