/*
 * jwt_alg.c - the algorithm table and policy of local verification
 * (RFC 8725 §3.1-3.2): an explicit allow-list, one key type per
 * algorithm, exact signature lengths, and no key material taken from
 * the token's own header.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jwt_alg.h"
#include "jwt_status.h"

static const struct jwt_alg jwt_algs[] = {
	{ "RS256", JWT_ALG_RS, 32, 0, 0, 0x001 },
	{ "RS384", JWT_ALG_RS, 48, 0, 0, 0x002 },
	{ "RS512", JWT_ALG_RS, 64, 0, 0, 0x004 },
	{ "PS256", JWT_ALG_PS, 32, 0, 0, 0x008 },
	{ "PS384", JWT_ALG_PS, 48, 0, 0, 0x010 },
	{ "PS512", JWT_ALG_PS, 64, 0, 0, 0x020 },
	{ "ES256", JWT_ALG_ES, 32, CJOSE_JWK_EC_P_256, 64, 0x040 },
	{ "ES384", JWT_ALG_ES, 48, CJOSE_JWK_EC_P_384, 96, 0x080 },
	{ "ES512", JWT_ALG_ES, 64, CJOSE_JWK_EC_P_521, 132, 0x100 },
	{ "HS256", JWT_ALG_HS, 32, 0, 32, 0x200 },
	{ "HS384", JWT_ALG_HS, 48, 0, 48, 0x400 },
	{ "HS512", JWT_ALG_HS, 64, 0, 64, 0x800 },
};

#define JWT_NALGS (sizeof(jwt_algs) / sizeof(jwt_algs[0]))

/* Header members that would let a token choose its own key. */
static const char *const jwt_alg_key_members[] = {
	"jku", "jwk", "x5u", "x5c"
};

const struct jwt_alg *
jwt_alg_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < JWT_NALGS; i++)
		if (strcmp(jwt_algs[i].name, name) == 0)
			return &jwt_algs[i];
	return NULL;
}

int
jwt_alg_parse_list(const char *list, unsigned int *mask, char *err,
    size_t errlen)
{
	const struct jwt_alg *a;
	const char *p = list, *end;
	char word[16];
	size_t len;

	*mask = 0;
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' ' && *end != '\t' &&
		    *end != ','; end++)
			;
		len = (size_t)(end - p);
		if (len >= sizeof(word)) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_ALGORITHMS: an"
			    " entry is too long to be an algorithm");
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if ((a = jwt_alg_find(word)) == NULL) {
			int i, safe = 1;

			for (i = 0; word[i] != '\0'; i++)
				if ((unsigned char)word[i] < 0x20 ||
				    (unsigned char)word[i] >= 0x7f)
					safe = 0;
			snprintf(err, errlen, "EPICS_AUTH_JWT_ALGORITHMS: '%s'"
			    " is not one of RS256 RS384 RS512 PS256 PS384"
			    " PS512 ES256 ES384 ES512 HS256 HS384 HS512",
			    safe ? word : "?");
			return -1;
		}
		*mask |= a->bit;
		p = end;
	}
	if (*mask == 0)
		*mask = JWT_ALGS_DEFAULT;
	return 0;
}

void
jwt_alg_format(unsigned int mask, char *buf, size_t buflen)
{
	size_t i, n = 0;
	int w;

	if (buflen == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < JWT_NALGS; i++) {
		if ((mask & jwt_algs[i].bit) == 0)
			continue;
		w = snprintf(buf + n, buflen - n, "%s%s", n > 0 ? " " : "",
		    jwt_algs[i].name);
		if (w < 0 || (size_t)w >= buflen - n)
			return;
		n += (size_t)w;
	}
}

int
jwt_alg_header_keys(json_t *header, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(jwt_alg_key_members) /
	    sizeof(jwt_alg_key_members[0]); i++)
		if (json_object_get(header, jwt_alg_key_members[i]) != NULL) {
			snprintf(err, errlen, "token header names its own key"
			    " (%s); refused", jwt_alg_key_members[i]);
			return JWT_ALG_NOT_ALLOWED;
		}
	return JWT_OK;
}

