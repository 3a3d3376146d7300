/*
 * test_common_mkcert.c - tiny certificate factory for the common-library
 * unit tests: EC P-256 keys, a self-signed root CA with a
 * subjectKeyIdentifier, intermediate CAs and leaves carrying an
 * authorityKeyIdentifier.  Not a test itself; linked into the tests that
 * need certificates.
 */
#include "config.h"

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

EVP_PKEY	*tmk_key(void);
X509		*tmk_cert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer,
		    const char *cn, int ca, int skid, uint64_t serial);

static int	tmk_ext(X509 *cert, X509V3_CTX *ctx, int nid,
		    const char *value);

static int
tmk_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int r;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return r == 1 ? 0 : -1;
}

/* A fresh P-256 key; the caller frees it with EVP_PKEY_free(). */
EVP_PKEY *
tmk_key(void)
{
	return EVP_EC_gen("P-256");
}

/*
 * A certificate for key, signed by signkey as issuer (issuer NULL:
 * self-signed).  ca selects CA or end-entity extensions; skid 0 leaves
 * out the subjectKeyIdentifier.  The caller frees it with X509_free().
 */
X509 *
tmk_cert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer, const char *cn,
    int ca, int skid, uint64_t serial)
{
	X509 *x;
	X509_NAME *name;
	ASN1_INTEGER *sn;
	X509V3_CTX ctx;

	if ((x = X509_new()) == NULL)
		return NULL;
	X509_set_version(x, 2);
	sn = X509_get_serialNumber(x);
	ASN1_INTEGER_set_uint64(sn, serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
	    name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	if (ca) {
		if (tmk_ext(x, &ctx, NID_basic_constraints,
		    "critical,CA:TRUE") != 0 ||
		    tmk_ext(x, &ctx, NID_key_usage,
		    "critical,keyCertSign,cRLSign") != 0)
			goto bad;
	} else if (tmk_ext(x, &ctx, NID_basic_constraints, "CA:FALSE") != 0)
		goto bad;
	if (skid && tmk_ext(x, &ctx, NID_subject_key_identifier,
	    "hash") != 0)
		goto bad;
	if (issuer != NULL && tmk_ext(x, &ctx, NID_authority_key_identifier,
	    "keyid:always") != 0)
		goto bad;
	if (X509_sign(x, signkey, EVP_sha256()) <= 0)
		goto bad;
	return x;
bad:
	X509_free(x);
	return NULL;
}
