/*
 * certid.c - certificate identifiers "<issuer_id>:<serial>" (DESIGN §5).
 * The issuer id is the first four bytes of the CA's subjectKeyIdentifier
 * as eight lowercase hex digits (what PVXS derives), found on a leaf
 * through its authorityKeyIdentifier; the serial is the certificate
 * serial number in decimal.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certid.h"

static int	certid_hex4(const ASN1_OCTET_STRING *kid,
		    char out[CERTID_ISSUER_LEN]);
static void	certid_seterr(char *err, size_t errlen, const char *msg);

static void
certid_seterr(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

static int
certid_hex4(const ASN1_OCTET_STRING *kid, char out[CERTID_ISSUER_LEN])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	int i;

	if (kid == NULL || ASN1_STRING_length(kid) < 4)
		return -1;
	p = ASN1_STRING_get0_data(kid);
	for (i = 0; i < 4; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0x0f];
	}
	out[8] = '\0';
	return 0;
}

int
certid_issuer_of_ca(const X509 *ca, char out[CERTID_ISSUER_LEN])
{
	if (ca == NULL)
		return -1;
	/* X509_get0_subject_key_id caches extensions; it wants non-const. */
	return certid_hex4(X509_get0_subject_key_id((X509 *)ca), out);
}

int
certid_issuer_of_leaf(const X509 *leaf, char out[CERTID_ISSUER_LEN])
{
	AUTHORITY_KEYID *akid;
	int rc;

	if (leaf == NULL)
		return -1;
	/* Decoded alone: X509_get0_authority_key_id would fill OpenSSL's
	 * extension cache, which hashes the whole certificate (one more
	 * DER encoding and a SHA-1 per certificate issued). */
	if ((akid = X509_get_ext_d2i(leaf, NID_authority_key_identifier,
	    NULL, NULL)) == NULL)
		return -1;
	rc = certid_hex4(akid->keyid, out);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

int
certid_serial_u64(const X509 *cert, uint64_t *out)
{
	const ASN1_INTEGER *sn;
	uint64_t v;

	if (cert == NULL || out == NULL)
		return -1;
	if ((sn = X509_get0_serialNumber(cert)) == NULL)
		return -1;
	if (ASN1_INTEGER_get_uint64(&v, sn) != 1)
		return -1;
	*out = v;
	return 0;
}

int
certid_of_leaf(const X509 *leaf, char *buf, size_t len)
{
	char issuer[CERTID_ISSUER_LEN];
	uint64_t serial;
	int n;

	if (buf == NULL || len == 0)
		return -1;
	buf[0] = '\0';
	if (certid_issuer_of_leaf(leaf, issuer) != 0 ||
	    certid_serial_u64(leaf, &serial) != 0)
		return -1;
	n = snprintf(buf, len, "%s:%" PRIu64, issuer, serial);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

void
certid_format(const char *issuer_id, uint64_t serial, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
	snprintf(buf, len, "%s:%" PRIu64, issuer_id ? issuer_id : "",
	    serial);
}

int
certid_parse(const char *id, char issuer_out[CERTID_ISSUER_LEN],
    uint64_t *serial_out, char *err, size_t errlen)
{
	const char *p;
	uint64_t v = 0;
	int i;

	if (id == NULL) {
		certid_seterr(err, errlen, "no certificate id");
		return -1;
	}
	for (i = 0; i < 8; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			certid_seterr(err, errlen, "malformed certificate id: "
			    "expected 8 lowercase hex digits, ':' and a "
			    "decimal serial");
			return -1;
		}
	}
	if (id[8] != ':') {
		certid_seterr(err, errlen, "malformed certificate id: "
		    "expected ':' after the 8-digit issuer id");
		return -1;
	}
	p = id + 9;
	if (*p == '\0') {
		certid_seterr(err, errlen, "malformed certificate id: "
		    "missing serial number");
		return -1;
	}
	for (; *p != '\0'; p++) {
		unsigned d;

		if (*p < '0' || *p > '9') {
			certid_seterr(err, errlen, "malformed certificate id: "
			    "serial must be decimal digits only");
			return -1;
		}
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			certid_seterr(err, errlen, "malformed certificate id: "
			    "serial number too large");
			return -1;
		}
		v = v * 10 + d;
	}
	if (issuer_out != NULL) {
		memcpy(issuer_out, id, 8);
		issuer_out[8] = '\0';
	}
	if (serial_out != NULL)
		*serial_out = v;
	return 0;
}

void
certid_status_pv(const char *issuer_id, uint64_t serial, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s%s:%020" PRIu64, CERTID_STATUS_PREFIX,
	    issuer_id, serial);
}

int
certid_parse_status_pv(const char *name, char issuer_out[CERTID_ISSUER_LEN],
    uint64_t *serial_out, char *err, size_t errlen)
{
	size_t plen = sizeof(CERTID_STATUS_PREFIX) - 1;

	if (name == NULL || strncmp(name, CERTID_STATUS_PREFIX, plen) != 0) {
		certid_seterr(err, errlen, "not a status PV name: expected "
		    CERTID_STATUS_PREFIX "<issuer_id>:<serial>");
		return -1;
	}
	/* 8 hex digits, ':', at most 20 decimal digits. */
	if (strlen(name + plen) > 8 + 1 + 20) {
		certid_seterr(err, errlen, "malformed status PV name: serial "
		    "longer than 20 digits");
		return -1;
	}
	return certid_parse(name + plen, issuer_out, serial_out, err, errlen);
}
