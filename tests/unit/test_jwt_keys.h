/*
 * test_jwt_keys.h - helpers for the local-verification tests: make real
 * RSA, EC and octet keys with cjose, publish them as a JWKS, and sign
 * real tokens (cjose_jws_sign), with any extra header members.
 */
#ifndef PVACMS_TEST_JWT_KEYS_H
#define PVACMS_TEST_JWT_KEYS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjose/cjose.h>

/* A new RSA key pair of bits with kid (caller releases). */
static __attribute__((unused)) cjose_jwk_t *
tk_rsa(size_t bits, const char *kid)
{
	static const uint8_t e[] = { 0x01, 0x00, 0x01 };
	cjose_err err;
	cjose_jwk_t *k;

	if ((k = cjose_jwk_create_RSA_random(bits, e, sizeof(e), &err)) ==
	    NULL || (kid != NULL && !cjose_jwk_set_kid(k, kid, strlen(kid),
	    &err)))
		abort();
	return k;
}

/* A new EC key pair on crv with kid (caller releases). */
static __attribute__((unused)) cjose_jwk_t *
tk_ec(cjose_jwk_ec_curve crv, const char *kid)
{
	cjose_err err;
	cjose_jwk_t *k;

	if ((k = cjose_jwk_create_EC_random(crv, &err)) == NULL ||
	    (kid != NULL && !cjose_jwk_set_kid(k, kid, strlen(kid), &err)))
		abort();
	return k;
}

/* An octet key of len bytes (caller releases). */
static __attribute__((unused)) cjose_jwk_t *
tk_oct(const void *bytes, size_t len)
{
	cjose_err err;
	cjose_jwk_t *k;

	if ((k = cjose_jwk_create_oct_spec(bytes, len, &err)) == NULL)
		abort();
	return k;
}

/* The public JWK JSON of k (caller frees). */
static __attribute__((unused)) char *
tk_pub(const cjose_jwk_t *k)
{
	cjose_err err;
	char *s;

	if ((s = cjose_jwk_to_json(k, false, &err)) == NULL)
		abort();
	return s;
}

/* {"keys":[...]} of the public halves of n keys (caller frees). */
static __attribute__((unused)) char *
tk_jwks(cjose_jwk_t **keys, size_t n)
{
	size_t i, len = 16;
	char *out, *pub[16];

	for (i = 0; i < n; i++) {
		pub[i] = tk_pub(keys[i]);
		len += strlen(pub[i]) + 1;
	}
	if ((out = malloc(len)) == NULL)
		abort();
	strcpy(out, "{\"keys\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, pub[i]);
		free(pub[i]);
	}
	strcat(out, "]}");
	return out;
}

/*
 * Sign payload with k under alg, with header kid (NULL: none) and one
 * extra string member xname=xvalue (NULL: none).  Returns the compact
 * token (caller frees).
 */
static __attribute__((unused)) char *
tk_sign(const cjose_jwk_t *k, const char *alg, const char *kid,
    const char *xname, const char *xvalue, const char *payload)
{
	cjose_header_t *h;
	cjose_jws_t *jws;
	cjose_err err;
	const char *ser;
	char *out;

	if ((h = cjose_header_new(&err)) == NULL ||
	    !cjose_header_set(h, CJOSE_HDR_ALG, alg, &err) ||
	    !cjose_header_set(h, "typ", "JWT", &err) ||
	    (kid != NULL && !cjose_header_set(h, CJOSE_HDR_KID, kid, &err)) ||
	    (xname != NULL && !cjose_header_set(h, xname, xvalue, &err)))
		abort();
	if ((jws = cjose_jws_sign(k, h, (const uint8_t *)payload,
	    strlen(payload), &err)) == NULL) {
		fprintf(stderr, "cjose_jws_sign %s: %s\n", alg, err.message);
		abort();
	}
	if (!cjose_jws_export(jws, &ser, &err) || (out = strdup(ser)) ==
	    NULL)
		abort();
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

/* Claims JSON text; aud is raw JSON (e.g. "\"x\"" or "[...]") or NULL. */
static __attribute__((unused)) char *
tk_claims(const char *iss, const char *aud, long long exp)
{
	char issp[512] = "", audp[512] = "", *out;

	if (iss != NULL)
		snprintf(issp, sizeof(issp), "\"iss\":\"%s\",", iss);
	if (aud != NULL)
		snprintf(audp, sizeof(audp), "\"aud\":%s,", aud);
	if ((out = malloc(1200)) == NULL)
		abort();
	snprintf(out, 1200, "{%s%s\"sub\":\"alice\",\"exp\":%lld,"
	    "\"iat\":%lld}", issp, audp, exp, exp - 600);
	return out;
}

/* Unpadded base64url of the string s (caller frees). */
static __attribute__((unused)) char *
tk_b64(const char *s)
{
	cjose_err err;
	char *out, *copy;
	size_t len;

	if (!cjose_base64url_encode((const uint8_t *)s, strlen(s), &out, &len,
	    &err) || (copy = strndup(out, len)) == NULL)
		abort();
	cjose_get_dealloc()(out);
	return copy;
}

/* Write text to a new file in dir with mode 0600; returns its path. */
static __attribute__((unused)) char *
tk_file(const char *dir, const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	if ((path = malloc(strlen(dir) + strlen(name) + 2)) == NULL)
		abort();
	sprintf(path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(text, 1, len, f) != len)
		abort();
	fclose(f);
	return path;
}

#endif
