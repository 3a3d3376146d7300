/*
 * test_csr.c - how csr.c reads the public key of a request: named P-256
 * and P-384 points (compressed or not) read directly, every malformed
 * point refused with the same message, other keys through OpenSSL's
 * decoder as before, and several threads at once.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "csr.h"
#include "tap.h"

/* DER of the AlgorithmIdentifier of id-ecPublicKey on each curve. */
static const unsigned char alg_p256[] = {
	0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};
static const unsigned char alg_p384[] = {
	0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22
};
static const unsigned char alg_k256[] = {	/* secp256k1 */
	0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a
};

/*
 * A PEM "PUBLIC KEY" of alg and a BIT STRING with `unused` unused bits
 * holding point; caller frees.  Lengths stay below 128 (short form).
 */
static char *
spki_pem(const unsigned char *alg, size_t alglen, const unsigned char *point,
    size_t plen, int unused)
{
	unsigned char der[256];
	size_t n = 0, body = alglen + 2 + 1 + plen;
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;

	der[n++] = 0x30;
	der[n++] = (unsigned char)body;
	memcpy(der + n, alg, alglen);
	n += alglen;
	der[n++] = 0x03;
	der[n++] = (unsigned char)(plen + 1);
	der[n++] = (unsigned char)unused;
	memcpy(der + n, point, plen);
	n += plen;
	if (PEM_write_bio(b, "PUBLIC KEY", "", der, (long)n) > 0) {
		len = BIO_get_mem_data(b, &data);
		s = strndup(data, (size_t)len);
	}
	BIO_free(b);
	return s;
}

/* The uncompressed point of an EC key into out; its length. */
static size_t
ec_point(EVP_PKEY *k, unsigned char *out, size_t outlen)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	size_t plen = EVP_PKEY_get_bits(k) == 256 ? 65 : 97;

	if (n < (int)plen || plen > outlen) {
		OPENSSL_free(der);
		return 0;
	}
	memcpy(out, der + n - plen, plen);
	OPENSSL_free(der);
	return plen;
}

/* A PEM CSR for key, signed by key; caller frees. */
static char *
make_csr(EVP_PKEY *key)
{
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;

	X509_REQ_set_pubkey(req, key);
	if (X509_REQ_sign(req, key, EVP_sha256()) > 0 &&
	    PEM_write_bio_X509_REQ(b, req) == 1) {
		len = BIO_get_mem_data(b, &data);
		s = strndup(data, (size_t)len);
	}
	BIO_free(b);
	X509_REQ_free(req);
	return s;
}

/* The same CSR with one byte of its key's point flipped; caller frees. */
static char *
make_csr_bad_point(EVP_PKEY *key)
{
	X509_REQ *req = X509_REQ_new();
	unsigned char *der = NULL, pt[97], *at;
	size_t plen = ec_point(key, pt, sizeof(pt));
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;
	int n;

	X509_REQ_set_pubkey(req, key);
	if (plen > 0 && X509_REQ_sign(req, key, EVP_sha256()) > 0 &&
	    (n = i2d_X509_REQ(req, &der)) > 0 &&
	    (at = memmem(der, (size_t)n, pt, plen)) != NULL) {
		at[plen - 1] ^= 0x01;
		if (PEM_write_bio(b, "CERTIFICATE REQUEST", "", der, n) > 0) {
			len = BIO_get_mem_data(b, &data);
			s = strndup(data, (size_t)len);
		}
	}
	OPENSSL_free(der);
	BIO_free(b);
	X509_REQ_free(req);
	return s;
}

/*
 * 1 when pvacms accepts pem: a request (csr_check) when is_csr, else a
 * bare public key (csr_pubkey_check).  err gets its message, or "ok".
 */
