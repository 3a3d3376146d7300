/*
 * ca.c - the certificate authority: the only code in pvacms that holds or
 * uses the CA private key.  It bootstraps the root CA, the service's own
 * TLS certificate, the admin keychain and the public CA PEM (DESIGN §3),
 * checks CSRs, signs leaf certificates with the extensions of DESIGN §5,
 * and signs OCSP responses for the status service (DESIGN §6).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "certid.h"
#include "db.h"
#include "fsutil.h"
#include "keychain.h"
#include "timefmt.h"

#define CA_CSR_MAX	16384
#define CA_PEM_MAX	(64 * 1024)
#define CA_URL_MAX	1024
#define CA_SERIAL_TRIES	8
#define CA_DAY		86400LL
#define CA_ROOT_DAYS	(10 * 365 + 2)
#define CA_TLS_DAYS	365
#define CA_TLS_RENEW	(30 * CA_DAY)
#define CA_ADMIN_DAYS	366
#define CA_BACKDATE	60
#define CA_MAX_SANS	64

#define CA_TLS_CN	"PVACMS Service"
#define CA_TLS_OU	"EPICS PVA Certificate Management Service"

struct ca {
	EVP_PKEY *key;
	X509 *cert;
	char issuer_id[CERTID_ISSUER_LEN];
	char *status_url;		/* AIA OCSP base, no trailing '/' */
	int64_t not_before, not_after;
};

/* One extension given as an OpenSSL configuration string. */
struct ca_ext {
	int nid;
	const char *value;
};

/* What to put in a new certificate besides the key and the name. */
struct ca_certspec {
	EVP_PKEY *pubkey;		/* subject key */
	const struct ca_subject *subject;
	X509 *issuer;			/* NULL: self-signed */
	EVP_PKEY *signkey;
	uint64_t serial;
	int64_t not_before, not_after;
	const struct ca_ext *exts;	/* terminated by nid 0 */
	GENERAL_NAMES *san;		/* may be NULL */
	const char *ocsp_url;		/* may be NULL */
};

static void	ca_seterr(char *err, size_t errlen, const char *what);
static int	ca_rand_serial(uint64_t *out);
static int	ca_check_rdn(const char *label, const char *v, size_t max,
		    int required, char *err, size_t errlen);
static int	ca_add_rdn(X509_NAME *name, int nid, const char *v);
static X509_NAME *ca_build_name(const struct ca_subject *s, char *err,
		    size_t errlen);
static int	ca_add_ext(X509 *cert, X509V3_CTX *ctx, int nid,
		    const char *value);
static int	ca_add_aia(X509 *cert, const char *url);
static X509	*ca_make_cert(const struct ca_certspec *spec, char *err,
		    size_t errlen);
static int	ca_set_time(ASN1_TIME *at, int64_t t);
static int	ca_check_url(const char *url, char **out, char *err,
		    size_t errlen);
static int	ca_load_root(struct ca *ca,
		    const struct ca_bootstrap_config *cfg, char *err,
		    size_t errlen);
static int	ca_create_root(struct ca *ca,
		    const struct ca_bootstrap_config *cfg, ca_record_cb cb,
		    void *arg, char *err, size_t errlen);
static int	ca_write_pem(struct ca *ca, const char *path, char *err,
		    size_t errlen);
static GENERAL_NAMES *ca_tls_sans(const char *const *hostnames, char *err,
		    size_t errlen);
static int	ca_gn_text(const GENERAL_NAME *gn, char *buf, size_t len);
static int	ca_sans_equal(const GENERAL_NAMES *want, X509 *cert);
static int	ca_tls_reusable(struct ca *ca, const struct keychain *kc,
		    const GENERAL_NAMES *want, int64_t now);
static int	ca_tls(struct ca *ca, const struct ca_bootstrap_config *cfg,
		    ca_record_cb cb, void *arg, EVP_PKEY **key, X509 **cert,
		    char *err, size_t errlen);
static int	ca_admin(struct ca *ca, const struct ca_bootstrap_config *cfg,
		    ca_record_cb cb, void *arg, char *err, size_t errlen);
