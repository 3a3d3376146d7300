#!/bin/bash
# local_jwks.sh - local verification against a live JWKS (issue #4):
# RS256 and ES256 tokens get certificates; a key rotation at the issuer
# (new kid) right after pvacms fetched the JWKS is picked up by one
# refetch, on the first token, with the default 30 s cooldown (issue 10,
# point 6); an unknown kid inside that cooldown is answered 503 with
# Retry-After (curl and authnjwt); a flood of tokens with random kids
# costs at most a few JWKS fetches; and with an HS secret allowed next
# to the JWKS, an HS256 token keyed with the issuer's public key (the
# algorithm confusion) still fails its signature check.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
ISSUER_KEYS=$ROOT/run/issuer-keys
start_issuer --key-dir "$ISSUER_KEYS" --jwks-max-age 600
make_home client

like "$(curl -sfi --max-time 5 \
    "http://localhost:$ISSUER_PORT/default/jwks")" \
    'Cache-Control: max-age=600' "issuer: --jwks-max-age sets Cache-Control"
is "$(issuer_stat jwks_fetches)" 1 "issuer: the stats count JWKS fetches"

# post_token_headers TOKEN: like post_token (CODE, BODY, ECODE), in one
# request whose answer's headers also land in HDRS.
post_token_headers()
{
	"$OPENSSL" req -new -newkey rsa:2048 -nodes -subj /CN=x \
	    -keyout "$ROOT/run/ph.key" -out "$ROOT/run/ph.csr" 2>/dev/null
	"$PYTHON3" - "$ROOT/run/ph.csr" "$1" >"$ROOT/run/ph.body" <<'EOF_PY'
import json, sys
print(json.dumps({"type": "jwt", "usage": "client",
                  "csr": open(sys.argv[1]).read(),
                  "data": {"token": sys.argv[2]}}))
EOF_PY
	HDRS=$(curl -s --max-time "$RUN_TIMEOUT" --cacert "$CA_FILE" \
	    -D - -o "$ROOT/run/ph.answer" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/ph.body" "$CMS_URL/v1/certs" |
	    tr -d '\r')
	CODE=$(printf '%s\n' "$HDRS" |
	    sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
	BODY=$(cat "$ROOT/run/ph.answer")
	ECODE=$(printf '%s' "$BODY" |
	    sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p')
}

# ---- RS256 and ES256 in local mode, the default cooldown (30 s)
start_pvacms_local
f0=$(issuer_stat jwks_fetches)
t=$(get_token client)
is "$(jwt_claim "$t" sub)" client "an RS256 token from the issuer"
post_token "$t"
is "$CODE" 201 "local: RS256 token -> 201"
like "$BODY" '"state" *: *"VALID"' "local: RS256 certificate is VALID"
is "$(( $(issuer_stat jwks_fetches) - f0 ))" 1 \
    "local: the first token fetched the JWKS once"

t=$(get_token client '&alg=ES256')
is "$(jwt_header "$t" alg)" ES256 "the issuer signs ES256 on request"
post_token "$t"
is "$CODE" 201 "local: ES256 token -> 201"
like "$BODY" '"cert_id"' "local: ES256 answer carries a cert_id"
t=$(craft good-es256)
printf '%s\n' "$t" >"$ROOT/home/client/token_file"
run as_user client authnjwt --token-file token_file
is "$RC" 0 "local: authnjwt gets a certificate for an ES256 token"
check "local: ES256: the keychain exists" \
    [ -s "$(keychain_path client client)" ]
is "$(( $(issuer_stat jwks_fetches) - f0 ))" 1 \
    "local: ES256 tokens needed no more fetches"

# ---- rotation: a new key (new kid) at the issuer, seconds after the
# JWKS fetch above: no waiting for a cooldown
rot=$(curl -sf --max-time 30 -X POST \
    "http://localhost:$ISSUER_PORT/default/rotate")
like "$rot" '"kid" *: *"demo-key-2"' "issuer: rotate makes kid demo-key-2"
t=$(get_token client)
is "$(jwt_header "$t" kid)" demo-key-2 "issuer: new tokens carry the new kid"
f1=$(issuer_stat jwks_fetches)
printf '%s\n' "$t" >"$ROOT/home/client/token_file"
run as_user client authnjwt --token-file token_file
is "$RC" 0 "rotation: authnjwt gets a certificate for the first token\
 signed with the new key"
[ "$RC" -eq 0 ] || diag "$ERR"
is "$(( $(issuer_stat jwks_fetches) - f1 ))" 1 \
    "rotation: ... after exactly one refetch"

# ---- another unknown kid inside the cooldown that refetch started:
# not a bad token (it might be a key published since), so 503 with
# Retry-After, and no fetch
t=$(craft random-kid)
post_token_headers "$t"
is "$CODE" 503 "cooldown: an unknown kid inside it -> 503"
is "$ECODE" jwks_refresh_pending "cooldown: ... jwks_refresh_pending"
like "$BODY" 'retry in [0-9]+ s' "cooldown: ... the message says when"
ra=$(printf '%s\n' "$HDRS" | sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\)$/\1/p')
check "cooldown: ... with Retry-After in 1..30 ('$ra')" \
    [ "${ra:-0}" -ge 1 -a "${ra:-0}" -le 30 ]
like "$HDRS" '^HTTP/[0-9.]+ 503' "cooldown: curl -i sees HTTP 503"
is "$(last_denied_code)" jwks_refresh_pending \
    "cooldown: audit log denied, jwks_refresh_pending"
t=$(craft random-kid)
printf '%s\n' "$t" >"$ROOT/home/client/token_file"
run as_user client authnjwt --token-file token_file
check "cooldown: authnjwt exits non-zero (rc=$RC)" [ "$RC" -ne 0 ]
is "$(nlines "$ERR")" 1 "cooldown: authnjwt prints one line"
diag "$ERR"
like "$ERR" '^authnjwt: pvacms busy: .*kid .* unknown.*\(retry in [0-9]+ s\)$' \
    "cooldown: authnjwt says pvacms is busy and when to retry"
is "$(( $(issuer_stat jwks_fetches) - f1 ))" 1 \
    "cooldown: ... no fetch for those"
t=$(craft good)
post_token "$t"
is "$CODE" 201 "local: the old key (still published) still works"
is "$(( $(issuer_stat jwks_fetches) - f1 ))" 1 \
    "local: ... without another fetch"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"

# ---- kid flood: 100 tokens with random kids, 8 at a time, right after
# a start (no keys held yet), default cooldown (30 s)
start_pvacms_local
craft random-kid --count 100 >"$ROOT/run/flood.tokens"
is "$(grep -c . "$ROOT/run/flood.tokens")" 100 "100 tokens with random kids"
"$OPENSSL" req -new -newkey rsa:2048 -nodes -keyout "$ROOT/run/flood.key" \
    -subj /CN=x -out "$ROOT/run/flood.csr" 2>/dev/null
mkdir -p "$ROOT/run/flood"
"$PYTHON3" - "$ROOT/run/flood.csr" "$ROOT/run/flood.tokens" \
    "$ROOT/run/flood" <<'EOF_PY'
import json, sys
csr = open(sys.argv[1]).read()
for i, t in enumerate(open(sys.argv[2]).read().split()):
    with open("%s/%03d.json" % (sys.argv[3], i), "w") as f:
        json.dump({"type": "jwt", "usage": "client", "csr": csr,
                   "data": {"token": t}}, f)
EOF_PY
f0=$(issuer_stat jwks_fetches)
t0=$(now_ms)
find "$ROOT/run/flood" -name '*.json' -print0 | sort -z |
    xargs -0 -P 8 -I{} curl -s --max-time "$RUN_TIMEOUT" \
    --cacert "$CA_FILE" -o {}.answer -D {}.headers \
    -w '%{http_code}\n' -H 'Content-Type: application/json' \
    --data-binary @{} "$CMS_URL/v1/certs" >"$ROOT/run/flood.codes"
ms=$(($(now_ms) - t0))
fl=$(( $(issuer_stat jwks_fetches) - f0 ))
# Those looked up after a fetch that began after them are bad tokens
# (401); the others fall inside the cooldown: retry later (503).
n401=$(grep -c '^401$' "$ROOT/run/flood.codes")
n503=$(grep -c '^503$' "$ROOT/run/flood.codes")
is "$((n401 + n503))" 100 \
    "flood: 100 answers, each 401 or 503 ($n401 and $n503)"
check "flood: at least one kid was refused outright ($n401)" [ "$n401" -ge 1 ]
is "$(cat "$ROOT"/run/flood/*.answer | grep -o '"code" *: *"[a-z_]*"' |
    sed 's/.*"\([a-z_]*\)"$/\1/' | sort | uniq -c | sed 's/^ *//' |
    tr '\n' ' ')" \
    "$( ([ "$n503" -eq 0 ] || echo "$n503 jwks_refresh_pending";
    echo "$n401 kid_unknown") | tr '\n' ' ')" \
    "flood: 401 is kid_unknown, 503 is jwks_refresh_pending"
is "$(grep -il '^retry-after: *[0-9]' "$ROOT"/run/flood/*.headers |
    wc -l)" "$n503" "flood: every 503 carries Retry-After"
