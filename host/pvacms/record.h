/*
 * record.h - the database row of a certificate pvacms signed, built in
 * one place from the certificate itself, whoever signed it for whom: a
 * request (issue.c), the bootstrap (the CA, the service's TLS identity,
 * the first administrator) or pvacms --admin-keychain-new.  What the
 * certificate says (serial, issuer, key id, subject, validity, PEM) is
 * read back from it, so the row can never disagree with what was handed
 * out.
 */
#ifndef PVACMS_RECORD_H
#define PVACMS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

struct db_cert;

/*
 * Fill *row from cert, with usage (enum cert_usage), state, admin and
 * status_date now; pubkey_sha256, token_id and the revocation fields stay
 * empty for the caller.  row->pem is allocated: the caller frees it with
 * db_cert_clear.  0, or a HOSTERR_* code with err set (row cleared).
 */
int record_build(struct db_cert *row, X509 *cert, int usage, int state,
    int admin, int64_t now, char *err, size_t errlen);

/* The PEM text of cert, NUL-terminated; caller frees with free(). */
char *record_pem(X509 *cert);

#endif