static int
check(int is_csr, const char *pem, char *err, size_t errlen)
{
	char spki[65];
	X509_PUBKEY *pub;

	err[0] = '\0';
	if (pem == NULL) {
		snprintf(err, errlen, "test could not build its input");
		return 0;
	}
	pub = (is_csr ? csr_check : csr_pubkey_check)(pem, strlen(pem), spki,
	    NULL, NULL, err, errlen);
	if (pub != NULL)
		snprintf(err, errlen, "ok");
	X509_PUBKEY_free(pub);
	return pub != NULL;
}

#define accepts(pem, err, len)		check(0, (pem), (err), (len))
#define csr_accepts(pem, err, len)	check(1, (pem), (err), (len))

static const char *unreadable = "malformed public key: unreadable key";

/* Check: the key of alg with this BIT STRING is refused as unreadable. */
static void
refused(const unsigned char *alg, size_t alglen, const unsigned char *point,
    size_t plen, int unused, const char *what)
{
	char err[256], *pem = spki_pem(alg, alglen, point, plen, unused);

	ok(!accepts(pem, err, sizeof(err)) && strcmp(err, unreadable) == 0,
	    "%s refused (%s)", what, err);
	free(pem);
}

struct thread_arg {
	const char *pem[2];
	int accepted;
};

static void *
thread_main(void *arg)
{
	struct thread_arg *t = arg;
	char err[256];

	for (int i = 0; i < 200; i++)
		t->accepted += csr_accepts(t->pem[i % 2], err, sizeof(err));
	return NULL;
}

