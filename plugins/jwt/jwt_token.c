/*
 * jwt_token.c - split and decode a compact JWS (RFC 7515 §7.1) into its
 * JSON header and claims (RFC 7519).  Bounded (8 KiB per token), strict
 * (canonical base64url, JSON objects without duplicate members, integer
 * times), and silent about the token's content in its error messages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwt_alg.h"
#include "jwt_status.h"
#include "jwt_token.h"

static int	jwt_token_b64val(unsigned char ch);
static json_t	*jwt_token_part(const char *in, size_t len, const char *what,
		    char *err, size_t errlen);
static int	jwt_token_string(json_t *obj, const char *key,
		    const char **out, char *err, size_t errlen);
static int	jwt_token_time(json_t *obj, const char *key, int *has,
		    int64_t *out, char *err, size_t errlen);

static int
jwt_token_b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

unsigned char *
jwt_token_b64url_decode(const char *in, size_t len, size_t *outlen)
{
	unsigned char *out;
	unsigned int acc = 0;
	size_t i, n = 0;
	int bits = 0, v;

	if (len % 4 == 1)
		return NULL;
	if ((out = malloc(len / 4 * 3 + 3)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((v = jwt_token_b64val((unsigned char)in[i])) < 0)
			goto bad;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	/* Leftover bits must be zero, or two encodings decode alike. */
	if (acc != 0)
		goto bad;
	out[n] = '\0';
	*outlen = n;
	return out;
bad:
	free(out);
	return NULL;
}

/* Returns a JSON object the caller releases with json_decref, or NULL. */
static json_t *
jwt_token_part(const char *in, size_t len, const char *what, char *err,
    size_t errlen)
{
	unsigned char *raw;
	json_error_t jerr;
	json_t *obj;
	size_t rawlen;

	if (len == 0) {
		snprintf(err, errlen, "token %s is empty", what);
		return NULL;
	}
	if ((raw = jwt_token_b64url_decode(in, len, &rawlen)) == NULL) {
		snprintf(err, errlen, "token %s is not base64url", what);
		return NULL;
	}
	obj = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES,
	    &jerr);
	free(raw);
	if (obj == NULL) {
		/* jerr.text may quote the payload: report the place only. */
		snprintf(err, errlen, "token %s is not JSON (at byte %d)",
		    what, jerr.position);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		snprintf(err, errlen, "token %s is not a JSON object", what);
		return NULL;
	}
	return obj;
}

static int
jwt_token_string(json_t *obj, const char *key, const char **out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "token %s is not a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
jwt_token_time(json_t *obj, const char *key, int *has, int64_t *out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	json_int_t n;

	*has = 0;
	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "token %s is not an integer", key);
		return -1;
	}
	n = json_integer_value(v);
	if (n < 0 || n > JWT_TIME_MAX) {
		snprintf(err, errlen, "token %s is out of range", key);
		return -1;
	}
	*has = 1;
	*out = (int64_t)n;
	return 0;
}

