#!/bin/bash
# bench/ocsp_rate.sh - OCSP responses per second from pvacms, next to
# OpenSSL's own responder in the same run.
#
# 1. pvacms (local JWT verification, the fastest way to fill it) issues
#    NCERTS client certificates through bench/issue_rate; their serials
#    come from its SQLite file.
# 2. wrk, 2 threads and 2 connections for SECS seconds, on the HTTP
#    listener: GET /ocsp/{base64} (RFC 5019, no nonce) for one hot serial,
#    then cycling through all NCERTS serials; then POST /ocsp with a
#    nonce for the hot serial, which pvacms must sign afresh every time.
# 3. ApacheBench, 2 connections for SECS seconds, one POSTed request
#    without a nonce, against pvacms and against `openssl ocsp -index
#    -port` with the same CA key and the same serials.  That responder
#    binds every interface, so it runs in a private network namespace
#    that holds only loopback (`unshare -n`), together with its ab.  It
#    spins on a connection closed without a request, so only ab loads it.
#
# Every load is checked first: one answer of each kind must say "good"
# and verify against the CA, or the figures would mean nothing.  A
# benchmark: it prints figures and never judges them.
# Environment: see bench/lib.sh; NCERTS (default 10000), SECS (10).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

NCERTS=${NCERTS:-10000}
SECS=${SECS:-10}
CLIENTS=4
PROG=$top_builddir/bench/issue_rate
BENCH_LIMIT=${BENCH_LIMIT:-600}

for t in wrk ab sqlite3; do
	command -v "$t" >/dev/null || die "$t not installed (apt-get install \
$( [ "$t" = ab ] && echo apache2-utils || echo "$t"))"
done
bench_setup
[ -x "$PROG" ] || die "$PROG not built (make bench/issue_rate)"
start_issuer
start_pvacms --jwt-mode local \
    --jwt-jwks-uri "http://localhost:$ISSUER_PORT/default/jwks" \
    --jwt-issuer "http://localhost:$ISSUER_PORT/default" \
    --jwt-audience default
CFG=$ROOT/home/pvacms/.config/pva/1.4
DB=$ROOT/home/pvacms/.local/share/pva/1.4/certs.db
R=$ROOT/run

# ---- 1. fill pvacms with NCERTS certificates
"$OPENSSL" genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$R/client.key" 2>>"$R/openssl.err" &&
    "$OPENSSL" req -new -key "$R/client.key" -subj /CN=client \
    -out "$R/client.csr" 2>>"$R/openssl.err" || die "cannot make a CSR"
echo "issuing $NCERTS certificates ..."
bench_run "$PROG" --cms "$CMS_URL" --cacert "$CA_FILE" \
    --token-url "$TOKEN_URL" --clients "$CLIENTS" --secs 300 \
    --status-secs 0 --tokens $(((NCERTS + CLIENTS - 1) / CLIENTS)) \
    --timeout-ms 10000 --csr "$R/client.csr" >"$R/issue.out" ||
    die "issue_rate could not run: $(tail -n 2 "$R/issue.out")"
sed -n 's/^\(POST \/v1\/certs\|issue\)/  &/p' "$R/issue.out"
sqlite3 "$DB" 'SELECT serial FROM certs WHERE usage = "client"
    AND cn = "client" ORDER BY serial;' >"$R/serials" ||
    die "cannot read $DB"
n=$(wc -l <"$R/serials")
[ "$n" -ge "$NCERTS" ] || die "only $n certificates were issued"
head -n "$NCERTS" "$R/serials" >"$R/serials.use"
HOT=$(head -n 1 "$R/serials.use")
echo "pvacms holds $n certificates; the load uses $NCERTS serials"

# ---- the requests: DER CertIDs built from a template that openssl made
"$OPENSSL" pkcs12 -in "$CFG/cert_auth.p12" -passin pass: -nocerts -nodes \
    -out "$R/ca.key" 2>>"$R/openssl.err" &&
    chmod 600 "$R/ca.key" || die "cannot read the CA key"
