/*
 * csr.h - the check of a certificate signing request: the proof that the
 * caller holds the private key of the public key it wants certified, and
 * the kinds of key pvacms certifies.  Needs no CA key; the subject the
 * CSR names is ignored (the host decides the subject).
 */
#ifndef PVACMS_CSR_H
#define PVACMS_CSR_H

#include <stddef.h>

#include <openssl/x509.h>

#define CSR_MAX	16384	/* bytes of PEM accepted */

/*
 * Parse and check a PEM CSR (at most CSR_MAX bytes): signature valid
 * (proof of possession), key RSA 2048..8192 or EC P-256/P-384.  Returns
 * the request's SubjectPublicKeyInfo, for ca_sign_spki (caller frees with
 * X509_PUBKEY_free; it holds the key's encoding only, so X509_PUBKEY_get0
 * on it gives NULL) or NULL with err set.  Also
 * writes the hex SHA-256 of the DER SubjectPublicKeyInfo, as the request
 * carries it, into spki_sha256 (65 bytes, the replay rules' key id), and
 * when der_out is not NULL hands over that DER (caller frees with
 * OPENSSL_free) with its length in *der_len_out.
 * Safe to call from several threads at once.
 */
X509_PUBKEY *csr_check(const char *pem, size_t len, char spki_sha256[65],
    unsigned char **der_out, size_t *der_len_out, char *err,
    size_t errlen);

/*
 * The same for a bare PEM public key (BEGIN PUBLIC KEY, as a PVAccess
 * creation request carries it): the kinds of key pvacms certifies, and
 * the SHA-256 of its DER.  No proof of possession is possible: there is
 * no signature to check.  Caller frees the result with X509_PUBKEY_free;
 * NULL with err set.
 */
X509_PUBKEY *csr_pubkey_check(const char *pem, size_t len,
    char spki_sha256[65], unsigned char **der_out, size_t *der_len_out,
    char *err, size_t errlen);

#endif