int
jwt_token_parse(const char *tok, size_t len, struct jwt_token *t, char *err,
    size_t errlen)
{
	const char *d1, *d2, *sig;
	size_t i, siglen;
	int rc = JWT_MALFORMED;

	memset(t, 0, sizeof(*t));
	if (tok == NULL || len == 0) {
		snprintf(err, errlen, "token is empty");
		return JWT_MALFORMED;
	}
	if (len > JWT_TOKEN_MAX) {
		snprintf(err, errlen, "token larger than %d bytes",
		    JWT_TOKEN_MAX);
		return JWT_MALFORMED;
	}
	if (memchr(tok, '\0', len) != NULL) {
		snprintf(err, errlen, "token holds a NUL byte");
		return JWT_MALFORMED;
	}
	if ((d1 = memchr(tok, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))) == NULL) {
		snprintf(err, errlen, "token is not three dot-separated parts");
		return JWT_MALFORMED;
	}
	sig = d2 + 1;
	siglen = len - (size_t)(sig - tok);
	if (memchr(sig, '.', siglen) != NULL) {
		snprintf(err, errlen, "token has more than three parts"
		    " (encrypted tokens are not supported)");
		return JWT_MALFORMED;
	}
	/*
	 * The header first, so that an unsigned (alg none) token is named
	 * for what it is rather than for its empty signature.
	 */
	if ((t->header = jwt_token_part(tok, (size_t)(d1 - tok), "header",
	    err, errlen)) == NULL)
		goto bad;
	if (jwt_token_string(t->header, "alg", &t->alg, err, errlen) != 0)
		goto bad;
	if (t->alg == NULL || *t->alg == '\0') {
		snprintf(err, errlen, "token header has no alg");
		goto bad;
	}
	/* RFC 8725 §3.1, §3.10: policy refusals in every mode. */
	if (strcasecmp(t->alg, "none") == 0) {
		snprintf(err, errlen, "unsigned token (alg none) refused");
		rc = JWT_ALG_NOT_ALLOWED;
		goto bad;
	}
	if (jwt_alg_header_keys(t->header, err, errlen) != JWT_OK) {
		rc = JWT_ALG_NOT_ALLOWED;
		goto bad;
	}
	if (siglen == 0) {
		snprintf(err, errlen, "token signature is empty");
		goto bad;
	}
	if (siglen % 4 == 1) {
		snprintf(err, errlen, "token signature is not base64url");
		goto bad;
	}
	for (i = 0; i < siglen; i++)
		if (jwt_token_b64val((unsigned char)sig[i]) < 0) {
			snprintf(err, errlen,
			    "token signature is not base64url");
			goto bad;
		}
	if ((t->claims = jwt_token_part(d1 + 1, (size_t)(d2 - d1 - 1),
	    "payload", err, errlen)) == NULL)
		goto bad;
	if (jwt_token_string(t->header, "kid", &t->kid, err, errlen) != 0 ||
	    jwt_token_string(t->header, "typ", &t->typ, err, errlen) != 0)
		goto bad;
	if (json_object_get(t->header, "crit") != NULL) {
		/* RFC 7515 §4.1.11: we understand no extension. */
		snprintf(err, errlen, "token header has unsupported crit");
		goto bad;
	}
	if (jwt_token_claims(t, err, errlen) != 0)
		goto bad;
	t->signing_len = (size_t)(d2 - tok);
	t->sig_len = siglen;
	return JWT_OK;
bad:
	jwt_token_free(t);
	return rc;
}

int
jwt_token_claims(struct jwt_token *t, char *err, size_t errlen)
{
	json_t *aud;

	if (jwt_token_string(t->claims, "sub", &t->sub, err, errlen) != 0 ||
	    jwt_token_string(t->claims, "iss", &t->iss, err, errlen) != 0 ||
	    jwt_token_string(t->claims, "jti", &t->jti, err, errlen) != 0)
		return -1;
	if (jwt_token_time(t->claims, "exp", &t->has_exp, &t->exp, err,
	    errlen) != 0 ||
	    jwt_token_time(t->claims, "nbf", &t->has_nbf, &t->nbf, err,
	    errlen) != 0 ||
	    jwt_token_time(t->claims, "iat", &t->has_iat, &t->iat, err,
	    errlen) != 0)
		return -1;
	if ((aud = json_object_get(t->claims, "aud")) != NULL) {
		if (json_is_array(aud)) {
			size_t k;
			json_t *a;

			json_array_foreach(aud, k, a)
				if (!json_is_string(a)) {
					snprintf(err, errlen,
					    "token aud is not a string list");
					return -1;
				}
		} else if (!json_is_string(aud)) {
			snprintf(err, errlen, "token aud is not a string");
			return -1;
		}
		t->aud = aud;
	}
	return 0;
}

void
jwt_token_free(struct jwt_token *t)
{
	if (t == NULL)
		return;
	json_decref(t->header);
	json_decref(t->claims);
	memset(t, 0, sizeof(*t));
}
