#!/bin/bash
# jwt_cnf.sh - a token bound to a key (cnf.jkt, RFC 7800 and RFC 9449)
# buys a certificate for that key only, over HTTPS and over PVAccess.
#
# The tokens come from craft_token.py --claims, signed with the sample
# issuer's own key, so that its validator accepts them and only the
# binding is under test.  The thumbprints (RFC 7638) are computed here,
# apart from pvacms: python3 (hashlib, base64) over what openssl prints
# of each key.  Checked:
#   - HTTPS: a token whose cnf.jkt is the CSR's key gets a certificate
#     for that key; one bound to another key gets 403 key_mismatch
#     ("the token is bound to another key (cnf.jkt)"), audited; a cnf
#     that is not an object is 401 token_malformed; a cnf.jwk, which
#     pvacms cannot check, is 403 key_mismatch naming cnf.jwk; an
#     unbound token works as before; a refused bound token still buys
#     the certificate of its own key;
#   - PVAccess (pva_ccr.py, bare public keys, no proof of possession):
#     bound to the key named: VALID; bound to another key: refused with
#     "cnf.jkt" in the message;
#   - no token text in pvacms's output or audit log.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ccr_lib.sh"


setup_root
ISSUER_KEYS=$ROOT/run/issuer-keys
start_issuer --key-dir "$ISSUER_KEYS"
start_pvacms
PVA_TCP=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$ROOT/run/pvacms.listen")
like "$PVA_TCP" '^[0-9]+$' "the listen info names the PVAccess TCP port"
TOKENS=()

K=$ROOT/run/keys
mkdir -p "$K"
# key NAME GENPKEY-ARGS...: NAME.key, NAME.pub (SPKI PEM), NAME.csr.
key()
{
	local name=$1
	shift
	"$OPENSSL" genpkey "$@" -out "$K/$name.key" 2>/dev/null &&
	"$OPENSSL" pkey -in "$K/$name.key" -pubout -out "$K/$name.pub" \
	    2>/dev/null &&
	"$OPENSSL" req -new -key "$K/$name.key" -subj /CN=x \
	    -out "$K/$name.csr" 2>/dev/null ||
	    bail_out "cannot make key $name"
}
key alice -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key bob -algorithm EC -pkeyopt ec_paramgen_curve:P-384
key carol -algorithm RSA -pkeyopt rsa_keygen_bits:2048

# jkt PUB: the RFC 7638 SHA-256 thumbprint of the SPKI PEM file PUB,
# from openssl's view of the key (EC: the uncompressed point its DER
# ends with; RSA: -modulus and the exponent of -text).
jkt()
{
	"$PYTHON3" - "$OPENSSL" "$1" <<'EOF_PY'
import base64, hashlib, json, re, subprocess, sys
ossl, pub = sys.argv[1], sys.argv[2]
def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def run(*a):
    return subprocess.check_output([ossl] + list(a))
text = run("pkey", "-pubin", "-in", pub, "-noout", "-text").decode()
if "ASN1 OID: prime256v1" in text or "ASN1 OID: secp384r1" in text:
    crv, size = ("P-256", 32) if "prime256v1" in text else ("P-384", 48)
    pt = run("pkey", "-pubin", "-in", pub, "-outform", "DER")[-(2 * size + 1):]
    assert pt[0] == 4
    members = {"crv": crv, "kty": "EC", "x": b64(pt[1:1 + size]),
               "y": b64(pt[1 + size:])}
else:
    n = run("rsa", "-pubin", "-in", pub, "-noout", "-modulus").decode()
    n = int(n.strip().split("=", 1)[1], 16)
    e = int(re.search(r"Exponent: (\d+)", text).group(1))
    members = {"e": b64(e.to_bytes((e.bit_length() + 7) // 8, "big")),
               "kty": "RSA",
               "n": b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))}
canon = json.dumps(members, sort_keys=True, separators=(",", ":"))
print(b64(hashlib.sha256(canon.encode()).digest()))
EOF_PY
}
JKT_ALICE=$(jkt "$K/alice.pub")
JKT_BOB=$(jkt "$K/bob.pub")
JKT_CAROL=$(jkt "$K/carol.pub")
like "$JKT_ALICE $JKT_BOB $JKT_CAROL" \
    '^([A-Za-z0-9_-]{43} ){2}[A-Za-z0-9_-]{43}$' \
    "three thumbprints of 43 base64url characters"

