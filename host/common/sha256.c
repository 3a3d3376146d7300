/*
 * sha256.c - SHA-256 with a digest method fetched once (sha256.h).
 */
#include "config.h"

#include <pthread.h>

#include <openssl/evp.h>

#include "sha256.h"

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;	/* fetched once, kept for the process */

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
sha256_hex(const void *const *parts, const size_t *lens, size_t nparts,
    char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	size_t k;
	int ok;

	hex[0] = '\0';
	if (pthread_once(&sha256_once, sha256_fetch) != 0 ||
	    sha256_md == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex2(ctx, sha256_md, NULL) == 1;
	for (k = 0; ok && k < nparts; k++)
		ok = EVP_DigestUpdate(ctx, parts[k], lens[k]) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[2 * mdlen] = '\0';
	return 0;
}
