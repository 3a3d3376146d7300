#!/bin/bash
# pva_create_hostile.sh - CERT:CREATE, CERT:ROOT and CERT:ISSUER over
# PVAccess, well-formed and hostile (issue 13).
#
# A small stdlib-only PVAccess client (pva_ccr.py) sends certificate
# creation requests laid out as PVXS's authnstd sends them (an NTURI
# whose `query` holds the CCR) to pvacms's PVAccess front, started with
# --authenticators "std jwt".  Checked:
#   - a well-formed std request: PENDING_APPROVAL, leaf + CA PEM, the
#     leaf's CN and public key are the ones asked for, expiration ahead,
#     status_pv CERT:STATUS:<8 hex>:<20 digits>; the same request with
#     not_after 0 (what authnstd sends without -t), in big-endian, and
#     as a bare CCR (no NTURI);
#   - a trust-anchor request (every field empty): VALID and the CA alone;
#   - a jwt request with a real token from the sample issuer: VALID;
#   - refusals, each with its reason, the daemon serving after each:
#     missing or unknown type, usage 0/4/16 or a string, a public key
#     that is no PEM, an EC P-521 or RSA-1024 key, oversize name and
#     pub_key, fields of the wrong kind, garbage and truncated bodies, a
#     jwt request without a token, another issuer's CERT:CREATE name, a
#     GET on CERT:CREATE and an RPC on CERT:ROOT;
#   - GET CERT:ROOT and CERT:ISSUER: the CA PEM, the issuer id, the CA's
#     subject and serial;
#   - the audit log: an `issued` line with front pva, no token text.
# Without python3 the test reports SKIP with the reason.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ccr_lib.sh"

if ! "$PYTHON3" -c 'import json, socket, struct' 2>/dev/null; then
	skip_all "python3 ($PYTHON3) is not available"
fi

setup_root
start_issuer
start_pvacms --authenticators "std jwt"
PVA_TCP=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$ROOT/run/pvacms.listen")
like "$PVA_TCP" '^[0-9]+$' "the listen info names the PVAccess TCP port"



# pem_count FILE: the number of certificates in FILE.
pem_count()
{
	grep -c -- '-----BEGIN CERTIFICATE-----' "$1"
}

# pem_split FILE PREFIX: PREFIX.1, PREFIX.2, ... one certificate each.
pem_split()
{
	awk -v p="$2" '/-----BEGIN CERTIFICATE-----/ { n++ }
	    n { print > (p "." n) }' "$1"
}

# cert_cn FILE: the subject CN of the certificate in FILE.
cert_cn()
{
	"$OPENSSL" x509 -in "$1" -noout -subject -nameopt multiline 2>/dev/null |
	    sed -n 's/^ *commonName *= *//p'
}

# subject_field FILE NAME: a multiline subject field (commonName, ...).
subject_field()
{
	"$OPENSSL" x509 -in "$1" -noout -subject -nameopt multiline 2>/dev/null |
	    sed -n "s/^ *$2 *= *//p"
}

# cert_serial_dec FILE: the certificate's serial in decimal.
cert_serial_dec()
{
	"$PYTHON3" -c 'import sys; print(int(sys.argv[1], 16))' \
	    "$("$OPENSSL" x509 -in "$1" -noout -serial | sed 's/^serial=//')"
}

# cert_not_after FILE: the certificate's notAfter in POSIX seconds.
cert_not_after()
{
	date -u -d "$("$OPENSSL" x509 -in "$1" -noout -enddate |
	    sed 's/^notAfter=//')" +%s
}

# alive: pvacms runs, answers /healthz, and its PVAccess front still
# answers a creation request (a trust-anchor one).
alive()
{
	local save_out=$OUT save_rc=$RC save_err=$ERR r=1
	if kill -0 "$PVACMS_PID" 2>/dev/null && healthz; then
		ccr create
		[ "$RC" -eq 0 ] && [ "$(jget status)" = ok ] &&
		    [ "$(jget fields.state)" = VALID ] && r=0
	fi
	OUT=$save_out RC=$save_rc ERR=$save_err
	return $r
}

