#!/bin/bash
# local_jwks.sh - local verification against a live JWKS (issue #4):
# RS256 and ES256 tokens get certificates; a key rotation at the issuer
# (new kid) is picked up by one refresh; a flood of tokens with random
# kids costs at most a few JWKS fetches; and with an HS secret allowed
# next to the JWKS, an HS256 token keyed with the issuer's public key
# (the algorithm confusion) still fails its signature check.
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

# ---- RS256 and ES256 in local mode; a short cooldown for the rotation
start_pvacms_local --jwt-jwks-cooldown 1
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

# ---- rotation: a new key (new kid) at the issuer
rot=$(curl -sf --max-time 30 -X POST \
    "http://localhost:$ISSUER_PORT/default/rotate")
like "$rot" '"kid" *: *"demo-key-2"' "issuer: rotate makes kid demo-key-2"
t=$(get_token client)
is "$(jwt_header "$t" kid)" demo-key-2 "issuer: new tokens carry the new kid"
sleep 1.2	# past the 1 s cooldown since the last fetch
f1=$(issuer_stat jwks_fetches)
post_token "$t"
is "$CODE" 201 "local: the first token signed with the new key -> 201"
is "$(( $(issuer_stat jwks_fetches) - f1 ))" 1 \
    "local: ... after exactly one refresh"
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
    --cacert "$CA_FILE" -o {}.answer -w '%{http_code}\n' \
    -H 'Content-Type: application/json' --data-binary @{} \
    "$CMS_URL/v1/certs" >"$ROOT/run/flood.codes"
ms=$(($(now_ms) - t0))
fl=$(( $(issuer_stat jwks_fetches) - f0 ))
is "$(sort "$ROOT/run/flood.codes" | uniq -c | sed 's/^ *//')" "100 401" \
    "flood: 100 answers, all 401"
is "$(cat "$ROOT"/run/flood/*.answer | grep -o '"code" *: *"[a-z_]*"' |
    sed 's/.*"\([a-z_]*\)"$/\1/' | sort | uniq -c | sed 's/^ *//')" \
    "100 kid_unknown" "flood: every one is kid_unknown"
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
