#!/bin/bash
# ocsp.sh - the RFC 6960 responder as standard tools see it (issue 5).
# `openssl ocsp` asks about a good, a revoked and an unknown serial, over
# POST (with and without a nonce) and GET, with SHA-1 and SHA-256 CertIDs,
# and verifies every signature against the CA file alone.  The status
# JSON and OCSP agree; cached answers are reused until the state changes;
# malformed requests get malformedRequest; a revocation survives a
# restart; and the daemon keeps serving.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms --status-validity-mins 10
plan 58

# issue NAME: a client certificate for NAME; ID_<NAME> is its id and
# $ROOT/run/NAME.crt its certificate.
issue()
{
	local name=$1 id
	make_home "$name"
	get_token "$name" >"$ROOT/home/$name/token_file"
	run as_user "$name" authnjwt -u client --token-file token_file
	id=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
	p12_extract "$(keychain_path "$name" client)" "$ROOT/run/$name" ||
	    bail_out "cannot read $name's keychain"
	printf -v "ID_$name" '%s' "$id"
}

# ask ARGS...: openssl ocsp against our responder, checked with the CA
# file; OUT holds what it printed.
ask()
{
	OUT=$(timeout 10 "$OPENSSL" ocsp -issuer "$CA_FILE" \
	    -url "$STATUS_URL/ocsp" -CAfile "$CA_FILE" -resp_text "$@" 2>&1)
}

# update SECTION: the epoch of "This Update" or "Next Update" in OUT.
update()
{
	date -u -d "$(printf '%s\n' "$OUT" | sed -n "s/^ *$1: //p" |
	    head -1)" +%s 2>/dev/null
}

# post_der FILE: POST FILE to /ocsp; CODE, and the answer in resp.der.
post_der()
{
	CODE=$(curl -s -o "$ROOT/run/resp.der" -w '%{http_code}' \
	    --max-time 5 -H 'Content-Type: application/ocsp-request' \
	    --data-binary @"$1" "$STATUS_URL/ocsp")
}

# resp_status: what openssl makes of resp.der as a bare OCSP response.
resp_status()
{
	"$OPENSSL" ocsp -respin "$ROOT/run/resp.der" -resp_text -noverify \
	    2>&1 | sed -n 's/^Responder Error: //p'
}

