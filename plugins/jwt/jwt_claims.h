/*
 * jwt_claims.h - the checks every token passes locally, whatever the
 * validator says (exp, nbf, sub), and the default identity a token
 * yields (DESIGN §5): CN = sub, O = host of iss.
 */
#ifndef PVACMS_JWT_CLAIMS_H
#define PVACMS_JWT_CLAIMS_H

#include <stddef.h>
#include <stdint.h>

#include "jwt_token.h"

#define JWT_SUB_MAX 63		/* PVXS keeps no more of a CN */

struct jwt_identity {
	char cn[256];
	char o[256];
	char ou[256];
	char c[256];
	int64_t not_before;
	int64_t not_after;
	int admin;	/* 1 only when a site's claims script granted it */
};

/*
 * Check exp (required, exp + leeway > now), nbf (if present, nbf <= now
 * + leeway) and sub (required, 1..63 bytes of UTF-8 without control
 * characters).  Returns JWT_OK or a jwt_status (JWT_EXPIRED,
 * JWT_NOT_YET_VALID, JWT_MALFORMED, JWT_SUBJECT_INVALID) with a one-line
 * reason in err.
 */
int jwt_claims_check(const struct jwt_token *t, int64_t now, long leeway,
    char *err, size_t errlen);

/*
 * Whether s is a valid subject: non-empty, at most JWT_SUB_MAX bytes,
 * well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF) without C0, DEL or C1 control characters.  Returns 1 or 0.
 */
int jwt_claims_subject_ok(const char *s);

/*
 * Fill *id with the default identity of a checked token: cn = sub, o =
 * host of iss (or of trusted_uri when the token has no iss), ou and c
 * empty, not_before = nbf, else iat, else now, not_after = exp.  Returns
 * 0, or -1 with a reason in err when no host can be derived.
 */
int jwt_claims_identity(const struct jwt_token *t, const char *trusted_uri,
    int64_t now, struct jwt_identity *id, char *err, size_t errlen);

/*
 * Whether aud (a string, a list of strings, or NULL) holds one of the n
 * audiences; always 1 when n is 0.
 */
int jwt_claims_aud_ok(char *const *audiences, size_t n, json_t *aud);

#endif
