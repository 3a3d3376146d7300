/*
 * test_ca.c - the certificate authority: first-start bootstrap (files,
 * modes, the root's subject and extensions), reuse on the second start,
 * CSR checks, leaf signing per usage, and signed OCSP responses that
 * verify against the CA.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "cert.h"
#include "certid.h"
#include "csr.h"
#include "db.h"
#include "hosterr.h"
#include "ocspbuild.h"
#include "record.h"
#include "keychain.h"
#include "tap.h"
#include "timefmt.h"

struct rec {
	int n;
	char usage[4][8];
};

static int	record(void *arg, X509 *cert, int usage, int state);
static int	serial_busy_twice(void *arg, uint64_t serial);
static int	serial_db_down(void *arg, uint64_t serial);
static char	*oneline(X509_NAME *name);
static char	*make_csr(EVP_PKEY *key, EVP_PKEY *signer);
static int	mode_of(const char *path);
static char	*ext_text(X509 *cert, int nid);
static void	rmtree(const char *dir);

static int
record(void *arg, X509 *cert, int usage, int state)
{
	struct rec *r = arg;

	(void)cert;
	if (state != STATE_VALID || r->n >= 4)
		return -1;
	snprintf(r->usage[r->n++], sizeof(r->usage[0]), "%s",
	    cert_usage_name(usage));
	return 0;
}

/* Says "taken" for the first two serials offered. */
/* A serial check whose database is locked: it cannot tell. */
static int
serial_db_down(void *arg, uint64_t serial)
{
	(void)serial;
	(*(int *)arg)++;
	return HOSTERR_BUSY;
}

static int
serial_busy_twice(void *arg, uint64_t serial)
{
	int *calls = arg;

	(void)serial;
	return ++*calls > 2;
}

/* Caller frees with free(). */
static char *
oneline(X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	X509_NAME_print_ex(b, name, 0,
	    (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &data);
	s = strndup(data, (size_t)n);
	BIO_free(b);
	return s;
}

/* A PEM CSR for key's public half, signed by signer; caller frees. */
static char *
make_csr(EVP_PKEY *key, EVP_PKEY *signer)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"ignored", -1, -1, 0);
	X509_REQ_set_subject_name(req, n);
	X509_REQ_set_pubkey(req, key);
	if (X509_REQ_sign(req, signer, EVP_sha256()) > 0 &&
	    PEM_write_bio_X509_REQ(b, req) == 1) {
		len = BIO_get_mem_data(b, &data);
		s = strndup(data, (size_t)len);
	}
	BIO_free(b);
	X509_NAME_free(n);
	X509_REQ_free(req);
	return s;
}

static int
mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	return (int)(st.st_mode & 0777);
}

/* The printed value of an extension; caller frees with free(). */
static char *
ext_text(X509 *cert, int nid)
{
	int i = X509_get_ext_by_NID(cert, nid, -1);
	BIO *b;
	char *data, *s = NULL;
	long n;

	if (i < 0)
		return NULL;
	b = BIO_new(BIO_s_mem());
	if (X509V3_EXT_print(b, X509_get_ext(cert, i), 0, 0) == 1) {
		n = BIO_get_mem_data(b, &data);
		s = strndup(data, (size_t)n);
	}
	BIO_free(b);
	return s;
}