# refused NAME ERE ARGS...: pva_ccr.py ARGS completes (exit 0) with an
# error status whose message matches ERE; then pvacms still serves.
refused()
{
	local name=$1 re=$2
	shift 2
	ccr "$@"
	if [ "$RC" -eq 0 ] && [ "$(jget status)" = error ] &&
	    printf '%s\n' "$(jget message)" | grep -Eq -- "$re"; then
		ok "$name: refused ($(jget message))"
	else
		not_ok "$name: refused with /$re/" "rc=$RC" "stdout: $OUT" \
		    "stderr: $ERR"
	fi
	check "$name: pvacms still serves" alive
}

NOW=$(date +%s)
DAY_LATER=$((NOW + 86400))
K=$ROOT/run/keys
mkdir -p "$K"
# key NAME GENPKEY-ARGS...: a private key NAME.key and its public key
# NAME.pub (SubjectPublicKeyInfo PEM, as authnstd sends it).
key()
{
	local name=$1
	shift
	if ! "$OPENSSL" genpkey "$@" -out "$K/$name.key" 2>/dev/null ||
	    ! "$OPENSSL" pkey -in "$K/$name.key" -pubout \
	    -out "$K/$name.pub" 2>/dev/null; then
		bail_out "cannot make key $name"
	fi
}
key rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key rsa2 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key ec256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key ec521 -algorithm EC -pkeyopt ec_paramgen_curve:P-521
key rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024

# ---------------------------------------------------------------- good std
ccr create --type std --name alice --org lab --country US --usage 1 \
    --not-before "$NOW" --not-after "$DAY_LATER" --pub-key-file "$K/rsa.pub"
is "$RC:$(jget status):$(jget message)" "0:ok:" \
    "std request: the exchange completes with status ok"
is "$(jget type_id)" "epics:nt/NTEnum:1.0" "std reply: an NTEnum"
is "$(jget fields.state) $(jget fields.value.index)" "PENDING_APPROVAL 3" \
    "std reply: state PENDING_APPROVAL, value.index 3"
is "$(jget fields.value.choices | tr '\n' ' ')" \
    "UNKNOWN VALID PENDING PENDING_APPROVAL PENDING_RENEWAL EXPIRED REVOKED" \
    "std reply: the choices in PVACMS's order"
jget fields.cert >"$ROOT/run/alice.chain"
is "$(pem_count "$ROOT/run/alice.chain")" 2 \
    "std reply: cert holds two PEM certificates"
pem_split "$ROOT/run/alice.chain" "$ROOT/run/alice"
is "$(cert_cn "$ROOT/run/alice.1")" alice "the leaf (first) has CN alice"
is "$(subject_field "$ROOT/run/alice.1" organizationName)" lab \
    "the leaf has O lab"
"$OPENSSL" x509 -in "$ROOT/run/alice.1" -noout -pubkey \
    >"$ROOT/run/alice.leafpub" 2>/dev/null
check "the leaf's public key is the one sent" \
    cmp "$ROOT/run/alice.leafpub" "$K/rsa.pub"
check "the second certificate is the CA" cmp "$ROOT/run/alice.2" "$CA_FILE"
check "the leaf verifies against the CA" \
    "$OPENSSL" verify -CAfile "$CA_FILE" "$ROOT/run/alice.1"
EXP=$(jget fields.expiration)
check "expiration ($EXP) lies ahead" [ "${EXP:-0}" -gt "$(date +%s)" ]
is "$EXP" "$(cert_not_after "$ROOT/run/alice.1")" \
    "expiration is the leaf's notAfter (POSIX seconds)"
STATUS_PV=$(jget fields.status_pv)
like "$STATUS_PV" '^CERT:STATUS:[0-9a-f]{8}:[0-9]{20}$' \
    "status_pv is CERT:STATUS:<8 hex>:<20 digits> ($STATUS_PV)"
ISSUER=$(jget fields.issuer)
SERIAL=$(jget fields.serial)
like "$ISSUER" '^[0-9a-f]{8}$' "issuer is 8 hex digits"
is "$SERIAL" "$(cert_serial_dec "$ROOT/run/alice.1")" \
    "serial is the leaf's serial"
