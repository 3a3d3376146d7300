/*
 * csr.c - checking a PEM PKCS#10 request: parse, key policy, signature
 * (proof of possession) and the SPKI hash.  See csr.h.
 *
 * Why not d2i_X509_REQ: OpenSSL 3.0 decodes the request's public key as
 * it parses, through a decoder context it builds afresh for every key
 * (OSSL_DECODER_CTX_new_for_pkey walks every provider's decoders under
 * their locks), which cost more than the signature check and the CA's
 * signature together.  The request is read here with OpenSSL's own ASN.1
 * templates for the same structure (RFC 2986 §4), the key decoded once
 * and the key's encoding handed to the CA as it came (ca_sign_spki).
 *
 * How the key is decoded: a named P-256 or P-384 key (what authnjwt and
 * PVXS make) is its curve's parameters, built once per thread, with the
 * request's point set in them; EC_POINT_oct2point refuses a point that
 * is not on the curve.  That costs a fifth of going through a decoder
 * context, which tries each provider's decoder chain under its locks.
 * Any other key (RSA, other curves, explicit curve parameters) goes
 * through a decoder context each thread keeps.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "csr.h"
#include "sha256.h"

/* SubjectPublicKeyInfo, kept as it came: no key decoded on parse. */
typedef struct {
	X509_ALGOR *algor;
	ASN1_BIT_STRING *key;
} CSR_SPKI;

