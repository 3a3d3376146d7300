#!/bin/bash
# restart.sh - pvacms keeps its CA and its records across a restart, and
# authnjwt renews a certificate with the key it already holds.
#
# Issue a certificate, stop pvacms with SIGTERM (clean exit 0), start it
# again on the same directories: it creates nothing, the CA is the same
# (same issuer id), the old certificate is still VALID.  Then a second
# authnjwt with a fresh token keeps the keychain's key and gets a new
# serial under the same CA.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms

P12=$(keychain_path softioc server)
make_home softioc
get_token softioc >"$ROOT/home/softioc/token_file"
run as_user softioc authnjwt -u server --token-file token_file
is "$RC" 0 "first certificate issued"
ID1=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
like "$ID1" '^[0-9a-f]{8}:[0-9]+$' "first certificate has an id"
cp "$P12" "$ROOT/run/first.p12"
ca_fpr1=$("$OPENSSL" x509 -in "$CA_FILE" -noout -fingerprint -sha256)
cfg=$ROOT/home/pvacms/.config/pva/1.4
cp "$cfg/cert_auth.p12" "$ROOT/run/cert_auth.p12.first"

# ---- restart, on the same ports: certificates carry the status URL
old_https=$HTTPS_PORT
old_http=$HTTP_PORT
stop_pvacms TERM
is "$STOP_RC" 0 "pvacms exits 0 on SIGTERM"
start_pvacms --https-listen "127.0.0.1:$old_https" \
    --http-listen "127.0.0.1:$old_http"
is "$HTTP_PORT:$HTTPS_PORT" "$old_http:$old_https" \
    "pvacms restarts on the same ports"
is "$(grep -c 'created' "$PVACMS_OUT")" 0 \
    "second start creates nothing (no 'created' lines)"
unlike "$(cat "$PVACMS_OUT")" 'Keychain file created' \
    "second start prints no 'Keychain file created'"
is "$("$OPENSSL" x509 -in "$CA_FILE" -noout -fingerprint -sha256)" \
    "$ca_fpr1" "the published CA certificate is unchanged"
check "the CA keychain is byte-identical" \
    cmp -s "$ROOT/run/cert_auth.p12.first" "$cfg/cert_auth.p12"

run as_user softioc pvxcert "$ID1"
is "$RC" 0 "pvxcert CERT_ID exits 0 after the restart"
like "$OUT" '^Status        : VALID$' \
    "the first certificate is still VALID after the restart"
run as_user softioc pvxcert -f "$P12"
is "$RC" 0 "pvxcert -f exits 0 after the restart"
like "$OUT" '^Status        : VALID$' "pvxcert -f agrees after the restart"

# ---- renewal: new token, same key, new serial, same CA
sleep 1
get_token softioc >"$ROOT/home/softioc/token_file"
run as_user softioc authnjwt -u server --token-file token_file
is "$RC" 0 "renewal with a new token exits 0"
is "$(printf '%s\n' "$OUT" | sed -n 1p)" "Keychain file created   : $P12" \
    "renewal names the same keychain"
ID2=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
like "$ID2" '^[0-9a-f]{8}:[0-9]+$' "renewed certificate has an id"
is "${ID2%%:*}" "${ID1%%:*}" "same issuer id after the restart"
if [ "${ID2#*:}" != "${ID1#*:}" ]; then
	ok "renewed certificate has a new serial"
else
	not_ok "renewed certificate has a new serial" "both $ID1"
fi
pk1=$(pubkey_of_p12 "$ROOT/run/first.p12")
pk2=$(pubkey_of_p12 "$P12")
check "old keychain holds a key" [ -n "$pk1" ]
is "$pk2" "$pk1" "renewal reuses the keychain's private key"
is "$(file_mode "$P12")" 600 "renewed keychain is mode 0600"
run as_user softioc pvxcert "$ID2"
like "$OUT" '^Status        : VALID$' "the renewed certificate is VALID"
run as_user softioc pvxcert -f "$P12"
like "$OUT" "^Certificate ID : $ID2\$" "the keychain now holds the new certificate"

# ---- a second restart still knows both certificates
stop_pvacms TERM
is "$STOP_RC" 0 "pvacms exits 0 on SIGTERM again"
start_pvacms --https-listen "127.0.0.1:$old_https" \
    --http-listen "127.0.0.1:$old_http"
for id in "$ID1" "$ID2"; do
	like "$(curl -s --max-time 5 "$STATUS_URL/v1/certs/$id/status")" \
	    "\"cert_id\": *\"$id\"" "status of $id is served after restart"
done

done_testing