issue alice
issue bob
issue carol
SERIAL_alice=${ID_alice#*:}

# ---- good, with a nonce (signed afresh) and without (from the cache)
ask -cert "$ROOT/run/alice.crt"
like "$OUT" 'Response verify OK' "good: the signature verifies against the CA"
like "$OUT" "$ROOT/run/alice.crt: good" "good: alice's certificate is good"
like "$OUT" 'WARNING: no nonce|Nonce' "good: the nonce is handled" 
unlike "$OUT" 'WARNING: no nonce in response' \
    "good: the nonce sent is echoed"
like "$OUT" 'Responder Id: CN = EPICS Root Certificate Authority' \
    "good: the CA itself responds"
like "$OUT" 'Signature Algorithm: ecdsa-with-SHA256' \
    "good: signed with the CA's P-256 key and SHA-256"
tu=$(update 'This Update')
nu=$(update 'Next Update')
is "$((nu - tu))" 600 "good: nextUpdate is thisUpdate + the 10 min validity"
now=$(date +%s)
check "good: thisUpdate is now" [ "$((now - tu))" -le 5 \
    -a "$((now - tu))" -ge -5 ]

ask -cert "$ROOT/run/alice.crt" -no_nonce -respout "$ROOT/run/a1.der"
like "$OUT" "$ROOT/run/alice.crt: good" "no nonce: good"
like "$OUT" 'Response verify OK' "no nonce: the signature verifies"
ask -cert "$ROOT/run/alice.crt" -no_nonce -respout "$ROOT/run/a2.der"
check "no nonce: a second answer is the same signed response (cached)" \
    cmp -s "$ROOT/run/a1.der" "$ROOT/run/a2.der"

ask -sha256 -cert "$ROOT/run/alice.crt" -no_nonce
like "$OUT" "$ROOT/run/alice.crt: good" "SHA-256 CertID: good"
like "$OUT" 'Response verify OK' "SHA-256 CertID: the signature verifies"
like "$OUT" 'Hash Algorithm: sha256' "SHA-256 CertID: answered in SHA-256"

# ---- several certificates in one request
ask -cert "$ROOT/run/alice.crt" -cert "$ROOT/run/bob.crt" -serial 12345
like "$OUT" "$ROOT/run/alice.crt: good" "three CertIDs: alice good"
like "$OUT" "$ROOT/run/bob.crt: good" "three CertIDs: bob good"
like "$OUT" '12345: unknown' "three CertIDs: a serial never issued unknown"
like "$OUT" 'Response verify OK' "three CertIDs: the signature verifies"

# ---- unknown, and another CA's certificate
ask -serial 12345
like "$OUT" '12345: unknown' "a serial never issued is unknown"
like "$OUT" 'Response verify OK' "unknown: the signature verifies"
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$ROOT/run/other.key" -out "$ROOT/run/other.pem" -days 1 \
    -subj "/CN=Other CA" 2>/dev/null
OUT=$(timeout 10 "$OPENSSL" ocsp -issuer "$ROOT/run/other.pem" \
    -serial 12345 -url "$STATUS_URL/ocsp" -CAfile "$CA_FILE" 2>&1)
like "$OUT" 'Responder Error: unauthorized' \
    "another CA's certificate: unauthorized"

# ---- nonces: echoed from 1 to 128 bytes, refused beyond (RFC 9654)
# nonce_req LEN: a request for alice's certificate with a LEN-byte nonce
# in nonce.req.
nonce_req()
{
	"$PYTHON3" - "$ROOT/run/alice.crt" "$CA_FILE" "$1" \
	    "$ROOT/run/nonce.req" <<'EOF_PY'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
cert = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
ca = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
b = ocsp.OCSPRequestBuilder().add_certificate(cert, ca, hashes.SHA1())
b = b.add_extension(x509.OCSPNonce(b"\x5a" * int(sys.argv[3])), False)
open(sys.argv[4], "wb").write(b.build().public_bytes(serialization.Encoding.DER))
EOF_PY
}
for len in 32 128; do
	nonce_req "$len"
	post_der "$ROOT/run/nonce.req"
	OUT=$("$OPENSSL" ocsp -respin "$ROOT/run/resp.der" \
	    -reqin "$ROOT/run/nonce.req" -CAfile "$CA_FILE" -resp_text 2>&1)
	like "$OUT" 'Response verify OK' "a $len-byte nonce: answered, verified"
	unlike "$OUT" 'Nonce Verify error|no nonce' "a $len-byte nonce: echoed"
done
nonce_req 129
post_der "$ROOT/run/nonce.req"
is "$CODE $(resp_status)" "400 malformedrequest (1)" \
    "a 129-byte nonce: malformedRequest"

# ---- GET /ocsp/{base64}, cacheable
"$OPENSSL" ocsp -issuer "$CA_FILE" -cert "$ROOT/run/bob.crt" -no_nonce \
    -reqout "$ROOT/run/bob.req" >/dev/null 2>&1
b64=$(base64 -w0 <"$ROOT/run/bob.req")
enc=$("$PYTHON3" -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$b64")
HDRS=$(curl -s -D - -o "$ROOT/run/resp.der" --max-time 5 \
    "$STATUS_URL/ocsp/$enc")
like "$HDRS" '^HTTP/1.1 200' "GET: 200"
like "$HDRS" 'Content-Type: application/ocsp-response' \
    "GET: Content-Type application/ocsp-response"
like "$HDRS" 'Cache-Control: max-age=[1-9][0-9]*, public' \
    "GET: the answer may be cached by HTTP caches"
OUT=$("$OPENSSL" ocsp -respin "$ROOT/run/resp.der" -issuer "$CA_FILE" \
    -cert "$ROOT/run/bob.crt" -CAfile "$CA_FILE" -no_nonce 2>&1)
like "$OUT" "$ROOT/run/bob.crt: good" "GET: bob's certificate is good"
like "$OUT" 'Response verify OK' "GET: the signature verifies"
# Unpadded and with '/' and '+' left raw, as some clients send it.
HDRS=$(curl -s -D - -o "$ROOT/run/resp.der" --max-time 5 \
    "$STATUS_URL/ocsp/${b64%%=*}")
like "$HDRS" '^HTTP/1.1 200' "GET: an unpadded, unescaped request is read"

# ---- revoked: the holder revokes its own certificate
p12_extract "$ROOT/home/pvacms/.config/pva/1.4/admin.p12" "$ROOT/run/admin"
CODE=$(curl -s -o "$ROOT/run/revoke.json" -w '%{http_code}' --max-time 5 \
    --cacert "$CA_FILE" --cert "$ROOT/run/carol.crt" \
    --key "$ROOT/run/carol.key" -X POST \
    "$CMS_URL/v1/certs/$ID_carol/revoke")
is "$CODE" 200 "carol revokes her own certificate"
ask -cert "$ROOT/run/carol.crt" -no_nonce
like "$OUT" "$ROOT/run/carol.crt: revoked" "revoked: openssl ocsp says revoked"
like "$OUT" 'Response verify OK' "revoked: the signature verifies"
like "$OUT" 'Revocation Time: ' "revoked: with a revocation time"
like "$OUT" 'Reason: unspecified' "revoked: reason unspecified"
# The cached "good" of alice is untouched; carol's changed at once.
ask -cert "$ROOT/run/alice.crt" -no_nonce
like "$OUT" "$ROOT/run/alice.crt: good" "revoked: others stay good"

# The status JSON carries the same signed answer, and pvxcert agrees.
JSON=$(curl -s --max-time 5 "$STATUS_URL/v1/certs/$ID_carol/status")
like "$JSON" '"state": *"REVOKED"' "status JSON: REVOKED"
like "$JSON" '"revocation_date": *[0-9]+' "status JSON: a revocation date"
printf '%s' "$JSON" | "$PYTHON3" -c 'import sys, json, base64; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["ocsp_response"]))' >"$ROOT/run/resp.der"
OUT=$("$OPENSSL" ocsp -respin "$ROOT/run/resp.der" -issuer "$CA_FILE" \
    -cert "$ROOT/run/carol.crt" -CAfile "$CA_FILE" -no_nonce 2>&1)
like "$OUT" "$ROOT/run/carol.crt: revoked" \
    "status JSON: its OCSP response says revoked"
run as_user carol pvxcert "$ID_carol"
like "$OUT" 'Status        : REVOKED' "pvxcert: REVOKED"
like "$OUT" 'Revocation Date: ' "pvxcert: prints the revocation date"

# ---- malformed requests: malformedRequest, never a crash
printf 'not DER at all' >"$ROOT/run/bad1"
post_der "$ROOT/run/bad1"
is "$CODE" 400 "garbage: HTTP 400"
is "$(resp_status)" 'malformedrequest (1)' "garbage: malformedRequest"
head -c 20 "$ROOT/run/bob.req" >"$ROOT/run/bad2"
post_der "$ROOT/run/bad2"
is "$(resp_status)" 'malformedrequest (1)' "truncated DER: malformedRequest"
: >"$ROOT/run/bad3"
post_der "$ROOT/run/bad3"
is "$(resp_status)" 'malformedrequest (1)' "empty body: malformedRequest"
{ cat "$ROOT/run/bob.req"; printf 'trailing'; } >"$ROOT/run/bad4"
post_der "$ROOT/run/bad4"
is "$(resp_status)" 'malformedrequest (1)' \
    "bytes after the request: malformedRequest"
head -c 9000 /dev/urandom >"$ROOT/run/bad5"
post_der "$ROOT/run/bad5"
is "$CODE" 413 "a 9000-byte body: HTTP 413"
is "$(resp_status)" 'malformedrequest (1)' "a 9000-byte body: malformedRequest"
args=()
for i in $(seq 17); do args+=(-serial "$i"); done
"$OPENSSL" ocsp -issuer "$CA_FILE" "${args[@]}" -reqout "$ROOT/run/bad6" \
    >/dev/null 2>&1
post_der "$ROOT/run/bad6"
is "$(resp_status)" 'malformedrequest (1)' \
    "17 CertIDs (over the cap of 16): malformedRequest"
CODE=$(curl -s -o "$ROOT/run/resp.der" -w '%{http_code}' --max-time 5 \
    "$STATUS_URL/ocsp/%%%not-base64")
is "$CODE" 400 "GET with a malformed base64 path: HTTP 400"
is "$(resp_status)" 'malformedrequest (1)' \
    "GET with a malformed base64 path: malformedRequest"
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X PUT \
    --data-binary @"$ROOT/run/bob.req" "$STATUS_URL/ocsp")
is "$CODE" 405 "PUT /ocsp: 405"

# ---- a restart keeps the revocation
stop_pvacms
start_pvacms --status-validity-mins 10
ask -cert "$ROOT/run/carol.crt"
like "$OUT" "$ROOT/run/carol.crt: revoked" "after a restart: still revoked"
ask -cert "$ROOT/run/alice.crt"
like "$OUT" "$ROOT/run/alice.crt: good" "after a restart: alice still good"

check "pvacms keeps serving" healthz
unlike "$(cat "$ROOT"/run/pvacms*.err)" \
    'AddressSanitizer|runtime error|Segmentation' \
    "no crash or sanitizer report in pvacms's log"
done_testing
