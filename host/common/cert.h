/*
 * cert.h - pvacms's words for a certificate: the states it moves
 * through (DESIGN §6, reference §4.1) and the usages it was signed for,
 * each with its one name table, shared by the daemon, its Lua hooks and
 * the command-line tools.  The values are what the database stores; the
 * names are what the HTTP API, the audit trail, the hooks and the logs
 * say.  No I/O, no state.
 */
#ifndef PVACMS_CERT_H
#define PVACMS_CERT_H

#include "pvacms/authn.h"

/* The index is the stored value. */
enum cert_state {
	STATE_UNKNOWN = 0, STATE_VALID = 1, STATE_PENDING = 2,
	STATE_PENDING_APPROVAL = 3, STATE_PENDING_RENEWAL = 4,
	STATE_EXPIRED = 5, STATE_REVOKED = 6
};

/*
 * What a certificate was signed for.  The three a request may ask for
 * are the plugin ABI's own values; the others are the daemon's own
 * certificates: an administrator keychain it made, its TLS identity and
 * its root.
 */
enum cert_usage {
	USAGE_UNKNOWN = 0,
	USAGE_CLIENT = PVACMS_USAGE_CLIENT,
	USAGE_SERVER = PVACMS_USAGE_SERVER,
	USAGE_IOC = PVACMS_USAGE_IOC,
	USAGE_ADMIN = 4,
	USAGE_TLS = 5,
	USAGE_CA = 6
};

/* "VALID", ...; "UNKNOWN" for anything out of range.  Static string. */
const char *cert_state_name(int state);

/* "client", ..., "ca"; "unknown" for anything out of range.  Static. */
const char *cert_usage_name(int usage);

/* The usage of a name (exact spelling above), or USAGE_UNKNOWN. */
enum cert_usage cert_usage_of(const char *name);

/* 1 for the usages a request may ask for (client, server, ioc). */
int cert_usage_requestable(int usage);

#endif
