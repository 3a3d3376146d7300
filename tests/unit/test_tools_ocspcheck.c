/*
 * test_tools_ocspcheck.c - pvxcert believes a status only through its
 * OCSP proof.  Build real BasicOCSPResponses with OpenSSL and check that
 * ocspcheck_verify accepts the right one and refuses the wrong signer,
 * the wrong serial, stale or open-ended responses, and garbage.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ocspcheck.h"
#include "tap.h"

struct resp_opts {
	X509 *signer;
	EVP_PKEY *signkey;
	uint64_t serial;
	int status;
	time_t this_update;
	time_t next_update;	/* 0: none */
	time_t revoked_at;
	const EVP_MD *id_md;
};

static X509		*mkcert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer,
			    const char *cn, int ca, uint64_t serial);
static unsigned char	*mkresp(X509 *issuer, const struct resp_opts *o,
			    size_t *len);

/* A certificate; caller frees. */
static X509 *
mkcert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer, const char *cn,
    int ca, uint64_t serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok1;

	ok1 = x != NULL && n != NULL &&
	    X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) == 1 &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, n) == 1 &&
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_set_pubkey(x, key) == 1;
	if (ok1) {
		X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL,
		    NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
		    ca ? "critical,CA:TRUE" : "CA:FALSE");
		ok1 = e != NULL && X509_add_ext(x, e, -1) == 1;
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, &ctx,
		    NID_subject_key_identifier, "hash");
		ok1 = ok1 && e != NULL && X509_add_ext(x, e, -1) == 1;
		X509_EXTENSION_free(e);
		if (ca) {
			e = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
			    "keyCertSign,cRLSign,digitalSignature");
			ok1 = ok1 && e != NULL && X509_add_ext(x, e, -1) == 1;
			X509_EXTENSION_free(e);
		}
		ok1 = ok1 && X509_sign(x, signkey, EVP_sha256()) > 0;
	}
	X509_NAME_free(n);
	if (!ok1) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* DER OCSPResponse about o->serial under issuer; caller frees. */
static unsigned char *
mkresp(X509 *issuer, const struct resp_opts *o, size_t *len)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_RESPONSE *r = NULL;
	OCSP_CERTID *id;
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	ASN1_TIME *tu, *nu = NULL, *rv = NULL;
	unsigned char *der = NULL;
	int n;

	ASN1_INTEGER_set_uint64(sn, o->serial);
	id = OCSP_cert_id_new(o->id_md != NULL ? o->id_md : EVP_sha1(),
	    X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer),
	    sn);
	tu = ASN1_TIME_set(NULL, o->this_update);
	if (o->next_update != 0)
		nu = ASN1_TIME_set(NULL, o->next_update);
	if (o->status == V_OCSP_CERTSTATUS_REVOKED)
		rv = ASN1_TIME_set(NULL, o->revoked_at);
	if (OCSP_basic_add1_status(bs, id, o->status, -1, rv, tu, nu) ==
	    NULL ||
	    OCSP_basic_sign(bs, o->signer, o->signkey, EVP_sha256(), NULL,
	    0) != 1 ||
	    (r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(r, &der)) <= 0)
		der = NULL;
	else
		*len = (size_t)n;
	OCSP_RESPONSE_free(r);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_TIME_free(rv);
	return der;
}

int
main(void)
{
	EVP_PKEY *cakey = EVP_EC_gen("P-256"), *otherkey = EVP_EC_gen("P-256");
	EVP_PKEY *leafkey = EVP_EC_gen("P-256");
	X509 *ca, *other, *leaf;
	X509_STORE *store = X509_STORE_new();
	struct resp_opts o;
	struct ocspcheck_result res;
	unsigned char *der, bad[] = { 0x30, 0x03, 0x0a, 0x01, 0x01 };
	char err[256];
	size_t len = 0;
	time_t now = time(NULL);
	uint64_t serial = UINT64_C(3826361579604613180);

	tap_plan(22);
	ca = mkcert(cakey, cakey, NULL, "Test Root", 1, 1);
	other = mkcert(otherkey, otherkey, NULL, "Test Root", 1, 1);
	leaf = mkcert(leafkey, cakey, ca, "leaf", 0, serial);
	ok(ca != NULL && other != NULL && leaf != NULL, "certificates");
	X509_STORE_add_cert(store, ca);

	memset(&o, 0, sizeof(o));
	o.signer = ca;
	o.signkey = cakey;
	o.serial = serial;
	o.status = V_OCSP_CERTSTATUS_GOOD;
	o.this_update = now - 10;
	o.next_update = now + 1800;
	der = mkresp(ca, &o, &len);
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == 0, "good response verifies");
	is_int(res.status, V_OCSP_CERTSTATUS_GOOD, "status good");
	is_int(res.this_update, now - 10, "thisUpdate");
	is_int(res.next_update, now + 1800, "nextUpdate");
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial + 1, &res, err,
	    sizeof(err)) == -1, "refused for another serial: %s", err);
	ok(ocspcheck_verify(der, len - 1, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == -1, "refused when truncated: %s", err);
	der[len - 3] ^= 0x01;
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == -1, "refused when tampered: %s", err);
	free(der);

	o.id_md = EVP_sha256();
	der = mkresp(ca, &o, &len);
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == 0, "SHA-256 CertID verifies");
	free(der);
	o.id_md = NULL;

	o.status = V_OCSP_CERTSTATUS_REVOKED;
	o.revoked_at = now - 100;
	der = mkresp(ca, &o, &len);
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == 0, "revoked response verifies");
	is_int(res.status, V_OCSP_CERTSTATUS_REVOKED, "status revoked");
	is_int(res.revocation_time, now - 100, "revocation time");
	free(der);
	o.status = V_OCSP_CERTSTATUS_GOOD;

	/* Same name, other key: the signer is not our CA. */
	o.signer = other;
	o.signkey = otherkey;
	der = mkresp(ca, &o, &len);
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == -1, "refused from another signer: %s", err);
	free(der);
	o.signer = ca;
	o.signkey = cakey;

	o.this_update = now - 7200;
	o.next_update = now - 3600;
	der = mkresp(ca, &o, &len);
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == -1, "refused when expired: %s", err);
	free(der);

	o.this_update = now - 10;
	o.next_update = 0;
	der = mkresp(ca, &o, &len);
	ok(ocspcheck_verify(der, len, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == -1, "refused without nextUpdate: %s", err);
	free(der);

	ok(ocspcheck_verify(bad, sizeof(bad), store, NULL, ca, serial, &res,
	    err, sizeof(err)) == -1, "refused an unsuccessful response: %s",
	    err);
	ok(ocspcheck_verify(NULL, 0, store, NULL, ca, serial, &res, err,
	    sizeof(err)) == -1, "refused an empty response");

	is_int(ocspcheck_status_of_state("VALID"), V_OCSP_CERTSTATUS_GOOD,
	    "VALID is good");
	is_int(ocspcheck_status_of_state("REVOKED"),
	    V_OCSP_CERTSTATUS_REVOKED, "REVOKED is revoked");
	is_int(ocspcheck_status_of_state("PENDING_APPROVAL"),
	    V_OCSP_CERTSTATUS_UNKNOWN, "PENDING_APPROVAL is unknown");
	is_int(ocspcheck_status_of_state("valid"), -1, "names are exact");
	is_str(ocspcheck_status_name(V_OCSP_CERTSTATUS_REVOKED), "revoked",
	    "status name");

	X509_STORE_free(store);
	X509_free(ca);
	X509_free(other);
	X509_free(leaf);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(otherkey);
	EVP_PKEY_free(leafkey);
	return tap_done();
}
