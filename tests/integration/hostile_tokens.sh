#!/bin/bash
# hostile_tokens.sh - forged and malformed tokens are refused, each with
# its own reason code, in local mode (signature checked by pvacms
# against the issuer's JWKS) and in remote mode (the issuer's validator
# decides), and the daemon keeps serving (issue #4).
#
# Each token is tried twice: POSTed straight to /v1/certs with curl (the
# answer must be 401 with the expected JSON error code, and the audit
# log's last "denied" line must carry the same code), and handed to
# authnjwt (non-zero exit, exactly one line on stderr, no keychain left).
# The tokens come from craft_token.py, which signs with the issuer's own
# keys (its --key-dir) whenever a case needs a real signature, so that
# only the property under test is wrong.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
ISSUER_KEYS=$ROOT/run/issuer-keys
start_issuer --key-dir "$ISSUER_KEYS"
make_home client
CLIENT_P12=$(keychain_path client client)
TOKENS=()

# case  local-code  remote-code
CASES="
none		alg_not_allowed		alg_not_allowed
hs-confusion	alg_not_allowed		token_rejected
wrong-key	bad_signature		token_rejected
unknown-kid	kid_unknown		token_rejected
jku		alg_not_allowed		alg_not_allowed
jwk		alg_not_allowed		alg_not_allowed
tampered	bad_signature		token_rejected
expired		token_expired		token_expired
future-nbf	token_not_yet_valid	token_not_yet_valid
no-exp		token_malformed		token_malformed
huge-exp	token_malformed		token_malformed
wrong-aud	audience_mismatch	token_rejected
wrong-iss	issuer_mismatch		issuer_mismatch
iss-prefix	issuer_mismatch		issuer_mismatch
iss-suffix	issuer_mismatch		issuer_mismatch
oversized	token_malformed		token_malformed
truncated	token_malformed		token_malformed
non-json	token_malformed		token_malformed
"

# refused MODE CASE CODE: the crafted token of CASE is refused with CODE.
refused()
{
	local mode=$1 case=$2 code=$3 t name
	name="$mode: $case"
	t=$(craft "$case")
	if [ -z "$t" ]; then
		not_ok "$name: craft_token.py made a token"
		return
	fi
	TOKENS+=("$t")
	post_token "$t"
	is "$CODE" 401 "$name: POST /v1/certs answers 401"
	is "$ECODE" "$code" "$name: error code $code"
	is "$(last_denied_code)" "$code" "$name: audit log denied, $code"

	printf '%s\n' "$t" >"$ROOT/home/client/token_file"
	run as_user client authnjwt --token-file token_file
	if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
		ok "$name: authnjwt exits non-zero"
	else
		not_ok "$name: authnjwt exits non-zero" "rc=$RC" "stderr: $ERR"
	fi
	is "$(nlines "$ERR")" 1 "$name: authnjwt prints one line on stderr"
	like "$ERR" '^authnjwt: token rejected: ' \
	    "$name: authnjwt says the token was rejected"
	check "$name: no keychain is left behind" [ ! -e "$CLIENT_P12" ]
}

# suite MODE: every case against the pvacms running in MODE.
suite()
{
	local mode=$1 case lcode rcode code t
	t=$(craft good)
	post_token "$t"
	is "$CODE" 201 "$mode: a well-formed token still gets a certificate"
	t=$(get_token client)
	post_token "$t"
	is "$CODE" 201 "$mode: a token from the issuer gets a certificate"
	while read -r case lcode rcode; do
		[ -n "$case" ] || continue
		[ "$mode" = local ] && code=$lcode || code=$rcode
		refused "$mode" "$case" "$code"
	done <<<"$CASES"
	check "$mode: after all that, /healthz answers" healthz
	check "$mode: after all that, HTTPS /healthz answers" healthz_https
	t=$(craft good)
	post_token "$t"
	is "$CODE" 201 "$mode: after all that, a good token still works"
}

# ---- local mode: pvacms checks the signature against the JWKS
start_pvacms_local
suite local
like "$(grep -c . "$AUDIT_LOG")" '^[0-9]+$' "local: the audit log exists"
stop_pvacms
is "$STOP_RC" 0 "local: pvacms stops cleanly"

# ---- remote mode: the issuer's validator decides (and checks aud)
start_pvacms --jwt-trusted-uri \
    "http://localhost:$ISSUER_PORT/default/verify?expected_aud=default"
suite remote
stop_pvacms
is "$STOP_RC" 0 "remote: pvacms stops cleanly"

# ---- nothing leaked: no token in the daemon's logs or the audit log
no_token_leaked "${TOKENS[@]}"

done_testing