is "$STATUS_PV" "$(printf 'CERT:STATUS:%s:%020d' "$ISSUER" "$SERIAL")" \
    "status_pv names this issuer and the padded serial"
is "$(jget fields.cert_id)" "$(printf '%s:%020d' "$ISSUER" "$SERIAL")" \
    "cert_id is <issuer>:<20-digit serial>"
like "$("$OPENSSL" x509 -in "$ROOT/run/alice.1" -noout -text)" \
    "1\.3\.6\.1\.4\.1\.37427\.1: *
 *.*$STATUS_PV" "the leaf's status extension names status_pv"
check "pvacms still serves after the std request" alive

# What authnstd sends without -t: not_after 0, not_before now.  pvacms
# picks the lifetime (pvacms-std(5): "without one, pvacms picks the
# certificate's lifetime").
ccr create --type std --name carol --org lab --usage 2 --not-before "$NOW" \
    --pub-key-file "$K/rsa2.pub"
is "$(jget status):$(jget fields.state):$(jget message)" \
    "ok:PENDING_APPROVAL:" \
    "std request with not_after 0 (authnstd's default): PENDING_APPROVAL"
EXP=$(jget fields.expiration)
check "... pvacms picked a lifetime beyond a day ($EXP)" \
    [ "${EXP:-0}" -gt "$DAY_LATER" ]

# The same in big-endian, and as a bare CCR (no NTURI around it).
ccr --big-endian create --type std --name dave --usage 3 \
    --not-after "$DAY_LATER" --pub-key-file "$K/ec256.pub"
is "$(jget status):$(jget fields.state)" "ok:PENDING_APPROVAL" \
    "a big-endian ioc request with a P-256 key: PENDING_APPROVAL"
jget fields.cert >"$ROOT/run/dave.chain"
pem_split "$ROOT/run/dave.chain" "$ROOT/run/dave"
is "$(cert_cn "$ROOT/run/dave.1")" dave "... its leaf has CN dave"
ccr create --no-nturi --type std --name erin --usage 1 \
    --not-after "$DAY_LATER" --pub-key-file "$K/rsa2.pub"
is "$(jget status):$(jget fields.state)" "ok:PENDING_APPROVAL" \
    "a bare CCR (no NTURI) is read too"
ccr create --type std --name frank --usage 1 --not-after "$DAY_LATER" \
    --no-status --pub-key-file "$K/rsa2.pub"
jget fields.cert >"$ROOT/run/frank.chain"
pem_split "$ROOT/run/frank.chain" "$ROOT/run/frank"
unlike "$("$OPENSSL" x509 -in "$ROOT/run/frank.1" -noout -text 2>&1)" \
    '1\.3\.6\.1\.4\.1\.37427\.1' "no_status true: no status extension"

# ---------------------------------------------------------------- trust anchor
ccr create
is "$RC:$(jget status)" "0:ok" "trust-anchor request: status ok"
is "$(jget fields.state) $(jget fields.value.index)" "VALID 1" \
    "trust-anchor request: VALID, value.index 1"
jget fields.cert >"$ROOT/run/anchor.pem"
is "$(pem_count "$ROOT/run/anchor.pem")" 1 \
    "trust-anchor request: exactly one certificate"
check "trust-anchor request: it is the CA certificate" \
    cmp "$ROOT/run/anchor.pem" "$CA_FILE"
is "$(jget fields.issuer)" "$ISSUER" "trust-anchor request: our issuer id"
ccr create --pv "CERT:CREATE:$ISSUER"
is "$(jget status):$(jget fields.state)" "ok:VALID" \
    "CERT:CREATE:<our issuer id> serves the same"

# ---------------------------------------------------------------- jwt
TOKEN=$(get_token client)
like "$TOKEN" '^[^.]+\.[^.]+\.[^.]+$' "the sample issuer gave a token"
ccr create --type jwt --usage 1 --pub-key-file "$K/rsa2.pub" \
    --verifier-token "$TOKEN"
is "$(jget status):$(jget fields.state):$(jget message)" "ok:VALID:" \
    "a jwt request with a good token: VALID at once"
JWT_SERIAL=$(jget fields.serial)
BOGUS=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2VjcmV0LXRleHQtMTM
refused "jwt without a token in the verifier" 'token' \
    create --type jwt --name mallory --usage 1 --pub-key-file "$K/rsa2.pub"
