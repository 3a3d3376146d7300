/*
 * ca.c - the certificate authority at run time: the CA object and
 * everything that uses the CA private key once the service is up.  It
 * signs leaf certificates with the extensions of DESIGN §5 and OCSP
 * responses for the status service (DESIGN §6), and holds the
 * certificate-building helpers shared with ca_boot.c (declared in
 * ca_priv.h).  Together with ca_boot.c and ca_admin.c this is the only
 * code in pvacms that holds or uses the CA private key, and the only
 * file that calls X509_sign and OCSP_basic_sign.  What needs no key
 * lives elsewhere: CSR checks (csr.c), OCSP structures (ocspbuild.c),
 * PEM and database rows (record.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "ca_priv.h"
#include "certid.h"
#include "hosterr.h"

#define CA_SERIAL_TRIES	8

static int	ca_check_rdn(const char *label, const char *v, size_t max,
		    int required, char *err, size_t errlen);
static int	ca_add_rdn(X509_NAME *name, int nid, const char *v);
static X509_NAME *ca_build_name(const struct ca_subject *s, char *err,
		    size_t errlen);
static int	ca_add_ext(X509 *cert, X509V3_CTX *ctx, int nid,
		    const char *value);
static int	ca_add_aia(X509 *cert, const char *url);
static int	ca_add_status_pv(X509 *cert, const char *pv);
static int	ca_set_time(ASN1_TIME *at, int64_t t);
static int	ca_copy_spki(X509_PUBKEY *dst, const X509_PUBKEY *src);
static int	ca_sign(struct ca *, EVP_PKEY *, const X509_PUBKEY *,
		    const struct ca_subject *, int, int64_t, int64_t,
		    ca_serial_free_cb, void *, X509 **, char *, size_t);
static int	ca_serial(ca_serial_free_cb cb, void *arg, uint64_t *out,
		    char *err, size_t errlen);

/* err = "<what>" or "<what>: <first OpenSSL reason>"; clears the queue. */
void
ca_seterr(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (err != NULL && errlen > 0) {
		if (why != NULL)
			snprintf(err, errlen, "%s: %s", what, why);
		else
			snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
}

/* 63 random bits from the OS CSPRNG, never zero. */
int
ca_rand_serial(uint64_t *out)
{
	unsigned char b[8];
	uint64_t v = 0;
	int i;

	do {
		if (RAND_priv_bytes(b, sizeof(b)) != 1)
			return -1;
		for (i = 0; i < 8; i++)
			v = (v << 8) | b[i];
		v &= UINT64_C(0x7fffffffffffffff);
	} while (v == 0);
	OPENSSL_cleanse(b, sizeof(b));
	*out = v;
	return 0;
}

/*
 * A serial no certificate has: 0, or HOSTERR_CRYPTO (no randomness),
 * the callback's own code when it cannot tell (e.g. HOSTERR_BUSY), or
 * HOSTERR_INTERNAL after CA_SERIAL_TRIES collisions of 63 random bits,
 * which means the callback is broken.
 */
static int
ca_serial(ca_serial_free_cb cb, void *arg, uint64_t *out, char *err,
    size_t errlen)
{
	int i, r;

	for (i = 0; i < CA_SERIAL_TRIES; i++) {
		if (ca_rand_serial(out) != 0) {
			ca_seterr(err, errlen, "cannot draw a random serial");
			return HOSTERR_CRYPTO;
		}
		if (cb == NULL || (r = cb(arg, *out)) == 1)
			return 0;
		if (r < 0) {
			snprintf(err, errlen, "cannot check that the serial "
			    "is unused: %s", hosterr_str(r));
			return r;
		}
	}
	snprintf(err, errlen, "no free serial after %d tries",
	    CA_SERIAL_TRIES);
	return HOSTERR_INTERNAL;
}

/* A subject field: length bounds and no control characters. */
static int
ca_check_rdn(const char *label, const char *v, size_t max, int required,
    char *err, size_t errlen)
{
	size_t n = v != NULL ? strlen(v) : 0;
	const unsigned char *p;

	if (n == 0) {
		if (required) {
			snprintf(err, errlen, "subject %s is empty", label);
			return -1;
		}
		return 0;
	}
	if (n > max) {
		snprintf(err, errlen, "subject %s longer than %zu bytes",
		    label, max);
		return -1;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "subject %s contains a control "
			    "character", label);
			return -1;
		}
	}
	return 0;
}

static int
ca_add_rdn(X509_NAME *name, int nid, const char *v)
{
	if (v == NULL || *v == '\0')
		return 0;
	return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
	    (const unsigned char *)v, -1, -1, 0) == 1 ? 0 : -1;
}