static int	ca_serial(ca_serial_free_cb cb, void *arg, uint64_t *out,
		    char *err, size_t errlen);
static void	ca_clamp(const struct ca *ca, int64_t *nb, int64_t *na);
static int	ca_adopt(struct ca *ca, const char *path, char *err,
		    size_t errlen);

/* err = "<what>" or "<what>: <first OpenSSL reason>"; clears the queue. */
static void
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
static int
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

static int
ca_serial(ca_serial_free_cb cb, void *arg, uint64_t *out, char *err,
    size_t errlen)
{
	int i, r;

	for (i = 0; i < CA_SERIAL_TRIES; i++) {
		if (ca_rand_serial(out) != 0) {
			ca_seterr(err, errlen, "random serial");
			return -1;
		}
		if (cb == NULL)
			return 0;
		if ((r = cb(arg, *out)) == 1)
			return 0;
		if (r < 0) {
			snprintf(err, errlen, "cannot check serial "
			    "uniqueness");
			return -1;
		}
	}
	snprintf(err, errlen, "no free serial after %d tries",
	    CA_SERIAL_TRIES);
	return -1;
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

static int
ca_set_time(ASN1_TIME *at, int64_t t)
{
	return ASN1_TIME_set(at, (time_t)t) != NULL ? 0 : -1;
}

/*
 * Build and sign one certificate from spec.  Returns a certificate the
 * caller frees with X509_free, or NULL with err set.
 */
static X509 *
ca_make_cert(const struct ca_certspec *spec, char *err, size_t errlen)
{
	X509 *cert = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	X509V3_CTX ctx;
	const struct ca_ext *e;
	int ok = 0;

	if ((name = ca_build_name(spec->subject, err, errlen)) == NULL)
		return NULL;
	if ((cert = X509_new()) == NULL ||
	    (serial = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_uint64(serial, spec->serial) ||
	    !X509_set_version(cert, X509_VERSION_3) ||
	    !X509_set_serialNumber(cert, serial) ||
	    !X509_set_subject_name(cert, name) ||
	    !X509_set_issuer_name(cert, spec->issuer != NULL ?
	    X509_get_subject_name(spec->issuer) : name) ||
	    !X509_set_pubkey(cert, spec->pubkey) ||
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
		cert = NULL;
	}
	return cert;
}

/*
 * The status base URL: http(s), printable ASCII, no trailing '/'.
 * *out is "<base>/ocsp"; caller frees with free().
 */
static int
ca_check_url(const char *url, char **out, char *err, size_t errlen)
{
	size_t n, i;

	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "no status URL configured");
		return -1;
	}
	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "status URL must start with http:// or "
		    "https://: %s", url);
		return -1;
	}
	n = strlen(url);
	if (n > CA_URL_MAX) {
		snprintf(err, errlen, "status URL longer than %d bytes",
		    CA_URL_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)url[i];

		if (ch <= 0x20 || ch >= 0x7f) {
			snprintf(err, errlen, "status URL contains a space or "
			    "a non-ASCII character");
			return -1;
		}
	}
	while (n > 0 && url[n - 1] == '/')
		n--;
	if ((*out = malloc(n + sizeof("/ocsp"))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(*out, url, n);
	memcpy(*out + n, "/ocsp", sizeof("/ocsp"));
	return 0;
}

static void
ca_clamp(const struct ca *ca, int64_t *nb, int64_t *na)
{
	if (*nb < ca->not_before)
		*nb = ca->not_before;
	if (*na > ca->not_after)
		*na = ca->not_after;
}

/* Fill ca->issuer_id and the validity window from ca->cert. */
static int
ca_adopt(struct ca *ca, const char *path, char *err, size_t errlen)
{
	if (certid_issuer_of_ca(ca->cert, ca->issuer_id) != 0) {
		snprintf(err, errlen, "%s: CA certificate has no "
		    "subjectKeyIdentifier", path);
		return -1;
	}
	if (timefmt_from_asn1(X509_get0_notBefore(ca->cert),
	    &ca->not_before) != 0 ||
	    timefmt_from_asn1(X509_get0_notAfter(ca->cert),
	    &ca->not_after) != 0) {
		snprintf(err, errlen, "%s: CA certificate has an invalid "
		    "validity period", path);
		return -1;
	}
	if (ca->not_after <= (int64_t)time(NULL)) {
		char when[TIMEFMT_LEN];

		timefmt_utc(ca->not_after, when, sizeof(when));
		snprintf(err, errlen, "%s: CA certificate expired on %s",
		    path, when);
		return -1;
	}
	return 0;
}

static int
ca_load_root(struct ca *ca, const struct ca_bootstrap_config *cfg,
    char *err, size_t errlen)
{
	struct keychain kc;

	if (keychain_read(cfg->ca_keychain, cfg->ca_password, &kc, err,
	    errlen) != 0)
		return -1;
	if (kc.key == NULL || kc.cert == NULL) {
		snprintf(err, errlen, "%s: no private key and certificate",
		    cfg->ca_keychain);
		goto fail;
	}
	if (X509_check_ca(kc.cert) == 0 || X509_self_signed(kc.cert, 1) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: not a self-signed CA certificate",
		    cfg->ca_keychain);
		goto fail;
	}
	ca->key = kc.key;
	ca->cert = kc.cert;
	kc.key = NULL;
	kc.cert = NULL;
	keychain_clear(&kc);
	return ca_adopt(ca, cfg->ca_keychain, err, errlen);
fail:
	keychain_clear(&kc);
	return -1;
}

