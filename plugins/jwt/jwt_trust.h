/*
 * jwt_trust.h - the host's services table as the plugin's modules see
 * it: the same table, except that every fetch (validator, introspection,
 * discovery, key set) trusts EPICS_AUTH_JWT_CA_FILE instead of the
 * system's anchors when it is set, e.g. for an identity provider with a
 * site CA.  A client keychain a module passes keeps its own way.
 */
#ifndef PVACMS_JWT_TRUST_H
#define PVACMS_JWT_TRUST_H

#include <stddef.h>

#include "pvacms/authn.h"

/*
 * The table the modules are to use with the PEM file ca_file (NULL or
 * blank: none): host itself without one, else a copy of host whose
 * fetch services trust ca_file (valid until the next call).  The file
 * must be readable and the host must offer http_fetch_tls (ABI 1.5).
 * Returns the table, or NULL with a reason naming
 * EPICS_AUTH_JWT_CA_FILE in err (the previous table stays valid).  Call
 * while no fetch runs (init, reload).
 */
const struct pvacms_host_services *jwt_trust_set(
    const struct pvacms_host_services *host, const char *ca_file, char *err,
    size_t errlen);

/* Forget the wrapped table and the anchors (fini). */
void jwt_trust_clear(void);

#endif