/* Subject name in RDN order CN, C, O, OU; caller frees with X509_NAME_free. */
static X509_NAME *
ca_build_name(const struct ca_subject *s, char *err, size_t errlen)
{
	X509_NAME *name;

	if (ca_check_rdn("CN", s->cn, 63, 1, err, errlen) != 0 ||
	    ca_check_rdn("C", s->c, 64, 0, err, errlen) != 0 ||
	    ca_check_rdn("O", s->o, 64, 0, err, errlen) != 0 ||
	    ca_check_rdn("OU", s->ou, 64, 0, err, errlen) != 0)
		return NULL;
	if ((name = X509_NAME_new()) == NULL) {
		ca_seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (ca_add_rdn(name, NID_commonName, s->cn) != 0) {
		ca_seterr(err, errlen, "invalid subject CN");
		goto fail;
	}
	if (ca_add_rdn(name, NID_countryName, s->c) != 0) {
		ca_seterr(err, errlen, "invalid subject C");
		goto fail;
	}
	if (ca_add_rdn(name, NID_organizationName, s->o) != 0) {
		ca_seterr(err, errlen, "invalid subject O");
		goto fail;
	}
	if (ca_add_rdn(name, NID_organizationalUnitName, s->ou) != 0) {
		ca_seterr(err, errlen, "invalid subject OU");
		goto fail;
	}
	return name;
fail:
	X509_NAME_free(name);
	return NULL;
}

static int
ca_add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int r;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return r == 1 ? 0 : -1;
}

/* authorityInfoAccess with one OCSP URI (built directly: no parsing). */
static int
ca_add_aia(X509 *cert, const char *url)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	ACCESS_DESCRIPTION *ad = NULL;
	ASN1_IA5STRING *uri = NULL;
	GENERAL_NAME *gn = NULL;
	int rc = -1;

	if ((aia = sk_ACCESS_DESCRIPTION_new_null()) == NULL ||
	    (ad = ACCESS_DESCRIPTION_new()) == NULL ||
	    (gn = GENERAL_NAME_new()) == NULL ||
	    (uri = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(uri, url, -1))
		goto out;
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(NID_ad_OCSP);
	GENERAL_NAME_set0_value(gn, GEN_URI, uri);
	uri = NULL;
	GENERAL_NAME_free(ad->location);
	ad->location = gn;
	gn = NULL;
	if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
		goto out;
	ad = NULL;
	if (X509_add1_ext_i2d(cert, NID_info_access, aia, 0,
	    X509V3_ADD_DEFAULT) != 1)
		goto out;
	rc = 0;
out:
	ASN1_IA5STRING_free(uri);
	GENERAL_NAME_free(gn);
	ACCESS_DESCRIPTION_free(ad);
	AUTHORITY_INFO_ACCESS_free(aia);
	return rc;
}

/*
 * The status extension (OID 1.3.6.1.4.1.37427.1, not critical) as PVXS
 * reads it: the OCTET STRING holds the PV name's ASCII bytes directly,
 * not a DER IA5String (pvaccess.md §2.1).
 */
