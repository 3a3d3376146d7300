#!/bin/bash
# pva_create.sh - certificates over PVAccess (CERT:CREATE) for PVXS's own
# tools, unchanged: the std authenticator end to end.
#
# pvacms runs with its PVAccess front on loopback and every plugin of
# its directory (jwt and std).  PVXS's authnstd asks for a client and a
# server certificate: both come back PENDING_APPROVAL, written into
# keychains by authnstd itself.  An administrator approves them with
# pvxcert -A (ours, over HTTPS).  Then softIocPVX serves with the server
# keychain and pvxinfo reads it with the client keychain, over TLS with
# x509 identities on both sides, each side checking the other's status
# on pvacms's front.  A subject approved once is approved again
# automatically while it keeps its key (not in its name with another);
# approval per usage can be turned off (an ioc request
# is then VALID at once); `authnstd -a` gets the CA alone.
#
# The PVXS runtime bundle is external: without it the test reports SKIP
# with the reason.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"
. "$(dirname "$0")/pvxs_lib.sh"

setup_root
pvxs_setup
start_issuer
start_pvacms
LI=$ROOT/run/pvacms.listen
PVA_UDP=$(sed -n 's/^pva_udp=.*:\([0-9]*\)$/\1/p' "$LI")
like "$PVA_UDP" '^[0-9]+$' "the listen info names the PVAccess UDP port"
like "$(cat "$PVACMS_ERR")" 'loaded plugin jwt' \
    "no --authenticators: the jwt plugin of the directory serves"
like "$(cat "$PVACMS_ERR")" 'loaded plugin std' \
    "no --authenticators: the std plugin of the directory serves"
pvxs_use_front "$PVA_UDP"
CA_CN="EPICS Root Certificate Authority"

# authnstd_get NAME USAGE KEYCHAIN ARGS...: PVXS's authnstd as user NAME,
# writing KEYCHAIN.  Sets RC, OUT, ERR, ID (issuer:serial).
authnstd_get()
{
	local name=$1 usage=$2 kc=$3
	shift 3
	if [ "$usage" = client ]; then
		PVXS_CLIENT_ENV=()
		pvxs_client "$name" "$kc" authnstd -u "$usage" "$@"
	else
		PVXS_CLIENT_ENV=(EPICS_PVAS_TLS_KEYCHAIN="$kc")
		pvxs_client "$name" "" authnstd -u "$usage" "$@"
		PVXS_CLIENT_ENV=()
	fi
	ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier *: //p')
	[ "$RC" = 0 ] || diag "authnstd $*: exit $RC: $(printf '%s' "$ERR$OUT" | tail -n 3)"
}

# state_of ID: the state pvacms's HTTP status endpoint reports.
state_of()
{
	curl -s --max-time 5 "$STATUS_URL/v1/certs/$1/status" |
	    sed -n 's/.*"state" *: *"\([A-Z_]*\)".*/\1/p'
}

# ---- a client certificate: PENDING_APPROVAL, then approved
CLI_KC=$ROOT/run/alice.p12
authnstd_get alice client "$CLI_KC" -n alice -o lab.example
is "$RC" 0 "authnstd -u client exits 0"
like "$OUT" "Keychain file created *: $CLI_KC" "authnstd wrote the keychain"
like "$ID" '^[0-9a-f]{8}:[0-9]+$' "authnstd prints the certificate id"
CLI_ID=$ID
is "$(state_of "$CLI_ID")" PENDING_APPROVAL \
    "a std certificate starts PENDING_APPROVAL"
p12_extract "$CLI_KC" "$ROOT/run/alice" ||
    not_ok "openssl reads authnstd's keychain"
SUBJ=$("$OPENSSL" x509 -in "$ROOT/run/alice.crt" -noout -subject \
    -nameopt RFC2253 2>/dev/null)
like "$SUBJ" '(^|[=,])CN=alice(,|$)' "the certificate names the requested CN"
like "$SUBJ" '(^|[=,])O=lab\.example(,|$)' "... and the requested O"
is "$("$OPENSSL" x509 -in "$ROOT/run/alice.crt" -noout -pubkey |
    sha256sum)" "$("$OPENSSL" pkey -in "$ROOT/run/alice.key" -pubout |
    sha256sum)" "the certificate certifies authnstd's own key"
like "$(grep '"issued"' "$AUDIT_LOG" | tail -n 1)" '"front":"pva"' \
    "the audit line says the request came over PVAccess"
like "$(grep '"issued"' "$AUDIT_LOG" | tail -n 1)" '"key_proven":"false"' \
    "the audit line says possession of the key was not proven"

run as_user pvacms pvxcert -A "$CLI_ID"
is "$RC" 0 "pvxcert -A approves it"
is "$(state_of "$CLI_ID")" VALID "approved: VALID"

# ---- a server certificate the same way
SRV_KC=$ROOT/run/ioc1.p12
authnstd_get ioc1 server "$SRV_KC" -n ioc1 -o lab.example
is "$RC" 0 "authnstd -u server exits 0"
SRV_ID=$ID
is "$(state_of "$SRV_ID")" PENDING_APPROVAL "the server certificate waits"
run as_user pvacms pvxcert -A "$SRV_ID"
is "$RC" 0 "pvxcert -A approves the server certificate"