static int
ca_create_root(struct ca *ca, const struct ca_bootstrap_config *cfg,
    ca_record_cb cb, void *arg, char *err, size_t errlen)
{
	static const struct ca_ext exts[] = {
		{ NID_basic_constraints, "critical,CA:TRUE" },
		{ NID_key_usage, "critical,keyCertSign,cRLSign" },
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ 0, NULL }
	};
	struct ca_subject subj;
	struct ca_certspec spec;
	int64_t now = (int64_t)time(NULL);

	memset(&subj, 0, sizeof(subj));
	subj.cn = cfg->ca_name;
	subj.c = cfg->ca_country;
	subj.o = cfg->ca_org;
	subj.ou = cfg->ca_org_unit;
	if ((ca->key = EVP_EC_gen("P-256")) == NULL) {
		ca_seterr(err, errlen, "cannot generate the CA key");
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.pubkey = ca->key;
	spec.subject = &subj;
	spec.signkey = ca->key;
	spec.not_before = now - CA_BACKDATE;
	spec.not_after = now + CA_ROOT_DAYS * CA_DAY;
	spec.exts = exts;
	if (ca_rand_serial(&spec.serial) != 0) {
		ca_seterr(err, errlen, "random serial");
		return -1;
	}
	if ((ca->cert = ca_make_cert(&spec, err, errlen)) == NULL)
		return -1;
	if (ca_adopt(ca, cfg->ca_keychain, err, errlen) != 0)
		return -1;
	if (cb != NULL && cb(arg, ca->cert, "ca", STATE_VALID) != 0) {
		snprintf(err, errlen, "cannot record the CA certificate");
		return -1;
	}
	if (keychain_write(cfg->ca_keychain, cfg->ca_password, ca->key,
	    ca->cert, NULL, err, errlen) != 0)
		return -1;
	printf("Keychain file created   : %s\n", cfg->ca_keychain);
	fflush(stdout);
	return 0;
}

/* Publish the CA certificate as PEM (0644) when missing or different. */
static int
ca_write_pem(struct ca *ca, const char *path, char *err, size_t errlen)
{
	char *pem, *old = NULL, why[256];
	size_t oldlen = 0;
	int rc = -1;

	if (path == NULL || *path == '\0')
		return 0;
	if ((pem = ca_cert_pem(ca->cert)) == NULL) {
		snprintf(err, errlen, "cannot encode the CA certificate");
		return -1;
	}
	if (fs_exists(path) && fs_read_file(path, CA_PEM_MAX, &old, &oldlen,
	    why, sizeof(why)) == 0 && oldlen == strlen(pem) &&
	    memcmp(old, pem, oldlen) == 0) {
		rc = 0;
		goto out;
	}
	if (fs_write_atomic(path, pem, strlen(pem), 0644, err, errlen) != 0)
		goto out;
	printf("CA certificate written  : %s\n", path);
	fflush(stdout);
	rc = 0;
out:
	free(old);
	free(pem);
	return rc;
}

