/*
 * jwt_cnf.h - a token bound to a key: the confirmation claim "cnf" of
 * RFC 7800 with the "jkt" member of RFC 9449, the base64url SHA-256 JWK
 * thumbprint (RFC 7638) of the key the token may be exchanged for.  A
 * bearer token taken off the wire then buys nothing for the thief's key,
 * with or without proof of possession.
 */
#ifndef PVACMS_JWT_CNF_H
#define PVACMS_JWT_CNF_H

#include <stddef.h>

#include <jansson.h>

/* A SHA-256 thumbprint in base64url: 43 characters and a NUL. */
#define JWT_CNF_JKT_SIZE 44

/*
 * The RFC 7638 SHA-256 thumbprint, unpadded base64url, of the key in the
 * DER SubjectPublicKeyInfo der[0..len): RSA ({"e","kty","n"}) or EC
 * P-256 and P-384 ({"crv","kty","x","y"}, coordinates padded to the
 * field size).  Returns JWT_OK and fills out, or with a one-line reason
 * in err: JWT_KEY_MISMATCH for a key of another kind (no thumbprint of
 * ours could match it), JWT_INTERNAL for a DER that does not decode or
 * when OpenSSL fails.
 */
int jwt_cnf_thumbprint(const unsigned char *der, size_t len,
    char out[JWT_CNF_JKT_SIZE], char *err, size_t errlen);

/*
 * The binding a claims object asks for.  Returns JWT_OK with *jkt NULL
 * when there is no "cnf", or with *jkt borrowed from claims for a string
 * cnf.jkt (other members beside it are ignored: jkt alone names the
 * key).  Else, with a one-line reason in err: JWT_MALFORMED for a cnf
 * that is not an object or names no method, or a jkt that is not a
 * string; JWT_KEY_MISMATCH for a cnf whose methods are all ones pvacms
 * does not check (jwk, jku, x5t#S256, ...): the binding cannot be
 * confirmed, so the token is refused rather than taken as unbound.
 */
int jwt_cnf_jkt(const json_t *claims, const char **jkt, char *err,
    size_t errlen);

/*
 * The whole check for a token with these claims, exchanged for the key
 * in der[0..len).  Returns JWT_OK when the token has no cnf or its
 * cnf.jkt is that key's thumbprint; else the statuses above, and
 * JWT_KEY_MISMATCH for another key's thumbprint or, der NULL, for a
 * bound token when the key is unknown (a host older than ABI 1.4).
 */
int jwt_cnf_check(const json_t *claims, const unsigned char *der,
    size_t len, char *err, size_t errlen);

#endif
