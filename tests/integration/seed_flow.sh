#!/bin/bash
# seed_flow.sh - the quick start's whole JWT flow, as its users see it.
#
# The sample issuer and pvacms run on loopback; two users, "softioc" (a
# server) and "client", each with their own HOME, get a token, check it
# with the validator, exchange it with authnjwt for a keychain, and look
# at it with pvxcert.  Then the two keychains do a mutual TLS handshake
# with openssl s_server/s_client, each side verifying the other against
# the CA.  Everything asserted is something a user would notice: exact
# output lines and dates, file modes, what openssl accepts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms

pvhome=$ROOT/home/pvacms
cfg=$pvhome/.config/pva/1.4
dat=$pvhome/.local/share/pva/1.4

# ---- first start: pvacms says what it created, and where
out=$(cat "$PVACMS_OUT")
like "$out" "^Certificate DB created  : $dat/certs.db\$" \
    "first start: prints the certificate DB it created"
like "$out" "^Keychain file created   : $cfg/cert_auth.p12\$" \
    "first start: prints the CA keychain it created"
like "$out" "^CA certificate written  : $cfg/cert_auth.pem\$" \
    "first start: prints where the public CA certificate went"
like "$out" "^Keychain file created   : $cfg/pvacms.p12\$" \
    "first start: prints the service keychain it created"
like "$out" "^Keychain file created   : $cfg/admin.p12\$" \
    "first start: prints the admin keychain it created"
check "CA keychain is mode 0600" [ "$(file_mode "$cfg/cert_auth.p12")" = 600 ]
like "$(cat "$PVACMS_ERR")" "HTTPS listening on 127\.0\.0\.1:$HTTPS_PORT" \
    "log names the HTTPS listener"

ca_subject=$("$OPENSSL" x509 -in "$CA_FILE" -noout -subject \
    -nameopt RFC2253 2>/dev/null)
is "$ca_subject" \
    "subject=OU=EPICS Certificate Authority,O=certs.epics.org,C=US,CN=EPICS Root Certificate Authority" \
    "CA certificate has the documented subject"
issuer_id=$("$OPENSSL" x509 -in "$CA_FILE" -noout \
    -ext subjectKeyIdentifier 2>/dev/null | sed -n '2p' |
    tr -d ' :\n' | tr 'A-F' 'a-f' | cut -c1-8)
like "$issuer_id" '^[0-9a-f]{8}$' "CA certificate has a subjectKeyIdentifier"

# all_ca PEM...: each certificate has basicConstraints CA:TRUE.
all_ca()
{
	local c
	[ -f "$1" ] || return 1
	for c in "$@"; do
		"$OPENSSL" x509 -in "$c" -noout -ext basicConstraints \
		    2>/dev/null | grep -q 'CA:TRUE' || return 1
	done
}

ISSUER_SUBJECT="CN=EPICS Root Certificate Authority, C=US, O=certs.epics.org, OU=EPICS Certificate Authority"

