/*
 * b64.c - base64 (RFC 4648 section 4, padded) and base64url (section 5,
 * unpadded) on top of OpenSSL's EVP block coders.  Decoding is strict:
 * no whitespace, no stray characters, padding only where the variant
 * requires it.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"

static int	b64_std_char(unsigned char c);

static int
b64_std_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Returns a NUL-terminated string; the caller frees it with free(). */
char *
b64_encode(const unsigned char *in, size_t len)
{
	char *out;
	size_t outlen;

	if (in == NULL && len != 0)
		return NULL;
	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		return NULL;
	outlen = (len + 2) / 3 * 4;
	if ((out = malloc(outlen + 1)) == NULL)
		return NULL;
	if (len == 0) {
		out[0] = '\0';
		return out;
	}
	if (EVP_EncodeBlock((unsigned char *)out, in, (int)len) !=
	    (int)outlen) {
		free(out);
		return NULL;
	}
	out[outlen] = '\0';
	return out;
}

/* Returns *outlen bytes plus a NUL; the caller frees it with free(). */
unsigned char *
b64_decode(const char *in, size_t len, int url, size_t *outlen)
{
	unsigned char *tmp = NULL, *out = NULL;
	size_t i, n, pad = 0, full;
	int r;

	if (in == NULL || outlen == NULL)
		return NULL;
	*outlen = 0;
	if (len > (size_t)INT_MAX - 4)
		return NULL;
	if (len == 0) {
		if ((out = malloc(1)) != NULL)
			out[0] = '\0';
		return out;
	}
	if (url) {
		if (len % 4 == 1)
			return NULL;
		full = (len + 3) / 4 * 4;
	} else {
		if (len % 4 != 0)
			return NULL;
		full = len;
		if (in[len - 1] == '=')
			pad++;
		if (len >= 2 && in[len - 2] == '=')
			pad++;
	}
	if ((tmp = malloc(full + 1)) == NULL)
		return NULL;
	n = len - pad;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (url) {
			if (c == '+' || c == '/')
				goto bad;
			if (c == '-')
				c = '+';
			else if (c == '_')
				c = '/';
		}
		if (!b64_std_char(c))
			goto bad;
		tmp[i] = c;
	}
	for (; i < full; i++)
		tmp[i] = '=';
	pad = full - n;
	tmp[full] = '\0';

	/* EVP_DecodeBlock writes 3 bytes per 4 input, padding included. */
	if ((out = malloc(full / 4 * 3 + 1)) == NULL)
		goto bad;
	r = EVP_DecodeBlock(out, tmp, (int)full);
	if (r < 0 || (size_t)r != full / 4 * 3 || (size_t)r < pad)
		goto bad;
	*outlen = (size_t)r - pad;
	out[*outlen] = '\0';
	free(tmp);
	return out;
bad:
	free(tmp);
	free(out);
	*outlen = 0;
	return NULL;
}
