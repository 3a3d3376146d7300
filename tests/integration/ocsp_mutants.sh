#!/bin/bash
# ocsp_mutants.sh - thousands of damaged OCSP requests, and pvacms keeps
# answering honestly.
#
# A real request (three CertIDs and a nonce, made by openssl) is damaged
# in 4,000 seeded ways: bit flips, truncation, inserted and repeated
# bytes, rewritten DER lengths, other hash algorithms in the CertIDs,
# junk after the end.  Each goes to POST /ocsp and, base64-encoded, to
# GET /ocsp/.  Every one must get an HTTP answer: 200 with an OCSP
# response whose status is successful (then signed by the CA over SHA-256,
# which is checked), malformedRequest or unauthorized, or 400/413 with
# malformedRequest.  A successful answer may never call a serial we did
# not issue "good".  Afterwards pvacms still answers the undamaged
# request "good", and its log holds no crash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

setup_root
start_issuer
start_pvacms
plan 9

issue_client alice
ALICE=$ID
issue_client bob
BOB=$ID
p12_extract "$(keychain_path alice client)" "$ROOT/run/alice" ||
    bail_out "cannot read alice's keychain"
p12_extract "$(keychain_path bob client)" "$ROOT/run/bob" ||
    bail_out "cannot read bob's keychain"
"$OPENSSL" ocsp -issuer "$CA_FILE" -cert "$ROOT/run/alice.crt" \
    -cert "$ROOT/run/bob.crt" -serial 12345 -reqout "$ROOT/run/base.der" \
    >/dev/null 2>&1 || bail_out "openssl cannot make the request"

"$PYTHON3" - "$STATUS_URL" "$ROOT/run/base.der" "$CA_FILE" \
    "${ALICE#*:}" "${BOB#*:}" >"$ROOT/run/mutants.out" 2>&1 <<'EOF_PY'
import base64, http.client, random, sys, urllib.parse
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

url, base_path, ca_path = sys.argv[1], sys.argv[2], sys.argv[3]
ours = {int(sys.argv[4]), int(sys.argv[5])}
host = urllib.parse.urlparse(url)
base = open(base_path, "rb").read()
ca = x509.load_pem_x509_certificate(open(ca_path, "rb").read())
rng = random.Random(20261123)
MD5 = bytes.fromhex("06082a864886f70d0205")
SHA1 = bytes.fromhex("06052b0e03021a")
ODD = bytes.fromhex("06092a864886f70d01ffff")

def mutate(b):
    b = bytearray(b)
    kind = rng.randrange(8)
    if kind == 0:
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == 1:
        b = b[:rng.randrange(len(b))]
    elif kind == 2:
        i = rng.randrange(len(b) + 1)
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif kind == 3:
        i = rng.randrange(len(b))
        j = min(len(b), i + rng.randint(1, 40))
        b[i:i] = b[i:j] * rng.randint(1, 30)
    elif kind == 4:
        # rewrite a length octet: short, long form, absurd
        i = rng.randrange(1, len(b))
        b[i] = rng.choice([0x00, 0x7f, 0x80, 0x81, 0x84, 0x88, 0xff])
    elif kind == 5:
        old, new = SHA1, rng.choice([MD5, ODD])
        b = bytearray(bytes(b).replace(old, new, rng.randint(1, 3)))
    elif kind == 6:
        b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    else:
        b = bytearray(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    return bytes(b)

def judge(code, body):
    """'' when the answer is honest, else what is wrong."""
    if code in (400, 413):
        try:
            r = ocsp.load_der_ocsp_response(body)
        except Exception as e:
            return "HTTP %d without an OCSP response (%s)" % (code, e)
        if r.response_status != ocsp.OCSPResponseStatus.MALFORMED_REQUEST:
            return "HTTP %d with status %s" % (code, r.response_status)
        return ""
    if code != 200:
        return "HTTP %d" % code
    try:
        r = ocsp.load_der_ocsp_response(body)
    except Exception as e:
        return "200 without an OCSP response (%s)" % e
    st = r.response_status
    if st in (ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
              ocsp.OCSPResponseStatus.UNAUTHORIZED):
        return ""
    if st != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return "status %s" % st
    try:
        ca.public_key().verify(r.signature, r.tbs_response_bytes,
                               ec.ECDSA(r.signature_hash_algorithm))
    except Exception as e:
        return "a signature that does not verify (%s)" % e
    for single in r.responses:
        if (single.certificate_status == ocsp.OCSPCertStatus.GOOD and
                single.serial_number not in ours):
            return "serial %d we never issued called good" % single.serial_number
    return ""

counts = {}
bad = []
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
for n in range(4000):
    m = mutate(base)
    try:
        if n % 2 == 0:
            conn.request("POST", "/ocsp", body=m,
                         headers={"Content-Type": "application/ocsp-request"})
        else:
            path = "/ocsp/" + urllib.parse.quote(base64.b64encode(m).decode(),
                                                 safe="")
            conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        code = resp.status
    except Exception as e:
        bad.append("request %d: no HTTP answer (%s)" % (n, e))
        conn.close()
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        continue
    why = judge(code, body)
    key = str(code)
    if code == 200:
        key += " " + ocsp.load_der_ocsp_response(body).response_status.name
    counts[key] = counts.get(key, 0) + 1
    if why:
        bad.append("request %d (%s): %s" % (n, m[:24].hex(), why))
print("answers:", ", ".join("%s x%d" % kv for kv in sorted(counts.items())))
print("dishonest:", len(bad))
for b in bad[:10]:
    print(" ", b)
EOF_PY
PYRC=$?
while IFS= read -r line; do diag "$line"; done <"$ROOT/run/mutants.out"
is "$PYRC" 0 "the mutant run completed"
like "$(cat "$ROOT/run/mutants.out")" '^dishonest: 0$' \
    "every damaged request got an honest answer"
like "$(cat "$ROOT/run/mutants.out")" '200 SUCCESSFUL x[0-9]+' \
    "some survived as valid requests and were answered and signed"
like "$(cat "$ROOT/run/mutants.out")" '400 x[0-9]+' \
    "many were refused as malformed"
check "pvacms still serves /healthz" healthz
OUT=$(timeout 10 "$OPENSSL" ocsp -issuer "$CA_FILE" -CAfile "$CA_FILE" \
    -url "$STATUS_URL/ocsp" -cert "$ROOT/run/alice.crt" 2>&1)
like "$OUT" 'Response verify OK' "the undamaged request still verifies"
like "$OUT" 'alice.crt: good' "and alice is still good"
unlike "$(cat "$PVACMS_ERR")" 'AddressSanitizer|runtime error|Segmentation|Aborted' \
    "no crash or sanitizer report in pvacms's log"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
