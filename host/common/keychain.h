/*
 * keychain.h - PKCS#12 keychains as PVXS reads them: one private key, its
 * certificate, and the CA chain up to and including the self-signed root
 * (every extra certificate a CA).  Written atomically, mode 0600, parent
 * directories 0700.
 */
#ifndef PVACMS_KEYCHAIN_H
#define PVACMS_KEYCHAIN_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Largest keychain file we read. */
#define KEYCHAIN_MAX_BYTES (1024 * 1024)

struct keychain {
	EVP_PKEY *key;		/* may be NULL (trust-anchor-only file) */
	X509 *cert;		/* the entity certificate; may be NULL */
	STACK_OF(X509) *chain;	/* CA certificates, issuer first; never NULL after a read */
};

/*
 * Read path with password (NULL means "").  On success the caller owns the
 * members and releases them with keychain_clear().  On failure kc is
 * cleared and err names the problem (missing file, bad password, not
 * PKCS#12, key/cert mismatch).
 */
int keychain_read(const char *path, const char *password,
    struct keychain *kc, char *err, size_t errlen);

/*
 * Write key + cert + chain to path atomically (mode 0600).  friendly may
 * be NULL.  The chain must hold only CA certificates.  Borrowed arguments.
 */
int keychain_write(const char *path, const char *password, EVP_PKEY *key,
    X509 *cert, STACK_OF(X509) *chain, char *err, size_t errlen);

/* Free members and zero kc.  Safe on a zeroed struct. */
void keychain_clear(struct keychain *kc);

#endif
