/*
 * jwt_claims.c - local claim checks (time window with leeway, subject
 * shape) and the default certificate identity derived from a token.
 * These run before and independently of the remote validator, so a
 * validator that forgets to look at exp cannot mint a certificate for an
 * expired token.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jwt_claims.h"
#include "jwt_status.h"
#include "jwt_url.h"

int
jwt_claims_subject_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n, k;
	unsigned long cp;

	if (len == 0 || len > JWT_SUB_MAX)
		return 0;
	while (i < len) {
		unsigned char ch = p[i];

		if (ch < 0x80) {
			if (ch < 0x20 || ch == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (ch >= 0xc2 && ch <= 0xdf) {
			n = 1;
			cp = ch & 0x1f;
		} else if (ch >= 0xe0 && ch <= 0xef) {
			n = 2;
			cp = ch & 0x0f;
		} else if (ch >= 0xf0 && ch <= 0xf4) {
			n = 3;
			cp = ch & 0x07;
		} else
			return 0;
		if (i + n >= len)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
jwt_claims_check(const struct jwt_token *t, int64_t now, long leeway,
    char *err, size_t errlen)
{
	if (!t->has_exp) {
		snprintf(err, errlen, "token has no exp claim");
		return JWT_MALFORMED;
	}
	/* Times are capped at 2^53 and leeway at 3600: no overflow. */
	if (t->exp + leeway <= now) {
		snprintf(err, errlen, "token expired");
		return JWT_EXPIRED;
	}
	if (t->has_nbf && t->nbf >= t->exp) {
		snprintf(err, errlen, "token nbf is not before its exp");
		return JWT_MALFORMED;
	}
	if (t->has_nbf && t->nbf > now + leeway) {
		snprintf(err, errlen, "token not yet valid");
		return JWT_NOT_YET_VALID;
	}
	if (t->sub == NULL) {
		snprintf(err, errlen, "token has no sub claim");
		return JWT_MALFORMED;
	}
	if (!jwt_claims_subject_ok(t->sub)) {
		snprintf(err, errlen, "token sub is empty, longer than %d"
		    " bytes, or holds control characters", JWT_SUB_MAX);
		return JWT_SUBJECT_INVALID;
	}
	return JWT_OK;
}

int
jwt_claims_identity(const struct jwt_token *t, const char *trusted_uri,
    int64_t now, struct jwt_identity *id, char *err, size_t errlen)
{
	struct jwt_url u;
	char why[128];
	const char *from = t->iss != NULL ? t->iss : trusted_uri;

	memset(id, 0, sizeof(*id));
	if (t->sub == NULL || !jwt_claims_subject_ok(t->sub)) {
		snprintf(err, errlen, "token sub is not a valid subject");
		return -1;
	}
	if (from == NULL ||
	    jwt_url_parse(from, t->iss != NULL, &u, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "no host in %s: %s",
		    t->iss != NULL ? "iss" : "the trusted URI",
		    from == NULL ? "unset" : why);
		return -1;
	}
	snprintf(id->cn, sizeof(id->cn), "%s", t->sub);
	snprintf(id->o, sizeof(id->o), "%s", u.host);
	if (t->has_nbf)
		id->not_before = t->nbf;
	else if (t->has_iat)
		id->not_before = t->iat;
	else
		id->not_before = now;
	id->not_after = t->exp;
	return 0;
}

int
jwt_claims_aud_ok(char *const *audiences, size_t n, json_t *aud)
{
	json_t *a;
	size_t i, k;

	if (n == 0)
		return 1;
	if (json_is_string(aud)) {
		for (i = 0; i < n; i++)
			if (strcmp(json_string_value(aud), audiences[i]) ==
			    0)
				return 1;
		return 0;
	}
	json_array_foreach(aud, k, a)
		for (i = 0; i < n; i++)
			if (json_is_string(a) && strcmp(json_string_value(a),
			    audiences[i]) == 0)
				return 1;
	return 0;
}

