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
       [&alg=RS256|ES256]
       -> raw JWT (text/plain), signed with the current key of the
          algorithm (--alg, default RS256; &alg= overrides): header kid
          "demo-key-1" (RSA) or "demo-ec-key-1" (EC P-256) until a
          rotation, typ "JWT";
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
  GET  /.well-known/jwks.json, /default/jwks -> {"keys": [JWK, ...]}
       every key ever used by this process: the RSA key(s), then the EC
       key(s); with --jwks-max-age N the answer carries
       "Cache-Control: max-age=N".  Each answer counts as a fetch.
  GET|POST /default/rotate[?alg=RS256|ES256]
       -> {"kid": NEW, "alg": ...}: a new key of that algorithm (default
          --alg) with a new kid ("demo-key-2", "demo-ec-key-2", ...);
          the JWKS publishes old and new, new tokens are signed with the
          new one, verify and introspect accept both (by kid).
  GET  /default/stats -> {"jwks_fetches": N, "tokens": N, "verifies": N,
       "rotations": N, "kids": [...]}  (test knob: how often the JWKS
       was fetched)
  GET  /healthz -> {"status": "ok"}

verify and introspect pick the key by the token's kid (a token without
kid: the current RSA key) and accept only that key's algorithm; an
unknown kid is invalid.

With --key-dir the first keys are kept there: id_rsa.pem / id_rsa.pub
(RSA, kid demo-key-1) and id_ec.pem / id_ec.pub (EC P-256, kid
demo-ec-key-1); rotated keys live in memory only.

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
import threading
import time
import uuid

from flask import Flask, Response, jsonify, request
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.serving import WSGIRequestHandler, make_server

KID = "demo-key-1"
EC_KID = "demo-ec-key-1"
ALGORITHMS = ("RS256", "ES256")
KID_PREFIX = {"RS256": "demo-key-", "ES256": "demo-ec-key-"}
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