"$OPENSSL" ocsp -issuer "$CA_FILE" -serial "$HOT" -no_nonce \
    -reqout "$R/hot.der" >/dev/null 2>>"$R/openssl.err" ||
    die "openssl cannot make a request"
"$OPENSSL" ocsp -issuer "$CA_FILE" -serial "$HOT" \
    -reqout "$R/hot_nonce.der" >/dev/null 2>>"$R/openssl.err" ||
    die "openssl cannot make a request"
"$PYTHON3" - "$R/hot.der" "$R/serials.use" "$R/paths" "$R/index.txt" <<'EOF' ||
import base64, sys, urllib.parse

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body

def integer(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return tlv(0x02, b)

tmpl = open(sys.argv[1], "rb").read()
# The two 20-byte OCTET STRINGs of the template's CertID: the SHA-1
# hashes of the CA's name and key.  Everything else is rebuilt.
i = tmpl.index(b"\x04\x14")
name_hash = tmpl[i + 2:i + 22]
j = tmpl.index(b"\x04\x14", i + 22)
key_hash = tmpl[j + 2:j + 22]
sha1 = tlv(0x30, bytes.fromhex("06052b0e03021a") + b"\x05\x00")
with open(sys.argv[3], "w") as paths, open(sys.argv[4], "w") as index:
    for line in open(sys.argv[2]):
        serial = int(line)
        certid = tlv(0x30, sha1 + tlv(0x04, name_hash) +
                     tlv(0x04, key_hash) + integer(serial))
        req = tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30, certid))))
        b64 = base64.b64encode(req).decode()
        paths.write("/ocsp/" + urllib.parse.quote(b64, safe="") + "\n")
        hexserial = "%X" % serial
        if len(hexserial) % 2:
            hexserial = "0" + hexserial	# openssl's index wants whole bytes
        index.write("V\t991231235959Z\t\t%s\tunknown\t/CN=client\n"
                    % hexserial)
EOF
    die "cannot build the requests"
echo "unique_subject = no" >"$R/index.txt.attr"

# check_answer FILE WHAT REQUEST: FILE is a good answer to REQUEST (the
# nonce too) for HOT, verified.
check_answer()
{
	"$OPENSSL" ocsp -respin "$1" -reqin "$3" -CAfile "$CA_FILE" \
	    -resp_text >"$R/check.out" 2>&1
	grep -q '^Response verify OK' "$R/check.out" &&
	    grep -q "Cert Status: good" "$R/check.out" ||
	    die "$2: not a verified good answer: $(head -c 300 "$R/check.out")"
}

curl -sf --max-time "$WAIT_SECS" -o "$R/a.der" "$STATUS_URL$(head -n 1 "$R/paths")" ||
    die "GET /ocsp failed"
check_answer "$R/a.der" "pvacms GET" "$R/hot.der"
curl -sf --max-time "$WAIT_SECS" -o "$R/a.der" -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$R/hot_nonce.der" "$STATUS_URL/ocsp" ||
    die "POST /ocsp failed"
check_answer "$R/a.der" "pvacms POST with a nonce" "$R/hot_nonce.der"
curl -sf --max-time "$WAIT_SECS" -o "$R/a.der" "$STATUS_URL$(tail -n 1 "$R/paths")" ||
    die "GET /ocsp failed"
"$OPENSSL" ocsp -respin "$R/a.der" -CAfile "$CA_FILE" 2>&1 |
    grep -q '^Response verify OK' || die "the last serial's answer fails"

