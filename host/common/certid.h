/*
 * certid.h - certificate identifiers: "<issuer_id>:<serial>", where
 * issuer_id is the first 8 lowercase hex digits of the CA's
 * subjectKeyIdentifier and serial is the certificate serial in decimal,
 * unpadded (DESIGN §5).
 */
#ifndef PVACMS_CERTID_H
#define PVACMS_CERTID_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#define CERTID_ISSUER_LEN 9	/* 8 hex digits + NUL */
#define CERTID_MAX 32		/* 8 + ':' + 20 digits + NUL, rounded */

/* Issuer id from a CA certificate's own SKID.  0 or -1 (no SKID). */
int certid_issuer_of_ca(const X509 *ca, char out[CERTID_ISSUER_LEN]);

/* Issuer id from a leaf certificate's AKID keyid.  0 or -1. */
int certid_issuer_of_leaf(const X509 *leaf, char out[CERTID_ISSUER_LEN]);

/* Serial number as an unsigned 64-bit value.  0 or -1 (too big/negative). */
int certid_serial_u64(const X509 *cert, uint64_t *out);

/* "<issuer_id>:<serial>" for a leaf, using its AKID.  0 or -1. */
int certid_of_leaf(const X509 *leaf, char *buf, size_t len);

/* Format from parts. */
void certid_format(const char *issuer_id, uint64_t serial, char *buf,
    size_t len);

/*
 * Parse "<8 lowercase hex>:<decimal serial>" strictly: no sign, no
 * leading '+', no spaces, leading zeros accepted, value < 2^64.
 * 0 or -1 with a reason in err.
 */
int certid_parse(const char *id, char issuer_out[CERTID_ISSUER_LEN],
    uint64_t *serial_out, char *err, size_t errlen);

/*
 * The PV that serves a certificate's status over PVAccess (DESIGN §10):
 * "CERT:STATUS:<issuer_id>:<serial>", the serial zero-padded to 20
 * digits, the form pvacms writes into the status extension and PVXS
 * agents read verbatim.
 */
#define CERTID_STATUS_PREFIX "CERT:STATUS:"
#define CERTID_STATUS_PV_MAX 42	/* 12 + 8 + 1 + 20 + NUL */

void certid_status_pv(const char *issuer_id, uint64_t serial, char *buf,
    size_t len);

/*
 * Parse a status PV name: the prefix, then an id as certid_parse takes
 * it with a serial of at most 20 digits (padded or not, as `pvxcert
 * <id>` asks for it unpadded).  0 or -1 with a reason in err.
 */
int certid_parse_status_pv(const char *name,
    char issuer_out[CERTID_ISSUER_LEN], uint64_t *serial_out, char *err,
    size_t errlen);

#endif
