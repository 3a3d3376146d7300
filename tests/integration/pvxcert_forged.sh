#!/bin/bash
# pvxcert_forged.sh - pvxcert believes only what the CA signed.
#
# The status listener is plain HTTP, so anyone on the path can rewrite
# the JSON.  A small server stands in for pvacms and serves doctored
# copies of real answers: a revoked certificate claimed VALID, another
# certificate's proof, a proof with one signed byte changed, one signed
# by a rogue key over the right CertID, moved dates, a moved revocation
# date, malformed and oversized bodies.  pvxcert must refuse each in one
# line, print no status, and exit 1; the unmodified answer passes, so
# the refusals are about the changes and nothing else.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

setup_root
start_issuer
start_pvacms
plan 28

issue_client rita
RITA=$ID
issue_client gus
GUS=$ID
ADMIN=$ROOT/home/pvacms/.config/pva/1.4/admin.p12
admin_post "$ADMIN" "$RITA" revoke
is "$CODE $STATE" "200 REVOKED" "rita's certificate is revoked"
REAL_R=$(curl -sf "$STATUS_URL/v1/certs/$RITA/status")
REAL_G=$(curl -sf "$STATUS_URL/v1/certs/$GUS/status")
like "$REAL_G" '"state" *: *"VALID"' "gus's certificate is VALID"

# The stand-in: every GET gets the current content of answer.json.
ANSWER=$ROOT/run/answer.json
"$PYTHON3" - "$ANSWER" "$ROOT/run/fake.port" <<'EOF_PY' \
    >"$ROOT/run/fake.log" 2>&1 &
import http.server, sys
answer, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(answer, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write("%d\n" % srv.server_address[1])
__import__("os").rename(portfile + ".tmp", portfile)
srv.serve_forever()
EOF_PY
FAKE_PID=$!
track "$FAKE_PID"
wait_file "$ROOT/run/fake.port" "$FAKE_PID" '^[0-9]+$' ||
    bail_out "the stand-in server did not start"
FAKE=http://127.0.0.1:$(cat "$ROOT/run/fake.port")

# edit JSON PYTHON: JSON with the Python statement applied to dict d.
edit()
{
	printf '%s' "$1" | "$PYTHON3" -c 'import base64, json, sys
d = json.load(sys.stdin)
exec(sys.argv[1])
print(json.dumps(d))' "$2"
}

# ask_fake ID: pvxcert ID against the stand-in.
ask_fake()
{
	run as_user rita env EPICS_PVACMS_URL="$FAKE" pvxcert "$1"
}

# refused WHAT ERE: the last run refused, in one line matching ERE.
refused()
{
	diag "$1: $ERR"
	is "$RC" 1 "$1: exit 1"
	is "$OUT" "" "$1: no status printed"
	like "$ERR" "^pvxcert: status from $FAKE/v1/certs/[^ ]*/status failed verification: $2" \
	    "$1: refused, naming why"
}

# ---- the real answer, relayed unchanged, passes
printf '%s' "$REAL_R" >"$ANSWER"
ask_fake "$RITA"
is "$RC" 0 "the unmodified answer passes"
like "$OUT" 'Status        : REVOKED' "and shows REVOKED"

# ---- a revoked certificate claimed VALID
edit "$REAL_R" 'd["state"] = "VALID"; d["revocation_date"] = None' >"$ANSWER"
ask_fake "$RITA"
refused "REVOKED rewritten as VALID" 'state VALID disagrees with OCSP status revoked'

# ---- gus's genuine proof, relabelled as rita's
edit "$REAL_G" "d[\"cert_id\"] = \"$RITA\"" >"$ANSWER"
ask_fake "$RITA"
refused "another certificate's proof" 'OCSP response is not about this certificate'

# ---- one digit changed in the signed data (producedAt's seconds)
edit "$REAL_R" 'b = bytearray(base64.b64decode(d["ocsp_response"]))
i = b.index(b"\x18\x0f") + 2 + 13
b[i] ^= 0x01
d["ocsp_response"] = base64.b64encode(bytes(b)).decode()' >"$ANSWER"
ask_fake "$RITA"
refused "a changed signed byte" 'OCSP signature not trusted: .*signature failure'

# ---- a rogue key signs "good" for rita's CertID
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=EPICS Root Certificate Authority" -days 1 \
    -keyout "$ROOT/rogue.key" -out "$ROOT/rogue.crt" 2>/dev/null ||
    bail_out "cannot make the rogue key"
printf 'V\t991231235959Z\t\t%X\tunknown\t/CN=rita\n' "${RITA#*:}" \
    >"$ROOT/index.txt"
"$OPENSSL" ocsp -issuer "$CA_FILE" -serial "${RITA#*:}" -no_nonce \
    -reqout "$ROOT/req.der" >/dev/null 2>&1 &&
    "$OPENSSL" ocsp -index "$ROOT/index.txt" -CA "$CA_FILE" \
    -rsigner "$ROOT/rogue.crt" -rkey "$ROOT/rogue.key" -reqin "$ROOT/req.der" \
    -respout "$ROOT/rogue.der" -nmin 30 >/dev/null 2>&1 ||
    bail_out "openssl cannot forge the response"
"$OPENSSL" ocsp -respin "$ROOT/rogue.der" -noverify -resp_text 2>/dev/null |
    grep -q 'Cert Status: good' || bail_out "the forged response is not good"
edit "$REAL_R" "d['state'] = 'VALID'; d['revocation_date'] = None
d['ocsp_response'] = base64.b64encode(open('$ROOT/rogue.der', 'rb').read()).decode()" \
    >"$ANSWER"
ask_fake "$RITA"
refused "good, signed by a rogue key" 'OCSP signature not trusted: '
unlike "$ERR" 'disagrees' "the rogue signature is refused before the state is compared"

# ---- moved dates
edit "$REAL_R" 'd["status_expires"] += 3600' >"$ANSWER"
ask_fake "$RITA"
refused "status_expires moved an hour on" 'status dates disagree with the OCSP response'
edit "$REAL_R" 'd["revocation_date"] -= 86400' >"$ANSWER"
ask_fake "$RITA"
refused "the revocation date moved a day back" 'revocation date disagrees with the OCSP response'

# ---- bodies that are not a status answer at all
printf '{"state": "VALID"' >"$ANSWER"
ask_fake "$RITA"
refused "truncated JSON" 'malformed status answer'
head -c 300000 /dev/zero | tr '\0' ' ' >"$ANSWER"
ask_fake "$RITA"
is "$RC" 1 "a 300 kB answer: exit 1"
like "$ERR" '^pvxcert: cannot fetch status from .*: .*(larger|262144)' \
    "it stops reading at the cap and says so"

stop_pid "$FAKE_PID"
done_testing
