/*
 * jwt_cred.h - the credentials pvacms presents to a token validator or
 * an RFC 7662 introspection endpoint (DESIGN §7, "Identity providers as
 * sites run them"): a client id and secret (HTTP Basic or in the POST
 * body), a bearer token, and a client keychain for mutual TLS.
 *
 * Each variable is unset, one entry for every endpoint, or a list
 * parallel to the endpoints ("-" for none): the trusted URIs in remote
 * mode, the issuers in introspect mode.  Secrets come from files that
 * only their owner may read (mode 0600 or stricter), never from the
 * environment, and never reach a log line or a reason.
 */
#ifndef PVACMS_JWT_CRED_H
#define PVACMS_JWT_CRED_H

#include <stddef.h>

#include "jwt_config.h"

#define JWT_CRED_SECRET_MAX 4096
#define JWT_CRED_ID_MAX 256

struct jwt_cred {
	char *client_id;	/* NULL: no client authentication */
	char *secret;		/* the client secret, or NULL (cleansed on free) */
	int post;		/* 1: client_secret_post; 0: HTTP Basic */
	char *bearer;		/* Authorization: Bearer value, or NULL */
	char *keychain;		/* PKCS#12 path for mutual TLS, or NULL */
};

struct jwt_creds {
	struct jwt_cred *v;	/* n entries, one per endpoint */
	size_t n;
	int any;		/* whether any entry holds a credential */
};

/*
 * Read EPICS_AUTH_JWT_CLIENT_ID, _CLIENT_SECRET_FILE, _CLIENT_AUTH,
 * _BEARER_FILE and _CLIENT_KEYCHAIN for nslots endpoints, whose list is
 * named by slots_var in errors.  Secret files are read now and checked
 * (regular, owner-only mode, size, no control characters).  Returns a
 * new object (release with jwt_creds_free), or NULL with a one-line
 * reason naming the variable in err.
 */
struct jwt_creds *jwt_creds_load(jwt_config_get_fn get, size_t nslots,
    const char *slots_var, char *err, size_t errlen);

/* Cleanse the secrets and free; NULL is fine. */
void jwt_creds_free(struct jwt_creds *c);

/* The credential of endpoint i (never NULL for i < n; may be empty). */
const struct jwt_cred *jwt_creds_get(const struct jwt_creds *c, size_t i);

/*
 * What a request to the endpoint carries for credential c (may be NULL):
 * *auth becomes an "Authorization: ..." header line (Basic or Bearer)
 * or NULL, and *form a "client_id=...&client_secret=..." form fragment
 * (client_secret_post, or the client id alone with a keychain) or NULL;
 * both url-encoded as RFC 6749 §2.3.1 asks, both for the caller to
 * release with jwt_cred_wipe.  Returns 0, or -1 on allocation failure.
 */
int jwt_cred_request(const struct jwt_cred *c, char **auth, char **form);

/* Cleanse and free a string from jwt_cred_request (NULL is fine). */
void jwt_cred_wipe(char *s);

/*
 * Whether path is a regular file that only its owner may read or write
 * (no group or other bits).  Returns 0, or -1 with a reason naming var
 * and the path in err.
 */
int jwt_cred_file_private(const char *var, const char *path, char *err,
    size_t errlen);

#endif
