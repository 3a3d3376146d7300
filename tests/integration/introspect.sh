#!/bin/bash
# introspect.sh - EPICS_AUTH_JWT_MODE=introspect without any outside
# provider: the sample issuer's RFC 7662 endpoint for JWTs (verified
# locally first, with the keys given by hand); an endpoint that wants
# mutual TLS, behind a site CA (mtls_introspect.py); and the dry run, which
# judges an opaque token by a saved introspection answer and never
# touches the network (not even for discovery).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
export PVACMS_BARE=1

# ---- JWTs, introspected at the sample issuer, keys given by hand
start_pvacms --jwt-mode introspect --jwt-issuer "$ISSUER_URL" \
    --jwt-introspection-uri "http://localhost:$ISSUER_PORT/default/introspect" \
    --jwt-jwks-uri "http://localhost:$ISSUER_PORT/default/jwks" \
    --jwt-audience default
like "$(cat "$PVACMS_ERR")" 'mode introspect \(a JWT is verified locally too\)' \
    "the keys given: JWTs are verified here, then introspected"
unlike "$(cat "$PVACMS_ERR")" 'discovered' "an endpoint given: no discovery"
post_token "$(get_token client)"
is "$CODE" 201 "an active JWT -> 201"
post_token "$(get_token inactive)"
is "$CODE" 401 "a JWT the endpoint calls inactive -> 401"
is "$ECODE" token_inactive "... token_inactive"
is "$(last_denied_code)" token_inactive "... and so says the audit line"
post_token "$(get_token client '&aud=other')"
is "$CODE" 401 "another audience -> 401"
is "$ECODE" audience_mismatch "... audience_mismatch"
stop_pvacms

# A dead endpoint: 503, and the log names it.
start_pvacms --jwt-mode introspect --jwt-issuer "$ISSUER_URL" \
    --jwt-introspection-uri "http://127.0.0.1:$(free_port)/introspect"
post_token "$(get_token client)"
is "$CODE" 503 "an unreachable endpoint -> 503"
is "$ECODE" validator_unreachable "... validator_unreachable"
stop_pvacms

# ---- a validator that wants mutual TLS, with a site CA
m=$ROOT/mtls
mkdir -p "$m" && chmod 700 "$m"
ecreq()	# ecreq NAME SUBJECT: a P-256 key and a CSR
{
	"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$m/$1.key" -out "$m/$1.csr" -subj "$2" 2>/dev/null
}
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$m/ca.key" -out "$m/ca.pem" -subj "/CN=Site CA" -days 1 \
    2>/dev/null || bail_out "openssl: no site CA"
ecreq srv /CN=127.0.0.1 && ecreq cli /CN=pvacms-at-site
printf 'subjectAltName=IP:127.0.0.1\n' >"$m/san.ext"
"$OPENSSL" x509 -req -in "$m/srv.csr" -CA "$m/ca.pem" -CAkey "$m/ca.key" \
    -CAcreateserial -days 1 -extfile "$m/san.ext" -out "$m/srv.pem" \
    2>/dev/null &&
"$OPENSSL" x509 -req -in "$m/cli.csr" -CA "$m/ca.pem" -CAkey "$m/ca.key" \
    -CAcreateserial -days 1 -out "$m/cli.pem" 2>/dev/null &&
(umask 077; "$OPENSSL" pkcs12 -export -in "$m/cli.pem" -inkey "$m/cli.key" \
    -passout pass: -out "$m/kc.p12") || bail_out "openssl: no client keychain"
"$PYTHON3" "$(dirname "$0")/mtls_introspect.py" --cert "$m/srv.pem" \
    --key "$m/srv.key" --ca "$m/ca.pem" --port-file "$m/port" \
    --issuer https://127.0.0.1 --peers "$m/peers" </dev/null \
    >"$m/log" 2>&1 &
track $!
wait_file "$m/port" $! '^[0-9]+$' ||
    bail_out "mtls endpoint did not start: $(tail -n 3 "$m/log")"
