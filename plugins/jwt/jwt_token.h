/*
 * jwt_token.h - take a compact JWS apart: three base64url parts, a JSON
 * header and a JSON claims set.  Nothing here checks a signature or
 * decides trust; it only refuses tokens that are not well-formed and
 * pulls out the members the other checks need.
 */
#ifndef PVACMS_JWT_TOKEN_H
#define PVACMS_JWT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define JWT_TOKEN_MAX 8192
#define JWT_TIME_MAX 9007199254740992LL	/* 2^53 */

struct jwt_token {
	json_t *header;		/* decoded header object (owned) */
	json_t *claims;		/* decoded claims object (owned) */

	/* Borrowed from header/claims; NULL when absent. */
	const char *alg;
	const char *kid;
	const char *typ;
	const char *sub;
	const char *iss;
	const char *jti;
	json_t *aud;		/* string or array of strings */

	int has_exp, has_nbf, has_iat;
	int64_t exp, nbf, iat;

	size_t signing_len;	/* length of "header.payload" */
	size_t sig_len;		/* length of the encoded signature */
};

/*
 * Parse the compact JWS in tok[0..len).  Returns JWT_OK (0) and fills *t
 * (release it with jwt_token_free), or with *t left empty and a one-line
 * reason in err: JWT_ALG_NOT_ALLOWED for what RFC 8725 forbids whoever
 * checks the signature (alg none, a header that names its own key), and
 * JWT_MALFORMED for everything else.  The reason never quotes the token.
 */
int jwt_token_parse(const char *tok, size_t len, struct jwt_token *t,
    char *err, size_t errlen);

/*
 * Fill the borrowed members of *t from t->claims: sub, iss, jti (strings),
 * exp, nbf, iat (integers in range), aud (a string or a list of them).
 * Returns 0, or -1 with a reason in err when a member has the wrong type.
 */
int jwt_token_claims(struct jwt_token *t, char *err, size_t errlen);

/* Release what jwt_token_parse allocated; safe on an empty token. */
void jwt_token_free(struct jwt_token *t);

/*
 * Strict unpadded base64url decoding (RFC 7515 §2): alphabet A-Z a-z 0-9
 * - _, no '=', no white space, unused trailing bits zero.  Returns a
 * buffer the caller frees (*outlen bytes plus a NUL not counted), or
 * NULL when the input is not canonical base64url or on allocation failure.
 */
unsigned char *jwt_token_b64url_decode(const char *in, size_t len,
    size_t *outlen);

#endif