/*
 * The SAN set the TLS certificate must carry: DNS:localhost,
 * IP:127.0.0.1, then each extra host name (an IP address when it parses
 * as one).  Duplicates are dropped.  Caller frees with GENERAL_NAMES_free.
 */
static GENERAL_NAMES *
ca_tls_sans(const char *const *hostnames, char *err, size_t errlen)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gn = NULL;
	ASN1_OCTET_STRING *ip;
	const char *h;
	char a[256], b[256];
	size_t i;
	int j, dup;

	if ((gens = GENERAL_NAMES_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; ; i++) {
		if (i == 0)
			h = "localhost";
		else if (i == 1)
			h = "127.0.0.1";
		else if (hostnames == NULL || (h = hostnames[i - 2]) == NULL)
			break;
		if (*h == '\0')
			continue;
		if (i >= CA_MAX_SANS) {
			snprintf(err, errlen, "more than %d TLS host names",
			    CA_MAX_SANS - 2);
			goto fail;
		}
		if (strlen(h) > 253) {
			snprintf(err, errlen, "TLS host name too long: %.40s",
			    h);
			goto fail;
		}
		if ((ip = a2i_IPADDRESS(h)) != NULL) {
			if ((gn = GENERAL_NAME_new()) == NULL) {
				ASN1_OCTET_STRING_free(ip);
				goto oom;
			}
			GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
		} else {
			ASN1_IA5STRING *dns;
			const char *p;

			ERR_clear_error();
			for (p = h; *p != '\0'; p++) {
				if (!((*p >= 'a' && *p <= 'z') ||
				    (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') ||
				    *p == '-' || *p == '.' || *p == '*')) {
					snprintf(err, errlen, "invalid TLS "
					    "host name: %.64s", h);
					goto fail;
				}
			}
			if ((dns = ASN1_IA5STRING_new()) == NULL)
				goto oom;
			if (!ASN1_STRING_set(dns, h, -1) ||
			    (gn = GENERAL_NAME_new()) == NULL) {
				ASN1_IA5STRING_free(dns);
				goto oom;
			}
			GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
		}
		dup = 0;
		ca_gn_text(gn, a, sizeof(a));
		for (j = 0; j < sk_GENERAL_NAME_num(gens); j++) {
			ca_gn_text(sk_GENERAL_NAME_value(gens, j), b,
			    sizeof(b));
			if (strcasecmp(a, b) == 0)
				dup = 1;
		}
		if (dup) {
			GENERAL_NAME_free(gn);
		} else if (!sk_GENERAL_NAME_push(gens, gn)) {
			GENERAL_NAME_free(gn);
			goto oom;
		}
		gn = NULL;
	}
	return gens;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	GENERAL_NAMES_free(gens);
	return NULL;
}

/* "DNS:<name>" or "IP:<address>"; other kinds give "?".  0 or -1. */
static int
ca_gn_text(const GENERAL_NAME *gn, char *buf, size_t len)
{
	const ASN1_STRING *s;
	char ip[INET6_ADDRSTRLEN];

	snprintf(buf, len, "?");
	if (gn->type == GEN_DNS) {
		s = gn->d.dNSName;
		snprintf(buf, len, "DNS:%.*s", ASN1_STRING_length(s),
		    (const char *)ASN1_STRING_get0_data(s));
		return 0;
	}
	if (gn->type == GEN_IPADD) {
		s = gn->d.iPAddress;
		if (ASN1_STRING_length(s) == 4 && inet_ntop(AF_INET,
		    ASN1_STRING_get0_data(s), ip, sizeof(ip)) != NULL) {
			snprintf(buf, len, "IP:%s", ip);
			return 0;
		}
		if (ASN1_STRING_length(s) == 16 && inet_ntop(AF_INET6,
		    ASN1_STRING_get0_data(s), ip, sizeof(ip)) != NULL) {
			snprintf(buf, len, "IP:%s", ip);
			return 0;
		}
	}
	return -1;
}

/* 1 when the certificate's SAN set equals want (order ignored). */
static int
ca_sans_equal(const GENERAL_NAMES *want, X509 *cert)
{
	GENERAL_NAMES *have;
	char a[256], b[256];
	int i, j, found, n, eq = 0;

	have = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (have == NULL)
		return 0;
	n = sk_GENERAL_NAME_num(have);
	if (n != sk_GENERAL_NAME_num(want))
		goto out;
	for (i = 0; i < n; i++) {
		if (ca_gn_text(sk_GENERAL_NAME_value(have, i), a,
		    sizeof(a)) != 0)
			goto out;
		for (found = 0, j = 0; j < n && !found; j++) {
			ca_gn_text(sk_GENERAL_NAME_value(want, j), b,
			    sizeof(b));
			found = strcasecmp(a, b) == 0;
		}
		if (!found)
			goto out;
	}
	eq = 1;
out:
	GENERAL_NAMES_free(have);
	return eq;
}

static int
ca_tls_reusable(struct ca *ca, const struct keychain *kc,
    const GENERAL_NAMES *want, int64_t now)
{
	int64_t nb, na;
	int r;

	if (kc->key == NULL || kc->cert == NULL)
		return 0;
	if (X509_check_issued(ca->cert, kc->cert) != X509_V_OK ||
	    X509_verify(kc->cert, ca->key) != 1) {
		ERR_clear_error();
		return 0;
	}
	if (timefmt_from_asn1(X509_get0_notBefore(kc->cert), &nb) != 0 ||
	    timefmt_from_asn1(X509_get0_notAfter(kc->cert), &na) != 0)
		return 0;
	if (nb > now || na - now < CA_TLS_RENEW)
		return 0;
	r = ca_sans_equal(want, kc->cert);
	ERR_clear_error();
	return r;
}

static int
ca_tls(struct ca *ca, const struct ca_bootstrap_config *cfg,
    ca_record_cb cb, void *arg, EVP_PKEY **keyp, X509 **certp, char *err,
    size_t errlen)
{
	static const struct ca_ext exts[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "digitalSignature,keyEncipherment" },
		{ NID_ext_key_usage, "serverAuth,clientAuth" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ 0, NULL }
	};
	struct keychain kc;
	struct ca_subject subj;
	struct ca_certspec spec;
	STACK_OF(X509) *chain = NULL;
	GENERAL_NAMES *sans;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char why[256];
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	memset(&kc, 0, sizeof(kc));
	if ((sans = ca_tls_sans(cfg->hostnames, err, errlen)) == NULL)
		return -1;
	if (fs_exists(cfg->tls_keychain) &&
	    keychain_read(cfg->tls_keychain, cfg->tls_password, &kc, why,
	    sizeof(why)) == 0 && ca_tls_reusable(ca, &kc, sans, now)) {
		*keyp = kc.key;
		*certp = kc.cert;
		kc.key = NULL;
		kc.cert = NULL;
		rc = 0;
		goto out;
	}
	keychain_clear(&kc);
	memset(&subj, 0, sizeof(subj));
	subj.cn = CA_TLS_CN;
	subj.o = cfg->ca_org;
	subj.ou = CA_TLS_OU;
	memset(&spec, 0, sizeof(spec));
	if ((key = EVP_EC_gen("P-256")) == NULL) {
		ca_seterr(err, errlen, "cannot generate the TLS key");
		goto out;
	}
	spec.pubkey = key;
	spec.subject = &subj;
	spec.issuer = ca->cert;
	spec.signkey = ca->key;
	spec.not_before = now - CA_BACKDATE;
	spec.not_after = now + CA_TLS_DAYS * CA_DAY;
	ca_clamp(ca, &spec.not_before, &spec.not_after);
	spec.exts = exts;
	spec.san = sans;
	if (ca_rand_serial(&spec.serial) != 0) {
		ca_seterr(err, errlen, "random serial");
		goto out;
	}
	if ((cert = ca_make_cert(&spec, err, errlen)) == NULL)
		goto out;
	if (cb != NULL && cb(arg, cert, "tls", STATE_VALID) != 0) {
		snprintf(err, errlen, "cannot record the TLS certificate");
		goto out;
	}
	if ((chain = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(chain, ca->cert)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (keychain_write(cfg->tls_keychain, cfg->tls_password, key, cert,
	    chain, err, errlen) != 0)
		goto out;
	printf("Keychain file created   : %s\n", cfg->tls_keychain);
	fflush(stdout);
	*keyp = key;
	*certp = cert;
	key = NULL;
	cert = NULL;
	rc = 0;
out:
	sk_X509_free(chain);	/* borrowed members */
	EVP_PKEY_free(key);
	X509_free(cert);
	keychain_clear(&kc);
	GENERAL_NAMES_free(sans);
	return rc;
}

static int
ca_admin(struct ca *ca, const struct ca_bootstrap_config *cfg,
    ca_record_cb cb, void *arg, char *err, size_t errlen)
{
	static const struct ca_ext exts[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "digitalSignature" },
		{ NID_ext_key_usage, "clientAuth" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ 0, NULL }
	};
	struct ca_subject subj;
	struct ca_certspec spec;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	if (cfg->admin_keychain == NULL || *cfg->admin_keychain == '\0' ||
	    fs_exists(cfg->admin_keychain))
		return 0;
	memset(&subj, 0, sizeof(subj));
	subj.cn = "admin";
	memset(&spec, 0, sizeof(spec));
	if ((key = EVP_EC_gen("P-256")) == NULL) {
		ca_seterr(err, errlen, "cannot generate the admin key");
		goto out;
	}
	spec.pubkey = key;
	spec.subject = &subj;
	spec.issuer = ca->cert;
	spec.signkey = ca->key;
	spec.not_before = now - CA_BACKDATE;
	spec.not_after = now + CA_ADMIN_DAYS * CA_DAY;
	ca_clamp(ca, &spec.not_before, &spec.not_after);
	spec.exts = exts;
	spec.ocsp_url = ca->status_url;
	if (ca_rand_serial(&spec.serial) != 0) {
		ca_seterr(err, errlen, "random serial");
		goto out;
	}
	if ((cert = ca_make_cert(&spec, err, errlen)) == NULL)
		goto out;
	if (cb != NULL && cb(arg, cert, "client", STATE_VALID) != 0) {
		snprintf(err, errlen, "cannot record the admin certificate");
		goto out;
	}
	if ((chain = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(chain, ca->cert)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (keychain_write(cfg->admin_keychain, cfg->admin_password, key,
	    cert, chain, err, errlen) != 0)
		goto out;
	printf("Keychain file created   : %s\n", cfg->admin_keychain);
	fflush(stdout);
	rc = 0;
out:
	sk_X509_free(chain);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

struct ca *
ca_bootstrap(const struct ca_bootstrap_config *cfg, ca_record_cb record_cb,
    void *record_arg, EVP_PKEY **tls_key, X509 **tls_cert, char *err,
    size_t errlen)
{
	struct ca *ca;

	*tls_key = NULL;
	*tls_cert = NULL;
	if (cfg->ca_keychain == NULL || *cfg->ca_keychain == '\0' ||
	    cfg->tls_keychain == NULL || *cfg->tls_keychain == '\0') {
		snprintf(err, errlen, "no CA or TLS keychain path configured");
		return NULL;
	}
	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ca_check_url(cfg->status_url, &ca->status_url, err, errlen) != 0)
		goto fail;
	if (fs_exists(cfg->ca_keychain)) {
		if (ca_load_root(ca, cfg, err, errlen) != 0)
			goto fail;
	} else if (ca_create_root(ca, cfg, record_cb, record_arg, err,
	    errlen) != 0)
		goto fail;
	if (ca_write_pem(ca, cfg->ca_pem, err, errlen) != 0 ||
	    ca_tls(ca, cfg, record_cb, record_arg, tls_key, tls_cert, err,
	    errlen) != 0 ||
	    ca_admin(ca, cfg, record_cb, record_arg, err, errlen) != 0)
		goto fail;
	return ca;
fail:
	EVP_PKEY_free(*tls_key);
	X509_free(*tls_cert);
	*tls_key = NULL;
	*tls_cert = NULL;
	ca_free(ca);
	return NULL;
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

/*
 * Returns the CSR's public key (caller frees with EVP_PKEY_free) or NULL
 * with err set.
 */
EVP_PKEY *
ca_csr_pubkey(const char *pem, size_t len, char spki_sha256[65], char *err,
    size_t errlen)
{
	BIO *bio = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *pk, *ret = NULL;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const char *group;
	char gname[64];
	int derlen, bits;

	spki_sha256[0] = '\0';
	if (len > CA_CSR_MAX) {
		snprintf(err, errlen, "CSR larger than %d bytes", CA_CSR_MAX);
		return NULL;
	}
	if (pem == NULL || len == 0 ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL)) == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "malformed CSR: not a PEM certificate "
		    "request");
		goto out;
	}
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "malformed CSR: unreadable public key");
		goto out;
	}
	bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		if (bits < 2048 || bits > 8192) {
			snprintf(err, errlen, "unsupported key RSA-%d (need "
			    "RSA 2048..8192 bits or EC P-256/P-384)", bits);
			goto out;
		}
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pk, gname, sizeof(gname), NULL))
			snprintf(gname, sizeof(gname), "unknown curve");
		if (strcmp(gname, "prime256v1") != 0 &&
		    strcmp(gname, "P-256") != 0 &&
		    strcmp(gname, "secp384r1") != 0 &&
		    strcmp(gname, "P-384") != 0) {
			snprintf(err, errlen, "unsupported key EC %s (need "
			    "RSA 2048..8192 bits or EC P-256/P-384)", gname);
			goto out;
		}
		break;
	default:
		group = EVP_PKEY_get0_type_name(pk);
		snprintf(err, errlen, "unsupported key type %s (need RSA "
		    "2048..8192 bits or EC P-256/P-384)",
		    group != NULL ? group : "unknown");
		goto out;
	}
	if (X509_REQ_verify(req, pk) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "CSR signature does not verify");
		goto out;
	}
	if ((derlen = i2d_PUBKEY(pk, &der)) <= 0 ||
	    !EVP_Digest(der, (size_t)derlen, md, &mdlen, EVP_sha256(), NULL)) {
		ca_seterr(err, errlen, "cannot hash the public key");
		goto out;
	}
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(spki_sha256 + 2 * i, 3, "%02x", md[i]);
	if (!EVP_PKEY_up_ref(pk)) {
		ca_seterr(err, errlen, "out of memory");
		goto out;
	}
	ret = pk;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	X509_REQ_free(req);
	BIO_free(bio);
	return ret;
}