# seed_user NAME USAGE AUTHNJWT_ARGS...: the seed's steps for one user.
seed_user()
{
	local name=$1 usage=$2 home token claims nbf exp p12 id serial
	local want_block eku
	shift 2
	home=$ROOT/home/$name
	make_home "$name"
	p12=$(keychain_path "$name" "$usage")

	token=$(get_token "$name")
	printf '%s\n' "$token" >"$home/token_file"
	like "$token" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' \
	    "$name: issuer hands out a JWT for password 'secret'"

	claims=$(curl -sG --max-time 5 --data-urlencode "token=$token" \
	    "http://localhost:$ISSUER_PORT/default/verify")
	like "$claims" '"valid": *true' "$name: validator says the token is valid"
	like "$claims" "\"sub\": *\"$name\"" "$name: validator shows sub=$name"

	run as_user "$name" authnjwt "$@" --token-file token_file
	is "$RC" 0 "$name: authnjwt $* --token-file token_file exits 0"
	is "$(nlines "$OUT")" 2 "$name: authnjwt prints exactly two lines"
	is "$(printf '%s\n' "$OUT" | sed -n 1p)" \
	    "Keychain file created   : $p12" \
	    "$name: authnjwt names the keychain it created"
	like "$(printf '%s\n' "$OUT" | sed -n 2p)" \
	    '^Certificate identifier  : [0-9a-f]{8}:[0-9]+$' \
	    "$name: authnjwt prints the certificate identifier"
	is "$ERR" "" "$name: authnjwt is silent on stderr"
	id=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
	is "${id%%:*}" "$issuer_id" \
	    "$name: cert id starts with the CA's issuer id (its SKID)"
	eval "ID_$name=\$id"

	check "$name: keychain exists" [ -f "$p12" ]
	is "$(file_mode "$p12" 2>/dev/null)" 600 "$name: keychain is mode 0600"
	is "$(file_mode "$(dirname "$p12")" 2>/dev/null)" 700 \
	    "$name: keychain directory is mode 0700"
	check "$name: openssl pkcs12 reads the keychain (empty password)" \
	    p12_extract "$p12" "$ROOT/run/$name"

	# The leaf: serial, key, extensions, OCSP URL.
	serial=$("$OPENSSL" x509 -in "$ROOT/run/$name.crt" -noout -serial \
	    2>/dev/null | sed 's/^serial=//')
	is "$("$PYTHON3" -c "print(int('$serial', 16))" 2>/dev/null)" \
	    "${id#*:}" "$name: cert id holds the certificate's serial"
	like "$("$OPENSSL" pkey -in "$ROOT/run/$name.key" -noout -text \
	    2>/dev/null | head -1)" '^Private-Key: \(2048 bit' \
	    "$name: keychain holds an RSA-2048 key by default"
	case $usage in
	server) eku='TLS Web Server Authentication' ;;
	*) eku='TLS Web Client Authentication' ;;
	esac
	like "$("$OPENSSL" x509 -in "$ROOT/run/$name.crt" -noout \
	    -ext extendedKeyUsage 2>/dev/null | sed -n 2p)" "^ *$eku\$" \
	    "$name: $usage certificate has extendedKeyUsage $eku"
	like "$("$OPENSSL" x509 -in "$ROOT/run/$name.crt" -noout \
	    -ext basicConstraints 2>/dev/null)" 'CA:FALSE' \
	    "$name: certificate is not a CA"
	is "$("$OPENSSL" x509 -in "$ROOT/run/$name.crt" -noout -ocsp_uri \
	    2>/dev/null)" "$STATUS_URL/ocsp" \
	    "$name: certificate's OCSP URL points at this pvacms"

	# The chain holds the self-signed root: the published CA.
	rm -f "$ROOT/run/$name".ca*.pem
	awk -v pfx="$ROOT/run/$name.ca" '/-BEGIN CERTIFICATE-/ {n++; f=1}
	    f {print > (pfx n ".pem")} /-END CERTIFICATE-/ {f=0}' \
	    "$ROOT/run/$name.chain"
	root=
	for c in "$ROOT/run/$name".ca*.pem; do
		[ -f "$c" ] || continue
		if [ "$("$OPENSSL" x509 -in "$c" -noout -subject \
		    -nameopt RFC2253 | sed 's/^subject=//')" = \
		    "$("$OPENSSL" x509 -in "$c" -noout -issuer \
		    -nameopt RFC2253 | sed 's/^issuer=//')" ]; then
			root=$c
		fi
	done
	check "$name: the keychain's chain includes a self-signed root" \
	    [ -n "$root" ]
	is "$([ -z "$root" ] ||
	    "$OPENSSL" x509 -in "$root" -noout -fingerprint -sha256)" \
	    "$("$OPENSSL" x509 -in "$CA_FILE" -noout -fingerprint -sha256)" \
	    "$name: the chain's root is the published CA certificate"
	check "$name: every certificate in the chain is a CA" \
	    all_ca "$ROOT/run/$name".ca*.pem
	check "$name: openssl verify accepts the leaf against the CA" \
	    "$OPENSSL" verify -CAfile "$CA_FILE" -purpose "ssl$usage" \
	    "$ROOT/run/$name.crt"

	# pvxcert -f: the seed's block, dates from the token.
	nbf=$(jwt_claim "$token" nbf)
	exp=$(jwt_claim "$token" exp)
	run as_user "$name" pvxcert -f "$p12"
	is "$RC" 0 "$name: pvxcert -f exits 0"
	want_block="Certificate Details:
============================================
Certificate ID : $id
Entity Subject : CN=$name, O=localhost
Issuer Subject : $ISSUER_SUBJECT
Valid From     : $(fmt_epoch "$nbf")
Expires On     : $(fmt_epoch "$exp")
--------------------------------------------

