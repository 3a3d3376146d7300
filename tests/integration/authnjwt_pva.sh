#!/bin/bash
# authnjwt_pva.sh - `authnjwt --cms pva://HOST[:PORT]` (DESIGN §10): the
# token goes to pvacms as a CERT:CREATE RPC over PVAccess instead of
# HTTPS, and the user sees the same two lines and gets the same keychain.
#
# pvacms runs with its PVAccess front on ephemeral ports (the TCP port
# comes from its listen-info file).  A client and a server keychain come
# over pva://; openssl reads them (CN from the token's sub, the key
# matches, the root is the CA file); --no-status reaches pvacms.  Then
# the refusals, each one stderr line, non-zero, keychain untouched: a
# host that is not loopback without --pva-plaintext (before any
# connection), a CA file that did not sign the answer (no trust on first
# use over an unauthenticated channel), no CA file, nobody listening, a
# token pvacms rejects.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms
PVA_TCP=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$ROOT/run/pvacms.listen")
like "$PVA_TCP" '^[0-9]+$' "the listen info names the PVAccess TCP port"
PVA_URL=pva://127.0.0.1:$PVA_TCP
STATUS_OID=1.3.6.1.4.1.37427.1

# pva_user NAME [AUTHNJWT_ARGS...]: a fresh token for NAME in its home,
# then authnjwt ARGS --token-file token_file as NAME (sets RC, OUT, ERR).
pva_user()
{
	local name=$1
	shift
	make_home "$name"
	get_token "$name" >"$ROOT/home/$name/token_file" ||
	    bail_out "no token from the sample issuer"
	run as_user "$name" authnjwt "$@" --token-file token_file
}

# serial_dec PEM: the certificate's serial in decimal.
serial_dec()
{
	"$PYTHON3" -c 'import sys; print(int(sys.argv[1], 16))' \
	    "$("$OPENSSL" x509 -in "$1" -noout -serial | sed 's/^serial=//')"
}

# one_line_refusal NAME ERE: the last run failed with exactly one stderr
# line matching ERE and printed nothing on stdout (two TAP lines).
one_line_refusal()
{
	check "$1: exits non-zero" [ "$RC" -ne 0 ]
	if [ "$(nlines "$ERR")" -eq 1 ] && [ -z "$OUT" ]; then
		like "$ERR" "$2" "$1: one line on stderr names the cause"
	else
		not_ok "$1: one line on stderr names the cause" \
		    "stdout: $OUT" "stderr: $ERR"
	fi
}

# ---- a client keychain over PVAccess
pva_user pvaclient --cms "$PVA_URL"
is "$RC" 0 "authnjwt --cms pva://127.0.0.1:PORT exits 0"
KC=$(keychain_path pvaclient client)
is "$(printf '%s\n' "$OUT" | sed -n 1p)" "Keychain file created   : $KC" \
    "first line names the keychain, as over HTTPS"
ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
like "$ID" '^[0-9a-f]{8}:[1-9][0-9]*$' \
    "second line: the certificate id, serial unpadded"
is "$(nlines "$OUT")" 2 "exactly two lines on stdout"
is "$ERR" "" "nothing on stderr"
check "keychain is mode 0600" [ "$(file_mode "$KC")" = 600 ]
p12_extract "$KC" "$ROOT/run/client" ||
    not_ok "openssl pkcs12 reads the keychain"
like "$("$OPENSSL" x509 -in "$ROOT/run/client.crt" -noout -subject \
    -nameopt RFC2253)" '^subject=(.*,)?CN=pvaclient(,.*)?$' \
    "openssl pkcs12: the certificate's CN is the token's sub"
is "${ID#*:}" "$(serial_dec "$ROOT/run/client.crt")" \
    "the printed serial is the certificate's"
is "$("$OPENSSL" x509 -in "$ROOT/run/client.crt" -noout -pubkey)" \
    "$(pubkey_of_p12 "$KC")" "the certificate is for the keychain's key"
is "$("$OPENSSL" x509 -in "$ROOT/run/client.chain" -noout -fingerprint \
    -sha256)" "$("$OPENSSL" x509 -in "$CA_FILE" -noout -fingerprint -sha256)" \
    "the keychain's chain is the CA certificate authnjwt trusts"
check "the certificate verifies against the CA file" \
    "$OPENSSL" verify -CAfile "$CA_FILE" "$ROOT/run/client.crt"
like "$("$OPENSSL" x509 -in "$ROOT/run/client.crt" -noout -text)" \
    "$STATUS_OID" "the certificate names its status PV (the default)"
run as_user pvaclient pvxcert -f "$KC"
like "$OUT" 'VALID' "pvxcert -f shows the PVAccess keychain VALID"

