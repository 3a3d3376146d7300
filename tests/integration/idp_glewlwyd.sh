#!/bin/bash
# idp_glewlwyd.sh - pvacms against Debian's glewlwyd (glewlwyd_lib.sh), an
# OpenID provider whose RFC 7662 introspection answers for its JWT access
# tokens and its opaque refresh tokens:
#   - introspect mode from the issuer URL and a client secret file alone:
#     discovery finds the key set and the introspection endpoint; a JWT is
#     verified locally, then introspected (HTTP Basic, client_secret_post,
#     or a bearer token of pvacms's own);
#   - user and client-credentials tokens get certificates; a token revoked
#     at the provider is token_inactive (while local mode alone, which
#     cannot see a revocation, still takes it); a refresh token is not
#     an access token; a forged signature never reaches the provider;
#   - a wrong client secret is the site's 502 validator_auth_failed.
# SKIP when glewlwyd is not installed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/glewlwyd_lib.sh"

setup_root
gw_start
export PVACMS_BARE=1

# introspections: how many introspection calls glewlwyd has logged.
introspections()
{
	grep -c 'introspect' "$GW_LOG" 2>/dev/null || echo 0
}

GW_ARGS=(--jwt-mode introspect --jwt-issuer "$GW_URL" --jwt-audience pvacms
    --jwt-types at+jwt --jwt-client-id pvacms)

# ---- introspect mode, HTTP Basic, everything discovered
start_pvacms "${GW_ARGS[@]}" \
    --jwt-client-secret-file "$GW_SECRETS/pvacms.secret"
like "$(cat "$PVACMS_ERR")" "discovered from the OpenID configuration: jwks_uri $GW_URL/jwks introspection_endpoint $GW_URL/introspect" \
    "discovery: the key set and the introspection endpoint"
like "$(cat "$PVACMS_ERR")" "mode introspect \\(a JWT is verified locally too\\)" \
    "introspect: with the discovered keys, JWTs are verified here first"

TOK=$(gw_token user) || bail_out "glewlwyd: no user token"
post_token "$TOK"
is "$CODE" 201 "introspect: alice's access token -> 201"
like "$(cert_subject)" '^subject=O=127\.0\.0\.1,CN=alice$' \
    "introspect: ... CN alice, O the issuer's host"
TOK=$(gw_token cc) || bail_out "glewlwyd: no client token"
post_token "$TOK"
is "$CODE" 201 "introspect: a client-credentials token -> 201"
like "$(cert_subject)" ',CN=agent$' "introspect: ... CN agent"

TOK=$(gw_token user)
gw_revoke "$TOK" || bail_out "glewlwyd: revocation failed"
post_token "$TOK"
is "$CODE" 401 "introspect: a token revoked at the provider -> 401"
is "$ECODE" token_inactive "introspect: ... token_inactive"
REVOKED=$TOK

TOK=$(gw_token refresh) || bail_out "glewlwyd: no refresh token"
post_token "$TOK"
is "$CODE" 401 "introspect: an opaque refresh token is no credential -> 401"
is "$ECODE" token_inactive \
    "introspect: ... token_inactive (asked as an access token, it is none)"

TOK=$(gw_token user)
forged="${TOK%.*}.$(printf 'x%.0s' $(seq 342))"
n0=$(introspections)
post_token "$forged"
is "$CODE" 401 "introspect: a forged signature -> 401"
is "$ECODE" bad_signature "introspect: ... bad_signature"
is "$(introspections)" "$n0" "introspect: ... and glewlwyd was never asked"
no_token_leaked "$TOK" "$REVOKED"
stop_pvacms

# ---- client_secret_post, and a bearer token of pvacms's own
start_pvacms "${GW_ARGS[@]}" --jwt-client-auth post \
    --jwt-client-secret-file "$GW_SECRETS/pvacms.secret"
post_token "$(gw_token user)"
is "$CODE" 201 "client_secret_post: alice's token -> 201"
stop_pvacms
(umask 077; gw_token pvacms >"$ROOT/run/pvacms.bearer") ||
    bail_out "glewlwyd: no token for pvacms"
start_pvacms --jwt-mode introspect --jwt-issuer "$GW_URL" \
    --jwt-audience pvacms --jwt-bearer-file "$ROOT/run/pvacms.bearer"
post_token "$(gw_token cc)"
is "$CODE" 201 "bearer: introspection with pvacms's own token -> 201"
stop_pvacms

# ---- a wrong client secret: not the user's fault
(umask 077; printf 'wrong\n' >"$ROOT/run/wrong.secret")
start_pvacms "${GW_ARGS[@]}" --jwt-client-secret-file "$ROOT/run/wrong.secret"
post_token "$(gw_token user)"
is "$CODE" 502 "wrong client secret -> 502"
is "$ECODE" validator_auth_failed "wrong client secret -> validator_auth_failed"
like "$(cat "$PVACMS_ERR")" "refused pvacms's own credentials \\(HTTP 401" \
    "wrong client secret: the log says so, with the status"
stop_pvacms

# ---- local mode alone cannot see the revocation
start_pvacms --jwt-issuer "$GW_URL" --jwt-audience pvacms
post_token "$REVOKED"
is "$CODE" 201 "local mode: the revoked token still verifies (use introspect)"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
done_testing