ASN1_SEQUENCE(CSR_SPKI) = {
	ASN1_SIMPLE(CSR_SPKI, algor, X509_ALGOR),
	ASN1_SIMPLE(CSR_SPKI, key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CSR_SPKI)

/* CertificationRequestInfo, with its encoding kept for the signature. */
typedef struct {
	ASN1_ENCODING enc;
	ASN1_INTEGER *version;
	X509_NAME *subject;
	CSR_SPKI *spki;
	STACK_OF(X509_ATTRIBUTE) *attributes;
} CSR_INFO;

ASN1_SEQUENCE_enc(CSR_INFO, enc, NULL) = {
	ASN1_SIMPLE(CSR_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(CSR_INFO, subject, X509_NAME),
	ASN1_SIMPLE(CSR_INFO, spki, CSR_SPKI),
	ASN1_IMP_SET_OF_OPT(CSR_INFO, attributes, X509_ATTRIBUTE, 0)
} static_ASN1_SEQUENCE_END_ref(CSR_INFO, CSR_INFO)

/* CertificationRequest. */
typedef struct {
	CSR_INFO *info;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
} CSR;

ASN1_SEQUENCE(CSR) = {
	ASN1_SIMPLE(CSR, info, CSR_INFO),
	ASN1_SIMPLE(CSR, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(CSR, signature, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CSR)

/* The named curves with a direct path, and their group names. */
static const struct {
	int nid;
	const char *group;
} csr_curves[] = {
	{ NID_X9_62_prime256v1, "P-256" },
	{ NID_secp384r1, "P-384" },
};
#define CSR_NCURVES	(sizeof(csr_curves) / sizeof(csr_curves[0]))

/* A thread's decoders of SubjectPublicKeyInfo, each built on first use. */
struct csr_decoder {
	OSSL_DECODER_CTX *ctx;
	EVP_PKEY *out;		/* where ctx puts each key it decodes */
	EVP_PKEY *curve[CSR_NCURVES];	/* parameters only, no point */
};

static pthread_key_t csr_decoder_key;
static pthread_once_t csr_decoder_once = PTHREAD_ONCE_INIT;
static int csr_decoder_key_ok;

static void	csr_decoder_free(void *);
static void	csr_decoder_init(void);
static struct csr_decoder *csr_decoder_get(void);
static EVP_PKEY	*csr_decode_named_ec(struct csr_decoder *, const CSR_SPKI *,
		    int *);
static EVP_PKEY	*csr_decode_spki(const CSR_SPKI *, const unsigned char *,
		    size_t);
static int	csr_key_policy(EVP_PKEY *, char *, size_t);
static X509_PUBKEY *csr_pubkey(const CSR_SPKI *);

static void
csr_decoder_free(void *arg)
{
	struct csr_decoder *d = arg;

	if (d == NULL)
		return;
	OSSL_DECODER_CTX_free(d->ctx);
	EVP_PKEY_free(d->out);
	for (size_t i = 0; i < CSR_NCURVES; i++)
		EVP_PKEY_free(d->curve[i]);
	free(d);
}

static void
csr_decoder_init(void)
{
	csr_decoder_key_ok = pthread_key_create(&csr_decoder_key,
	    csr_decoder_free) == 0;
}

/* This thread's decoders (not to be freed), or NULL. */
static struct csr_decoder *
csr_decoder_get(void)
{
	struct csr_decoder *d;

	if (pthread_once(&csr_decoder_once, csr_decoder_init) != 0 ||
	    !csr_decoder_key_ok)
		return NULL;
	if ((d = pthread_getspecific(csr_decoder_key)) != NULL)
		return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (pthread_setspecific(csr_decoder_key, d) != 0) {
		free(d);
		return NULL;
	}
	return d;
}

/*
 * The key of a named P-256 or P-384 SubjectPublicKeyInfo, or NULL.
 * *handled is 0 when spki is not such a key (the caller decodes it
 * otherwise), 1 when it is: then NULL means the point is unreadable.
 * Caller frees the key with EVP_PKEY_free.
 */
static EVP_PKEY *
csr_decode_named_ec(struct csr_decoder *d, const CSR_SPKI *spki,
    int *handled)
{
	const ASN1_OBJECT *alg;
	const void *param;
	const unsigned char *point;
	EVP_PKEY *pk;
	size_t i;
	int ptype, len;

	*handled = 0;
	X509_ALGOR_get0(&alg, &ptype, &param, spki->algor);
	if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey ||
	    ptype != V_ASN1_OBJECT)
		return NULL;
	for (i = 0; i < CSR_NCURVES; i++)
		if (OBJ_obj2nid(param) == csr_curves[i].nid)
			break;
	if (i == CSR_NCURVES)
		return NULL;
	*handled = 1;
	/* A whole number of octets, compressed or uncompressed (RFC 5480
	 * §2.2): no point at infinity, no hybrid form. */
	point = ASN1_STRING_get0_data(spki->key);
	len = ASN1_STRING_length(spki->key);
	if ((spki->key->flags & ASN1_STRING_FLAG_BITS_LEFT) != 0 &&
	    (spki->key->flags & 0x07) != 0)
		return NULL;
	if (len < 1 || (point[0] != 0x02 && point[0] != 0x03 &&
	    point[0] != 0x04))
		return NULL;
	if (d->curve[i] == NULL) {
		EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC",
		    NULL);
		OSSL_PARAM params[2];

		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)csr_curves[i].group, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
		    EVP_PKEY_fromdata(pctx, &d->curve[i],
		    EVP_PKEY_KEY_PARAMETERS, params) != 1)
			d->curve[i] = NULL;
		EVP_PKEY_CTX_free(pctx);
		if (d->curve[i] == NULL)
			return NULL;
	}
	if ((pk = EVP_PKEY_dup(d->curve[i])) == NULL ||
	    EVP_PKEY_set1_encoded_public_key(pk, point, (size_t)len) != 1) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/*
 * The key of a SubjectPublicKeyInfo, spki as parsed and der its DER, or
 * NULL.  Caller frees with EVP_PKEY_free.
 */
static EVP_PKEY *
csr_decode_spki(const CSR_SPKI *spki, const unsigned char *der, size_t len)
{
	struct csr_decoder *d;
	EVP_PKEY *pk;
	int handled;

	if ((d = csr_decoder_get()) == NULL)
		return NULL;
	pk = csr_decode_named_ec(d, spki, &handled);
	if (handled)
		return pk;
	if (d->ctx == NULL && (d->ctx = OSSL_DECODER_CTX_new_for_pkey(&d->out,
	    "DER", "SubjectPublicKeyInfo", NULL, EVP_PKEY_PUBLIC_KEY, NULL,
	    NULL)) == NULL)
		return NULL;
	d->out = NULL;
	if (!OSSL_DECODER_from_data(d->ctx, &der, &len)) {
		EVP_PKEY_free(d->out);
		d->out = NULL;
		return NULL;
	}
	pk = d->out;
	d->out = NULL;
	return pk;
}

/* The kinds of key pvacms certifies.  0, or -1 with err set. */
static int
csr_key_policy(EVP_PKEY *pk, char *err, size_t errlen)
{
	const char *type;
	char gname[64];
	int bits = EVP_PKEY_get_bits(pk);

	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		if (bits >= 2048 && bits <= 8192)
			return 0;
		snprintf(err, errlen, "unsupported key RSA-%d (need RSA "
		    "2048..8192 bits or EC P-256/P-384)", bits);
		return -1;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pk, gname, sizeof(gname), NULL))
			snprintf(gname, sizeof(gname), "unknown curve");
		if (strcmp(gname, "prime256v1") == 0 ||
		    strcmp(gname, "P-256") == 0 ||
		    strcmp(gname, "secp384r1") == 0 ||
		    strcmp(gname, "P-384") == 0)
			return 0;
		snprintf(err, errlen, "unsupported key EC %s (need RSA "
		    "2048..8192 bits or EC P-256/P-384)", gname);
		return -1;
	default:
		type = EVP_PKEY_get0_type_name(pk);
		snprintf(err, errlen, "unsupported key type %s (need RSA "
		    "2048..8192 bits or EC P-256/P-384)",
		    type != NULL ? type : "unknown");
		return -1;
	}
}

