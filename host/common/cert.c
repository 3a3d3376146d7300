/*
 * cert.c - the name tables of certificate states and usages.  Every
 * other file says a state or a usage through these, so that a name is
 * spelt in one place.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "cert.h"

static const char *const cert_state_names[] = {
	[STATE_UNKNOWN] = "UNKNOWN", [STATE_VALID] = "VALID",
	[STATE_PENDING] = "PENDING",
	[STATE_PENDING_APPROVAL] = "PENDING_APPROVAL",
	[STATE_PENDING_RENEWAL] = "PENDING_RENEWAL",
	[STATE_EXPIRED] = "EXPIRED", [STATE_REVOKED] = "REVOKED"
};

static const char *const cert_usage_names[] = {
	[USAGE_UNKNOWN] = "unknown", [USAGE_CLIENT] = "client",
	[USAGE_SERVER] = "server", [USAGE_IOC] = "ioc",
	[USAGE_ADMIN] = "admin", [USAGE_TLS] = "tls", [USAGE_CA] = "ca"
};

#define CERT_NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
cert_state_name(int state)
{
	if (state < 0 || (size_t)state >= CERT_NELEM(cert_state_names))
		return cert_state_names[STATE_UNKNOWN];
	return cert_state_names[state];
}

const char *
cert_usage_name(int usage)
{
	if (usage < 0 || (size_t)usage >= CERT_NELEM(cert_usage_names))
		return cert_usage_names[USAGE_UNKNOWN];
	return cert_usage_names[usage];
}

enum cert_usage
cert_usage_of(const char *name)
{
	size_t i;

	for (i = 1; name != NULL && i < CERT_NELEM(cert_usage_names); i++)
		if (strcmp(name, cert_usage_names[i]) == 0)
			return (enum cert_usage)i;
	return USAGE_UNKNOWN;
}

int
cert_usage_requestable(int usage)
{
	return usage == USAGE_CLIENT || usage == USAGE_SERVER ||
	    usage == USAGE_IOC;
}