static void
rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_ca.XXXXXX";
	char cak[320], capem[320], tlsk[320], admk[320], dir[128];
	char err[256], spki[65], id1[CERTID_ISSUER_LEN], *s, *pem;
	const char *hosts[] = { "pvacms.example.org", "10.0.0.7", "::1",
	    NULL };
	struct ca_bootstrap_config cfg;
	struct ca_subject subj;
	struct rec rec;
	struct keychain kc;
	struct ca *ca;
	EVP_PKEY *tk = NULL, *rsa, *rsa1k, *other, *pub;
	X509_PUBKEY *csr = NULL;
	struct ca_subject subj_spki = { "spkiuser", NULL, NULL, NULL, 0 };
	X509 *tc = NULL, *leaf;
	uint64_t serial;
	int64_t nb, na, now = (int64_t)time(NULL), t;
	int calls, i;

	tap_plan(73);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/cfg/pva/1.4", tmpl);
	snprintf(cak, sizeof(cak), "%s/cert_auth.p12", dir);
	snprintf(capem, sizeof(capem), "%s/cert_auth.pem", dir);
	snprintf(tlsk, sizeof(tlsk), "%s/pvacms.p12", dir);
	snprintf(admk, sizeof(admk), "%s/admin/admin.p12", tmpl);

	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_keychain = cak;
	cfg.ca_password = "capw";
	cfg.ca_pem = capem;
	cfg.tls_keychain = tlsk;
	cfg.tls_password = "";
	cfg.admin_keychain = admk;
	cfg.admin_password = NULL;
	cfg.ca_name = "EPICS Root Certificate Authority";
	cfg.ca_org = "certs.epics.org";
	cfg.ca_org_unit = "EPICS Certificate Authority";
	cfg.ca_country = "US";
	cfg.hostnames = hosts;
	cfg.status_url = "http://127.0.0.1:8089/";

	/* first start */
	memset(&rec, 0, sizeof(rec));
	ca = ca_bootstrap(&cfg, record, &rec, &tk, &tc, err, sizeof(err));
	ok(ca != NULL, "bootstrap creates (%s)", ca ? "ok" : err);
	if (ca == NULL)
		return tap_done();
	ok(tk != NULL && tc != NULL, "TLS identity returned");
	is_int(mode_of(cak), 0600, "CA keychain mode 0600");
	is_int(mode_of(tlsk), 0600, "TLS keychain mode 0600");
	is_int(mode_of(admk), 0600, "admin keychain mode 0600");
	is_int(mode_of(capem), 0644, "CA PEM mode 0644");
	is_int(mode_of(dir), 0700, "new directory mode 0700");
	is_int(rec.n, 3, "three certificates recorded");
	ok(rec.n == 3 && strcmp(rec.usage[0], "ca") == 0 &&
	    strcmp(rec.usage[1], "tls") == 0 &&
	    strcmp(rec.usage[2], "admin") == 0, "recorded ca, tls, admin");

	s = oneline(X509_get_subject_name(ca_cert(ca)));
	is_str(s, "CN=EPICS Root Certificate Authority, C=US, "
	    "O=certs.epics.org, OU=EPICS Certificate Authority",
	    "CA subject one-line");
	free(s);
	ok(X509_check_ca(ca_cert(ca)) == 1, "root is a CA");
	ok(X509_self_signed(ca_cert(ca), 1) == 1, "root is self-signed");
	ok(strlen(ca_issuer_id(ca)) == 8, "issuer id has 8 hex digits");
	snprintf(id1, sizeof(id1), "%s", ca_issuer_id(ca));
	s = ext_text(ca_cert(ca), NID_key_usage);
	is_str(s, "Certificate Sign, CRL Sign", "root keyUsage");
	free(s);
	{
		int crit = -1;
		BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(ca_cert(ca),
		    NID_basic_constraints, &crit, NULL);

		ok(bc != NULL && bc->ca && crit == 1,
		    "root basicConstraints critical CA:TRUE");
		BASIC_CONSTRAINTS_free(bc);
	}
	ok(EVP_PKEY_get_base_id(X509_get0_pubkey(ca_cert(ca))) ==
	    EVP_PKEY_EC, "root key is EC");
	timefmt_from_asn1(X509_get0_notAfter(ca_cert(ca)), &t);
	ok(t - now > 3650LL * 86400, "root lives 10 years");

	/* TLS certificate */
	s = oneline(X509_get_subject_name(tc));
	is_str(s, "CN=PVACMS Service, O=certs.epics.org, "
	    "OU=EPICS PVA Certificate Management Service", "TLS subject");
	free(s);
	s = ext_text(tc, NID_subject_alt_name);
	is_str(s, "DNS:localhost, IP Address:127.0.0.1, "
	    "DNS:pvacms.example.org, IP Address:10.0.0.7, IP Address:0:0:0:0:"
	    "0:0:0:1", "TLS SANs");
	free(s);
	ok(X509_verify(tc, X509_get0_pubkey(ca_cert(ca))) == 1,
	    "TLS cert signed by the CA");
	ok(X509_check_private_key(tc, tk) == 1, "TLS key matches");

	/* keychains */
	ok(keychain_read(cak, "capw", &kc, err, sizeof(err)) == 0 &&
	    kc.key != NULL && sk_X509_num(kc.chain) == 0,
	    "CA keychain: key + cert, empty chain");
	keychain_clear(&kc);
	ok(keychain_read(admk, "", &kc, err, sizeof(err)) == 0 &&
	    sk_X509_num(kc.chain) == 1 && kc.cert != NULL,
	    "admin keychain with chain [CA]");
	if (kc.cert != NULL) {
		s = oneline(X509_get_subject_name(kc.cert));
		is_str(s, "CN=admin", "admin subject");
		free(s);
		s = ext_text(kc.cert, NID_info_access);
		ok(s != NULL && strstr(s, "OCSP - URI:http://127.0.0.1:8089/"
		    "ocsp") != NULL, "admin AIA OCSP");
		free(s);
	} else {
		ok(0, "admin subject");
		ok(0, "admin AIA OCSP");
	}
	keychain_clear(&kc);
	ok(keychain_read(tlsk, "", &kc, err, sizeof(err)) == 0 &&
	    sk_X509_num(kc.chain) == 1, "TLS keychain with chain [CA]");
	keychain_clear(&kc);

	/* second start reuses everything */
	serial = 0;
	certid_serial_u64(tc, &serial);
	EVP_PKEY_free(tk);
	X509_free(tc);
	ca_free(ca);
	memset(&rec, 0, sizeof(rec));
	ca = ca_bootstrap(&cfg, record, &rec, &tk, &tc, err, sizeof(err));
	ok(ca != NULL, "second bootstrap (%s)", ca ? "ok" : err);
	if (ca == NULL)
		return tap_done();
	is_str(ca_issuer_id(ca), id1, "same issuer id");
	is_int(rec.n, 0, "nothing created");
	{
		uint64_t s2 = 0;

		certid_serial_u64(tc, &s2);
		ok(s2 == serial, "TLS certificate reused");
	}
	ok(keychain_read(cak, "wrong", &kc, err, sizeof(err)) == -1,
	    "CA keychain needs its password");

	/* a new host name forces a new TLS certificate */
	EVP_PKEY_free(tk);
	X509_free(tc);
	ca_free(ca);
	hosts[2] = NULL;
	memset(&rec, 0, sizeof(rec));
	ca = ca_bootstrap(&cfg, record, &rec, &tk, &tc, err, sizeof(err));
	ok(ca != NULL && rec.n == 1 && strcmp(rec.usage[0], "tls") == 0,
	    "changed host names: only TLS re-issued");
	if (ca == NULL)
		return tap_done();

	/* CSR */
	rsa = EVP_RSA_gen(2048);
	rsa1k = EVP_RSA_gen(1024);
	other = EVP_EC_gen("P-256");
	pem = make_csr(rsa, rsa);
	csr = csr_check(pem, strlen(pem), spki, NULL, NULL, err,
	    sizeof(err));
	ok(csr != NULL, "RSA-2048 CSR accepted (%s)", csr ? "ok" : err);
	is_int((long long)strlen(spki), 64, "spki sha256 is 64 hex");
	{
		/* The key returned is the request's, encoded as it was. */
		unsigned char *a = NULL, *b = NULL;
		int na2 = csr != NULL ? i2d_X509_PUBKEY(csr, &a) : -1;
		int nb2 = i2d_PUBKEY(rsa, &b);

		ok(na2 > 0 && na2 == nb2 && memcmp(a, b, (size_t)na2) == 0,
		    "CSR key returned");
		OPENSSL_free(a);
		OPENSSL_free(b);
	}
	pub = EVP_PKEY_dup(rsa);
	{
		/* The replay key id is the same as when it was hashed from
		 * the re-encoded key (rows recorded by older versions). */
		unsigned char *der = NULL, md[32];
		char hex[65];
		int n = i2d_PUBKEY(rsa, &der), k;

		SHA256(der, (size_t)n, md);
		for (k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		is_str(spki, hex, "spki sha256 is the SHA-256 of the DER SPKI");
		OPENSSL_free(der);
	}
	free(pem);
	ok(csr_check("garbage", 7, spki, NULL, NULL, err, sizeof(err)) == NULL &&
	    strstr(err, "malformed CSR") != NULL, "garbage refused (%s)",
	    err);
	pem = make_csr(rsa1k, rsa1k);
	ok(csr_check(pem, strlen(pem), spki, NULL, NULL, err, sizeof(err)) == NULL &&
	    strstr(err, "RSA-1024") != NULL, "RSA-1024 refused (%s)", err);
	free(pem);
	pem = make_csr(rsa, other);
	ok(csr_check(pem, strlen(pem), spki, NULL, NULL, err, sizeof(err)) == NULL &&
	    strcmp(err, "CSR signature does not verify") == 0,
	    "bad signature refused (%s)", err);
	free(pem);
	pem = make_csr(other, other);
	{
		X509_PUBKEY *ec = csr_check(pem, strlen(pem), spki, NULL, NULL, err,
		    sizeof(err));

		ok(ec != NULL, "EC P-256 CSR accepted");
		if (ec != NULL) {
			X509 *fromspki = NULL;

			int rc = ca_sign_spki(ca, ec,
			    &subj_spki, USAGE_CLIENT, now - 10, now + 3600,
			    NULL, NULL, &fromspki, err, sizeof(err));

			X509 *parsed = NULL;
			unsigned char *der = NULL;
			const unsigned char *p;
			int n;

			/* As a client reads it: from its encoding. */
			if (rc == 0 && (n = i2d_X509(fromspki, &der)) > 0) {
				p = der;
				parsed = d2i_X509(NULL, &p, n);
			}
			ok(parsed != NULL && EVP_PKEY_eq(
			    X509_get0_pubkey(parsed), other) == 1,
			    "signed from the request's SPKI: the same key (%s)",
			    rc == 0 ? "signed" : err);
			X509_free(parsed);
			OPENSSL_free(der);
			ok(fromspki != NULL && X509_verify(fromspki,
			    X509_get0_pubkey(ca_cert(ca))) == 1,
			    "and the CA's signature verifies");
			X509_free(fromspki);
		} else {
			ok(0, "signed from the request's SPKI");
			ok(0, "and the CA's signature verifies");
		}
		X509_PUBKEY_free(ec);
	}
	ok(csr_check(pem, 20000, spki, NULL, NULL, err, sizeof(err)) == NULL &&
	    strcmp(err, "CSR larger than 16384 bytes") == 0, "size cap");
	free(pem);

	/* sign a leaf */
	memset(&subj, 0, sizeof(subj));
	subj.cn = "softioc";
	subj.o = "localhost";
	nb = now - 10;
	na = now + 86400;
	calls = 0;
	leaf = NULL;
	(void)ca_sign_leaf(ca, pub, &subj, USAGE_SERVER, nb, na,
	    serial_busy_twice, &calls, &leaf, err, sizeof(err));
	ok(leaf != NULL, "leaf signed (%s)", leaf ? "ok" : err);
	if (leaf == NULL)
		return tap_done();
	is_int(calls, 3, "serial retried while taken");
	s = oneline(X509_get_subject_name(leaf));
	is_str(s, "CN=softioc, O=localhost", "leaf subject");
	free(s);
	timefmt_from_asn1(X509_get0_notBefore(leaf), &t);
	ok(t == nb, "notBefore as requested");
	timefmt_from_asn1(X509_get0_notAfter(leaf), &t);
	ok(t == na, "notAfter as requested");
	ok(certid_serial_u64(leaf, &serial) == 0 && serial != 0 &&
	    serial < (UINT64_C(1) << 63), "serial in 1..2^63-1");
	ok(X509_verify(leaf, X509_get0_pubkey(ca_cert(ca))) == 1,
	    "leaf verifies with the CA key");
	ok(X509_get_version(leaf) == X509_VERSION_3, "v3");
	s = ext_text(leaf, NID_ext_key_usage);
	is_str(s, "TLS Web Server Authentication", "server EKU");
	free(s);
	s = ext_text(leaf, NID_basic_constraints);
	is_str(s, "CA:FALSE", "basicConstraints CA:FALSE");
	free(s);
	s = ext_text(leaf, NID_info_access);
	ok(s != NULL && strstr(s, "OCSP - URI:http://127.0.0.1:8089/ocsp") !=
	    NULL, "AIA OCSP URL (trailing / trimmed)");
	free(s);
	{
		char cid[CERTID_MAX], want[CERTID_MAX];

		certid_format(id1, serial, want, sizeof(want));
		ok(certid_of_leaf(leaf, cid, sizeof(cid)) == 0 &&
		    strcmp(cid, want) == 0, "cert id via AKID");
	}
	s = record_pem(leaf);
	ok(s != NULL && strncmp(s, "-----BEGIN CERTIFICATE-----", 27) == 0,
	    "record_pem");
	{
		struct db_cert row;

		ok(record_build(&row, leaf, USAGE_SERVER, STATE_PENDING, 1,
		    now, err, sizeof(err)) == 0 && row.serial == serial &&
		    strcmp(row.issuer_id, id1) == 0 &&
		    strcmp(row.cn, "softioc") == 0 &&
		    strcmp(row.o, "localhost") == 0 && row.ou[0] == '\0' &&
		    row.c[0] == '\0' && strlen(row.skid) == 40 &&
		    row.not_before == nb && row.not_after == na &&
		    row.usage == USAGE_SERVER && row.state == STATE_PENDING &&
		    row.admin == 1 && row.status_date == now &&
		    row.pem != NULL && s != NULL && strcmp(row.pem, s) == 0,
		    "record_build: the row says what the certificate says");
		free(row.pem);	/* what db_cert_clear frees */
	}
	free(s);
	X509_free(leaf);

	(void)ca_sign_leaf(ca, pub, &subj, USAGE_IOC, nb, na, NULL, NULL,
	    &leaf, err, sizeof(err));
	s = leaf ? ext_text(leaf, NID_ext_key_usage) : NULL;
	is_str(s, "TLS Web Client Authentication, TLS Web Server "
	    "Authentication", "ioc EKU");
	free(s);
	X509_free(leaf);
	(void)ca_sign_leaf(ca, pub, &subj, USAGE_CLIENT, nb,
	    INT64_C(4102444800), NULL, NULL, &leaf, err, sizeof(err));
	s = leaf ? ext_text(leaf, NID_ext_key_usage) : NULL;
	is_str(s, "TLS Web Client Authentication", "client EKU");
	free(s);
	timefmt_from_asn1(X509_get0_notAfter(leaf), &t);
	timefmt_from_asn1(X509_get0_notAfter(ca_cert(ca)), &na);
	ok(t == na, "notAfter clamped to the CA's");
	X509_free(leaf);

	ok(ca_sign_leaf(ca, pub, &subj, USAGE_CLIENT, now + 100, now + 50,
	    NULL, NULL, &leaf, err, sizeof(err)) == HOSTERR_POLICY &&
	    leaf == NULL && strcmp(err,
	    "certificate validity window is empty") == 0, "empty window");
	subj.cn = "0123456789012345678901234567890123456789"
	    "012345678901234567890123";
	ok(ca_sign_leaf(ca, pub, &subj, USAGE_CLIENT, nb, now + 50, NULL,
	    NULL, &leaf, err, sizeof(err)) == HOSTERR_POLICY,
	    "CN of 64 bytes refused as policy (%s)", err);
	subj.cn = "bad\nname";
	ok(ca_sign_leaf(ca, pub, &subj, USAGE_CLIENT, nb, now + 50, NULL,
	    NULL, &leaf, err, sizeof(err)) == HOSTERR_POLICY,
	    "control character refused as policy");
	subj.cn = "softioc";
	ok(ca_sign_leaf(ca, pub, &subj, USAGE_CA, nb, now + 50, NULL,
	    NULL, &leaf, err, sizeof(err)) == HOSTERR_POLICY,
	    "CA usage refused");
	ok(ca_sign_leaf(ca, pub, &subj, 16, nb, now + 50, NULL,
	    NULL, &leaf, err, sizeof(err)) == HOSTERR_POLICY,
	    "unknown usage refused");
	calls = 0;
	ok(ca_sign_leaf(ca, pub, &subj, USAGE_CLIENT, nb, now + 50,
	    serial_db_down, &calls, &leaf, err, sizeof(err)) == HOSTERR_BUSY &&
	    calls == 1 && strstr(err, "busy") != NULL,
	    "a database that cannot tell stops signing with its code (%s)",
	    err);

	/* OCSP */
	for (i = 0; i < 2; i++) {
		unsigned char *der;
		const unsigned char *p;
		size_t len;
		OCSP_RESPONSE *resp = NULL;
		OCSP_BASICRESP *bs = NULL;
		OCSP_CERTID *cid;
		X509_STORE *store = X509_STORE_new();
		ASN1_GENERALIZEDTIME *rev = NULL, *tu = NULL, *nu = NULL;
		int st = -1, reason = -1;
		int64_t rt = 0;

		X509_STORE_add_cert(store, ca_cert(ca));
		{
			OCSP_CERTID *c = ocspbuild_certid(ca_cert(ca), EVP_sha1(), serial);
			OCSP_BASICRESP *b = OCSP_BASICRESP_new();

			der = NULL;
			if (c != NULL && b != NULL && ocspbuild_add_status(b, c,
			    i ? OCSPBUILD_REVOKED : OCSPBUILD_GOOD, now - 5,
			    i ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0, now,
			    now + 1800) == 0)
				der = ca_ocsp_sign(ca, b, &len, err,
				    sizeof(err));
			OCSP_BASICRESP_free(b);
			OCSP_CERTID_free(c);
		}
		p = der;
		if (der != NULL)
			resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
		ok(resp != NULL && OCSP_response_status(resp) ==
		    OCSP_RESPONSE_STATUS_SUCCESSFUL &&
		    (bs = OCSP_response_get1_basic(resp)) != NULL,
		    "OCSP %s parses", i ? "revoked" : "good");
		ok(bs != NULL && OCSP_basic_verify(bs, NULL, store, 0) == 1,
		    "OCSP signature verifies against the CA");
		{
			ASN1_INTEGER *sn = ASN1_INTEGER_new();

			ASN1_INTEGER_set_uint64(sn, serial);
			cid = OCSP_cert_id_new(EVP_sha1(),
			    X509_get_subject_name(ca_cert(ca)),
			    X509_get0_pubkey_bitstr(ca_cert(ca)), sn);
			ASN1_INTEGER_free(sn);
		}
		if (bs != NULL)
			OCSP_resp_find_status(bs, cid, &st, &reason, &rev,
			    &tu, &nu);
		if (rev != NULL)
			timefmt_from_asn1(rev, &rt);
		if (i == 0)
			ok(st == V_OCSP_CERTSTATUS_GOOD && rev == NULL &&
			    nu != NULL, "status good");
		else
			ok(st == V_OCSP_CERTSTATUS_REVOKED && rt == now - 5 &&
			    reason == OCSP_REVOKED_STATUS_KEYCOMPROMISE,
			    "status revoked with time and reason");
		OCSP_CERTID_free(cid);
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(resp);
		OPENSSL_free(der);
		X509_STORE_free(store);
	}

	X509_PUBKEY_free(csr);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa1k);
	EVP_PKEY_free(other);
	EVP_PKEY_free(tk);
	X509_free(tc);
	ca_free(ca);

	/* a bad status URL is refused */
	cfg.status_url = "ftp://x";
	ca = ca_bootstrap(&cfg, NULL, NULL, &tk, &tc, err, sizeof(err));
	ok(ca == NULL && tk == NULL, "non-http status URL refused (%s)", err);
	ca_free(ca);

	rmtree(tmpl);
	return tap_done();
}
