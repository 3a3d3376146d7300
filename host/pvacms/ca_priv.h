/*
 * ca_priv.h - internals shared by ca.c (signing at run time) and
 * ca_boot.c (first start and restart of the CA): the CA object itself and
 * the helpers that build and sign a certificate.  Private to pvacms, not
 * installed; everyone else goes through ca.h.
 */
#ifndef PVACMS_CA_PRIV_H
#define PVACMS_CA_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "certid.h"

struct ca {
	EVP_PKEY *key;
	X509 *cert;
	char issuer_id[CERTID_ISSUER_LEN];
	char *status_url;		/* AIA OCSP base, no trailing '/' */
	int64_t not_before, not_after;
};

/* One extension given as an OpenSSL configuration string. */
struct ca_ext {
	int nid;
	const char *value;
};

/* What to put in a new certificate besides the key and the name. */
struct ca_certspec {
	EVP_PKEY *pubkey;		/* subject key, or NULL when: */
	const X509_PUBKEY *spki;	/* ... its SubjectPublicKeyInfo, copied
					 * as it is (no key re-encoding) */
	const struct ca_subject *subject;
	X509 *issuer;			/* NULL: self-signed */
	EVP_PKEY *signkey;
	uint64_t serial;
	int64_t not_before, not_after;
	const struct ca_ext *exts;	/* terminated by nid 0 */
	GENERAL_NAMES *san;		/* may be NULL */
	const char *ocsp_url;		/* may be NULL */
	const char *status_pv;		/* the status PV name, or NULL */
};

/* err = "<what>" or "<what>: <first OpenSSL reason>"; clears the queue. */
void	ca_seterr(char *err, size_t errlen, const char *what);

/* 63 random bits from the OS CSPRNG, never zero.  0 or -1. */
int	ca_rand_serial(uint64_t *out);

/*
 * Build and sign one certificate from spec: 0 with *out set (caller
 * frees with X509_free), HOSTERR_POLICY (a subject the host will not
 * sign) or HOSTERR_CRYPTO, with err set.
 */
int	ca_make_cert(const struct ca_certspec *spec, X509 **out, char *err,
	    size_t errlen);

/* Clamp [*nb, *na] to the CA certificate's validity window. */
void	ca_clamp(const struct ca *ca, int64_t *nb, int64_t *na);

#endif
