#!/usr/bin/env python3
"""mtls_introspect.py - a tiny RFC 7662 introspection endpoint that wants
mutual TLS, for the tests of EPICS_AUTH_JWT_CLIENT_KEYCHAIN.

  mtls_introspect.py --cert PEM --key PEM --ca PEM --port-file FILE
                     --issuer URL --peers FILE

Listens on 127.0.0.1 (an ephemeral port, written to FILE once
listening) and refuses any TLS client without a certificate from --ca.
POST /introspect answers {"active": true, "sub": "alice", "exp": now+600,
"iss": URL, "token_type": "Bearer"} for any token, and appends the
client certificate's CN to --peers, one line per request, so that a test
can see who asked.  Standard library only.
"""
import argparse
import http.server
import json
import ssl
import time


def main():
    ap = argparse.ArgumentParser()
    for a in ("cert", "key", "ca", "port-file", "issuer", "peers"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = min(int(self.headers.get("Content-Length", "0")), 65536)
            self.rfile.read(n)
            peer = self.connection.getpeercert() or {}
            cn = ""
            for rdn in peer.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
            with open(args.peers, "a") as f:
                f.write(cn + "\n")
            body = json.dumps({"active": True, "sub": "alice",
                               "exp": int(time.time()) + 600,
                               "iss": args.issuer,
                               "token_type": "Bearer"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *a):
            pass  # never a token in a log

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