static int
ca_add_status_pv(X509 *cert, const char *pv)
{
	ASN1_OBJECT *obj;
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ext = NULL;
	int rc = -1;

	if ((obj = OBJ_txt2obj("1.3.6.1.4.1.37427.1", 1)) != NULL &&
	    (os = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(os, (const unsigned char *)pv,
	    (int)strlen(pv)) == 1 &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
	    X509_add_ext(cert, ext, -1) == 1)
		rc = 0;
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return rc;
}

static int
ca_set_time(ASN1_TIME *at, int64_t t)
{
	return ASN1_TIME_set(at, (time_t)t) != NULL ? 0 : -1;
}

/*
 * Copy a SubjectPublicKeyInfo field by field (algorithm with its
 * parameters, key bits) into dst.  X509_set_pubkey would instead
 * re-encode an EVP_PKEY through OpenSSL 3's generic encoder, the
 * costliest step of signing a request's key.  0 or -1.
 */
static int
ca_copy_spki(X509_PUBKEY *dst, const X509_PUBKEY *src)
{
	const unsigned char *bits;
	X509_ALGOR *src_alg, *dst_alg;
	ASN1_OBJECT *obj = NULL;
	unsigned char *copy = NULL;
	int nbits;

	if (dst == NULL || src == NULL ||
	    !X509_PUBKEY_get0_param(NULL, &bits, &nbits, &src_alg, src) ||
	    (obj = OBJ_dup(src_alg->algorithm)) == NULL ||
	    (copy = OPENSSL_memdup(bits, nbits > 0 ? (size_t)nbits : 1)) ==
	    NULL || !X509_PUBKEY_set0_param(dst, obj, V_ASN1_UNDEF, NULL,
	    copy, nbits)) {
		ASN1_OBJECT_free(obj);
		OPENSSL_free(copy);
		return -1;
	}
	/* set0_param took the bits; the parameters, of whatever type,
	 * come with the algorithm. */
	if (!X509_PUBKEY_get0_param(NULL, NULL, NULL, &dst_alg, dst) ||
	    !X509_ALGOR_copy(dst_alg, src_alg))
		return -1;
	return 0;
}

/*
 * Build and sign one certificate from spec: 0 with *out set (caller
 * frees with X509_free), HOSTERR_POLICY for a subject the host will not
 * sign, or HOSTERR_CRYPTO; err set on failure.
 */
int
ca_make_cert(const struct ca_certspec *spec, X509 **out, char *err,
    size_t errlen)
{
	X509 *cert = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	X509V3_CTX ctx;
	const struct ca_ext *e;
	int ok = 0;

	*out = NULL;
	if ((name = ca_build_name(spec->subject, err, errlen)) == NULL)
		return HOSTERR_POLICY;
	if ((cert = X509_new()) == NULL ||
	    (serial = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_uint64(serial, spec->serial) ||
	    !X509_set_version(cert, X509_VERSION_3) ||
	    !X509_set_serialNumber(cert, serial) ||
	    !X509_set_subject_name(cert, name) ||
	    !X509_set_issuer_name(cert, spec->issuer != NULL ?
	    X509_get_subject_name(spec->issuer) : name) ||
	    (spec->pubkey != NULL ? !X509_set_pubkey(cert, spec->pubkey) :
	    ca_copy_spki(X509_get_X509_PUBKEY(cert), spec->spki) != 0) ||
	    ca_set_time(X509_getm_notBefore(cert), spec->not_before) != 0 ||
	    ca_set_time(X509_getm_notAfter(cert), spec->not_after) != 0) {
		ca_seterr(err, errlen, "cannot build certificate");
		goto out;
	}
	X509V3_set_ctx(&ctx, spec->issuer != NULL ? spec->issuer : cert,
	    cert, NULL, NULL, 0);
	if (spec->issuer == NULL &&
	    !X509V3_set_issuer_pkey(&ctx, spec->signkey)) {
		ca_seterr(err, errlen, "cannot build certificate");
		goto out;
	}
	for (e = spec->exts; e->nid != 0; e++) {
		if (ca_add_ext(cert, &ctx, e->nid, e->value) != 0) {
			char what[128];

			snprintf(what, sizeof(what), "cannot add extension %s",
			    OBJ_nid2sn(e->nid));
			ca_seterr(err, errlen, what);
			goto out;
		}
	}
	if (spec->san != NULL && X509_add1_ext_i2d(cert,
	    NID_subject_alt_name, spec->san, 0, X509V3_ADD_DEFAULT) != 1) {
		ca_seterr(err, errlen, "cannot add subjectAltName");
		goto out;
	}
	if (spec->ocsp_url != NULL && ca_add_aia(cert, spec->ocsp_url) != 0) {
		ca_seterr(err, errlen, "cannot add authorityInfoAccess");
		goto out;
	}
	if (spec->status_pv != NULL &&
	    ca_add_status_pv(cert, spec->status_pv) != 0) {
		ca_seterr(err, errlen, "cannot add the status extension");
		goto out;
	}
	if (X509_sign(cert, spec->signkey, EVP_sha256()) <= 0) {
		ca_seterr(err, errlen, "cannot sign certificate");
		goto out;
	}
	ok = 1;
out:
	ASN1_INTEGER_free(serial);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(cert);
		return HOSTERR_CRYPTO;
	}
	*out = cert;
	return 0;
}

void
ca_clamp(const struct ca *ca, int64_t *nb, int64_t *na)
{
	if (*nb < ca->not_before)
		*nb = ca->not_before;
	if (*na > ca->not_after)
		*na = ca->not_after;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->status_url);
	free(ca);
}

X509 *
ca_cert(const struct ca *ca)
{
	return ca->cert;
}

const char *
ca_issuer_id(const struct ca *ca)
{
	return ca->issuer_id;
}

/* Leaf extensions by usage (DESIGN §5), terminated by nid 0. */
static const struct ca_ext ca_exts_client[] = {
	{ NID_subject_key_identifier, "hash" },
	{ NID_basic_constraints, "CA:FALSE" },
	{ NID_key_usage, "digitalSignature" },
	{ NID_ext_key_usage, "clientAuth" },
	{ NID_authority_key_identifier, "keyid:always" },
	{ 0, NULL }
};
static const struct ca_ext ca_exts_server[] = {
	{ NID_subject_key_identifier, "hash" },
	{ NID_basic_constraints, "CA:FALSE" },
	{ NID_key_usage, "digitalSignature,keyEncipherment" },
	{ NID_ext_key_usage, "serverAuth" },
	{ NID_authority_key_identifier, "keyid:always" },
	{ 0, NULL }
};
static const struct ca_ext ca_exts_ioc[] = {
	{ NID_subject_key_identifier, "hash" },
	{ NID_basic_constraints, "CA:FALSE" },
	{ NID_key_usage, "digitalSignature,keyEncipherment" },
	{ NID_ext_key_usage, "clientAuth,serverAuth" },
	{ NID_authority_key_identifier, "keyid:always" },
	{ 0, NULL }
};