MURL=https://127.0.0.1:$(cat "$m/port")/introspect
: >"$m/peers"
start_pvacms --jwt-mode introspect --jwt-issuer https://127.0.0.1 \
    --jwt-introspection-uri "$MURL" --jwt-client-keychain "$m/kc.p12" \
    --jwt-ca-file "$m/ca.pem"
post_token opaqueTokenForMtls42
is "$CODE" 201 "mutual TLS: the endpoint took pvacms's keychain -> 201"
is "$(cat "$m/peers")" pvacms-at-site \
    "mutual TLS: ... and saw pvacms's client certificate"
stop_pvacms
start_pvacms --jwt-mode introspect --jwt-issuer https://127.0.0.1 \
    --jwt-introspection-uri "$MURL" --jwt-ca-file "$m/ca.pem"
post_token opaqueTokenForMtls42
is "$CODE" 503 "no keychain: the endpoint refuses the handshake -> 503"
like "$ECODE" '^validator_' "... a validator error, not the user's"
stop_pvacms
start_pvacms --jwt-mode introspect --jwt-issuer https://127.0.0.1 \
    --jwt-introspection-uri "$MURL" --jwt-client-keychain "$m/kc.p12"
post_token opaqueTokenForMtls42
is "$CODE" 503 "no site CA: the endpoint's certificate is not trusted -> 503"
like "$BODY" 'certificate' "... and the message says why"
stop_pvacms
chmod 644 "$m/kc.p12"
start_fails_kc()
{
	run as_user bad pvacms --https-listen 127.0.0.1:0 \
	    --http-listen 127.0.0.1:0 --pva no --jwt-mode introspect \
	    --jwt-issuer https://127.0.0.1 --jwt-introspection-uri "$MURL" \
	    --jwt-client-keychain "$m/kc.p12"
}
start_fails_kc
is "$RC" 1 "a keychain open to others stops pvacms"
like "$ERR" 'EPICS_AUTH_JWT_CLIENT_KEYCHAIN: .*kc\.p12 is open to group or others' \
    "... naming the variable and the file"

# ---- the dry run: a saved answer, no network
make_home dryrun
d=$ROOT/home/dryrun
printf 'opaqueTok123\n' >"$d/opaque"
exp=$(( $(date +%s) + 600 ))
answer()
{
	printf '{"active":%s,"sub":"alice","exp":%s,"iss":"https://idp.example",'\
'"token_type":"%s"}' "$1" "$exp" "$2" >"$d/answer.json"
}
INTRO=(--jwt-mode introspect --jwt-issuer https://idp.example
    --jwt-introspection-uri https://idp.example/introspect)
answer true Bearer
dry_run --token opaque --response answer.json "${INTRO[@]}"
is "$RC" 0 "dry run: an active opaque token is allowed"
is "$(dry_field Subject)" "CN=alice, O=idp.example" \
    "dry run: ... CN from the answer, O from the issuer"
answer true refresh_token
dry_run --token opaque --response answer.json "${INTRO[@]}"
is "$RC" 1 "dry run: an active refresh token is refused"
is "$(dry_field Code)" token_type_not_allowed "dry run: ... not an access token"
answer false Bearer
dry_run --token opaque --response answer.json "${INTRO[@]}"
is "$(dry_field Code)" token_inactive "dry run: active false -> token_inactive"
dry_run --token opaque --response answer.json --jwt-mode introspect \
    --jwt-issuer https://idp.example \
    --jwt-introspection-uri 'https://idp.example/introspect?key=s3cr3t'
like "$ERR" 'introspected at https://idp.example/introspect\?\.\.\.' \
    "dry run: the log names the endpoint..."
unlike "$ERR" 's3cr3t' "dry run: ... but not its query"
dry_run --token opaque "${INTRO[@]}"
is "$RC" 1 "dry run: an opaque token without a saved answer cannot be judged"
like "$(dry_field Reason)" 'introspection answer \(--response\)' \
    "dry run: ... and says what is missing"
dry_run --token opaque --jwt-issuer "http://127.0.0.1:$(free_port)"
is "$RC" 1 "dry run: discovery is refused: a dry run stays offline"
like "$ERR" 'a dry run makes no network request' "dry run: ... and says so"
done_testing
