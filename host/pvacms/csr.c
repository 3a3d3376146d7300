/*
 * csr.c - checking a PEM PKCS#10 request: parse, key policy, signature
 * (proof of possession) and the SPKI hash.  See csr.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "csr.h"

/*
 * Returns the CSR's public key (caller frees with EVP_PKEY_free) or NULL
 * with err set.
 */
EVP_PKEY *
csr_check(const char *pem, size_t len, char spki_sha256[65], char *err,
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
	if (len > CSR_MAX) {
		snprintf(err, errlen, "CSR larger than %d bytes", CSR_MAX);
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
		snprintf(err, errlen, "cannot hash the public key");
		goto out;
	}
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(spki_sha256 + 2 * i, 3, "%02x", md[i]);
	if (!EVP_PKEY_up_ref(pk)) {
		snprintf(err, errlen, "out of memory");
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
