#!/bin/bash
# idp_oidc.sh - pvacms against a real OpenID Connect provider, the npm
# package oidc-provider (tests/idp), as a site would run it:
#   - local mode from the issuer URL alone: discovery finds the JWKS
#     (once: SIGHUP keeps what it found);
#     user and client-credentials JWT access tokens (at+jwt) get
#     certificates, ID tokens, wrong audiences and expired tokens do not
#     (token_type_not_allowed, audience_mismatch, token_expired),
#     and a key rotation at the provider is taken on the first token;
#   - a wrong issuer URL, an unreachable provider, a secret file open to
#     others: pvacms says so at start and exits 1;
#   - introspect mode with client credentials (client_secret_basic and
#     client_secret_post): opaque tokens of users and clients get
#     certificates, a token revoked at the provider is token_inactive,
#     a wrong client secret is the site's 502 validator_auth_failed with
#     the provider's own words in the log and the audit line, and a JWT
#     the provider will not introspect is a 502 validator_error;
#   - the claims script sees the introspection answer
#     (client_credentials_claims.lua: a scope per usage).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idp_lib.sh"

setup_root
start_oidc_provider
export PVACMS_BARE=1

# post_as [OPTS] KIND [ARGS]: a token of KIND from the provider, posted
# for a client certificate; sets TOK, CODE, BODY, ECODE.
post_as()
{
	TOK=$(op_token "$@") || bail_out "oidc-provider: no token for $*"
	post_token "$TOK" client
}

# no_opaque_leaked TOKEN: an opaque token is in no log of pvacms.
no_opaque_leaked()
{
	if grep -qF -- "$1" "$ROOT"/run/pvacms*.out "$ROOT"/run/pvacms*.err \
	    "$AUDIT_LOG" 2>/dev/null; then
		not_ok "the opaque token appears in pvacms's output or audit log"
	else
		ok "the opaque token is in no log of pvacms"
	fi
}

# start_fails ARGS...: pvacms with ARGS must refuse to start; sets RC
# and ERR.
start_fails()
{
	make_home bad
	run env -C "$ROOT/home/bad" HOME="$ROOT/home/bad" \
	    XDG_CONFIG_HOME="$ROOT/home/bad/.config" \
	    XDG_DATA_HOME="$ROOT/home/bad/.local/share" \
	    pvacms --https-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
	    --pva no --listen-info "$ROOT/run/bad.listen" "$@"
}

# ---- local mode from the issuer URL alone
start_pvacms --jwt-issuer "$OP_URL" --jwt-audience urn:pvacms \
    --jwt-types at+jwt
like "$(cat "$PVACMS_ERR")" "discovered from the OpenID configuration:.*jwks_uri $OP_URL/" \
    "discovery: the log names the jwks_uri found"
like "$(cat "$PVACMS_ERR")" "mode local" "discovery: local mode chosen"

post_as user-jwt alice
is "$CODE" 201 "local: a user's JWT access token -> 201"
is "$(jwt_header "$TOK" typ)" at+jwt "   (an RFC 9068 at+jwt token)"
like "$(cert_subject)" '^subject=O=127\.0\.0\.1,CN=alice$' \
    "local: CN from sub, O from the issuer's host"
post_as cc-jwt pvacms:client
is "$CODE" 201 "local: a client-credentials JWT -> 201"
like "$(cert_subject)" ',CN=agent$' "local: ... CN is the client (its sub)"

TOK=$(op_token id-token alice)
post_token "$TOK"
is "$CODE" 401 "local: an ID token -> 401"
is "$ECODE" token_type_not_allowed "local: ... token_type_not_allowed"
like "$BODY" 'EPICS_AUTH_JWT_TYPES' "local: ... the message names the setting"

post_as --resource urn:other user-jwt alice
is "$CODE" 401 "local: a token for another audience -> 401"
is "$ECODE" audience_mismatch "local: ... audience_mismatch"

TOK=$(op_token user-opaque alice)
post_token "$TOK"
is "$CODE" 401 "local: an opaque token -> 401"
is "$ECODE" token_malformed "local: ... token_malformed (no JWT to verify)"