/*
 * An X509_PUBKEY holding a copy of spki's fields (no key decoded in it).
 * Caller frees with X509_PUBKEY_free; NULL when out of memory.
 */
static X509_PUBKEY *
csr_pubkey(const CSR_SPKI *spki)
{
	X509_PUBKEY *pub = X509_PUBKEY_new();
	X509_ALGOR *alg = NULL;
	ASN1_OBJECT *obj = NULL;
	unsigned char *bits = NULL;
	int n = ASN1_STRING_length(spki->key);

	/* The key bits go in with set0_param, the algorithm with its
	 * parameters (whatever their type) with X509_ALGOR_copy. */
	if (pub == NULL || (obj = OBJ_dup(spki->algor->algorithm)) == NULL ||
	    (bits = OPENSSL_memdup(ASN1_STRING_get0_data(spki->key),
	    n > 0 ? (size_t)n : 1)) == NULL ||
	    !X509_PUBKEY_set0_param(pub, obj, V_ASN1_UNDEF, NULL, bits, n)) {
		ASN1_OBJECT_free(obj);
		OPENSSL_free(bits);
		X509_PUBKEY_free(pub);
		return NULL;
	}
	if (!X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, pub) ||
	    !X509_ALGOR_copy(alg, spki->algor)) {
		X509_PUBKEY_free(pub);
		return NULL;
	}
	return pub;
}

/*
 * Returns the request's SubjectPublicKeyInfo (caller frees with
 * X509_PUBKEY_free) or NULL with err set.
 */
