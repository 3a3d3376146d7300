/*
 * keychain.c - PKCS#12 keychains in the shape PVXS reads: one private
 * key, its certificate, and the CA chain up to the self-signed root,
 * every extra certificate a CA.  Files are written atomically, mode
 * 0600, through fsutil; reads are capped at KEYCHAIN_MAX_BYTES.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "fsutil.h"
#include "keychain.h"

static int	keychain_mac_pass(PKCS12 *p12, const char *pw,
		    const char **use);
static void	keychain_ossl_reason(char *buf, size_t len);

/* The first queued OpenSSL error as text ("unknown" when none). */
static void
keychain_ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

/*
 * Find the password form that verifies the MAC: 0 with *use set, or -1.
 * An empty password may have been encoded as "" or as no password.
 */
static int
keychain_mac_pass(PKCS12 *p12, const char *pw, const char **use)
{
	*use = pw;
	if (!PKCS12_mac_present(p12) || PKCS12_verify_mac(p12, pw, -1))
		return 0;
	if (*pw == '\0' && PKCS12_verify_mac(p12, NULL, 0)) {
		*use = NULL;
		return 0;
	}
	return -1;
}

int
keychain_read(const char *path, const char *password,
    struct keychain *kc, char *err, size_t errlen)
{
	char *buf = NULL;
	const unsigned char *p;
	const char *pw = password != NULL ? password : "";
	const char *macpw;
	PKCS12 *p12 = NULL;
	char why[256];
	size_t len = 0;
	int rc = -1;

	memset(kc, 0, sizeof(*kc));
	if (fs_read_file(path, KEYCHAIN_MAX_BYTES, &buf, &len, err,
	    errlen) != 0)
		return -1;
	if (len == 0 || len > LONG_MAX) {
		snprintf(err, errlen, "%s: not a PKCS#12 file", path);
		goto out;
	}
	p = (const unsigned char *)buf;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: not a PKCS#12 file", path);
		goto out;
	}
	if (keychain_mac_pass(p12, pw, &macpw) != 0) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: wrong password or corrupt keychain "
		    "(mac verify failed)", path);
		goto out;
	}
	if (!PKCS12_parse(p12, macpw, &kc->key, &kc->cert, &kc->chain)) {
		keychain_ossl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: cannot decode keychain (%s)",
		    path, why);
		goto out;
	}
	if (kc->key != NULL && (kc->cert == NULL ||
	    X509_check_private_key(kc->cert, kc->key) != 1)) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: key does not match certificate",
		    path);
		goto out;
	}
	if (kc->chain == NULL && (kc->chain = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		keychain_clear(kc);
	PKCS12_free(p12);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return rc;
}

int
keychain_write(const char *path, const char *password, EVP_PKEY *key,
    X509 *cert, STACK_OF(X509) *chain, char *err, size_t errlen)
{
	const char *pw = password != NULL ? password : "";
	unsigned char *der = NULL, *q;
	char *friendly = NULL;
	PKCS12 *p12 = NULL;
	char why[256];
	int i, n, rc = -1;

	if (key != NULL && cert == NULL) {
		snprintf(err, errlen, "%s: a private key needs its "
		    "certificate", path);
		return -1;
	}
	if (key != NULL && X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: key does not match certificate",
		    path);
		return -1;
	}
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);

		if (c == NULL || X509_check_ca(c) == 0) {
			char *s = c ? X509_NAME_oneline(
			    X509_get_subject_name(c), NULL, 0) : NULL;

			snprintf(err, errlen, "%s: chain certificate %d (%s) "
			    "is not a CA", path, i + 1, s ? s : "?");
			OPENSSL_free(s);
			ERR_clear_error();
			return -1;
		}
	}
	if (cert != NULL && (friendly = X509_NAME_oneline(
	    X509_get_subject_name(cert), NULL, 0)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	p12 = PKCS12_create(pw, friendly, key, cert, chain, 0, 0,
	    PKCS12_DEFAULT_ITER, PKCS12_DEFAULT_ITER, 0);
	if (p12 == NULL) {
		keychain_ossl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: cannot build PKCS#12 (%s)", path,
		    why);
		goto out;
	}
	if ((n = i2d_PKCS12(p12, NULL)) <= 0 ||
	    (der = OPENSSL_malloc((size_t)n)) == NULL) {
		keychain_ossl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: cannot encode PKCS#12 (%s)", path,
		    why);
		goto out;
	}
	q = der;
	if (i2d_PKCS12(p12, &q) != n) {
		keychain_ossl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: cannot encode PKCS#12 (%s)", path,
		    why);
		goto out;
	}
	if (fs_write_atomic(path, der, (size_t)n, 0600, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)n);
	OPENSSL_free(friendly);
	PKCS12_free(p12);
	return rc;
}

void
keychain_clear(struct keychain *kc)
{
	if (kc == NULL)
		return;
	EVP_PKEY_free(kc->key);
	X509_free(kc->cert);
	sk_X509_pop_free(kc->chain, X509_free);
	memset(kc, 0, sizeof(*kc));
}
