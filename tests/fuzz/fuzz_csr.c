/*
 * fuzz_csr.c - libFuzzer target for the certificate request check
 * (host/pvacms/csr.c, which reads PKCS#10 with its own ASN.1 templates):
 * any bytes go in as the DER of a request, wrapped in PEM as a client
 * would send it.  Checks that an acceptance returns a key whose encoding
 * hashes to the 64 hex digits reported, and that every refusal has a
 * reason and no hash.  Replayed over tests/fuzz/corpus/csr in
 * `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "csr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The PEM a client sends for der: base64 lines of 64 between markers. */
static char *
fuzz_pem(const uint8_t *der, size_t len, size_t *pem_len)
{
	static const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n";
	static const char tail[] = "-----END CERTIFICATE REQUEST-----\n";
	size_t cap = sizeof(head) + sizeof(tail) + (len / 48 + 1) * 66;
	char *pem = malloc(cap), *p;
	size_t off;
	int n;

	if (pem == NULL)
		return NULL;
	p = pem;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (off = 0; off < len; off += 48) {
		n = EVP_EncodeBlock((unsigned char *)p, der + off,
		    (int)(len - off < 48 ? len - off : 48));
		p += n;
		*p++ = '\n';
	}
	memcpy(p, tail, sizeof(tail) - 1);
	p += sizeof(tail) - 1;
	*pem_len = (size_t)(p - pem);
	return pem;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_PUBKEY *spki;
	unsigned char *der = NULL, md[32];
	char hash[65], want[65], err[256], *pem;
	size_t pem_len = 0;
	unsigned int i;
	int n;

	if (size > 12000 || (pem = fuzz_pem(data, size, &pem_len)) == NULL)
		return 0;
	err[0] = '\0';
	memset(hash, 'x', sizeof(hash));
	spki = csr_check(pem, pem_len, hash, NULL, NULL, err, sizeof(err));
	if (spki != NULL) {
		if ((n = i2d_X509_PUBKEY(spki, &der)) <= 0 ||
		    !EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL))
			abort();
		for (i = 0; i < 32; i++)
			snprintf(want + 2 * i, 3, "%02x", md[i]);
		if (strcmp(hash, want) != 0)
			abort();
		OPENSSL_free(der);
		X509_PUBKEY_free(spki);
	} else if (hash[0] != '\0' || err[0] == '\0' ||
	    memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	free(pem);
	return 0;
}
