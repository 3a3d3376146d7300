#!/bin/bash
# replay.sh - a token buys one certificate.  Sent again by the same key it
# is a safe retry and returns the same certificate; sent by another key it
# is a replay and is refused with 409; a new token gets a new certificate.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms
plan 14

make_home alice
make_home mallory
TOKEN=$(get_token alice)
printf '%s\n' "$TOKEN" >"$ROOT/home/alice/token_file"
printf '%s\n' "$TOKEN" >"$ROOT/home/mallory/token_file"

run as_user alice authnjwt --token-file token_file
is "$RC" 0 "first use of the token issues a certificate"
ID1=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
like "$ID1" '^[0-9a-f]{8}:[0-9]+$' "it has an id"

run as_user alice authnjwt --token-file token_file
is "$RC" 0 "the same token from the same key is a retry and succeeds"
ID2=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
is "$ID2" "$ID1" "the retry returns the same certificate"

MALLORY_P12=$(keychain_path mallory client)
run as_user mallory authnjwt --token-file token_file
isnt_zero=$([ "$RC" -ne 0 ] && echo yes || echo no)
is "$isnt_zero" yes "the same token from another key is refused"
is "$ERR" "authnjwt: token replayed: token was already used for certificate $ID1 with another key" \
    "the refusal names the replay and the certificate"
is "$(nlines "$ERR")" 1 "one line on stderr"
check "no keychain is written for the replayer" test ! -e "$MALLORY_P12"

get_token alice >"$ROOT/home/alice/token_file"
run as_user alice authnjwt --token-file token_file
is "$RC" 0 "a new token from the same key succeeds"
ID3=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
check "the new token gets a new certificate" test "$ID3" != "$ID1"

like "$(cat "$AUDIT_LOG")" '"event":"retried".*"cert_id":"'"$ID1"'"' \
    "the audit log records the retry"
like "$(cat "$AUDIT_LOG")" '"event":"denied","code":"replay"' \
    "the audit log records the replay"
unlike "$(cat "$AUDIT_LOG")" "$(printf '%s' "$TOKEN" | cut -d. -f2 | cut -c1-24)" \
    "the audit log holds no token"
check "pvacms keeps serving" healthz
done_testing