# ---- the same certificate shape as over HTTPS
# shape PEM: what does not depend on who or when: issuer, signature
# algorithm, key type, which extensions (and critical or not), key usage,
# extended key usage, basic constraints, the status PV's form.
shape()
{
	local t
	t=$("$OPENSSL" x509 -in "$1" -noout -text)
	printf '%s\n' "$t" | grep -E '^ *(Issuer:|Signature Algorithm:|Public Key Algorithm:|Public-Key:)' | sort -u
	printf '%s\n' "$t" | grep -E '^ *(X509v3 [A-Za-z ]+|1\.3\.6\.1\.4\.1\.37427\.1):' | sort
	"$OPENSSL" x509 -in "$1" -noout -ext keyUsage,extendedKeyUsage,basicConstraints 2>/dev/null
	printf '%s\n' "$t" | grep -oE 'CERT:STATUS:[0-9a-f]{8}:[0-9]{20}' | sed 's/:[0-9a-f]*:[0-9]*$/:ISSUER:SERIAL/'
}
pva_user httpsclient
is "$RC" 0 "the same user's request over HTTPS exits 0"
p12_extract "$(keychain_path httpsclient client)" "$ROOT/run/httpsclient" ||
    not_ok "openssl pkcs12 reads the HTTPS keychain"
shape "$ROOT/run/client.crt" >"$ROOT/run/shape.pva"
shape "$ROOT/run/httpsclient.crt" >"$ROOT/run/shape.https"
check "the PVAccess certificate has the HTTPS certificate's shape" \
    cmp -s "$ROOT/run/shape.pva" "$ROOT/run/shape.https"
like "$(cat "$ROOT/run/shape.pva")" 'CERT:STATUS:ISSUER:SERIAL' \
    "... status PV included"
"$OPENSSL" x509 -in "$ROOT/run/client.crt" -noout -startdate -enddate \
    >"$ROOT/run/dates.pva"
like "$(cat "$ROOT/run/dates.pva")" 'notAfter=' "the PVAccess certificate has an end"

# ---- a server keychain, without the status extension
pva_user pvaserver -u server --no-status --cms "$PVA_URL/"
is "$RC" 0 "authnjwt -u server --no-status over pva:// exits 0"
SKC=$(keychain_path pvaserver server)
is "$(printf '%s\n' "$OUT" | sed -n 1p)" "Keychain file created   : $SKC" \
    "-u server: the server keychain"
p12_extract "$SKC" "$ROOT/run/server" ||
    not_ok "openssl pkcs12 reads the server keychain"
unlike "$("$OPENSSL" x509 -in "$ROOT/run/server.crt" -noout -text)" \
    "$STATUS_OID" "--no-status reaches pvacms over PVAccess"
like "$("$OPENSSL" x509 -in "$ROOT/run/server.crt" -noout -ext \
    extendedKeyUsage)" 'TLS Web Server Authentication' \
    "-u server: a server certificate"
check "the two PVAccess keychains do mutual TLS" \
    tls_handshake "$SKC" "$KC" "$CA_FILE"

# ---- refusals; the client keychain must survive each of them
BEFORE=$(sha256sum <"$KC")

# A host that is not loopback: refused before any connection is made
# (192.0.2.1 is TEST-NET-1: nothing would answer there anyway).
pva_user pvaclient --cms "pva://192.0.2.1:$PVA_TCP"
one_line_refusal "pva:// to a host that is not loopback" \
    '^authnjwt: refusing pva:// to 192\.0\.2\.1: .*unencrypted.*--pva-plaintext'
pva_user pvaclient --cms "pva://example.org:$PVA_TCP"
one_line_refusal "pva:// to a name that is not localhost" \
    '^authnjwt: refusing pva:// to example\.org: '
check "a refused non-loopback request takes no network time" \
    [ "$MS" -lt 3000 ]
is "$(sha256sum <"$KC")" "$BEFORE" "keychain untouched after the refusals"

# A CA file that did not sign the answer: the certificate is refused.
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$ROOT/run/other.key" -subj "/CN=Some Other Root" -days 2 \
    -addext basicConstraints=critical,CA:TRUE \
    -out "$ROOT/run/other.pem" 2>/dev/null ||
    bail_out "openssl cannot make a CA certificate"
pva_user pvaclient --cms "$PVA_URL" --cms-ca "$ROOT/run/other.pem"
one_line_refusal "a wrong --cms-ca" \
    "^authnjwt: certificate from pvacms does not verify against $ROOT/run/other\.pem: "
is "$(sha256sum <"$KC")" "$BEFORE" "keychain untouched after a wrong --cms-ca"
pva_user pvanew --cms "$PVA_URL" --cms-ca "$ROOT/run/other.pem"
check "a wrong --cms-ca creates no keychain" \
    [ ! -e "$(keychain_path pvanew client)" ]

# No CA file at all: never trust on first use.
pva_user pvaclient --cms "$PVA_URL" --cms-ca "$ROOT/run/missing.pem"
one_line_refusal "no CA file" \
    '^authnjwt: CA certificate .*/missing\.pem not found'

# Nobody listening: a bounded, one-line failure.
pva_user pvaclient --cms "pva://127.0.0.1:$(free_port)"
one_line_refusal "nobody listening" '^authnjwt: cannot connect to 127\.0\.0\.1:'

# pvacms refuses the token: its reason on the one line.
make_home pvaclient
get_token pvaclient '&exp_secs=-120' >"$ROOT/home/pvaclient/token_file"
run as_user pvaclient authnjwt --cms "$PVA_URL" --token-file token_file
one_line_refusal "an expired token" '^authnjwt: .*expired'
is "$(sha256sum <"$KC")" "$BEFORE" "keychain untouched after every refusal"

no_token_leaked "$(cat "$ROOT/home/pvaclient/token_file")"
done_testing