# ---- 2. wrk against pvacms
cat >"$R/cycle.lua" <<'EOF'
-- Each thread walks the list of GET paths from its own random start.
local paths = {}
for line in io.lines(os.getenv("OCSP_PATHS")) do paths[#paths + 1] = line end
local i = 0
function init(args)
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 997)
	i = math.random(#paths)
end
function request()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end
EOF
cat >"$R/post.lua" <<'EOF'
local f = assert(io.open(os.getenv("OCSP_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/ocsp-request"
EOF

# wrk_rate TITLE ARGS...: one wrk run; prints requests/s and errors.
wrk_rate()
{
	local title=$1 out
	shift
	out=$(wrk -t2 -c2 -d"${SECS}s" "$@" 2>&1) || die "wrk failed: $out"
	printf '%-52s %10s req/s  (%s)\n' "$title" \
	    "$(printf '%s\n' "$out" | sed -n 's/^Requests\/sec: *//p')" \
	    "$(printf '%s\n' "$out" | sed -n \
	    -e 's/^ *\([0-9]*\) requests in .*/\1 answers/p' \
	    -e 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1 not 2xx/p' \
	    -e 's/^ *Socket errors: .*/&/p' | paste -sd, -)"
}

echo
echo "== OCSP responses per second, 2 connections, ${SECS} s each"
wrk_rate "pvacms, wrk, GET, one hot serial" \
    "$STATUS_URL$(head -n 1 "$R/paths")"
OCSP_PATHS=$R/paths wrk_rate "pvacms, wrk, GET, $NCERTS serials in turn" \
    -s "$R/cycle.lua" "$STATUS_URL"
OCSP_BODY=$R/hot_nonce.der wrk_rate \
    "pvacms, wrk, POST with nonce (signed every time)" \
    -s "$R/post.lua" "$STATUS_URL/ocsp"

# ab_rate TITLE URL: ab -c 2 -t SECS POSTing hot.der; prints requests/s.
# Run where URL is reachable (inside the namespace for openssl).
cat >"$R/ab_rate.sh" <<'EOF'
out=$(ab -q -c 2 -t "$SECS" -n 10000000 -p "$R/hot.der" \
    -T application/ocsp-request "$2" 2>&1) || {
	echo "ab failed: $(printf '%s\n' "$out" | tail -n 2)" >&2
	exit 1
}
# ab counts an answer whose length differs from the first one as
# "failed (Length)": ECDSA signatures vary in length, so a responder that
# signs every answer shows many.  Only the others are errors.
field()
{
	local v
	v=$(printf '%s\n' "$out" | sed -n "s/$1: *\([0-9.]*\).*/\1/p" |
	    head -n 1)
	echo "${v:-0}"
}
printf '%-52s %10s req/s  (%s answers, %s errors, %s not 2xx, %s of another length)\n' \
    "$1" "$(field '^Requests per second')" "$(field '^Complete requests')" \
    $(($(field '.*(Connect') + $(field '.*, Receive') + $(field '.*, Exceptions'))) \
    "$(field '^Non-2xx responses')" "$(field '.*, Length')"
EOF
export R SECS
bash "$R/ab_rate.sh" "pvacms, ab, POST, one hot serial" "$STATUS_URL/ocsp" ||
    die "ab against pvacms failed"

# ---- 3. openssl ocsp -index -port, alone in a loopback-only namespace
if ! unshare -n true 2>/dev/null; then
	echo "openssl ocsp responder: skipped (unshare -n needs root or" \
	    "user namespaces here)"
	exit 0
fi
cat >"$R/openssl_ns.sh" <<'EOF'
ip link set lo up || exit 1
openssl ocsp -index "$R/index.txt" -port 18889 -CA "$CA_FILE" \
    -rsigner "$CA_FILE" -rkey "$R/ca.key" -nmin 30 \
    >"$R/openssl_ocsp.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -s --max-time 1 -H 'Content-Type: application/ocsp-request' \
	    --data-binary @"$R/hot.der" -o "$R/o.der" http://127.0.0.1:18889/ &&
	    [ -s "$R/o.der" ] && break
	sleep 0.1
done
openssl ocsp -respin "$R/o.der" -issuer "$CA_FILE" -CAfile "$CA_FILE" \
    -serial "$HOT" 2>&1 | grep -q ': good$' || {
	echo "openssl's responder does not answer good" >&2
	kill "$pid"
	exit 1
}
bash "$R/ab_rate.sh" "openssl ocsp -index -port, ab, POST, one hot serial" \
    http://127.0.0.1:18889/
rc=$?
kill "$pid"
wait "$pid" 2>/dev/null
exit "$rc"
EOF
export CA_FILE HOT
bench_run unshare -n bash "$R/openssl_ns.sh" ||
    die "the openssl responder run failed: $(tail -n 3 "$R/openssl_ocsp.log")"
