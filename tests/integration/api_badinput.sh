#!/bin/bash
# api_badinput.sh - the HTTP API refuses malformed requests with an honest
# status and a JSON error naming the problem, and the daemon survives
# every one of them (DESIGN §4, "Bad input").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms
plan 44

# post BODY: POST /v1/certs over HTTPS; sets CODE and BODY.
post()
{
	printf '%s' "$1" >"$ROOT/run/body"
	CODE=$(curl -s --max-time 10 --cacert "$CA_FILE" -o "$ROOT/run/answer" \
	    -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/body" "$CMS_URL/v1/certs")
	BODY=$(cat "$ROOT/run/answer")
}

# expect CODE ECODE NAME: the last answer had this status and error code.
expect()
{
	is "$CODE" "$1" "$3: HTTP $1"
	like "$BODY" "\"code\":\"$2\"" "$3: error code $2"
}

"$OPENSSL" req -new -newkey rsa:2048 -nodes -keyout "$ROOT/run/k.pem" \
    -subj /CN=x -out "$ROOT/run/csr.pem" 2>/dev/null
CSR=$("$PYTHON3" -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$ROOT/run/csr.pem")
TOKEN=$(get_token client)

post 'not json at all'
expect 400 bad_request "garbage body"
post '[1,2,3]'
expect 400 bad_request "JSON array instead of object"
post '{"type":"jwt","usage":"client","csr":'"$CSR"',"data":{"token":"'"$TOKEN"'"},"type":"jwt"}'
expect 400 bad_request "duplicate key"
like "$BODY" 'duplicate member' "the duplicate-key error says so"
# A syntax error right after the token: the answer names the place, and
# never quotes the text there (it would be part of the token).
post '{"type":"jwt","usage":"client","csr":'"$CSR"',"data":{"token":"'"$TOKEN"'" ]}'
expect 400 bad_request "a syntax error after the token"
like "$BODY" 'not valid JSON \(syntax error at byte [0-9]+\)' \
    "the syntax error names its byte offset"
unlike "$BODY" "${TOKEN:0:20}" "the syntax error does not quote the token"
post '{"type":"jwt","usage":"ca","csr":'"$CSR"',"data":{"token":"'"$TOKEN"'"}}'
expect 400 bad_request "usage ca (never a CA)"
like "$BODY" 'client, server or ioc' "usage error names the allowed usages"
post '{"type":"kerberos","usage":"client","csr":'"$CSR"',"data":{"token":"'"$TOKEN"'"}}'
expect 400 bad_request "unknown authenticator type"
post '{"type":"jwt","usage":"client","csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n","data":{"token":"'"$TOKEN"'"}}'
expect 400 bad_request "garbage CSR"
post '{"type":"jwt","usage":"client","csr":'"$CSR"',"data":{}}'
expect 400 bad_request "no token"
post '{"type":"jwt","usage":"client","csr":'"$CSR"',"data":{"token":42}}'
expect 400 bad_request "token of the wrong type"
post "$("$PYTHON3" -c 'print("[" * 50000 + "]" * 50000)')"
expect 413 too_large "a 100 KB body"
# Far past the cap evhttp stops reading: 413, or the connection closes
# before curl has sent everything.  Either way nothing is processed.
post "$("$PYTHON3" -c 'print("x" * 1000000)')"
like "$CODE" '^(413|000)$' "a 1 MB body is cut off"
post "$("$PYTHON3" -c 'print("[" * 30000 + "]" * 30000)')"
expect 400 bad_request "deeply nested JSON"
post '{"type":"jwt","usage":"client","csr":'"$CSR"',"data":{"token":"\u00ff\ud800"}}'
is "$CODE" 400 "a lone surrogate in JSON is refused"
post '{"type":"jwt","usage":"client","csr":'"$CSR"',"data":{"token":"a.b.c"}}'
expect 401 token_malformed "a token that does not decode"

# Status endpoint on the HTTP listener.
get()
{
	CODE=$(curl -s --max-time 10 -o "$ROOT/run/answer" -w '%{http_code}' \
	    "$STATUS_URL$1")
	BODY=$(cat "$ROOT/run/answer")
}
get /v1/certs/nonsense/status
expect 400 bad_request "malformed certificate id"
get /v1/certs/00000000:1/status
expect 404 not_found "certificate of another issuer"
get "/v1/certs/:1/status"
is "$CODE" 400 "empty issuer id"
get /no/such/path
expect 404 not_found "unknown path"
CODE=$(curl -s --max-time 10 -o "$ROOT/run/answer" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data '{}' "$STATUS_URL/v1/certs")
BODY=$(cat "$ROOT/run/answer")
expect 403 https_required "certificate requests over plain HTTP"
CODE=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X DELETE \
    "$STATUS_URL/healthz")
is "$CODE" 405 "DELETE is not allowed"

# A TLS client that speaks garbage, and one that closes mid-handshake.
printf 'GARBAGE\r\n\r\n' | timeout 5 "$OPENSSL" s_client -quiet \
    -connect "127.0.0.1:$HTTPS_PORT" -CAfile "$CA_FILE" >/dev/null 2>&1
printf '\x16\x03\x01\x00' | timeout 5 curl -s --max-time 2 \
    "telnet://127.0.0.1:$HTTPS_PORT" >/dev/null 2>&1
# A plain-HTTP request sent to the TLS port.
curl -s --max-time 3 "http://127.0.0.1:$HTTPS_PORT/healthz" >/dev/null 2>&1

check "pvacms still answers /healthz over HTTP after all of that" healthz
check "pvacms still answers /healthz over HTTPS after all of that" healthz_https
check "pvacms is still running" kill -0 "$PVACMS_PID"
unlike "$(cat "$PVACMS_ERR")" 'AddressSanitizer|runtime error|Segmentation' \
    "no crash or sanitizer report in pvacms's log"
done_testing