# bound JSON_CNF: a fresh, genuine token with claim cnf = JSON_CNF.
bound()
{
	local t
	t=$(craft good --claims "{\"cnf\": $1}")
	TOKENS+=("$t")
	printf '%s' "$t"
}

# post CSR TOKEN: POST /v1/certs; sets CODE, BODY, ECODE and MSG.
post()
{
	cert_body "$1" "$2" >"$ROOT/run/cnf.body"
	CODE=$(curl -s --max-time "$RUN_TIMEOUT" --cacert "$CA_FILE" \
	    -o "$ROOT/run/cnf.answer" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/cnf.body" "$CMS_URL/v1/certs")
	BODY=$(cat "$ROOT/run/cnf.answer")
	ECODE=$(printf '%s' "$BODY" |
	    sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p')
	MSG=$(printf '%s' "$BODY" |
	    sed -n 's/.*"message" *: *"\([^"]*\)".*/\1/p')
}

# issued_for NAME PUB: the last answer's certificate certifies PUB.
issued_for()
{
	printf '%s' "$BODY" | "$PYTHON3" -c \
	    'import json, sys; print(json.load(sys.stdin)["certificate"])' \
	    >"$ROOT/run/$1.crt" 2>/dev/null &&
	"$OPENSSL" x509 -in "$ROOT/run/$1.crt" -noout -pubkey \
	    >"$ROOT/run/$1.crtpub" 2>/dev/null &&
	cmp -s "$ROOT/run/$1.crtpub" "$2"
}

# ---------------------------------------------------------------- HTTPS
post "$K/alice.csr" "$(bound "{\"jkt\": \"$JKT_ALICE\"}")"
is "$CODE" 201 "https: bound to the CSR's key: 201"
check "https: the certificate is for that key" issued_for alice \
    "$K/alice.pub"

T_BOB=$(bound "{\"jkt\": \"$JKT_BOB\"}")
post "$K/alice.csr" "$T_BOB"
is "$CODE $ECODE" "403 key_mismatch" \
    "https: bound to another key: 403 key_mismatch"
is "$MSG" "the token is bound to another key (cnf.jkt)" \
    "https: the message says why"
is "$(last_denied_code)" key_mismatch "https: audit log denied, key_mismatch"

post "$K/bob.csr" "$T_BOB"
is "$CODE" 201 "https: the refused token still buys its own key's certificate"
check "https: ... for bob's key" issued_for bob "$K/bob.pub"

post "$K/alice.csr" "$(bound "\"$JKT_ALICE\"")"
is "$CODE $ECODE" "401 token_malformed" \
    "https: cnf a string: 401 token_malformed"
post "$K/alice.csr" "$(bound '{"jwk": {"kty": "EC", "crv": "P-256"}}')"
is "$CODE $ECODE" "403 key_mismatch" \
    "https: cnf.jwk (not checked by pvacms): 403 key_mismatch"
like "$MSG" 'cnf\.jwk' "https: the message names cnf.jwk"

T=$(craft good)
TOKENS+=("$T")
post "$K/carol.csr" "$T"
is "$CODE" 201 "https: an unbound token works as before"

# ---------------------------------------------------------------- PVAccess


ccr create --type jwt --usage 1 --pub-key-file "$K/carol.pub" \
    --verifier-token "$(bound "{\"jkt\": \"$JKT_CAROL\"}")"
is "$RC:$(jget status):$(jget fields.state)" "0:ok:VALID" \
    "pva: bound to the key named: VALID"
jget fields.cert | "$OPENSSL" x509 -noout -pubkey \
    >"$ROOT/run/carol.pvapub" 2>/dev/null
check "pva: the certificate is for that key" \
    cmp -s "$ROOT/run/carol.pvapub" "$K/carol.pub"

ccr create --type jwt --usage 1 --pub-key-file "$K/carol.pub" \
    --verifier-token "$(bound "{\"jkt\": \"$JKT_ALICE\"}")"
is "$RC:$(jget status)" "0:error" "pva: bound to another key: refused"
like "$(jget message)" 'cnf\.jkt' \
    "pva: the message names cnf.jkt ($(jget message))"
is "$(last_denied_code)" key_mismatch "pva: audit log denied, key_mismatch"
check "pvacms still serves" healthz

no_token_leaked "${TOKENS[@]}"
done_testing
