#!/bin/bash
# http_errors.sh - what evhttp refuses by itself is answered in JSON too.
#
# A request line that is not HTTP, headers past the 16 KiB cap (both 400
# from evhttp) and a body announced past the cap (413) never reach
# pvacms's handlers: libevent answers them on its own, with an HTML page.  pvacms rewrites those answers
# before they leave, so every client sees the JSON error object it gets
# from every other refusal: the same status, Content-Type
# application/json and {"error":{"code":...,"message":...}}.  On the HTTP
# and on the HTTPS listener; an ordinary answer on the same listeners is
# untouched.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
start_pvacms
plan 9

# raw TLS|PLAIN PORT KIND: send one hostile request, print the status
# line, the Content-Type and the body of the answer, one per line.
raw()
{
	"$PYTHON3" - "$1" "$2" "$3" "$CA_FILE" <<'EOF_PY'
import socket, ssl, sys
tls, port, kind, cafile = sys.argv[1] == "tls", int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
if tls:
    ctx = ssl.create_default_context(cafile=cafile)
    s = ctx.wrap_socket(s, server_hostname="localhost")
if kind == "garbage":
    s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
elif kind == "headers":
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
              b"a" * 20000 + b"\r\n\r\n")
elif kind == "body":
    s.sendall(b"POST /v1/certs HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: 5000000\r\n\r\n")
answer = b""
while True:
    try:
        chunk = s.recv(65536)
    except (socket.timeout, ConnectionResetError, ssl.SSLError):
        break
    if not chunk:
        break
    answer += chunk
head, _, body = answer.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
ctype = [l.split(":", 1)[1].strip() for l in lines[1:]
         if l.lower().startswith("content-type:")]
print(lines[0])
print(ctype[0] if ctype else "")
print(body.decode("latin-1").strip())
EOF_PY
}

OUT=$(raw plain "$HTTP_PORT" garbage)
like "$(sed -n 1p <<<"$OUT")" '^HTTP/1\.[01] 400 ' "garbage request line: 400"
is "$(sed -n 2p <<<"$OUT")" application/json "as JSON, not HTML"
like "$(sed -n 3p <<<"$OUT")" '^\{"error":\{"code":"bad_request","message":"[^"]+"\}\}$' \
    "with the error object"
OUT=$(raw plain "$HTTP_PORT" headers)
# (evhttp says 400 for headers past its cap)
like "$(sed -n 1p <<<"$OUT")" '^HTTP/1\.1 400 ' "20 KiB of headers: 400"
like "$(sed -n 3p <<<"$OUT")" '"code":"bad_request"' "as JSON: bad_request"
OUT=$(raw tls "$HTTPS_PORT" body)
like "$(sed -n 1p <<<"$OUT")" '^HTTP/1\.1 413 ' "HTTPS, a 5 MB body announced: 413"
is "$(sed -n 2p <<<"$OUT")" application/json "as JSON over TLS too"
like "$(sed -n 3p <<<"$OUT")" '"code":"too_large"' "with code too_large"
check "an ordinary answer is untouched" healthz

done_testing