refused "jwt with a forged token" 'token' \
    create --type jwt --name mallory --usage 1 --pub-key-file "$K/rsa2.pub" \
    --verifier-token "$BOGUS"

# ---------------------------------------------------------------- refusals
STD=(create --type std --usage 1 --not-after "$DAY_LATER"
    --pub-key-file "$K/rsa2.pub")
refused "missing type" "no field 'type'" \
    create --omit type --name t1 --usage 1 --pub-key-file "$K/rsa2.pub"
refused "unknown type" "unknown authenticator type 'kerberos'.*serves: std jwt" \
    create --type kerberos --name t2 --usage 1 --pub-key-file "$K/rsa2.pub"
refused "empty type" "unknown authenticator type" \
    create --type "" --name t2b --usage 1 --pub-key-file "$K/rsa2.pub"
for u in 0 4 16; do
	refused "usage $u" "usage $u is not client \(1\), server \(2\) or ioc \(3\)" \
	    "${STD[@]}" --name "u$u" --usage "$u"
done
refused "usage as a string" "'usage' is not an integer" \
    "${STD[@]}" --name t3 --field-type usage=string
refused "usage as int32 -1" "'usage' is out of range|usage -1 is not" \
    "${STD[@]}" --name t3b --field-type usage=int32 --set usage=-1
refused "pub_key not PEM" "malformed public key" \
    create --type std --name t4 --usage 1 --pub-key "hello, I am a key"
refused "an EC P-521 key" "unsupported key" \
    create --type std --name t5 --usage 1 --pub-key-file "$K/ec521.pub"
refused "an RSA-1024 key" "unsupported key" \
    create --type std --name t6 --usage 1 --pub-key-file "$K/rsa1024.pub"
refused "a name of 300 bytes" "'name' is longer than" \
    "${STD[@]}" --huge name=300
refused "a pub_key of 40000 bytes" "'pub_key' is longer than" \
    create --type std --name t7 --usage 1 --huge pub_key=40000
refused "a name that is an int32" "'name' is not a string" \
    "${STD[@]}" --field-type name=int32 --set name=42
refused "no_status as a string" "'no_status' is not a boolean" \
    "${STD[@]}" --name t8 --field-type no_status=string
refused "verifier as a string" "'verifier' is not a structure" \
    "${STD[@]}" --name t9 --field-type verifier=string
refused "query as a string" "'query' is not a structure" \
    create --no-nturi --field-type query=string
# A name with a NUL byte, raw: take a good body and patch the name.
ccr "${STD[@]}" --name NULNAME --dump-only \
    --dump-exec "$ROOT/run/nul.hex"
sed -i 's/4e554c4e414d45/4e55004e414d45/' "$ROOT/run/nul.hex"
refused "a NUL byte inside the name" "NUL byte" \
    raw-exec "$ROOT/run/nul.hex"

# 700 pseudo-random bytes, the same on every run.
"$PYTHON3" -c 'import random; print(random.Random(13).randbytes(700).hex())' \
    >"$ROOT/run/garbage.hex"
refused "garbage bytes as the EXEC body" '.' raw-exec "$ROOT/run/garbage.hex"
printf '' >"$ROOT/run/empty.hex"
refused "an empty EXEC body" '.' raw-exec "$ROOT/run/empty.hex"
refused "a truncated body" 'at byte [0-9]+|truncat' \
    "${STD[@]}" --name t11 --truncate 40
ccr "${STD[@]}" --name t12 --dump-only \
    --dump-exec "$ROOT/run/trail.hex"
sed -i 's/$/00ff/' "$ROOT/run/trail.hex"
refused "a body with trailing bytes" '2 bytes after the creation request' \
    raw-exec "$ROOT/run/trail.hex"
# A message over the front's 64 KiB cap closes that one connection.
ccr create --type std --name t13 --usage 1 --huge pub_key=70000
is "$RC" 2 "a 70 kB request: the connection is closed (client exit 2)"
like "$ERR" 'closed by the server' "... pva_ccr.py says the server closed it"
like "$(grep 'PVA: closing the connection' "$PVACMS_ERR")" \
    'closing the connection from 127\.0\.0\.1:[0-9]+: command 0x14: payload [0-9]+ bytes, cap 65536' \
    "... and pvacms logs the peer and the cause"
