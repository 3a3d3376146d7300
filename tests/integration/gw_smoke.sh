#!/bin/bash
# gw_smoke.sh - the glewlwyd test IdP (glewlwyd_lib.sh) works: a real
# OpenID provider that pvacms can later validate tokens against by
# introspection (RFC 7662).  SKIP when glewlwyd is not installed.
# Checked:
#   - discovery: issuer, token, introspection and revocation endpoints,
#     client_secret_basic for introspection;
#   - a client_credentials access token is a JWT (RS256, typ at+jwt) with
#     the issuer, client_id and scope asked for;
#   - introspection as client "pvacms" (HTTP Basic, client_secret_post, a
#     Bearer token with scope "introspect") says active for it, with
#     client_id, scope, exp; a made-up token is inactive; a wrong client
#     secret is refused (401);
#   - a user token (password grant): sub "alice", introspection names
#     alice; her refresh token is opaque (not a JWT) and introspects as
#     active, token_type refresh_token;
#   - revocation (RFC 7009) makes both inactive;
#   - no token or secret in glewlwyd's log.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/glewlwyd_lib.sh"

setup_root
T0=$(now_ms)
gw_start
diag "glewlwyd started and configured in $(($(now_ms) - T0)) ms"

# member JSON NAME: a top-level member of JSON ("" when absent; JSON for
# non-strings).
member()
{
	printf '%s' "$1" | "$PYTHON3" -c 'import json, sys
try:
    v = json.load(sys.stdin).get(sys.argv[1], "")
except Exception:
    v = "(not JSON)"
print(v if isinstance(v, str) else json.dumps(v))' "$2"
}

DISCO=$(gw_discovery)
is "$(member "$DISCO" issuer)" "http://127.0.0.1:$GW_PORT/api/oidc" \
    "discovery: the issuer is the plugin's URL"
is "$GW_URL" "$(member "$DISCO" issuer)" "GW_URL is the issuer"
is "$(member "$DISCO" introspection_endpoint)" "$GW_URL/introspect" \
    "discovery: introspection_endpoint"
is "$(member "$DISCO" revocation_endpoint)" "$GW_URL/revoke" \
    "discovery: revocation_endpoint"
is "$(member "$DISCO" token_endpoint)" "$GW_URL/token" \
    "discovery: token_endpoint"
like "$(member "$DISCO" introspection_endpoint_auth_methods_supported)" \
    '"client_secret_basic"' "discovery: introspection with HTTP Basic"

# A client_credentials access token.
AT=$(gw_token cc)
like "$AT" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' \
    "client_credentials: the access token is a JWS"
is "$(jwt_header "$AT" alg)/$(jwt_header "$AT" typ)" "RS256/at+jwt" \
    "client_credentials: RS256, typ at+jwt"
is "$(jwt_claim "$AT" iss)" "$GW_URL" "client_credentials: iss"
is "$(jwt_claim "$AT" client_id)/$(jwt_claim "$AT" sub)" "agent/agent" \
    "client_credentials: client_id and sub are the client"
is "$(jwt_claim "$AT" scope)" "pvacms" "client_credentials: scope"

J=$(gw_introspect "$AT")
is "$?/$(member "$J" active)" "0/true" \
    "introspection (Basic) of the access token: active"
is "$(member "$J" client_id)/$(member "$J" scope)" "agent/pvacms" \
    "introspection: client_id and scope"
is "$(member "$J" exp)" "$(jwt_claim "$AT" exp)" \
    "introspection: exp as in the token"
is "$(member "$J" jti)" "$(jwt_claim "$AT" jti)" "introspection: jti"
is "$(member "$(gw_introspect "$AT" post)" active)" true \
    "introspection (client_secret_post): active"
is "$(member "$(gw_introspect "$AT" bearer)" active)" true \
    "introspection (Bearer token with scope introspect): active"
is "$(member "$(gw_introspect "not-a-token")" active)" false \
    "introspection of a made-up token: inactive"
CODE=$(printf 'token=x' | curl -s -o /dev/null -w '%{http_code}' \
    -K <(printf 'user = "pvacms:wrong"\n') --data-binary @- \
    "$GW_INTROSPECT_URL")
is "$CODE" 401 "introspection with a wrong client secret: 401"

# A user's tokens (password grant).
UAT=$(gw_token user)
is "$(jwt_claim "$UAT" sub)/$(jwt_claim "$UAT" client_id)" "alice/agent" \
    "password grant: sub is the user, client_id the client"
J=$(gw_introspect "$UAT")
is "$(member "$J" active)/$(member "$J" sub)/$(member "$J" username)" \
    "true/alice/alice" "introspection of the user token: active, alice"
RT=$(gw_token refresh)
unlike "$RT" '\.' "the refresh token is opaque (not a JWT)"
J=$(gw_introspect "$RT")
is "$(member "$J" active)/$(member "$J" token_type)" "true/refresh_token" \
    "introspection of the opaque refresh token: active"
is "$(member "$J" sub)/$(member "$J" client_id)" "alice/agent" \
    "introspection of the refresh token: sub, client_id"

# Revocation.
check "revoke the access token" gw_revoke "$AT"
is "$(gw_introspect "$AT")" '{"active":false}' \
    "introspection after revocation: inactive"
check "revoke the refresh token" gw_revoke "$RT"
is "$(gw_introspect "$RT")" '{"active":false}' \
    "introspection of the revoked refresh token: inactive"
is "$(member "$(gw_introspect "$UAT")" active)" true \
    "the user's access token is still active"

leak=no
for s in "$AT" "$UAT" "$RT" "$(cat "$GW_SECRETS/agent.secret")" \
    "$(cat "$GW_SECRETS/pvacms.secret")" \
    "$(cat "$GW_SECRETS/alice.password")"; do
	[ -n "$s" ] || continue
	grep -qF -- "$s" "$GW_LOG" "$ROOT/run/glewlwyd.out" && leak=yes
done
is "$leak" no "no token or secret in glewlwyd's log"
is "$(file_mode "$GW_SECRETS/pvacms.secret")" 600 "secret files are 0600"

done_testing