int
main(void)
{
	EVP_PKEY *p256 = EVP_EC_gen("P-256"), *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	unsigned char pt[128], comp[49];
	size_t n256, n384;
	char err[256], spki[65], *pem;

	tap_plan(20);
	n256 = ec_point(p256, pt, sizeof(pt));

	/* Named P-256, uncompressed: accepted, hashed as it came. */
	pem = spki_pem(alg_p256, sizeof(alg_p256), pt, n256, 0);
	{
		unsigned char *der = NULL, md[32];
		char hex[65];
		int n = i2d_PUBKEY(p256, &der);
		X509_PUBKEY *pub = csr_pubkey_check(pem, strlen(pem), spki,
		    NULL, NULL, err, sizeof(err));

		SHA256(der, (size_t)n, md);
		for (int k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		ok(pub != NULL, "P-256 uncompressed point accepted (%s)",
		    pub != NULL ? "ok" : err);
		is_str(spki, hex, "its key id is the SHA-256 of its DER");
		X509_PUBKEY_free(pub);
		OPENSSL_free(der);
	}
	free(pem);

	/* Compressed (RFC 5480 allows it). */
	comp[0] = (unsigned char)(0x02 | (pt[n256 - 1] & 1));
	memcpy(comp + 1, pt + 1, 32);
	pem = spki_pem(alg_p256, sizeof(alg_p256), comp, 33, 0);
	ok(accepts(pem, err, sizeof(err)), "P-256 compressed point accepted "
	    "(%s)", err);
	free(pem);

	/* Every malformed point: the same refusal. */
	pt[n256 - 1] ^= 0x01;
	refused(alg_p256, sizeof(alg_p256), pt, n256, 0,
	    "point off the curve");
	pt[n256 - 1] ^= 0x01;
	refused(alg_p256, sizeof(alg_p256), (const unsigned char *)"", 1, 0,
	    "point at infinity (one zero octet)");
	pt[0] = (unsigned char)(0x06 | (pt[n256 - 1] & 1));
	refused(alg_p256, sizeof(alg_p256), pt, n256, 0,
	    "hybrid form");
	pt[0] = 0x04;
	refused(alg_p256, sizeof(alg_p256), pt, n256 - 1, 0,
	    "truncated point");
	refused(alg_p256, sizeof(alg_p256), pt, 0, 0,
	    "empty point");
	refused(alg_p256, sizeof(alg_p256), pt, n256, 3,
	    "BIT STRING with unused bits");

	/* P-384, and a P-384 point under the P-256 name. */
	n384 = ec_point(p384, pt, sizeof(pt));
	pem = spki_pem(alg_p384, sizeof(alg_p384), pt, n384, 0);
	ok(accepts(pem, err, sizeof(err)), "P-384 point accepted (%s)", err);
	free(pem);
	refused(alg_p256, sizeof(alg_p256), pt, n384, 0,
	    "P-384 point named P-256");

	/* Other keys still go through the decoder: a P-256 point is not on
	 * secp256k1, and RSA is read as before. */
	n256 = ec_point(p256, pt, sizeof(pt));
	refused(alg_k256, sizeof(alg_k256), pt, n256, 0,
	    "P-256 point named secp256k1");
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long len;

		PEM_write_bio_PUBKEY(b, rsa);
		len = BIO_get_mem_data(b, &data);
		pem = strndup(data, (size_t)len);
		BIO_free(b);
	}
	ok(accepts(pem, err, sizeof(err)), "RSA-2048 accepted (%s)", err);
	free(pem);

	/* Requests: the signature checked with the key read this way. */
	pem = make_csr(p256);
	ok(csr_accepts(pem, err, sizeof(err)), "P-256 CSR accepted (%s)", err);
	free(pem);
	pem = make_csr(p384);
	ok(csr_accepts(pem, err, sizeof(err)), "P-384 CSR accepted (%s)", err);
	free(pem);
	pem = make_csr_bad_point(p256);
	ok(pem != NULL && csr_check(pem, strlen(pem), spki, NULL, NULL, err,
	    sizeof(err)) == NULL &&
	    strcmp(err, "malformed CSR: unreadable public key") == 0,
	    "CSR with its point off the curve refused (%s)", err);
	free(pem);
	{
		/* A P-256 key's request signed by another P-256 key. */
		EVP_PKEY *other = EVP_EC_gen("P-256");
		X509_REQ *req = X509_REQ_new();
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long len;

		X509_REQ_set_pubkey(req, p256);
		X509_REQ_sign(req, other, EVP_sha256());
		PEM_write_bio_X509_REQ(b, req);
		len = BIO_get_mem_data(b, &data);
		pem = strndup(data, (size_t)len);
		ok(csr_check(pem, strlen(pem), spki, NULL, NULL, err,
		    sizeof(err)) == NULL &&
		    strcmp(err, "CSR signature does not verify") == 0,
		    "P-256 CSR signed by another key refused (%s)", err);
		free(pem);
		BIO_free(b);
		X509_REQ_free(req);
		EVP_PKEY_free(other);
	}

	/* Four threads, each with its own curve parameters. */
	{
		char *a = make_csr(p256), *b = make_csr(p384);
		struct thread_arg t[4];
		pthread_t tid[4];
		int started = 0, all = 1;

		for (int i = 0; i < 4; i++) {
			t[i].pem[0] = a;
			t[i].pem[1] = b;
			t[i].accepted = 0;
			if (pthread_create(&tid[i], NULL, thread_main,
			    &t[i]) == 0)
				started++;
		}
		for (int i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
		for (int i = 0; i < 4; i++)
			all &= t[i].accepted == 200;
		is_int(started, 4, "four threads started");
		ok(all, "every request accepted in every thread");
		free(a);
		free(b);
	}

	/* The point read is the one certified: same key back. */
	pem = make_csr(p256);
	{
		X509_PUBKEY *pub = csr_check(pem, strlen(pem), spki, NULL,
		    NULL, err, sizeof(err));
		unsigned char *a = NULL, *b = NULL;
		int na = pub != NULL ? i2d_X509_PUBKEY(pub, &a) : -1;
		int nb = i2d_PUBKEY(p256, &b);

		ok(na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0,
		    "the request's key returned as it came");
		OPENSSL_free(a);
		OPENSSL_free(b);
		X509_PUBKEY_free(pub);
	}
	free(pem);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
	return tap_done();
}