# Rotation at the provider: the first token signed with the new key.
old_kid=$(jwt_header "$(op_token user-jwt alice)" kid)
op_rotate drop
post_as user-jwt alice
isnt_kid=$(jwt_header "$TOK" kid)
check "rotation: the provider signs with a new kid" \
    [ "$isnt_kid" != "$old_kid" ]
is "$CODE" 201 "rotation: the first token of the new key -> 201"

make_home alice
op_token user-jwt alice >"$ROOT/home/alice/token_file"
run as_user alice authnjwt --token-file token_file
is "$RC" 0 "local: authnjwt exchanges a provider's token end to end"
check "local: ... and writes the keychain" \
    [ -s "$(keychain_path alice client)" ]
no_token_leaked "$TOK"

# SIGHUP: the same issuers are not asked again (the key set refreshes
# itself; a slow provider must not stall the event loop).
disc=$(grep -c 'GET /.well-known/openid-configuration' "$OP_LOG")
kill -HUP "$PVACMS_PID"
for _ in $(seq $((WAIT_SECS * 20))); do
	grep -q 'what discovery found at start stays' "$PVACMS_ERR" && break
	sleep 0.05
done
like "$(cat "$PVACMS_ERR")" 'the issuers did not change: what discovery found at start stays' \
    "SIGHUP: discovery's findings stay"
is "$(grep -c 'GET /.well-known/openid-configuration' "$OP_LOG")" "$disc" \
    "SIGHUP: ... without asking the provider again"
post_as user-jwt alice
is "$CODE" 201 "SIGHUP: tokens still get certificates"
stop_pvacms

# ---- what is wrong is said at start
start_fails --jwt-issuer "$OP_URL/"
is "$RC" 1 "start: an issuer differing by a slash -> exit 1"
like "$ERR" "names issuer '$OP_URL', not $OP_URL/ \\(it must match exactly\\)" \
    "start: ... the line says which issuer and why"
start_fails --jwt-issuer "http://127.0.0.1:$(free_port)"
is "$RC" 1 "start: an unreachable provider -> exit 1"
like "$ERR" "EPICS_AUTH_JWT_ISSUER: cannot read the OpenID configuration" \
    "start: ... says it could not read the configuration"
cp "$OP_SECRETS/pvacms" "$ROOT/run/loose-secret"
chmod 644 "$ROOT/run/loose-secret"
start_fails --jwt-mode introspect --jwt-issuer "$OP_URL" \
    --jwt-client-id pvacms --jwt-client-secret-file "$ROOT/run/loose-secret"
is "$RC" 1 "start: a secret file of mode 0644 -> exit 1"
like "$ERR" "EPICS_AUTH_JWT_CLIENT_SECRET_FILE: .*loose-secret is open to group or others \\(mode 0644\\)" \
    "start: ... names the variable, the file and the mode"
unlike "$ERR" "$(cat "$OP_SECRETS/pvacms")" "start: ... but not the secret"

# ---- introspect mode: opaque tokens, client_secret_basic
start_pvacms --jwt-mode introspect --jwt-issuer "$OP_URL" \
    --jwt-client-id pvacms --jwt-client-secret-file "$OP_SECRETS/pvacms"
like "$(cat "$PVACMS_ERR")" "introspection_endpoint $OP_URL/" \
    "introspect: the endpoint was discovered"
post_as user-opaque alice
is "$CODE" 201 "introspect: a user's opaque token -> 201"
like "$(cert_subject)" '^subject=O=127\.0\.0\.1,CN=alice$' \
    "introspect: ... CN from the answer's sub"
post_as cc-opaque pvacms:client
is "$CODE" 201 "introspect: a client's opaque token -> 201"
like "$(cert_subject)" ',CN=agent$' \
    "introspect: ... no sub: CN from the answer's client_id"
