#!/usr/bin/python3
"""Sample JWT issuer and validator for trying pvacms locally.

THIS IS A DEMO, NOT AN IDENTITY PROVIDER.  Every user's password is
"secret", the signing key lives in memory (or in a plain directory with
--key-dir), and there is no rate limiting, no audit and no TLS.  It exists
so that the quick start (contrib/quickstart.sh) and the integration tests
can exchange a token for a certificate without a real identity provider.

Endpoints (the same as the sample application in the quick start guide):

  GET  /default/token?sub=NAME&password=secret[&aud=&iss=&exp_secs=&nbf_offset=]
       [&preferred_username=U&roles=a,b&groups=/g1,/g2&scope=s1 s2]
       -> raw RS256 JWT (text/plain); header kid "demo-key-1", typ "JWT";
          claims sub, iss, aud, iat, nbf, exp, jti, and the Keycloak-style
          extras when asked for: preferred_username, realm_access.roles
          (from roles=), groups (from groups=), scope.
          Wrong password -> 403 "Forbidden"; no sub -> 400.
  GET  /default/verify?token=...[&expected_iss=&expected_aud=]
       (also Authorization: Bearer TOKEN, or POST with the raw token or
       JSON {"token": "..."} as the body)
       -> {"valid": true, "header": {...}, "claims": {...}}
          or {"valid": false, "error": "..."} (200); no token -> 400.
  POST /default/introspect  (form body token=...; RFC 7662 style)
       -> {"active": true, "sub": ..., "exp": ..., "iat": ..., "nbf": ...,
           "iss": ..., "aud": ..., "jti": ..., "token_type": "Bearer",
           "username": ..., "scope": ...} for a valid token, else
          {"active": false} -- 200 in both cases, like real endpoints.
          Test knob: a token whose sub is "inactive" is never active.
          No token -> 400 {"error": "invalid_request"}.
  GET  /.well-known/jwks.json, /default/jwks -> {"keys": [RSA JWK]}
  GET  /healthz -> {"status": "ok"}

Run it with Debian's python (python3-flask, python3-jwt, python3-cryptography):

  /usr/bin/python3 jwt_issuer.py --port 0 --port-file /tmp/issuer.port

Logs go to stderr.  Tokens and passwords are never logged: request lines
are logged without their query string.
"""

import argparse
import base64
import json
import logging
import os
import signal
import sys
import tempfile
import time
import uuid

from flask import Flask, Response, jsonify, request
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import WSGIRequestHandler, make_server

KID = "demo-key-1"
ALGORITHM = "RS256"
PASSWORD = "secret"
DEFAULT_AUDIENCE = "default"
MAX_TOKEN_BYTES = 64 * 1024

log = logging.getLogger("jwt-issuer")


