/*
 * jwt_discovery.h - OpenID Connect discovery (OpenID Connect Discovery
 * 1.0 §4, RFC 8414): an issuer URL alone is enough.  pvacms reads
 * <issuer>/.well-known/openid-configuration, requires its "issuer" to be
 * the configured issuer exactly, and takes "jwks_uri" and, when
 * introspection is used, "introspection_endpoint" from it.  It runs when
 * the configuration is loaded (start and SIGHUP), so that what is wrong
 * is said then, not to the first user; a failure keeps pvacms from
 * starting, or keeps the old configuration on a reload.
 */
#ifndef PVACMS_JWT_DISCOVERY_H
#define PVACMS_JWT_DISCOVERY_H

#include <stddef.h>

#include "pvacms/authn.h"

#define JWT_DISCOVERY_PATH "/.well-known/openid-configuration"
#define JWT_DISCOVERY_MAX (64 * 1024)

/* What discovery found, as lists parallel to the issuers ("-": none). */
struct jwt_discovery {
	char *jwks_uris;		/* owned, or NULL when not asked */
	char *introspection_uris;	/* owned, or NULL when not asked */
};

/*
 * Discover every issuer of the space-separated list issuers.  With
 * want_jwks, each document must name a jwks_uri (an https URL, or http
 * to a loopback host), and that key set is fetched once and must parse
 * (jwt_jwks_parse); with want_introspection, each document must name an
 * introspection_endpoint under the same rule.  Returns 0 with *out
 * filled (release with jwt_discovery_clear), or -1 with a one-line
 * reason naming EPICS_AUTH_JWT_ISSUER, the issuer and what is wrong.
 */
int jwt_discovery_run(const struct pvacms_host_services *svc,
    const char *issuers, int want_jwks, int want_introspection,
    long timeout_ms, struct jwt_discovery *out, char *err, size_t errlen);

void jwt_discovery_clear(struct jwt_discovery *d);

#endif
