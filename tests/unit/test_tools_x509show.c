/*
 * test_tools_x509show.c - the pvxcert text blocks are a contract
 * (DESIGN §3): pin them byte for byte, and the name formatting that
 * keeps the certificate's RDN order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "tap.h"
#include "x509show.h"

static X509_NAME	*mkname(const char *const *kv);
static X509		*mkcert(void);
static char		*capture_details(const char *id, X509 *cert);
static char		*capture_status(const struct x509show_status *st);

/* kv: key, value, key, value, ..., NULL.  Caller frees. */
static X509_NAME *
mkname(const char *const *kv)
{
	X509_NAME *n = X509_NAME_new();

	for (; n != NULL && kv[0] != NULL; kv += 2)
		if (X509_NAME_add_entry_by_txt(n, kv[0], MBSTRING_UTF8,
		    (const unsigned char *)kv[1], -1, -1, 0) != 1) {
			X509_NAME_free(n);
			return NULL;
		}
	return n;
}

/* A certificate with the sample's names and dates.  Caller frees. */
static X509 *
mkcert(void)
{
	static const char *const subj[] = {
		"CN", "softioc", "O", "localhost", NULL
	};
	static const char *const iss[] = {
		"CN", "EPICS Root Certificate Authority", "C", "US",
		"O", "certs.epics.org", "OU", "EPICS Certificate Authority",
		NULL
	};
	X509 *x = X509_new();
	X509_NAME *s = mkname(subj), *i = mkname(iss);
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (x == NULL || s == NULL || i == NULL || k == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    X509_set_subject_name(x, s) != 1 ||
	    X509_set_issuer_name(x, i) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), 1741447401) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), 1741533789) == NULL ||
	    X509_set_pubkey(x, k) != 1 ||
	    X509_sign(x, k, EVP_sha256()) <= 0) {
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(s);
	X509_NAME_free(i);
	EVP_PKEY_free(k);
	return x;
}

/* Caller frees. */
static char *
capture_details(const char *id, X509 *cert)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	if (x509show_details(fp, id, cert) != 0) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	return buf;
}

/* Caller frees. */
static char *
capture_status(const struct x509show_status *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	if (x509show_status(fp, st) != 0) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	return buf;
}

int
main(void)
{
	static const char *const order[] = {
		"O", "site", "CN", "greg", "C", "US", NULL
	};
	static const char *const ctrl[] = {
		"CN", "a\nb\x1b", "OU", "caf\xc3\xa9", NULL
	};
	static const char *const details =
	    "Certificate Details:\n"
	    "============================================\n"
	    "Certificate ID : 47530d89:3826361579604613180\n"
	    "Entity Subject : CN=softioc, O=localhost\n"
	    "Issuer Subject : CN=EPICS Root Certificate Authority, C=US, "
	    "O=certs.epics.org, OU=EPICS Certificate Authority\n"
	    "Valid From     : Sat Mar 08 15:23:21 2025 UTC\n"
	    "Expires On     : Sun Mar 09 15:23:09 2025 UTC\n"
	    "--------------------------------------------\n"
	    "\n";
	static const char *const valid =
	    "Certificate Status:\n"
	    "============================================\n"
	    "Certificate ID: 47530d89:3826361579604613180\n"
	    "Status        : VALID\n"
	    "Status Issued : Sat Mar 08 15:47:14 2025 UTC\n"
	    "Status Expires: Sat Mar 08 16:17:14 2025 UTC\n"
	    "--------------------------------------------\n";
	static const char *const revoked =
	    "Certificate Status:\n"
	    "============================================\n"
	    "Certificate ID: 47530d89:3826361579604613180\n"
	    "Status        : REVOKED\n"
	    "Status Issued : Sat Mar 08 15:47:14 2025 UTC\n"
	    "Status Expires: Sat Mar 08 16:17:14 2025 UTC\n"
	    "Revocation Date: Sat Mar 08 15:40:00 2025 UTC\n"
	    "--------------------------------------------\n";
	struct x509show_status st;
	X509_NAME *n;
	X509 *cert;
	ASN1_OBJECT *obj;
	char *s;

	tap_plan(10);

	n = mkname(order);
	s = x509show_name(n);
	is_str(s, "O=site, CN=greg, C=US", "name keeps RDN order");
	free(s);
	X509_NAME_free(n);

	n = mkname(ctrl);
	s = x509show_name(n);
	is_str(s, "CN=a?b?, OU=caf\xc3\xa9",
	    "controls replaced, UTF-8 kept");
	free(s);
	X509_NAME_free(n);

	n = X509_NAME_new();
	obj = OBJ_txt2obj("1.2.3.4.5", 1);
	X509_NAME_add_entry_by_OBJ(n, obj, MBSTRING_ASC,
	    (const unsigned char *)"x", -1, -1, 0);
	s = x509show_name(n);
	is_str(s, "1.2.3.4.5=x", "unknown attribute as dotted OID");
	free(s);
	ASN1_OBJECT_free(obj);
	X509_NAME_free(n);

	n = X509_NAME_new();
	s = x509show_name(n);
	is_str(s, "", "empty name");
	free(s);
	X509_NAME_free(n);
	ok(x509show_name(NULL) == NULL, "NULL name");

	cert = mkcert();
	ok(cert != NULL, "sample certificate");
	s = capture_details("47530d89:3826361579604613180", cert);
	is_str(s, details, "details block matches the contract");
	free(s);
	X509_free(cert);

	memset(&st, 0, sizeof(st));
	st.cert_id = "47530d89:3826361579604613180";
	st.state = "VALID";
	st.issued = 1741448834;
	st.expires = 1741450634;
	s = capture_status(&st);
	is_str(s, valid, "status block matches the contract");
	free(s);

	st.state = "REVOKED";
	st.revoked = 1;
	st.revocation_date = 1741448400;
	s = capture_status(&st);
	is_str(s, revoked, "revoked status block has the revocation date");
	free(s);

	st.state = NULL;
	ok(x509show_status(stdout, &st) == -1, "status without a state");
	return tap_done();
}
