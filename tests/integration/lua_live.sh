#!/bin/bash
# lua_live.sh - the Lua hooks on the live request path, end to end through
# authnjwt, with no C change for the site: pvacms POSTs the token as a
# form to the sample issuer's RFC 7662 introspection endpoint, the
# shipped introspection_response.lua judges the {"active": ...} answer
# and keycloak_claims.lua maps preferred_username, realm roles and
# groups to the subject, or denies.  Then a site script that asks for
# approval starts the certificate in PENDING_APPROVAL.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer

LUA=$top_srcdir/lua
INTROSPECT=http://localhost:$ISSUER_PORT/default/introspect
# The claims script through its variable, the rest through flags.
export EPICS_AUTH_JWT_CLAIMS_SCRIPT=$LUA/keycloak_claims.lua
start_pvacms --jwt-trusted-uri "$INTROSPECT" \
    --jwt-request-method POST --jwt-request-format 'token=#token#' \
    --jwt-response-script "$LUA/introspection_response.lua"
unset EPICS_AUTH_JWT_CLAIMS_SCRIPT

like "$(cat "$PVACMS_ERR")" 'validator http://localhost:[0-9]+/default/introspect \(POST\)' \
    "pvacms logs the introspection endpoint as validator"

# user NAME SUB QUERY: NAME's token from the issuer in NAME's home.
user_token()
{
	make_home "$1"
	get_token "$2" "$3" >"$ROOT/home/$1/token_file" ||
	    bail_out "no token for $1"
}

# ---- alice: username, a role, a group -> CN=alice, OU=operators
user_token alice u-1234 \
    '&preferred_username=alice&roles=epics-user&groups=/lab/operators'
run as_user alice authnjwt --token-file token_file
is "$RC" 0 "alice: authnjwt exits 0"
is "$ERR" "" "alice: authnjwt is silent on stderr"
p12=$(keychain_path alice client)
check "alice: keychain written" [ -f "$p12" ]
id=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
like "$id" '^[0-9a-f]{8}:[0-9]+$' "alice: certificate identifier printed"
run as_user alice pvxcert -f "$p12"
is "$RC" 0 "alice: pvxcert -f exits 0"
is "$(printf '%s\n' "$OUT" | sed -n 's/^Entity Subject : //p')" \
    "CN=alice, O=localhost, OU=operators" \
    "alice: subject from preferred_username and the group"
is "$(printf '%s\n' "$OUT" | sed -n 's/^Status *: //p')" VALID \
    "alice: certificate VALID"
like "$(grep '"event":"issued"' "$AUDIT_LOG" | tail -n 1)" \
    '"sub":"u-1234".*"cn":"alice"' "audit: issued to sub u-1234 as CN alice"
like "$(grep 'POST /default/introspect' "$ISSUER_LOG")" ' 200$' \
    "issuer: the validator call was a POST to the introspection endpoint"
like "$(grep 'introspect: active token' "$ISSUER_LOG")" 'sub=u-1234' \
    "issuer: the form body carried the token (it decoded it)"

# ---- bob: no allowed role -> denied by extract_claims
user_token bob bob '&preferred_username=bob&roles=guest'
run as_user bob authnjwt --token-file token_file
is "$RC" 1 "bob: authnjwt exits 1"
is "$ERR" "authnjwt: request denied: extract_claims: user 'bob' has none of the roles epics-user, ioc-admin" \
    "bob: one line naming the hook and the script's reason"
check "bob: no keychain" [ ! -e "$(keychain_path bob client)" ]
like "$(grep '"event":"denied"' "$AUDIT_LOG" | tail -n 1)" \
    '"code":"script_denied".*"sub":"bob"' "audit: bob denied, script_denied"

# ---- an inactive token -> refused by interpret_response
user_token ina inactive '&preferred_username=ina&roles=epics-user'
run as_user ina authnjwt --token-file token_file
is "$RC" 1 "inactive: authnjwt exits 1"
is "$ERR" "authnjwt: token rejected: interpret_response: token is not active" \
    "inactive: the introspection answer refuses the token"
check "inactive: no keychain" [ ! -e "$(keychain_path ina client)" ]

# ---- the local checks still run before any hook
user_token old alice '&preferred_username=alice&roles=epics-user&exp_secs=-120'
run as_user old authnjwt --token-file token_file
is "$RC" 1 "expired: authnjwt exits 1"
like "$ERR" 'token expired' "expired: refused by the C checks"
check "pvacms still answers /healthz" healthz

stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
unlike "$(cat "$PVACMS_ERR")" 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' \
    "no crash or sanitizer report in pvacms's log"

# ---- approval = true from a site script -> PENDING_APPROVAL
cat >"$ROOT/approval.lua" <<'EOF'
-- Every certificate waits for an administrator.
function extract_claims(token)
	return { approval = true, ou = "awaiting approval" }
end
EOF
start_pvacms --jwt-trusted-uri "$INTROSPECT" \
    --jwt-request-method POST --jwt-request-format 'token=#token#' \
    --jwt-response-script "$LUA/introspection_response.lua" \
    --jwt-claims-script "$ROOT/approval.lua"
user_token gina gina '&preferred_username=gina'
run as_user gina authnjwt --token-file token_file
is "$RC" 0 "approval: authnjwt exits 0"
p12=$(keychain_path gina client)
check "approval: keychain written" [ -f "$p12" ]
run as_user gina pvxcert -f "$p12"
is "$(printf '%s\n' "$OUT" | sed -n 's/^Status *: //p')" PENDING_APPROVAL \
    "approval: pvxcert shows Status: PENDING_APPROVAL"
is "$(printf '%s\n' "$OUT" | sed -n 's/^Entity Subject : //p')" \
    "CN=gina, O=localhost, OU=awaiting approval" \
    "approval: the script's OU"

done_testing
