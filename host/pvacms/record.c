/*
 * record.c - one builder for the row of a signed certificate (see
 * record.h), and the PEM text that rows, keychain files and answers
 * carry.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certid.h"
#include "db.h"
#include "hosterr.h"
#include "record.h"
#include "timefmt.h"

static void	record_name_field(X509_NAME *name, int nid, char *buf,
		    size_t len);

/* One subject attribute as UTF-8 text, "" when absent or too long. */
static void
record_name_field(X509_NAME *name, int nid, char *buf, size_t len)
{
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int idx, n;

	buf[0] = '\0';
	if ((idx = X509_NAME_get_index_by_NID(name, nid, -1)) < 0 ||
	    (e = X509_NAME_get_entry(name, idx)) == NULL)
		return;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (n >= 0 && (size_t)n < len) {
		memcpy(buf, utf8, (size_t)n);
		buf[n] = '\0';
	}
	OPENSSL_free(utf8);
}

int
record_build(struct db_cert *row, X509 *cert, int usage, int state,
    int admin, int64_t now, char *err, size_t errlen)
{
	ASN1_OCTET_STRING *skid;
	X509_NAME *name = X509_get_subject_name(cert);
	int i;

	memset(row, 0, sizeof(*row));
	if (certid_serial_u64(cert, &row->serial) != 0 ||
	    certid_issuer_of_leaf(cert, row->issuer_id) != 0 ||
	    timefmt_from_asn1(X509_get0_notBefore(cert),
	    &row->not_before) != 0 ||
	    timefmt_from_asn1(X509_get0_notAfter(cert),
	    &row->not_after) != 0) {
		ERR_clear_error();
		snprintf(err, errlen, "cannot read back the signed "
		    "certificate's serial, issuer or validity");
		return HOSTERR_INTERNAL;
	}
	/* Decoded alone, as certid_issuer_of_leaf does: OpenSSL's
	 * extension cache would hash the whole certificate. */
	if ((skid = X509_get_ext_d2i(cert, NID_subject_key_identifier, NULL,
	    NULL)) != NULL) {
		for (i = 0; i < ASN1_STRING_length(skid) &&
		    (size_t)i < (sizeof(row->skid) - 1) / 2; i++)
			snprintf(row->skid + 2 * i, 3, "%02x",
			    ASN1_STRING_get0_data(skid)[i]);
		ASN1_OCTET_STRING_free(skid);
	}
	record_name_field(name, NID_commonName, row->cn, sizeof(row->cn));
	record_name_field(name, NID_organizationName, row->o, sizeof(row->o));
	record_name_field(name, NID_organizationalUnitName, row->ou,
	    sizeof(row->ou));
	record_name_field(name, NID_countryName, row->c, sizeof(row->c));
	row->usage = usage;
	row->admin = admin != 0;
	row->state = state;
	row->status_date = now;
	if ((row->pem = record_pem(cert)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HOSTERR_NOMEM;
	}
	return 0;
}

char *
record_pem(X509 *cert)
{
	BIO *bio;
	char *data, *out = NULL;
	long n;

	if (cert == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509(bio, cert) == 1 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(bio);
	ERR_clear_error();
	return out;
}