int
ca_sign_leaf(struct ca *ca, EVP_PKEY *pubkey, const struct ca_subject *subject,
    int usage, int64_t not_before, int64_t not_after,
    ca_serial_free_cb is_serial_free, void *serial_arg, X509 **out,
    char *err, size_t errlen)
{
	if (pubkey == NULL) {
		*out = NULL;
		snprintf(err, errlen, "no public key or subject");
		return HOSTERR_INTERNAL;
	}
	return ca_sign(ca, pubkey, NULL, subject, usage, not_before,
	    not_after, is_serial_free, serial_arg, out, err, errlen);
}

int
ca_sign_spki(struct ca *ca, const X509_PUBKEY *spki,
    const struct ca_subject *subject, int usage, int64_t not_before,
    int64_t not_after, ca_serial_free_cb is_serial_free, void *serial_arg,
    X509 **out, char *err, size_t errlen)
{
	if (spki == NULL) {
		*out = NULL;
		snprintf(err, errlen, "no public key or subject");
		return HOSTERR_INTERNAL;
	}
	return ca_sign(ca, NULL, spki, subject, usage, not_before, not_after,
	    is_serial_free, serial_arg, out, err, errlen);
}

/* ca_sign_leaf and ca_sign_spki: exactly one of pubkey and spki. */
static int
ca_sign(struct ca *ca, EVP_PKEY *pubkey, const X509_PUBKEY *spki,
    const struct ca_subject *subject, int usage, int64_t not_before,
    int64_t not_after, ca_serial_free_cb is_serial_free, void *serial_arg,
    X509 **out, char *err, size_t errlen)
{
	struct ca_certspec spec;
	char pv[CERTID_STATUS_PV_MAX];
	int r;

	*out = NULL;
	memset(&spec, 0, sizeof(spec));
	switch (usage) {
	case USAGE_CLIENT:
	case USAGE_ADMIN:	/* an administrator is a TLS client */
		spec.exts = ca_exts_client;
		break;
	case USAGE_SERVER:
		spec.exts = ca_exts_server;
		break;
	case USAGE_IOC:
		spec.exts = ca_exts_ioc;
		break;
	default:
		snprintf(err, errlen, "certificate usage %s is not signed "
		    "for requests", cert_usage_name(usage));
		return HOSTERR_POLICY;
	}
	if (subject == NULL) {
		snprintf(err, errlen, "no public key or subject");
		return HOSTERR_INTERNAL;
	}
	ca_clamp(ca, &not_before, &not_after);
	if (not_after <= not_before) {
		snprintf(err, errlen, "certificate validity window is empty");
		return HOSTERR_POLICY;
	}
	if ((r = ca_serial(is_serial_free, serial_arg, &spec.serial, err,
	    errlen)) != 0)
		return r;
	spec.pubkey = pubkey;
	spec.spki = spki;
	spec.subject = subject;
	spec.issuer = ca->cert;
	spec.signkey = ca->key;
	spec.not_before = not_before;
	spec.not_after = not_after;
	spec.ocsp_url = ca->status_url;
	if (subject->status_pv) {
		certid_status_pv(ca->issuer_id, spec.serial, pv, sizeof(pv));
		spec.status_pv = pv;
	}
	return ca_make_cert(&spec, out, err, errlen);
}

/* Returns DER the caller frees with OPENSSL_free, or NULL with err set. */
unsigned char *
ca_ocsp_sign(struct ca *ca, OCSP_BASICRESP *bs, size_t *der_len, char *err,
    size_t errlen)
{
	OCSP_RESPONSE *resp = NULL;
	unsigned char *der = NULL;
	int n;

	*der_len = 0;
	/*
	 * The CA signs its own responses (RFC 6960 §4.2.2.2), responder id
	 * by name, its certificate included so that `openssl ocsp -CAfile`
	 * finds the signer.
	 */
	if (OCSP_basic_sign(bs, ca->cert, ca->key, EVP_sha256(), NULL,
	    0) != 1) {
		ca_seterr(err, errlen, "cannot sign OCSP response");
		return NULL;
	}
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || (n = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		ca_seterr(err, errlen, "cannot encode OCSP response");
		OCSP_RESPONSE_free(resp);
		return NULL;
	}
	OCSP_RESPONSE_free(resp);
	*der_len = (size_t)n;
	return der;
}

