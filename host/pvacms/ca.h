/*
 * ca.h - the certificate authority.  This is the only code in pvacms that
 * holds or uses the CA private key: bootstrap of the root CA, the
 * service's own TLS certificate and the admin keychain, signing of leaf
 * certificates for a checked public key plus an identity, and signing of
 * OCSP responses.  Checking CSRs (csr.h), building OCSP answers
 * (ocspbuild.h) and encoding PEM (record.h) need no key and live apart.
 */
#ifndef PVACMS_CA_H
#define PVACMS_CA_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certid.h"

struct ca;	/* opaque: key, certificate, issuer id */

struct ca_bootstrap_config {
	const char *ca_keychain;	/* CA key + cert (PKCS#12) */
	const char *ca_password;
	const char *ca_pem;		/* public CA certificate, PEM */
	const char *tls_keychain;	/* the service's own TLS key + cert */
	const char *tls_password;
	const char *admin_keychain;	/* bootstrap admin (CN=admin) */
	const char *admin_password;
	const char *ca_name, *ca_org, *ca_org_unit, *ca_country;
	const char *const *hostnames;	/* extra SAN names for the TLS cert, NULL-terminated */
	const char *status_url;		/* AIA OCSP base, e.g. http://127.0.0.1:8089 */
};

/*
 * Load the CA, creating any missing piece on first start (DESIGN §3):
 * root CA (EC P-256, self-signed, 10 years), TLS certificate for
 * localhost, 127.0.0.1 and cfg->hostnames, the admin keychain and the CA
 * PEM.  Prints "Keychain file created   : <path>" etc. for what it made.
 * Returns a CA the caller frees with ca_free(), or NULL with err set.
 * On success *tls_key / *tls_cert are the service TLS identity (caller
 * frees with EVP_PKEY_free / X509_free).  Certificates this function issues
 * itself (TLS, admin) are reported through record_cb so the caller can
 * store them; record_cb may be NULL.
 */
typedef int (*ca_record_cb)(void *arg, X509 *cert, int usage, int state);
struct ca *ca_bootstrap(const struct ca_bootstrap_config *cfg,
    ca_record_cb record_cb, void *record_arg,
    EVP_PKEY **tls_key, X509 **tls_cert, char *err, size_t errlen);

void ca_free(struct ca *ca);

/* Borrowed views. */
X509 *ca_cert(const struct ca *ca);
const char *ca_issuer_id(const struct ca *ca);	/* 8 hex digits */

/* The identity the host decided on for a new certificate. */
struct ca_subject {
	const char *cn;		/* required, 1..63 bytes */
	const char *o, *ou, *c;	/* NULL or "" to omit */
	int status_pv;		/* 1: the status extension (DESIGN §10) */
};

/*
 * Sign a leaf certificate for pubkey: subject in order CN, C, O, OU
 * (empty omitted), validity [not_before, not_after] clamped to the CA's,
 * a fresh 63-bit random serial for which is_serial_free(arg, serial)
 * returns 1 (0: taken, try another; a negative HOSTERR_* code: it cannot
 * tell, and signing stops with that code), extensions by usage (client,
 * server, ioc; admin signs as client; DESIGN §5) and the AIA OCSP URL.
 * 0 with *out set (caller frees with X509_free), or a HOSTERR_* code with
 * err set: HOSTERR_POLICY for a subject, usage or window the host will
 * not sign, HOSTERR_CRYPTO when OpenSSL fails, the callback's code.
 */
typedef int (*ca_serial_free_cb)(void *arg, uint64_t serial);
int ca_sign_leaf(struct ca *ca, EVP_PKEY *pubkey,
    const struct ca_subject *subject, int usage, int64_t not_before,
    int64_t not_after, ca_serial_free_cb is_serial_free, void *serial_arg,
    X509 **out, char *err, size_t errlen);

/*
 * The same for a request's SubjectPublicKeyInfo (csr.h), copied into the
 * certificate as it is: the request path, which never has to decode and
 * re-encode the key.  Safe to call from several threads at once.  The
 * certificate returned is meant to be encoded (PEM, DER): it carries the
 * key's encoding only, so X509_get0_pubkey on it gives NULL; parse its
 * encoding for that.
 */
int ca_sign_spki(struct ca *ca, const X509_PUBKEY *spki,
    const struct ca_subject *subject, int usage, int64_t not_before,
    int64_t not_after, ca_serial_free_cb is_serial_free, void *serial_arg,
    X509 **out, char *err, size_t errlen);

/*
 * Sign bs with the CA key (SHA-256, the CA certificate included) and wrap
 * it in a successful OCSPResponse.  Returns its DER, which the caller
 * frees with OPENSSL_free, or NULL with err set.
 */
unsigned char *ca_ocsp_sign(struct ca *ca, OCSP_BASICRESP *bs,
    size_t *der_len, char *err, size_t errlen);

#endif
