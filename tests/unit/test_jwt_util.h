/*
 * test_jwt_util.h - helpers shared by the jwt unit tests: make a compact
 * JWS out of JSON text (the signature is any base64url text, since the
 * parser does not check it).
 */
#ifndef PVACMS_TEST_JWT_UTIL_H
#define PVACMS_TEST_JWT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unpadded base64url of in[0..len); the caller frees the result. */
static char *
tj_b64url(const char *in, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = (const unsigned char *)in;
	char *out = malloc(len / 3 * 4 + 5);
	size_t i, n = 0;

	if (out == NULL)
		abort();
	for (i = 0; i + 2 < len; i += 3) {
		out[n++] = tab[p[i] >> 2];
		out[n++] = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[n++] = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		out[n++] = tab[p[i + 2] & 63];
	}
	if (len - i == 1) {
		out[n++] = tab[p[i] >> 2];
		out[n++] = tab[(p[i] & 3) << 4];
	} else if (len - i == 2) {
		out[n++] = tab[p[i] >> 2];
		out[n++] = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[n++] = tab[(p[i + 1] & 15) << 2];
	}
	out[n] = '\0';
	return out;
}

/* header.payload.sig from JSON texts; the caller frees the result. */
static char *
tj_token(const char *header, const char *payload, const char *sig)
{
	char *h = tj_b64url(header, strlen(header));
	char *p = tj_b64url(payload, strlen(payload));
	size_t len = strlen(h) + strlen(p) + strlen(sig) + 3;
	char *t = malloc(len);

	if (t == NULL)
		abort();
	snprintf(t, len, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return t;
}

#define TJ_HDR "{\"alg\":\"RS256\",\"kid\":\"demo-key-1\",\"typ\":\"JWT\"}"
#define TJ_SIG "c2lnbmF0dXJl"

#endif
