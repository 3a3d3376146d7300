/*
 * x509show.h - the two text blocks pvxcert prints (DESIGN §3, contract):
 * "Certificate Details:" for a certificate and "Certificate Status:" for
 * its verified status, plus the "KEY=value, KEY=value" form of a name.
 */
#ifndef PVACMS_X509SHOW_H
#define PVACMS_X509SHOW_H

#include <stdint.h>
#include <stdio.h>
#include <openssl/x509.h>

/* What the status block shows; dates are POSIX seconds. */
struct x509show_status {
	const char *cert_id;
	const char *state;		/* "VALID", "REVOKED", ... */
	int64_t issued;
	int64_t expires;
	int revoked;			/* print the revocation line */
	int64_t revocation_date;
};

/*
 * A name in the certificate's RDN order as "CN=softioc, O=localhost",
 * short attribute names (OBJ_nid2sn), dotted OIDs for unknown ones,
 * control characters replaced by '?'.  Returns a string the caller frees
 * with free(), or NULL on error.
 */
char *x509show_name(const X509_NAME *name);

/* Print the details block of cert under cert_id.  0 or -1. */
int x509show_details(FILE *out, const char *cert_id, const X509 *cert);

/* Print the status block.  0 or -1. */
int x509show_status(FILE *out, const struct x509show_status *st);

#endif
