#!/usr/bin/python3
"""craft_token.py - hostile JWTs for the integration tests.

Reads the sample issuer's first keys from its --key-dir (id_rsa.pem,
kid demo-key-1; id_ec.pem, kid demo-ec-key-1) so that a token can carry
a real signature over whatever claims a case needs, and prints one token
per line on stdout.  Never used outside the tests.

  craft_token.py --key-dir DIR --iss URL [--aud AUD] [--sub SUB]
                 [--hs-secret FILE] [--count N] [--claims JSON] CASE

--claims JSON adds (or replaces) claims in every case's token, e.g.
'{"cnf": {"jkt": "..."}}' for a token bound to a key.

CASE is one of:
  good          RS256, real key, real kid, valid claims
  good-es256    ES256, the EC key, its kid
  none          alg "none", empty signature
  hs-good       HS256 with the shared secret of --hs-secret FILE (its
                bytes, one trailing newline dropped), no kid
  hs-confusion  HS256 keyed with the PEM of the issuer's RSA public key
                (id_rsa.pub), kid demo-key-1: the classic alg confusion
  wrong-key     RS256 with a fresh RSA key under the real kid
  unknown-kid   RS256 with a fresh RSA key and a random kid
  random-kid    RS256 with the real key and a random kid (--count N: N
                tokens, each with its own kid: a kid flood)
  jku           a fresh key, and a jku header naming its own JWKS
  jwk           a fresh key embedded in the header (jwk)
  tampered      a real token whose payload was changed (sub -> admin)
  expired       real signature, exp 2 min ago (iat/nbf an hour ago)
  future-nbf    real signature, nbf in 10 min
  no-exp        real signature, no exp claim
  huge-exp      real signature, exp 2^53 + 1
  wrong-aud     real signature, aud "someone-else"
  wrong-iss     real signature, iss on another port
  iss-prefix    real signature, iss = --iss cut after "/def"
  iss-suffix    real signature, iss = --iss + ".evil"
  oversized     real signature, a 9 KiB claim (token > 8 KiB)
  truncated     a real token cut in the middle of its payload
  non-json      real signature over a payload that is not JSON
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "demo-key-1"
EC_KID = "demo-ec-key-1"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def fresh_rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def claims(args, **over):
    now = int(time.time())
    c = {"sub": args.sub, "iss": args.iss, "aud": args.aud, "iat": now,
         "nbf": now, "exp": now + 3600, "jti": str(uuid.uuid4())}
    if args.claims:
        c.update(json.loads(args.claims))
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def sign(c, key, alg="RS256", kid=KID, extra=None):
    headers = {"kid": kid, "typ": "JWT"}
    if extra:
        headers.update(extra)
    return jwt.encode(c, key, algorithm=alg, headers=headers)


def sign_raw(header, payload, key):
    """RS256 over arbitrary payload bytes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    si = b64(json.dumps(header).encode()) + "." + b64(payload)
    sig = key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())
    return si + "." + b64(sig)


def craft(args, case):
    rsa_key = load(os.path.join(args.key_dir, "id_rsa.pem"))
    now = int(time.time())
    if case == "good":
        return sign(claims(args), rsa_key)
    if case == "good-es256":
        ec_key = load(os.path.join(args.key_dir, "id_ec.pem"))
        return sign(claims(args), ec_key, "ES256", EC_KID)
    if case == "none":
        h = {"alg": "none", "typ": "JWT"}
        return (b64(json.dumps(h).encode()) + "." +
                b64(json.dumps(claims(args)).encode()) + ".")
    if case == "hs-good":
        with open(args.hs_secret, "rb") as f:
            secret = f.read()
        if secret.endswith(b"\n"):
            secret = secret[:-1]
        return jwt.encode(claims(args), secret, algorithm="HS256",
                          headers={"typ": "JWT"})
    if case == "hs-confusion":
        with open(os.path.join(args.key_dir, "id_rsa.pub"), "rb") as f:
            secret = f.read()
        h = {"alg": "HS256", "kid": KID, "typ": "JWT"}
        si = (b64(json.dumps(h).encode()) + "." +
              b64(json.dumps(claims(args)).encode()))
        mac = hmac.new(secret, si.encode(), hashlib.sha256).digest()
        return si + "." + b64(mac)
    if case == "wrong-key":
        return sign(claims(args), fresh_rsa())
    if case == "unknown-kid":
        return sign(claims(args), fresh_rsa(), kid="kid-" + uuid.uuid4().hex)
    if case == "random-kid":
        return sign(claims(args), rsa_key, kid="kid-" + uuid.uuid4().hex)
    if case == "jku":
        return sign(claims(args), fresh_rsa(),
                    extra={"jku": "http://127.0.0.1:9/evil/jwks.json"})
    if case == "jwk":
        k = fresh_rsa()
        n = k.public_key().public_numbers()
        jwk = {"kty": "RSA", "kid": KID,
               "n": b64(n.n.to_bytes(256, "big")),
               "e": b64(n.e.to_bytes(3, "big"))}
        return sign(claims(args), k, extra={"jwk": jwk})
    if case == "tampered":
        h, p, s = sign(claims(args), rsa_key).split(".")
        c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        c["sub"] = "admin"
        return h + "." + b64(json.dumps(c).encode()) + "." + s
    if case == "expired":
        return sign(claims(args, iat=now - 3720, nbf=now - 3720,
                           exp=now - 120), rsa_key)
    if case == "future-nbf":
        return sign(claims(args, nbf=now + 600, exp=now + 4200), rsa_key)
    if case == "no-exp":
        return sign(claims(args, exp=None), rsa_key)
    if case == "huge-exp":
        return sign(claims(args, exp=2 ** 53 + 1), rsa_key)
    if case == "wrong-aud":
        return sign(claims(args, aud="someone-else"), rsa_key)
    if case == "wrong-iss":
        return sign(claims(args, iss="http://localhost:1/default"), rsa_key)
    if case == "iss-prefix":
        cut = args.iss.rfind("/def")
        return sign(claims(args, iss=args.iss[:cut + 4]), rsa_key)
    if case == "iss-suffix":
        return sign(claims(args, iss=args.iss + ".evil"), rsa_key)
    if case == "oversized":
        return sign(claims(args, pad="x" * 9 * 1024), rsa_key)
    if case == "truncated":
        h, p, s = sign(claims(args), rsa_key).split(".")
        return h + "." + p[:len(p) // 2]
    if case == "non-json":
        return sign_raw({"alg": "RS256", "kid": KID, "typ": "JWT"},
                        b"this is not JSON {", rsa_key)
    raise SystemExit("craft_token.py: unknown case %r" % case)


def main(argv):
    p = argparse.ArgumentParser(description="hostile JWTs for the tests")
    p.add_argument("--key-dir", required=True)
    p.add_argument("--iss", required=True)
    p.add_argument("--aud", default="default")
    p.add_argument("--sub", default="client")
    p.add_argument("--hs-secret", metavar="FILE")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--claims", metavar="JSON",
                   help="claims (a JSON object) added to the token's")
    p.add_argument("case")
    args = p.parse_args(argv)
    for _ in range(max(1, min(args.count, 10000))):
        print(craft(args, args.case))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
