/*
 * jwt_alg.h - the algorithm policy of local verification (RFC 8725):
 * which JWS algorithms exist for us, which ones a site allows, whether
 * a key fits an algorithm, and which header members we refuse outright
 * (keys or key URLs supplied by the token itself, crit, alg none).
 */
#ifndef PVACMS_JWT_ALG_H
#define PVACMS_JWT_ALG_H

#include <stddef.h>

#include <cjose/jwk.h>
#include <jansson.h>

enum jwt_alg_family {
	JWT_ALG_RS = 1,		/* RSASSA-PKCS1-v1_5, RSA key */
	JWT_ALG_PS,		/* RSASSA-PSS, RSA key */
	JWT_ALG_ES,		/* ECDSA, EC key on the alg's own curve */
	JWT_ALG_HS		/* HMAC, shared secret (never a JWKS key) */
};

struct jwt_alg {
	const char *name;	/* "RS256", ... (case-sensitive, RFC 7515) */
	int family;		/* enum jwt_alg_family */
	int hash_bytes;		/* 32, 48 or 64 */
	int curve;		/* ES: the cjose curve (NID), else 0 */
	size_t sig_bytes;	/* ES, HS: exact signature length, else 0 */
	unsigned int bit;	/* this alg's bit in an allow-list mask */
};

#define JWT_RSA_MIN_BITS 2048	/* RFC 7518 §3.3 */
#define JWT_RSA_MAX_BITS 8192	/* larger keys only cost us CPU */

/* Bits of an allow-list mask for whole families. */
#define JWT_ALGS_RS 0x007u
#define JWT_ALGS_PS 0x038u
#define JWT_ALGS_ES 0x1c0u
#define JWT_ALGS_HS 0xe00u
#define JWT_ALGS_DEFAULT (JWT_ALGS_RS | JWT_ALGS_PS | JWT_ALGS_ES)

/* The algorithm called name, or NULL (none, unknown, wrong case). */
const struct jwt_alg *jwt_alg_find(const char *name);

/*
 * Parse a space-separated allow-list such as "RS256 ES256" into *mask.
 * An empty or NULL list gives JWT_ALGS_DEFAULT.  Returns 0, or -1 with
 * a reason in err (unknown name, "none").
 */
int jwt_alg_parse_list(const char *list, unsigned int *mask, char *err,
    size_t errlen);

/*
 * Write the names in mask, space-separated, into buf (for a log line).
 * buf is always NUL-terminated when buflen > 0.
 */
void jwt_alg_format(unsigned int mask, char *buf, size_t buflen);

/*
 * RFC 8725 §3.10: a token never names its own key.  Returns JWT_OK, or
 * JWT_ALG_NOT_ALLOWED with the member (jku, jwk, x5u or x5c) in err.
 */
int jwt_alg_header_keys(json_t *header, char *err, size_t errlen);

/*
 * The header rules: jwt_alg_header_keys, no crit, an alg that is a
 * string, not "none" and one we implement.  Returns JWT_OK, or
 * JWT_MALFORMED / JWT_ALG_NOT_ALLOWED with a reason in err.
 */
int jwt_alg_header_check(json_t *header, char *err, size_t errlen);

/*
 * Whether key may verify alg: an RSA key of 2048..8192 bits for RS and
 * PS, an EC key on the alg's curve for ES (P-256 for ES256, P-384 for
 * ES384, P-521 for ES512), an octet key of at least hash_bytes for HS.
 * Returns JWT_OK or JWT_ALG_NOT_ALLOWED with a reason in err.
 */
int jwt_alg_key_check(const struct jwt_alg *alg, const cjose_jwk_t *key,
    char *err, size_t errlen);

/*
 * Whether a signature of sig_bytes bytes has the length alg and key
 * call for (the modulus size for RSA, fixed for ES and HS): cjose
 * trusts the length it is given.  Returns 1 or 0.
 */
int jwt_alg_sig_len_ok(const struct jwt_alg *alg, const cjose_jwk_t *key,
    size_t sig_bytes);

#endif