/* Returns a certificate the caller frees with X509_free, or NULL. */
X509 *
ca_sign_leaf(struct ca *ca, EVP_PKEY *pubkey, const struct ca_subject *subject,
    enum ca_usage usage, int64_t not_before, int64_t not_after,
    ca_serial_free_cb is_serial_free, void *serial_arg, char *err,
    size_t errlen)
{
	static const struct ca_ext client[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "digitalSignature" },
		{ NID_ext_key_usage, "clientAuth" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ 0, NULL }
	};
	static const struct ca_ext server[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "digitalSignature,keyEncipherment" },
		{ NID_ext_key_usage, "serverAuth" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ 0, NULL }
	};
	static const struct ca_ext ioc[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "digitalSignature,keyEncipherment" },
		{ NID_ext_key_usage, "clientAuth,serverAuth" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ 0, NULL }
	};
	struct ca_certspec spec;

	memset(&spec, 0, sizeof(spec));
	switch (usage) {
	case CA_USAGE_CLIENT:
		spec.exts = client;
		break;
	case CA_USAGE_SERVER:
		spec.exts = server;
		break;
	case CA_USAGE_IOC:
		spec.exts = ioc;
		break;
	default:
		snprintf(err, errlen, "invalid certificate usage");
		return NULL;
	}
	if (pubkey == NULL || subject == NULL) {
		snprintf(err, errlen, "no public key or subject");
		return NULL;
	}
	ca_clamp(ca, &not_before, &not_after);
	if (not_after <= not_before) {
		snprintf(err, errlen, "certificate validity window is empty");
		return NULL;
	}
	if (ca_serial(is_serial_free, serial_arg, &spec.serial, err,
	    errlen) != 0)
		return NULL;
	spec.pubkey = pubkey;
	spec.subject = subject;
	spec.issuer = ca->cert;
	spec.signkey = ca->key;
	spec.not_before = not_before;
	spec.not_after = not_after;
	spec.ocsp_url = ca->status_url;
	return ca_make_cert(&spec, err, errlen);
}

