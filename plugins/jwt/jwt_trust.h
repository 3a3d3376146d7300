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
 * The table the modules use: a copy of host's (its size and version)
 * whose fetch services go through the trust anchors of jwt_trust_set.
 * Static: valid until the next call.  Call from init only.
 */
const struct pvacms_host_services *jwt_trust_wrap(
    const struct pvacms_host_services *host);

/*
 * Use the PEM file ca_file (NULL or blank: the system's anchors) from
 * now on.  It must be readable, and the host must offer http_fetch_tls
 * (ABI 1.5).  Returns 0, or -1 with a reason naming
 * EPICS_AUTH_JWT_CA_FILE in err, the old setting kept.  Call while no
 * fetch runs (init, reload).
 */
int jwt_trust_set(const char *ca_file, char *err, size_t errlen);

/* Forget the wrapped table and the anchors (fini). */
void jwt_trust_clear(void);

#endif