int
jwt_alg_header_check(json_t *header, char *err, size_t errlen)
{
	json_t *alg;

	if (!json_is_object(header)) {
		snprintf(err, errlen, "token header is not an object");
		return JWT_MALFORMED;
	}
	if (jwt_alg_header_keys(header, err, errlen) != JWT_OK)
		return JWT_ALG_NOT_ALLOWED;
	if (json_object_get(header, "crit") != NULL) {
		snprintf(err, errlen, "token header has unsupported crit");
		return JWT_MALFORMED;
	}
	alg = json_object_get(header, "alg");
	if (!json_is_string(alg)) {
		snprintf(err, errlen, "token header has no alg");
		return JWT_MALFORMED;
	}
	if (strcmp(json_string_value(alg), "none") == 0 ||
	    jwt_alg_find(json_string_value(alg)) == NULL) {
		snprintf(err, errlen, "token algorithm is not supported");
		return JWT_ALG_NOT_ALLOWED;
	}
	return JWT_OK;
}

int
jwt_alg_key_check(const struct jwt_alg *alg, const cjose_jwk_t *key,
    char *err, size_t errlen)
{
	cjose_jwk_kty_t kty;
	cjose_err cerr;
	size_t bits;

	kty = cjose_jwk_get_kty(key, &cerr);
	bits = cjose_jwk_get_keysize(key, &cerr);
	switch (alg->family) {
	case JWT_ALG_RS:
	case JWT_ALG_PS:
		if (kty != CJOSE_JWK_KTY_RSA) {
			snprintf(err, errlen, "%s needs an RSA key", alg->name);
			return JWT_ALG_NOT_ALLOWED;
		}
		if (bits < JWT_RSA_MIN_BITS || bits > JWT_RSA_MAX_BITS) {
			snprintf(err, errlen, "RSA key of %zu bits refused"
			    " (%d..%d)", bits, JWT_RSA_MIN_BITS,
			    JWT_RSA_MAX_BITS);
			return JWT_ALG_NOT_ALLOWED;
		}
		return JWT_OK;
	case JWT_ALG_ES:
		if (kty != CJOSE_JWK_KTY_EC) {
			snprintf(err, errlen, "%s needs an EC key", alg->name);
			return JWT_ALG_NOT_ALLOWED;
		}
		if ((int)cjose_jwk_EC_get_curve(key, &cerr) != alg->curve) {
			snprintf(err, errlen, "%s needs an EC key on %s",
			    alg->name, alg->curve == CJOSE_JWK_EC_P_256 ?
			    "P-256" : alg->curve == CJOSE_JWK_EC_P_384 ?
			    "P-384" : "P-521");
			return JWT_ALG_NOT_ALLOWED;
		}
		return JWT_OK;
	case JWT_ALG_HS:
		if (kty != CJOSE_JWK_KTY_OCT) {
			snprintf(err, errlen, "%s needs a shared secret",
			    alg->name);
			return JWT_ALG_NOT_ALLOWED;
		}
		if (bits / 8 < (size_t)alg->hash_bytes) {
			snprintf(err, errlen, "%s needs a secret of at least"
			    " %d bytes", alg->name, alg->hash_bytes);
			return JWT_ALG_NOT_ALLOWED;
		}
		return JWT_OK;
	}
	snprintf(err, errlen, "unknown algorithm family");
	return JWT_ALG_NOT_ALLOWED;
}

int
jwt_alg_sig_len_ok(const struct jwt_alg *alg, const cjose_jwk_t *key,
    size_t sig_bytes)
{
	cjose_err cerr;

	if (alg->family == JWT_ALG_RS || alg->family == JWT_ALG_PS)
		return sig_bytes * 8 ==
		    (cjose_jwk_get_keysize(key, &cerr) + 7) / 8 * 8;
	return sig_bytes == alg->sig_bytes;
}