Certificate Status:
============================================
Certificate ID: $id
Status        : VALID"
	is "$(printf '%s\n' "$OUT" | head -n 13)" "$want_block" \
	    "$name: pvxcert -f prints the details block and VALID status"
	like "$(printf '%s\n' "$OUT" | sed -n 14p)" \
	    '^Status Issued : [A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4} UTC$' \
	    "$name: pvxcert -f prints Status Issued"
	like "$(printf '%s\n' "$OUT" | sed -n 15p)" \
	    '^Status Expires: [A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4} UTC$' \
	    "$name: pvxcert -f prints Status Expires"
	si=$(date -u -d "$(printf '%s\n' "$OUT" | sed -n 's/^Status Issued : //p' | sed 's/ UTC$//') UTC" +%s 2>/dev/null)
	se=$(date -u -d "$(printf '%s\n' "$OUT" | sed -n 's/^Status Expires: //p' | sed 's/ UTC$//') UTC" +%s 2>/dev/null)
	is "$((${se:-0} - ${si:-0}))" 1800 \
	    "$name: status is valid for the default 30 minutes"
	is "$(printf '%s\n' "$OUT" | sed -n '16,$p')" \
	    "--------------------------------------------" \
	    "$name: pvxcert -f ends with the status block's rule"

	# pvxcert CERT_ID: the status block alone.
	run as_user "$name" pvxcert "$id"
	is "$RC" 0 "$name: pvxcert CERT_ID exits 0"
	is "$(printf '%s\n' "$OUT" | head -n 4)" "Certificate Status:
============================================
Certificate ID: $id
Status        : VALID" "$name: pvxcert CERT_ID prints the status block"
	unlike "$OUT" 'Certificate Details' \
	    "$name: pvxcert CERT_ID prints the status block alone"
	is "$(nlines "$OUT")" 7 "$name: pvxcert CERT_ID prints seven lines"

	# The JSON status, and RFC 6960 OCSP as openssl knows it.
	like "$(curl -s --max-time 5 "$STATUS_URL/v1/certs/$id/status")" \
	    '"state": *"VALID"' "$name: GET /v1/certs/ID/status says VALID"
	OUT=$(timeout 10 "$OPENSSL" ocsp -issuer "$CA_FILE" \
	    -cert "$ROOT/run/$name.crt" -url "$STATUS_URL/ocsp" \
	    -CAfile "$CA_FILE" 2>&1)
	like "$OUT" "Response verify OK" \
	    "$name: openssl ocsp verifies the response against the CA"
	like "$OUT" ": good" "$name: openssl ocsp -url says good"
}

seed_user softioc server -u server
seed_user client client

# ---- the audit log: one issued line per certificate, never a token
if [ -f "$AUDIT_LOG" ]; then
	n=$(grep -c '"event": *"issued"' "$AUDIT_LOG")
	is "$n" 2 "audit log records two issued certificates"
	like "$(grep '"issued"' "$AUDIT_LOG" | grep "$ID_softioc")" \
	    '"sub": *"softioc"' "audit log names softioc's certificate and sub"
	unlike "$(cat "$AUDIT_LOG" "$PVACMS_ERR" "$PVACMS_OUT")" \
	    'eyJ[A-Za-z0-9_-]{10,}\.eyJ' \
	    "no token in the audit log or the daemon's output"
else
	not_ok "audit log exists at $AUDIT_LOG"
fi

# ---- mutual TLS between the two keychains
softioc_p12=$(keychain_path softioc server)
client_p12=$(keychain_path client client)
if tls_handshake "$softioc_p12" "$client_p12" "$CA_FILE"; then
	ok "mutual TLS handshake softioc <-> client, both verified"
else
	not_ok "mutual TLS handshake softioc <-> client, both verified" \
	    "client rc=$TLS_CLIENT_RC" "$TLS_CLIENT_OUT" "$TLS_SERVER_OUT"
fi
like "$TLS_CLIENT_OUT" 'Verify return code: 0 \(ok\)' \
    "s_client: Verify return code: 0 (ok)"
like "$TLS_CLIENT_OUT" 'subject=.*CN *= *softioc' \
    "s_client sees the server as CN=softioc"
like "$TLS_SERVER_OUT" 'Peer certificate: CN *= *client' \
    "s_server sees the client as CN=client"
like "$TLS_SERVER_OUT" '^Verification: OK' \
    "s_server verified the client's certificate"
like "$TLS_CLIENT_OUT" 'tneilc-morf-olleh' \
    "a line made the round trip over the TLS connection"

done_testing
