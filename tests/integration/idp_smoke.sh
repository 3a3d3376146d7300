#!/bin/bash
# idp_smoke.sh - the test OpenID Connect provider (tests/idp, the npm
# package oidc-provider) works: discovery, every token kind, introspection,
# revocation and key rotation.  SKIP without node/npm or the npm registry.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idp_lib.sh"

setup_root
op_install
t0=$(now_ms)
start_oidc_provider
diag "oidc-provider up in $(($(now_ms) - t0)) ms"

DISC=$(curl -sf --max-time "$WAIT_SECS" "$OP_URL/.well-known/openid-configuration")
field()
{
	printf '%s' "$DISC" | "$PYTHON3" -c \
	    'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}
is "$(field issuer)" "$OP_URL" "discovery: issuer is $OP_URL"
like "$(field jwks_uri)" "^$OP_URL/" "discovery: jwks_uri"
like "$(field introspection_endpoint)" "^$OP_URL/" \
    "discovery: introspection_endpoint"

T=$(op_token cc-jwt pvacms:client)
is "$(jwt_header "$T" typ)" at+jwt "cc-jwt: typ at+jwt"
is "$(jwt_claim "$T" aud)" urn:pvacms "cc-jwt: aud urn:pvacms"
is "$(jwt_claim "$T" sub)" agent "cc-jwt: sub is the client"

T=$(op_token user-jwt alice)
is "$(jwt_header "$T" typ)" at+jwt "user-jwt: typ at+jwt"
is "$(jwt_claim "$T" sub)" alice "user-jwt: sub alice"
is "$(jwt_claim "$T" aud)" urn:pvacms "user-jwt: aud urn:pvacms"
out=$(op_introspect "$T" 2>&1)
like "$out" unsupported_token_type \
    "introspection refuses a JWT access token (oidc-provider)"

T=$(op_token id-token alice)
like "$(jwt_header "$T" typ)" '^(JWT)?$' "id-token: typ JWT or none"
is "$(jwt_claim "$T" aud)" agent "id-token: aud agent"
is "$(jwt_claim "$T" sub)" alice "id-token: sub alice"

T=$(op_token user-opaque alice)
like "$T" '^[A-Za-z0-9_-]+$' "user-opaque: no dots"
out=$(op_introspect "$T")
like "$out" '"active":true' "introspect(opaque): active"
like "$out" '"sub":"alice"' "introspect(opaque): sub alice"
like "$(op_introspect "$T" --client pvacms-post)" '"active":true' \
    "introspect as pvacms-post (client_secret_post): active"
check "revoke (as agent)" op_revoke "$T"
is "$(op_introspect "$T")" '{"active":false}' "introspect after revoke: inactive"

T=$(op_token cc-opaque)
like "$(op_introspect "$T")" '"client_id":"agent"' \
    "cc-opaque: introspected, client agent"

old=$(op_kids)
op_rotate
new=$(op_kids | head -n 1)
is "$new" "$OP_KID" "rotate: the new kid is published first"
unlike "$old" "^$OP_KID\$" "rotate: the kid is new"
is "$(jwt_header "$(op_token cc-jwt)" kid)" "$OP_KID" \
    "rotate: new tokens are signed with the new key"

like "$(op_introspect "$(op_token cc-opaque)")" '"active":true' \
    "introspection still works after the rotation"

leak=no
grep -qF -f "$OP_SECRETS/agent" "$OP_LOG" && leak=yes
grep -q 'eyJ' "$OP_LOG" && leak=yes
is "$leak" no "no secret or JWT in the provider's log"

done_testing