check "flood: the issuer's JWKS was fetched at most twice ($fl times)" \
    [ "$fl" -le 2 ]
check "flood: ... and at least once" [ "$fl" -ge 1 ]
diag "kid flood: 100 requests in $ms ms, $fl JWKS fetches"
check "flood: /healthz answers" healthz
t=$(get_token client)
post_token "$t"
is "$CODE" 201 "flood: a good token still works afterwards"
is "$(( $(issuer_stat jwks_fetches) - f0 ))" "$fl" \
    "flood: ... without another fetch"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"

# ---- HS256 allowed next to the JWKS: the public key is no HS secret
head -c 48 /dev/urandom | base64 | tr -d '\n' >"$ROOT/run/hs.secret"
chmod 600 "$ROOT/run/hs.secret"
start_pvacms_local --jwt-algorithms "RS256 ES256 HS256" \
    --jwt-hs-secret-file "$ROOT/run/hs.secret"
t=$(craft hs-good --hs-secret "$ROOT/run/hs.secret")
post_token "$t"
is "$CODE" 201 "hs: an HS256 token with the shared secret -> 201"
t=$(craft hs-confusion)
post_token "$t"
is "$CODE" 401 "hs: HS256 keyed with the RSA public key PEM -> 401"
is "$ECODE" bad_signature "hs: ... bad_signature"
is "$(last_denied_code)" bad_signature "hs: audit log denied, bad_signature"
t=$(craft good)
post_token "$t"
is "$CODE" 201 "hs: RS256 from the JWKS still works"
check "hs: /healthz answers" healthz

done_testing
