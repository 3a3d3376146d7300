/*
 * jwt_cnf.c - a token's key binding (jwt_cnf.h): the RFC 7638 thumbprint
 * of the key to certify, computed from the key's parameters with
 * OpenSSL, and its comparison with the token's cnf.jkt (RFC 7800,
 * RFC 9449).  Any doubt refuses: a cnf we cannot read or check denies
 * the request, since taking a bound token as unbound would be the very
 * hole the binding closes.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jwt_cnf.h"
#include "jwt_status.h"

/* The largest member: an RSA modulus of 8192 bits (csr.c's limit). */
#define JWT_CNF_RAW_MAX	1024
#define JWT_CNF_B64_MAX	((JWT_CNF_RAW_MAX + 2) / 3 * 4 + 1)

static int	jwt_cnf_b64url(const unsigned char *in, size_t len, char *out,
		    size_t outlen);
static int	jwt_cnf_bn(const EVP_PKEY *pk, const char *param, int pad,
		    char *out, size_t outlen);
static int	jwt_cnf_canonical(const EVP_PKEY *pk, char *json,
		    size_t jsonlen, char *err, size_t errlen);

/*
 * Unpadded base64url of in[0..len) into out, NUL-terminated.  Returns
 * its length, or -1 when out is too small.
 */
static int
jwt_cnf_b64url(const unsigned char *in, size_t len, char *out,
    size_t outlen)
{
	int i, n;

	if (len > JWT_CNF_RAW_MAX || outlen < (len + 2) / 3 * 4 + 1)
		return -1;
	/* Standard padded base64 and a NUL; then the URL alphabet. */
	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return n;
}

/*
 * The integer parameter `param` of pk as unsigned big-endian base64url:
 * minimal (pad 0, RSA n and e per RFC 7518 §6.3.1) or left-padded with
 * zeros to pad bytes (EC coordinates, §6.2.1.2).  Returns 0 or -1.
 */
static int
jwt_cnf_bn(const EVP_PKEY *pk, const char *param, int pad, char *out,
    size_t outlen)
{
	unsigned char raw[JWT_CNF_RAW_MAX];
	BIGNUM *bn = NULL;
	int n, rc = -1;

	if (!EVP_PKEY_get_bn_param(pk, param, &bn) || BN_is_negative(bn))
		goto out;
	if (pad > 0)
		n = pad <= (int)sizeof(raw) ? BN_bn2binpad(bn, raw, pad) : -1;
	else
		n = BN_num_bytes(bn) <= (int)sizeof(raw) ?
		    BN_bn2bin(bn, raw) : -1;
	if (n <= 0 || jwt_cnf_b64url(raw, (size_t)n, out, outlen) < 0)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/*
 * The RFC 7638 §3.2 form of pk: its required members in lexicographic
 * order, no white space.  Returns JWT_OK, or JWT_KEY_MISMATCH (another
 * kind of key) or JWT_INTERNAL with err set.
 */
static int
jwt_cnf_canonical(const EVP_PKEY *pk, char *json, size_t jsonlen,
    char *err, size_t errlen)
{
	char a[JWT_CNF_B64_MAX], b[JWT_CNF_B64_MAX], group[64];
	const char *crv, *type;
	int n, size;

	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		if (jwt_cnf_bn(pk, OSSL_PKEY_PARAM_RSA_E, 0, a,
		    sizeof(a)) != 0 || jwt_cnf_bn(pk, OSSL_PKEY_PARAM_RSA_N,
		    0, b, sizeof(b)) != 0)
			goto fail;
		n = snprintf(json, jsonlen, "{\"e\":\"%s\",\"kty\":\"RSA\","
		    "\"n\":\"%s\"}", a, b);
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL))
			goto fail;
		/* The JWK names (RFC 7518 §6.2.1.1) of what csr.c takes. */
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0) {
			crv = "P-256";
			size = 32;
		} else if (strcmp(group, "secp384r1") == 0 ||
		    strcmp(group, "P-384") == 0) {
			crv = "P-384";
			size = 48;
		} else {
			snprintf(err, errlen, "cannot check cnf.jkt: no "
			    "thumbprint for a key on curve %.40s", group);
			return JWT_KEY_MISMATCH;
		}
		if (jwt_cnf_bn(pk, OSSL_PKEY_PARAM_EC_PUB_X, size, a,
		    sizeof(a)) != 0 || jwt_cnf_bn(pk, OSSL_PKEY_PARAM_EC_PUB_Y,
		    size, b, sizeof(b)) != 0)
			goto fail;
		n = snprintf(json, jsonlen, "{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}", crv, a, b);
		break;
	default:
		type = EVP_PKEY_get0_type_name(pk);
		snprintf(err, errlen, "cannot check cnf.jkt: no thumbprint "
		    "for a key of type %.40s", type != NULL ? type : "unknown");
		return JWT_KEY_MISMATCH;
	}
	if (n < 0 || (size_t)n >= jsonlen)
		goto fail;
	return JWT_OK;