X509_PUBKEY *
csr_check(const char *pem, size_t len, char spki_sha256[65],
    unsigned char **der_out, size_t *der_len_out, char *err, size_t errlen)
{
	BIO *bio = NULL;
	CSR *req = NULL;
	EVP_PKEY *pk = NULL;
	X509_PUBKEY *ret = NULL;
	unsigned char *der = NULL, *spki_der = NULL;
	const unsigned char *p;
	long derlen = 0;
	int spki_len;

	spki_sha256[0] = '\0';
	if (len > CSR_MAX) {
		snprintf(err, errlen, "CSR larger than %d bytes", CSR_MAX);
		return NULL;
	}
	p = NULL;
	if (pem == NULL || len == 0 ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    !PEM_bytes_read_bio(&der, &derlen, NULL, PEM_STRING_X509_REQ,
	    bio, NULL, NULL) ||
	    (p = der, req = (CSR *)ASN1_item_d2i(NULL, &p, derlen,
	    ASN1_ITEM_rptr(CSR))) == NULL) {
		snprintf(err, errlen, "malformed CSR: not a PEM certificate "
		    "request");
		goto out;
	}
	if ((spki_len = ASN1_item_i2d((ASN1_VALUE *)req->info->spki,
	    &spki_der, ASN1_ITEM_rptr(CSR_SPKI))) <= 0 ||
	    (pk = csr_decode_spki(req->info->spki, spki_der,
	    (size_t)spki_len)) == NULL) {
		snprintf(err, errlen, "malformed CSR: unreadable public key");
		goto out;
	}
	if (csr_key_policy(pk, err, errlen) != 0)
		goto out;
	if (ASN1_item_verify(ASN1_ITEM_rptr(CSR_INFO), req->sig_alg,
	    req->signature, req->info, pk) != 1) {
		snprintf(err, errlen, "CSR signature does not verify");
		goto out;
	}
	{
		const void *part = spki_der;
		size_t part_len = (size_t)spki_len;

		if (sha256_hex(&part, &part_len, 1, spki_sha256) != 0) {
			snprintf(err, errlen, "cannot hash the public key");
			goto out;
		}
	}
	if ((ret = csr_pubkey(req->info->spki)) == NULL)
		snprintf(err, errlen, "out of memory");
	else if (der_out != NULL) {
		/* The encoding as received, already made for the hash. */
		*der_out = spki_der;
		*der_len_out = (size_t)spki_len;
		spki_der = NULL;
	}
out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	OPENSSL_free(spki_der);
	OPENSSL_free(der);
	ASN1_item_free((ASN1_VALUE *)req, ASN1_ITEM_rptr(CSR));
	BIO_free(bio);
	if (ret == NULL)
		spki_sha256[0] = '\0';
	return ret;
}

/*
 * Returns the key's SubjectPublicKeyInfo (caller frees with
 * X509_PUBKEY_free) or NULL with err set.
 */
X509_PUBKEY *
csr_pubkey_check(const char *pem, size_t len, char spki_sha256[65],
    unsigned char **der_out, size_t *der_len_out, char *err, size_t errlen)
{
	BIO *bio = NULL;
	CSR_SPKI *spki = NULL;
	EVP_PKEY *pk = NULL;
	X509_PUBKEY *ret = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long derlen = 0;

	spki_sha256[0] = '\0';
	if (len > CSR_MAX) {
		snprintf(err, errlen, "public key larger than %d bytes",
		    CSR_MAX);
		return NULL;
	}
	if (pem == NULL || len == 0 ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    !PEM_bytes_read_bio(&der, &derlen, NULL, PEM_STRING_PUBLIC,
	    bio, NULL, NULL) ||
	    (p = der, spki = (CSR_SPKI *)ASN1_item_d2i(NULL, &p, derlen,
	    ASN1_ITEM_rptr(CSR_SPKI))) == NULL || p != der + derlen) {
		snprintf(err, errlen, "malformed public key: not a PEM "
		    "SubjectPublicKeyInfo (BEGIN PUBLIC KEY)");
		goto out;
	}
	if ((pk = csr_decode_spki(spki, der, (size_t)derlen)) == NULL) {
		snprintf(err, errlen, "malformed public key: unreadable key");
		goto out;
	}
	if (csr_key_policy(pk, err, errlen) != 0)
		goto out;
	{
		const void *part = der;
		size_t part_len = (size_t)derlen;

		if (sha256_hex(&part, &part_len, 1, spki_sha256) != 0) {
			snprintf(err, errlen, "cannot hash the public key");
			goto out;
		}
	}
	if ((ret = csr_pubkey(spki)) == NULL)
		snprintf(err, errlen, "out of memory");
	else if (der_out != NULL) {
		*der_out = der;
		*der_len_out = (size_t)derlen;
		der = NULL;
	}
out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	OPENSSL_free(der);
	ASN1_item_free((ASN1_VALUE *)spki, ASN1_ITEM_rptr(CSR_SPKI));
	BIO_free(bio);
	if (ret == NULL)
		spki_sha256[0] = '\0';
	return ret;
}
