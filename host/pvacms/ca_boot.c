/*
 * ca_boot.c - first start and restart of the certificate authority
 * (DESIGN §3): load the root CA from its keychain or create it, publish
 * the public CA PEM, reuse or (re)issue the service's own TLS certificate
 * and create the bootstrap admin keychain.  Signing at run time lives in
 * ca.c; the shared certificate-building helpers are in ca_priv.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "ca_admin.h"
#include "ca_priv.h"
#include "certid.h"
#include "fsutil.h"
#include "keychain.h"
#include "record.h"
#include "timefmt.h"

#define CA_PEM_MAX	(64 * 1024)
#define CA_URL_MAX	1024
#define CA_DAY		86400LL
#define CA_ROOT_DAYS	(10 * 365 + 2)
#define CA_TLS_DAYS	365
#define CA_TLS_RENEW	(30 * CA_DAY)
#define CA_BACKDATE	60
#define CA_MAX_SANS	64

#define CA_TLS_CN	"PVACMS Service"
#define CA_TLS_OU	"EPICS PVA Certificate Management Service"

static int	ca_boot_check_url(const char *url, char **out, char *err,
		    size_t errlen);
static int	ca_boot_adopt(struct ca *ca, const char *path, char *err,
		    size_t errlen);
static int	ca_boot_load_root(struct ca *ca,
		    const struct ca_bootstrap_config *cfg, char *err,
		    size_t errlen);
static int	ca_boot_create_root(struct ca *ca,
		    const struct ca_bootstrap_config *cfg, ca_record_cb cb,
		    void *arg, char *err, size_t errlen);
static int	ca_boot_write_pem(struct ca *ca, const char *path, char *err,
		    size_t errlen);
static GENERAL_NAMES *ca_boot_tls_sans(const char *const *hostnames,
		    char *err, size_t errlen);
static int	ca_boot_gn_text(const GENERAL_NAME *gn, char *buf,
		    size_t len);
static int	ca_boot_sans_equal(const GENERAL_NAMES *want, X509 *cert);
static int	ca_boot_tls_reusable(struct ca *ca,
		    const struct keychain *kc, const GENERAL_NAMES *want,
		    int64_t now);
static int	ca_boot_tls(struct ca *ca,
		    const struct ca_bootstrap_config *cfg, ca_record_cb cb,
		    void *arg, EVP_PKEY **key, X509 **cert, char *err,
		    size_t errlen);
static int	ca_boot_admin(struct ca *ca,
		    const struct ca_bootstrap_config *cfg, ca_record_cb cb,
		    void *arg, char *err, size_t errlen);

/*
 * The status base URL: http(s), printable ASCII, no trailing '/'.
 * *out is "<base>/ocsp"; caller frees with free().
 */
static int
ca_boot_check_url(const char *url, char **out, char *err, size_t errlen)
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

/* Fill ca->issuer_id and the validity window from ca->cert. */
static int
ca_boot_adopt(struct ca *ca, const char *path, char *err, size_t errlen)
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
ca_boot_load_root(struct ca *ca, const struct ca_bootstrap_config *cfg,
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
	return ca_boot_adopt(ca, cfg->ca_keychain, err, errlen);
fail:
	keychain_clear(&kc);
	return -1;
}

static int
ca_boot_create_root(struct ca *ca, const struct ca_bootstrap_config *cfg,
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
	if (ca_make_cert(&spec, &ca->cert, err, errlen) != 0)
		return -1;
	if (ca_boot_adopt(ca, cfg->ca_keychain, err, errlen) != 0)
		return -1;
	if (cb != NULL && cb(arg, ca->cert, USAGE_CA, STATE_VALID) != 0) {
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
ca_boot_write_pem(struct ca *ca, const char *path, char *err, size_t errlen)
{
	char *pem, *old = NULL, why[256];
	size_t oldlen = 0;
	int rc = -1;

	if (path == NULL || *path == '\0')
		return 0;
	if ((pem = record_pem(ca->cert)) == NULL) {
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
ca_boot_tls_sans(const char *const *hostnames, char *err, size_t errlen)
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
		ca_boot_gn_text(gn, a, sizeof(a));
		for (j = 0; j < sk_GENERAL_NAME_num(gens); j++) {
			ca_boot_gn_text(sk_GENERAL_NAME_value(gens, j), b,
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
ca_boot_gn_text(const GENERAL_NAME *gn, char *buf, size_t len)
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
ca_boot_sans_equal(const GENERAL_NAMES *want, X509 *cert)
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
		if (ca_boot_gn_text(sk_GENERAL_NAME_value(have, i), a,
		    sizeof(a)) != 0)
			goto out;
		for (found = 0, j = 0; j < n && !found; j++) {
			ca_boot_gn_text(sk_GENERAL_NAME_value(want, j), b,
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
ca_boot_tls_reusable(struct ca *ca, const struct keychain *kc,
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
	r = ca_boot_sans_equal(want, kc->cert);
	ERR_clear_error();
	return r;
}

static int
ca_boot_tls(struct ca *ca, const struct ca_bootstrap_config *cfg,
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
	if ((sans = ca_boot_tls_sans(cfg->hostnames, err, errlen)) == NULL)
		return -1;
	if (fs_exists(cfg->tls_keychain) &&
	    keychain_read(cfg->tls_keychain, cfg->tls_password, &kc, why,
	    sizeof(why)) == 0 && ca_boot_tls_reusable(ca, &kc, sans, now)) {
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
	if (ca_make_cert(&spec, &cert, err, errlen) != 0)
		goto out;
	if (cb != NULL && cb(arg, cert, USAGE_TLS, STATE_VALID) != 0) {
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

/* The bootstrap admin keychain (CN=admin), made once when missing. */
static int
ca_boot_admin(struct ca *ca, const struct ca_bootstrap_config *cfg,
    ca_record_cb cb, void *arg, char *err, size_t errlen)
{
	X509 *cert;

	if (cfg->admin_keychain == NULL || *cfg->admin_keychain == '\0' ||
	    fs_exists(cfg->admin_keychain))
		return 0;
	if ((cert = ca_admin_keychain(ca, "admin", cfg->admin_keychain,
	    cfg->admin_password, cb, arg, err, errlen)) == NULL)
		return -1;
	X509_free(cert);
	printf("Keychain file created   : %s\n", cfg->admin_keychain);
	fflush(stdout);
	return 0;
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
	if (ca_boot_check_url(cfg->status_url, &ca->status_url, err,
	    errlen) != 0)
		goto fail;
	if (fs_exists(cfg->ca_keychain)) {
		if (ca_boot_load_root(ca, cfg, err, errlen) != 0)
			goto fail;
	} else if (ca_boot_create_root(ca, cfg, record_cb, record_arg, err,
	    errlen) != 0)
		goto fail;
	if (ca_boot_write_pem(ca, cfg->ca_pem, err, errlen) != 0 ||
	    ca_boot_tls(ca, cfg, record_cb, record_arg, tls_key, tls_cert, err,
	    errlen) != 0 ||
	    ca_boot_admin(ca, cfg, record_cb, record_arg, err, errlen) != 0)
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