fail:
	snprintf(err, errlen, "cannot compute the thumbprint of the key");
	return JWT_INTERNAL;
}

int
jwt_cnf_thumbprint(const unsigned char *der, size_t len,
    char out[JWT_CNF_JKT_SIZE], char *err, size_t errlen)
{
	char json[2 * JWT_CNF_B64_MAX + 64], enc[48];
	unsigned char md[EVP_MAX_MD_SIZE];
	const unsigned char *p = der;
	unsigned int mdlen = 0;
	EVP_PKEY *pk = NULL;
	int rc;

	out[0] = '\0';
	if (der == NULL || len == 0 || len > LONG_MAX ||
	    (pk = d2i_PUBKEY(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		snprintf(err, errlen, "cannot check cnf.jkt: the key to "
		    "certify does not decode");
		rc = JWT_INTERNAL;
		goto out;
	}
	if ((rc = jwt_cnf_canonical(pk, json, sizeof(json), err,
	    errlen)) != JWT_OK)
		goto out;
	if (!EVP_Digest(json, strlen(json), md, &mdlen, EVP_sha256(),
	    NULL) || mdlen != 32 ||
	    jwt_cnf_b64url(md, mdlen, enc, sizeof(enc)) != 43) {
		snprintf(err, errlen, "cannot compute the thumbprint of the "
		    "key");
		rc = JWT_INTERNAL;
		goto out;
	}
	/* enc held the padding EVP_EncodeBlock writes; out need not. */
	memcpy(out, enc, JWT_CNF_JKT_SIZE);
out:
	/* Nothing of OpenSSL's queue may leak into another request. */
	ERR_clear_error();
	EVP_PKEY_free(pk);
	return rc;
}

int
jwt_cnf_jkt(const json_t *claims, const char **jkt, char *err,
    size_t errlen)
{
	const json_t *cnf, *v;
	const char *name;
	char names[96], one[48];
	size_t n;

	*jkt = NULL;
	if ((cnf = json_object_get(claims, "cnf")) == NULL)
		return JWT_OK;
	if (!json_is_object(cnf)) {
		snprintf(err, errlen, "token cnf is not a JSON object");
		return JWT_MALFORMED;
	}
	if ((v = json_object_get(cnf, "jkt")) != NULL) {
		/* A NUL inside would let a prefix match: refuse it too. */
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			snprintf(err, errlen, "token cnf.jkt is not a string");
			return JWT_MALFORMED;
		}
		*jkt = json_string_value(v);
		return JWT_OK;
	}
	if (json_object_size(cnf) == 0) {
		snprintf(err, errlen, "token cnf names no confirmation "
		    "method");
		return JWT_MALFORMED;
	}
	/* Name what we cannot check, so that a site knows what to ask
	 * its identity provider for. */
	names[0] = '\0';
	json_object_foreach((json_t *)cnf, name, v) {
		jwt_status_sanitize(one, sizeof(one), name, 40);
		n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%scnf.%s",
		    n > 0 ? ", " : "", one);
	}
	snprintf(err, errlen, "the token is bound to its key by %s, which "
	    "pvacms cannot check (it checks cnf.jkt)", names);
	return JWT_KEY_MISMATCH;
}

int
jwt_cnf_check(const json_t *claims, const unsigned char *der, size_t len,
    char *err, size_t errlen)
{
	char mine[JWT_CNF_JKT_SIZE];
	const char *jkt;
	int rc;

	if ((rc = jwt_cnf_jkt(claims, &jkt, err, errlen)) != JWT_OK ||
	    jkt == NULL)
		return rc;
	if (der == NULL) {
		snprintf(err, errlen, "the token is bound to a key (cnf.jkt), "
		    "but this pvacms does not say which key it certifies "
		    "(plugin ABI before 1.4): cannot check the binding");
		return JWT_KEY_MISMATCH;
	}
	if ((rc = jwt_cnf_thumbprint(der, len, mine, err, errlen)) != JWT_OK)
		return rc;
	/* Thumbprints are public: no need for a constant-time compare. */
	if (strcmp(jkt, mine) != 0) {
		snprintf(err, errlen, "the token is bound to another key "
		    "(cnf.jkt)");
		return JWT_KEY_MISMATCH;
	}
	return JWT_OK;
}