TOK=$(op_token user-opaque alice)
op_revoke "$TOK" || bail_out "oidc-provider: revocation failed"
post_token "$TOK"
is "$CODE" 401 "introspect: a token revoked at the provider -> 401"
is "$ECODE" token_inactive "introspect: ... token_inactive"
no_opaque_leaked "$TOK"
TOK=$(op_token user-jwt alice)
post_token "$TOK"
is "$CODE" 502 "introspect: a JWT this provider will not introspect -> 502"
is "$ECODE" validator_error "introspect: ... validator_error"
like "$BODY" 'HTTP 400' "introspect: ... with the endpoint's status"
no_token_leaked "$TOK"
stop_pvacms

# ---- client_secret_post; then a wrong secret: the site's problem
start_pvacms --jwt-mode introspect --jwt-issuer "$OP_URL" \
    --jwt-client-id pvacms-post --jwt-client-auth post \
    --jwt-client-secret-file "$OP_SECRETS/pvacms-post"
post_as user-opaque bob
is "$CODE" 201 "client_secret_post: an opaque token -> 201"
stop_pvacms
(umask 077; printf 'not-the-secret\n' >"$ROOT/run/wrong-secret")
start_pvacms --jwt-mode introspect --jwt-issuer "$OP_URL" \
    --jwt-client-id pvacms --jwt-client-secret-file "$ROOT/run/wrong-secret"
post_as user-opaque alice
is "$CODE" 502 "wrong client secret -> 502, not the user's 401/403"
is "$ECODE" validator_auth_failed "wrong client secret -> validator_auth_failed"
like "$BODY" "refused pvacms's own credentials \\(HTTP 401\\)" \
    "wrong client secret: the message says whose credentials"
like "$(cat "$PVACMS_ERR")" "HTTP 401.*invalid_client" \
    "wrong client secret: the log quotes the provider's answer"
is "$(last_denied_code)" validator_auth_failed \
    "wrong client secret: the audit line has the code"
like "$(grep validator_auth_failed "$AUDIT_LOG" | tail -n 1)" 'invalid_client' \
    "wrong client secret: ... and the provider's words"
unlike "$(cat "$PVACMS_ERR" "$AUDIT_LOG")" 'not-the-secret' \
    "wrong client secret: the secret is in no log"
no_token_leaked "$TOK"
stop_pvacms

# ---- the claims script sees the introspection answer
start_pvacms --jwt-mode introspect --jwt-issuer "$OP_URL" \
    --jwt-client-id pvacms --jwt-client-secret-file "$OP_SECRETS/pvacms" \
    --jwt-claims-script "$top_srcdir/lua/client_credentials_claims.lua"
post_as cc-opaque pvacms:client
is "$CODE" 201 "cc script: a client certificate with scope pvacms:client"
TOK=$(op_token cc-opaque pvacms:client)
post_token "$TOK" server
is "$CODE" 403 "cc script: no server certificate without pvacms:server"
like "$BODY" "lacks scope 'pvacms:server'" "cc script: ... and says which"
TOK=$(op_token cc-opaque pvacms:server)
post_token "$TOK" server
is "$CODE" 201 "cc script: a server certificate with pvacms:server"
stop_pvacms

# ---- expired tokens: a provider whose tokens live 2 s, no leeway
start_oidc_provider --at-ttl 2
start_pvacms --jwt-issuer "$OP_URL" --jwt-audience urn:pvacms --jwt-leeway 0
TOK=$(op_token user-jwt alice)
sleep 3
post_token "$TOK"
is "$CODE" 401 "local: an expired JWT -> 401"
is "$ECODE" token_expired "local: ... token_expired"
stop_pvacms
start_pvacms --jwt-mode introspect --jwt-issuer "$OP_URL" --jwt-leeway 0 \
    --jwt-client-id pvacms --jwt-client-secret-file "$OP_SECRETS/pvacms"
TOK=$(op_token user-opaque alice)
sleep 3
post_token "$TOK"
is "$CODE" 401 "introspect: an expired opaque token -> 401"
is "$ECODE" token_inactive "introspect: ... token_inactive (the provider says so)"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
done_testing