check "a 70 kB request: pvacms still serves" alive
# A type nested 30 deep (PVXS stops at 20).
"$PYTHON3" -c '
t = b"\x80\x00\x00"
for i in range(29):
    t = b"\x80\x00\x01\x01a" + t
print(t.hex())' >"$ROOT/run/deep.hex"
refused "a type nested 30 deep" '.' raw-exec "$ROOT/run/deep.hex"

# ---------------------------------------------------------------- names
ccr create --pv CERT:CREATE:00000000
is "$RC:$(jget status):$(jget stage)" "0:error:channel" \
    "CERT:CREATE:<another issuer id>: the channel is refused"
like "$(jget message)" 'Refused to create Channel' \
    "... with PVXS's refusal text"
ccr create --pv "CERT:CREATE:${ISSUER}x"
is "$(jget status):$(jget stage)" "error:channel" \
    "CERT:CREATE:<our id>x: the channel is refused"
ccr get CERT:CREATE
is "$(jget status):$(jget stage):$(jget message)" \
    "error:init:CERT:CREATE takes RPC only" "GET on CERT:CREATE: refused"
ccr create --pv CERT:ROOT
like "$(jget status):$(jget message)" '^error:the CA PVs are read-only' \
    "RPC on CERT:ROOT: refused"
check "pvacms still serves after the name checks" alive

# ---------------------------------------------------------------- CA PVs
CA_CN=$(subject_field "$CA_FILE" commonName)
CA_O=$(subject_field "$CA_FILE" organizationName)
CA_OU=$(subject_field "$CA_FILE" organizationalUnitName)
CA_SERIAL=$(cert_serial_dec "$CA_FILE")
for pv in CERT:ROOT CERT:ISSUER "CERT:ROOT:$ISSUER" "CERT:ISSUER:$ISSUER"; do
	ccr get "$pv"
	is "$RC:$(jget status)" "0:ok" "GET $pv: status ok"
	jget fields.cert >"$ROOT/run/capv.pem"
	check "GET $pv: cert is the CA PEM" cmp "$ROOT/run/capv.pem" "$CA_FILE"
	is "$(jget fields.issuer)" "$ISSUER" "GET $pv: issuer is $ISSUER"
	is "$(jget fields.name)|$(jget fields.org)|$(jget fields.org_unit)" \
	    "$CA_CN|$CA_O|$CA_OU" "GET $pv: name, org, org_unit of the CA"
	is "$(jget fields.serial)" "$CA_SERIAL" "GET $pv: the CA's serial"
done
ccr get CERT:ROOT:00000000
is "$(jget status):$(jget stage)" "error:channel" \
    "CERT:ROOT:<another issuer id>: the channel is refused"
ccr info CERT:ISSUER
like "$(jget type)" 'string cert' "GET_FIELD CERT:ISSUER: the type"

# ---------------------------------------------------------------- audit
ISSUED=$(grep '"event":"issued"' "$AUDIT_LOG" | grep -F "\"$ISSUER:$SERIAL\"")
like "$ISSUED" '"front":"pva"' "audit: alice's issued line says front pva"
like "$ISSUED" '"state":"PENDING_APPROVAL"' \
    "audit: ... and state PENDING_APPROVAL"
like "$(grep '"event":"issued"' "$AUDIT_LOG" | grep -F "\"$ISSUER:$JWT_SERIAL\"")" \
    '"front":"pva"' "audit: the jwt certificate's issued line says front pva"
like "$(grep '"event":"denied"' "$AUDIT_LOG" | tail -n 40)" '"front":"pva"' \
    "audit: refusals from the plugins say front pva"
no_token_leaked "$TOKEN" "$BOGUS"

check "pvacms is still running at the end" kill -0 "$PVACMS_PID"
unlike "$(cat "$PVACMS_ERR")" 'AddressSanitizer|runtime error|assert' \
    "no sanitizer or assertion report in pvacms's log"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
done_testing
