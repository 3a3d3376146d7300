/*
 * ca_admin.h - administrator keychains: a client certificate for a
 * person, signed by the CA, written with its key and the CA chain as a
 * PKCS#12 file.  Used at first start for the bootstrap admin (ca_boot.c)
 * and by pvacms --admin-keychain-new NAME (main.c).
 */
#ifndef PVACMS_CA_ADMIN_H
#define PVACMS_CA_ADMIN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "ca.h"

/* Longest CN PVXS keeps (DESIGN §5). */
#define CA_ADMIN_CN_MAX 63

/*
 * Whether name can be an administrator's CN and a file name: 1 to 63
 * letters, digits, '.', '_', '-' or '@', not starting with '.' or '-'.
 * 0 or -1 with why set.
 */
int ca_admin_check_name(const char *name, char *why, size_t whylen);

/*
 * Sign a client certificate CN=cn (EC P-256 key, valid 366 days within
 * the CA's validity, clientAuth, the CA's OCSP URL), report it through
 * record_cb (usage "admin", which makes it an administrator's; state
 * VALID; may be NULL) and write key,
 * certificate and CA as a keychain at path with password (atomic, mode
 * 0600, parents 0700; an existing file is replaced, so check first).
 * Returns the certificate, which the caller frees with X509_free, or
 * NULL with err set (and no file written).
 */
X509 *ca_admin_keychain(struct ca *ca, const char *cn, const char *path,
    const char *password, ca_record_cb record_cb, void *record_arg,
    char *err, size_t errlen);

#endif