def new_key(alg):
    """A fresh private key for alg (RS256: RSA-2048, ES256: P-256)."""
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_or_make_key(key_dir, alg="RS256"):
    """Return the first private key for alg: loaded from key_dir, made
    and saved there, or (key_dir None) made in memory only."""
    if key_dir is None:
        return new_key(alg)
    os.makedirs(key_dir, mode=0o700, exist_ok=True)
    os.chmod(key_dir, 0o700)
    stem = "id_ec" if alg == "ES256" else "id_rsa"
    kind = ec.EllipticCurvePrivateKey if alg == "ES256" else rsa.RSAPrivateKey
    priv_path = os.path.join(key_dir, stem + ".pem")
    pub_path = os.path.join(key_dir, stem + ".pub")
    if os.path.exists(priv_path):
        with open(priv_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        if not isinstance(key, kind):
            raise ValueError("%s: not an %s key" %
                             (priv_path, "EC" if alg == "ES256" else "RSA"))
        log.info("loaded signing key from %s", priv_path)
        return key
    key = new_key(alg)
    write_atomic(priv_path, key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption()), 0o600)
    write_atomic(pub_path, key.public_key().public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    log.info("created signing key in %s", key_dir)
    return key


def octets(n, size=None):
    """The big-endian bytes of a non-negative integer."""
    return n.to_bytes(size or (n.bit_length() + 7) // 8, "big")


def rsa_jwk(public_key, kid=KID):
    """The RSA public key as a JWK dict."""
    nums = public_key.public_numbers()
    return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
            "n": b64url(octets(nums.n)), "e": b64url(octets(nums.e))}


def ec_jwk(public_key, kid=EC_KID):
    """The P-256 public key as a JWK dict."""
    nums = public_key.public_numbers()
    return {"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig",
            "crv": "P-256", "x": b64url(octets(nums.x, 32)),
            "y": b64url(octets(nums.y, 32))}


class KeyRing:
    """Every signing key of this process, by kid, and the current one
    per algorithm.  Shared by the request threads: all access under
    the lock."""

    def __init__(self, rsa_key, ec_key):
        self.lock = threading.Lock()
        self.keys = {}          # kid -> (alg, private key)
        self.order = []         # kids, oldest first
        self.current = {}       # alg -> kid
        self.serial = {"RS256": 1, "ES256": 1}
        self.jwks_fetches = 0
        self.tokens = 0
        self.verifies = 0
        self.rotations = 0
        self._add("RS256", KID, rsa_key)
        self._add("ES256", EC_KID, ec_key)

    def _add(self, alg, kid, key):
        self.keys[kid] = (alg, key)
        self.order.append(kid)
        self.current[alg] = kid

    def signer(self, alg):
        """(kid, private key) to sign with for alg."""
        with self.lock:
            kid = self.current[alg]
            self.tokens += 1
            return kid, self.keys[kid][1]

    def verifier(self, kid):
        """(alg, public key) for kid (None: the current RSA key), or
        None when kid is unknown."""
        with self.lock:
            self.verifies += 1
            if kid is None:
                kid = self.current["RS256"]
            entry = self.keys.get(kid)
        if entry is None:
            return None
        return entry[0], entry[1].public_key()

    def rotate(self, alg):
        """Make a new key for alg and make it current; returns its kid."""
        key = new_key(alg)      # slow: outside the lock
        with self.lock:
            self.serial[alg] += 1
            kid = "%s%d" % (KID_PREFIX[alg], self.serial[alg])
            self._add(alg, kid, key)
            self.rotations += 1
        return kid

    def jwks(self):
        """The public JWKS dict; counts one fetch."""
        with self.lock:
            self.jwks_fetches += 1
            entries = [(kid, self.keys[kid]) for kid in self.order]
        keys = [rsa_jwk(k.public_key(), kid) for kid, (a, k) in entries
                if a == "RS256"]
        keys += [ec_jwk(k.public_key(), kid) for kid, (a, k) in entries
                 if a == "ES256"]
        return {"keys": keys}

    def stats(self):
        with self.lock:
            return {"jwks_fetches": self.jwks_fetches, "tokens": self.tokens,
                    "verifies": self.verifies, "rotations": self.rotations,
                    "kids": list(self.order),
                    "current": dict(self.current)}


def decode_token(ring, token, issuer, audience, verify_aud):
    """Verify token against the key its kid names; returns (header,
    claims) or raises (any exception is an invalid token)."""
    header = jwt.get_unverified_header(token)
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise jwt.InvalidTokenError("kid is not a string")
    found = ring.verifier(kid)
    if found is None:
        raise jwt.InvalidTokenError("unknown kid")
    alg, public_key = found
    claims = jwt.decode(
        token, public_key, algorithms=[alg], issuer=issuer,
        audience=audience,
        options={"require": ["exp", "iat", "nbf", "iss", "sub"],
                 "verify_aud": verify_aud})
    return header, claims


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


def make_app(cfg, ring):
    """Build the Flask application.  cfg is the parsed argparse namespace
    with cfg.issuer already resolved; ring holds the keys."""
    app = Flask("jwt_issuer")

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
        alg = request.args.get("alg") or cfg.alg
        if alg not in ALGORITHMS:
            return jsonify(error="alg is RS256 or ES256"), 400
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
        kid, key = ring.signer(alg)
        token = jwt.encode(claims, key, algorithm=alg,
                           headers={"kid": kid, "typ": "JWT"})
        log.info("issued token for sub=%s jti=%s", sub, claims["jti"])
        return Response(token, mimetype="text/plain")

    @app.route("/default/verify", methods=["GET", "POST"])
    def verify():
        if cfg.slow_verify > 0:
            log.info("verify: request received, sleeping %g s "
                     "(--slow-verify)", cfg.slow_verify)
            time.sleep(cfg.slow_verify)
        if cfg.verify_answer:
            # Test knob: a broken validator, answering whatever the file
            # holds whatever the token.
            with open(cfg.verify_answer, "rb") as f:
                return Response(f.read(), mimetype="text/plain")
        token = token_from_request()
        if not token:
            return jsonify(valid=False, error="missing 'token'"), 400
        if len(token) > MAX_TOKEN_BYTES:
            return jsonify(valid=False, error="token too large"), 400
        expected_iss = request.args.get("expected_iss") or cfg.issuer
        expected_aud = request.args.get("expected_aud")
        try:
            header, claims = decode_token(
                ring, token, expected_iss,
                expected_aud if expected_aud else None, bool(expected_aud))
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
            claims = decode_token(ring, token, cfg.issuer, None, False)[1]
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
        resp = jsonify(ring.jwks())
        if cfg.jwks_max_age is not None:
            resp.headers["Cache-Control"] = "max-age=%d" % cfg.jwks_max_age
        return resp

    @app.route("/default/rotate", methods=["GET", "POST"])
    def rotate():
        alg = request.args.get("alg") or cfg.alg
        if alg not in ALGORITHMS:
            return jsonify(error="alg is RS256 or ES256"), 400
        kid = ring.rotate(alg)
        log.info("rotated %s key: new kid %s", alg, kid)
        return jsonify(kid=kid, alg=alg)

    @app.get("/default/stats")
    def stats():
        return jsonify(ring.stats())

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
    p.add_argument("--alg", choices=ALGORITHMS, default="RS256",
                   help="algorithm of issued tokens (default RS256; "
                        "&alg= in the token request overrides)")
    p.add_argument("--jwks-max-age", type=int, metavar="SECS",
                   help="send Cache-Control: max-age=SECS with the JWKS")
    p.add_argument("--exp-secs", type=int, default=3600,
                   help="token lifetime in seconds (default 3600)")
    p.add_argument("--slow-verify", type=float, default=0.0,
                   metavar="SECS",
                   help="test knob: sleep SECS before answering verify")
    p.add_argument("--verify-answer", metavar="FILE",
                   help="test knob: answer every verify with FILE's bytes "
                        "(a broken validator)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="log warnings only")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be 0..65535")
    if args.jwks_max_age is not None and args.jwks_max_age < 0:
        p.error("--jwks-max-age must not be negative")
    return args


def main(argv):
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if args.quiet else logging.INFO,
        format="jwt-issuer: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        ring = KeyRing(load_or_make_key(args.key_dir, "RS256"),
                       load_or_make_key(args.key_dir, "ES256"))
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
    holder["app"] = make_app(args, ring)

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