def b64url(data):
    """Unpadded base64url of bytes, as a str."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def write_atomic(path, data, mode):
    """Write bytes to path through a temporary file and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_or_make_key(key_dir):
    """Return an RSA private key: loaded from key_dir, made and saved
    there, or (key_dir None) made in memory only."""
    if key_dir is None:
        return rsa.generate_private_key(public_exponent=65537,
                                        key_size=2048)
    os.makedirs(key_dir, mode=0o700, exist_ok=True)
    os.chmod(key_dir, 0o700)
    priv_path = os.path.join(key_dir, "id_rsa.pem")
    pub_path = os.path.join(key_dir, "id_rsa.pub")
    if os.path.exists(priv_path):
        with open(priv_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("%s: not an RSA key" % priv_path)
        log.info("loaded signing key from %s", priv_path)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_atomic(priv_path, key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption()), 0o600)
    write_atomic(pub_path, key.public_key().public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    log.info("created signing key in %s", key_dir)
    return key


def rsa_jwk(public_key):
    """The public key as a JWK dict."""
    nums = public_key.public_numbers()

    def octets(n):
        return n.to_bytes((n.bit_length() + 7) // 8, "big")

    return {"kty": "RSA", "kid": KID, "alg": ALGORITHM, "use": "sig",
            "n": b64url(octets(nums.n)), "e": b64url(octets(nums.e))}


def int_arg(name, default):
    """An integer query parameter; raises ValueError when malformed."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    return int(value, 10)


def token_from_request():
    """The token from the query, the Authorization header or the body."""
    token = request.args.get("token")
    if token:
        return token.strip()
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return auth[7:].strip()
    if request.method == "POST":
        body = request.get_data(cache=False)[:MAX_TOKEN_BYTES]
        text = body.decode("utf-8", "replace").strip()
        if text.startswith("{"):
            try:
                doc = json.loads(text)
            except ValueError:
                return None
            value = doc.get("token") if isinstance(doc, dict) else None
            return value.strip() if isinstance(value, str) else None
        return text or None
    return None


def make_app(cfg, key):
    """Build the Flask application.  cfg is the parsed argparse namespace
    with cfg.issuer already resolved."""
    app = Flask("jwt_issuer")
    public_key = key.public_key()

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/default/token")
    def issue():
        sub = request.args.get("sub")
        if not sub:
            return jsonify(error="missing 'sub'"), 400
        if request.args.get("password") != PASSWORD:
            log.info("token refused for sub=%s: wrong password", sub)
            return Response("Forbidden", status=403, mimetype="text/plain")
        try:
            exp_secs = int_arg("exp_secs", cfg.exp_secs)
            nbf_offset = int_arg("nbf_offset", 0)
        except ValueError:
            return jsonify(error="exp_secs and nbf_offset are integers"), 400
        now = int(time.time())
        claims = {
            "sub": sub,
            "iss": request.args.get("iss") or cfg.issuer,
            "aud": request.args.get("aud") or DEFAULT_AUDIENCE,
            "iat": now,
            "nbf": now + nbf_offset,
            "exp": now + exp_secs,
            "jti": str(uuid.uuid4()),
        }
        # Keycloak-style extras, for the Lua hook examples and tests.
        username = request.args.get("preferred_username")
        if username:
            claims["preferred_username"] = username
        roles = request.args.get("roles")
        if roles is not None:
            claims["realm_access"] = {
                "roles": [r for r in roles.split(",") if r]}
        groups = request.args.get("groups")
        if groups is not None:
            claims["groups"] = [g for g in groups.split(",") if g]
        scope = request.args.get("scope")
        if scope:
            claims["scope"] = scope
        token = jwt.encode(claims, key, algorithm=ALGORITHM,
                           headers={"kid": KID, "typ": "JWT"})
        log.info("issued token for sub=%s jti=%s", sub, claims["jti"])
        return Response(token, mimetype="text/plain")

    @app.route("/default/verify", methods=["GET", "POST"])
    def verify():
        if cfg.slow_verify > 0:
            log.info("verify: request received, sleeping %g s "
                     "(--slow-verify)", cfg.slow_verify)
            time.sleep(cfg.slow_verify)
        token = token_from_request()
        if not token:
            return jsonify(valid=False, error="missing 'token'"), 400
        if len(token) > MAX_TOKEN_BYTES:
            return jsonify(valid=False, error="token too large"), 400
        expected_iss = request.args.get("expected_iss") or cfg.issuer
        expected_aud = request.args.get("expected_aud")
        try:
            claims = jwt.decode(
                token, public_key, algorithms=[ALGORITHM],
                issuer=expected_iss,
                audience=expected_aud if expected_aud else None,
                options={"require": ["exp", "iat", "nbf", "iss", "sub"],
                         "verify_aud": bool(expected_aud)})
            header = jwt.get_unverified_header(token)
        except Exception as e:  # any failure is an invalid token
            log.info("verify: invalid token (%s)", e)
            return jsonify(valid=False, error=str(e))
        log.info("verify: valid token for sub=%s", claims.get("sub"))
        return jsonify(valid=True, header=header, claims=claims)

    @app.post("/default/introspect")
    def introspect():
        # RFC 7662: the token comes as a form field; the answer is 200
        # whether the token is active or not.
        token = request.form.get("token", "").strip()
        if not token:
            return jsonify(error="invalid_request",
                           error_description="missing 'token'"), 400
        if len(token) > MAX_TOKEN_BYTES:
            return jsonify(active=False)
        try:
            claims = jwt.decode(
                token, public_key, algorithms=[ALGORITHM],
                issuer=cfg.issuer,
                options={"require": ["exp", "iat", "nbf", "iss", "sub"],
                         "verify_aud": False})
        except Exception as e:  # any failure is an inactive token
            log.info("introspect: inactive token (%s)", e)
            return jsonify(active=False)
        if claims.get("sub") == "inactive":
            log.info("introspect: sub 'inactive' is never active")
            return jsonify(active=False)
        answer = {"active": True, "token_type": "Bearer",
                  "client_id": "pvacms-demo"}
        for name in ("sub", "exp", "iat", "nbf", "iss", "aud", "jti",
                     "scope"):
            if name in claims:
                answer[name] = claims[name]
        if "preferred_username" in claims:
            answer["username"] = claims["preferred_username"]
        log.info("introspect: active token for sub=%s", claims.get("sub"))
        return jsonify(answer)

    @app.get("/.well-known/jwks.json")
    @app.get("/default/jwks")
    def jwks():
        return jsonify(keys=[rsa_jwk(public_key)])

    return app


class QuietHandler(WSGIRequestHandler):
    """Request logging without the query string (it may hold a token or
    a password)."""

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s %s", self.address_string(), self.command, path,
                 code)

    def log(self, type, message, *args):
        log.info("%s %s", self.address_string(), message % args)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Demo JWT issuer and validator for pvacms "
                    "(not an identity provider).")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080,
                   help="port to listen on; 0 = ephemeral (default 8080)")
    p.add_argument("--port-file", metavar="FILE",
                   help="write the bound port here once listening")
    p.add_argument("--issuer", metavar="URL",
                   help="iss of issued tokens and expected by verify "
                        "(default http://localhost:<port>/default)")
    p.add_argument("--key-dir", metavar="DIR",
                   help="keep the signing key here (default: in memory)")
    p.add_argument("--exp-secs", type=int, default=3600,
                   help="token lifetime in seconds (default 3600)")
    p.add_argument("--slow-verify", type=float, default=0.0,
                   metavar="SECS",
                   help="test knob: sleep SECS before answering verify")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="log warnings only")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be 0..65535")
    return args


def main(argv):
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if args.quiet else logging.INFO,
        format="jwt-issuer: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        key = load_or_make_key(args.key_dir)
    except (OSError, ValueError) as e:
        log.error("signing key: %s", e)
        return 1

    # Bind first, so that an ephemeral port is known before the issuer
    # URL is derived from it.
    holder = {}

    def app_proxy(environ, start_response):
        return holder["app"](environ, start_response)

    try:
        server = make_server(args.host, args.port, app_proxy, threaded=True,
                             request_handler=QuietHandler)
    except OSError as e:
        log.error("cannot listen on %s:%d: %s", args.host, args.port, e)
        return 1
    port = server.server_port
    if not args.issuer:
        args.issuer = "http://localhost:%d/default" % port
    holder["app"] = make_app(args, key)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.port_file:
        try:
            write_atomic(args.port_file, b"%d\n" % port, 0o644)
        except OSError as e:
            log.error("cannot write %s: %s", args.port_file, e)
            return 1
    log.info("listening on %s:%d, issuer %s", args.host, port, args.issuer)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