/* Returns a NUL-terminated PEM string the caller frees with free(). */
char *
ca_cert_pem(X509 *cert)
{
	BIO *bio;
	char *data, *out = NULL;
	long n;

	if (cert == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509(bio, cert) == 1 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(bio);
	ERR_clear_error();
	return out;
}

/* Returns DER the caller frees with OPENSSL_free, or NULL with err set. */
unsigned char *
ca_ocsp_response(struct ca *ca, uint64_t serial, enum ca_ocsp_status status,
    int64_t revoked_at, int64_t this_update, int64_t next_update,
    size_t *der_len, char *err, size_t errlen)
{
	ASN1_INTEGER *sn = NULL;
	OCSP_CERTID *cid = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	ASN1_TIME *thisupd = NULL, *nextupd = NULL, *revtime = NULL;
	unsigned char *der = NULL;
	int st, reason = OCSP_REVOKED_STATUS_NOSTATUS, n;

	*der_len = 0;
	switch (status) {
	case CA_OCSP_GOOD:
		st = V_OCSP_CERTSTATUS_GOOD;
		break;
	case CA_OCSP_REVOKED:
		st = V_OCSP_CERTSTATUS_REVOKED;
		reason = OCSP_REVOKED_STATUS_UNSPECIFIED;
		break;
	case CA_OCSP_UNKNOWN:
		st = V_OCSP_CERTSTATUS_UNKNOWN;
		break;
	default:
		snprintf(err, errlen, "invalid OCSP status");
		return NULL;
	}
	if ((sn = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_uint64(sn, serial) ||
	    (cid = OCSP_cert_id_new(EVP_sha1(),
	    X509_get_subject_name(ca->cert),
	    X509_get0_pubkey_bitstr(ca->cert), sn)) == NULL ||
	    (thisupd = ASN1_TIME_set(NULL, (time_t)this_update)) == NULL ||
	    (nextupd = ASN1_TIME_set(NULL, (time_t)next_update)) == NULL ||
	    (st == V_OCSP_CERTSTATUS_REVOKED &&
	    (revtime = ASN1_TIME_set(NULL, (time_t)revoked_at)) == NULL) ||
	    (bs = OCSP_BASICRESP_new()) == NULL) {
		ca_seterr(err, errlen, "cannot build OCSP response");
		goto out;
	}
	if (OCSP_basic_add1_status(bs, cid, st, reason, revtime, thisupd,
	    nextupd) == NULL) {
		ca_seterr(err, errlen, "cannot build OCSP response");
		goto out;
	}
	if (OCSP_basic_sign(bs, ca->cert, ca->key, EVP_sha256(), NULL,
	    0) != 1) {
		ca_seterr(err, errlen, "cannot sign OCSP response");
		goto out;
	}
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || (n = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		ca_seterr(err, errlen, "cannot encode OCSP response");
		der = NULL;
		goto out;
	}
	*der_len = (size_t)n;
out:
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	OCSP_CERTID_free(cid);
	ASN1_INTEGER_free(sn);
	return der;
}