# ---- PVXS agents use them: TLS, x509 on both sides
PFX=PVACREATE$$
pvxs_db "$ROOT/run/test.db" "$PFX"
pvxs_start_ioc ioc "$ROOT/run/test.db" EPICS_PVAS_TLS_KEYCHAIN="$SRV_KC"
pvxs_client reader "$CLI_KC" pvxinfo -v -w 10 "$PFX:ai"
is "$RC" 0 "pvxinfo reads the IOC with the std client keychain"
IDENT=$(pvxs_identity "$OUT")
like "$IDENT" "^# TLS x509:${SRV_ID%%:*}:[0-9]+:$CA_CN/ioc1@" \
    "the IOC proves itself over TLS with its std certificate"
pvxs_client reader "$CLI_KC" pvxget -w 10 "$PFX:ai"
like "$OUT" '42\.5' "pvxget reads the value over TLS"
like "$(cat "$IOC_LOG")" 'x509.*alice|alice.*x509' \
    "the IOC sees the client as x509/alice"
pvxs_stop_ioc

# ---- approved before, with the same key: approved again automatically
# (authnstd reuses the key of the keychain it replaces)
authnstd_get alice client "$CLI_KC" -n alice -o lab.example
is "$RC" 0 "a second authnstd for alice (same keychain) exits 0"
is "$(state_of "$ID")" VALID \
    "a subject approved before is approved again with the same key"
like "$(grep '"issued"' "$AUDIT_LOG" | tail -n 1)" '"approval":"prior"' \
    "the audit line says why it needed no administrator"
# The same name with another key proves nothing: it waits.
authnstd_get mallory client "$ROOT/run/mallory.p12" -n alice -o lab.example
is "$RC" 0 "authnstd in alice's name with a new key exits 0"
is "$(state_of "$ID")" PENDING_APPROVAL \
    "the same name with another key is not approved automatically"
authnstd_get bob client "$ROOT/run/bob.p12" -n bob -o lab.example
is "$(state_of "$ID")" PENDING_APPROVAL "another subject still waits"
# PVXS's pvxcert -A writes to the status PV over plain TCP, where nobody
# is authenticated: refused, nothing changes.
pvxs_client bob "$CLI_KC" pvxcert -w 5 -A "$ID"
is "$RC" 4 "PVXS's pvxcert -A over the front is refused (exit 4)"
like "$OUT$ERR" 'read-only' "... with the front's reason"
is "$(state_of "$ID")" PENDING_APPROVAL "... and the certificate still waits"
run as_user pvacms pvxcert -D "$ID"
is "$RC" 0 "pvxcert -D denies bob"
authnstd_get bob client "$ROOT/run/bob2.p12" -n bob -o lab.example
is "$(state_of "$ID")" PENDING_APPROVAL \
    "a denied subject is not approved automatically"

# ---- the trust anchor alone
PVXS_CLIENT_ENV=()
pvxs_client anchor "$ROOT/run/anchor.p12" authnstd -a
is "$RC" 0 "authnstd -a exits 0"
like "$OUT" 'Trust Anchor' "authnstd -a says it got the trust anchor"
"$OPENSSL" pkcs12 -in "$ROOT/run/anchor.p12" -passin pass: -nokeys \
    2>/dev/null | "$OPENSSL" x509 -noout -fingerprint -sha256 \
    >"$ROOT/run/anchor.fp" 2>/dev/null
is "$(cat "$ROOT/run/anchor.fp")" \
    "$("$OPENSSL" x509 -in "$CA_FILE" -noout -fingerprint -sha256)" \
    "the trust anchor is pvacms's CA"

# ---- approval off for ioc certificates only: VALID at once
stop_pvacms
start_pvacms --authenticators std --require-ioc-approval no
pvxs_use_front "$(sed -n 's/^pva_udp=.*:\([0-9]*\)$/\1/p' "$LI")"
unlike "$(cat "$PVACMS_ERR")" 'loaded plugin jwt' \
    "--authenticators std: the jwt plugin does not serve"
authnstd_get ioc2 ioc "$ROOT/run/ioc2.p12" -n ioc2 -o lab.example
is "$RC" 0 "authnstd -u ioc exits 0 (std alone)"
is "$(state_of "$ID")" VALID "--require-ioc-approval no: an ioc certificate is VALID"
authnstd_get carol client "$ROOT/run/carol.p12" -n carol -o lab.example
is "$(state_of "$ID")" PENDING_APPROVAL "a client certificate still waits"

# ---- over HTTPS, std is refused: it is for PVAccess requests
ec_csr https
"$PYTHON3" -c 'import json, sys
print(json.dumps({"type": "std", "usage": "client",
                  "csr": open(sys.argv[1]).read(), "data": {"token": "x"}}))' \
    "$ROOT/run/https.csr" >"$ROOT/run/std.json"
run curl -s --max-time 10 --cacert "$CA_FILE" -H 'Content-Type: application/json' \
    --data-binary @"$ROOT/run/std.json" "$CMS_URL/v1/certs"
like "$OUT" '"code" *: *"bad_request"' \
    "a std request over HTTPS without a name is refused with a reason"

done_testing
