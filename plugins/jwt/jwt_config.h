/*
 * jwt_config.h - the configuration of the jwt plugin, read through a
 * lookup function (the host's config_get, or a fake one in tests) from
 * the EPICS_AUTH_JWT_* variables of DESIGN §7.
 */
#ifndef PVACMS_JWT_CONFIG_H
#define PVACMS_JWT_CONFIG_H

#include <stddef.h>

#include "jwt_url.h"

#define JWT_FORMAT_MAX 4096
#define JWT_LEEWAY_DEFAULT 60
#define JWT_LEEWAY_MAX 3600
#define JWT_TIMEOUT_DEFAULT 5000
#define JWT_TIMEOUT_MIN 100
#define JWT_TIMEOUT_MAX 60000
#define JWT_SCRIPT_PATH_MAX 4096
#define JWT_TRUSTED_MAX 16

typedef const char *(*jwt_config_get_fn)(const char *env_name);

struct jwt_cred;

struct jwt_config {
	int mode;			/* JWT_MODE_* below */
	/*
	 * EPICS_AUTH_JWT_TRUSTED_URI: one URI, or several separated by
	 * spaces (one per issuer; a token's iss picks exactly one).
	 * trusted_uri and trusted are the first, or NULL and empty in
	 * local mode; jwt_config_pick gives a request its own.
	 */
	char *trusted_uri;
	struct jwt_url trusted;
	size_t ntrusted;
	char **trusted_uris;		/* ntrusted URIs */
	struct jwt_url *trusted_urls;	/* the same, parsed */
	char *request_format;		/* default "#token#" */
	int method_get;			/* 0: POST (default), 1: GET */
	char *response_format;		/* default "#response#" */
	int use_response_code;		/* 0 or 1 */
	long leeway;			/* seconds, 0..3600, default 60 */
	long timeout_ms;		/* 100..60000, default 5000 */
	char *claims_script;		/* ..._CLAIMS_SCRIPT path, or NULL */
	char *response_script;		/* ..._RESPONSE_SCRIPT path, or NULL */
	/*
	 * EPICS_AUTH_JWT_TYPES: allowed typ values (NULL-terminated, owned),
	 * or NULL to allow any.
	 */
	char **types;
	size_t ntypes;
	/*
	 * Set by jwt_config_pick's caller: the credential presented to the
	 * picked validator (borrowed, may be NULL), and the pick's index.
	 */
	const struct jwt_cred *cred;
	size_t pick;
	/*
	 * Introspect mode: the issuers (EPICS_AUTH_JWT_ISSUER) and, parallel
	 * to them, their endpoints (EPICS_AUTH_JWT_INTROSPECTION_URI, or
	 * what discovery found); and the accepted audiences.  All owned.
	 */
	char **issuers;
	size_t nissuers;
	char **introspect_uris;
	char **audiences;
	size_t naudiences;
};

/*
 * Read and check every variable.  Returns a new config (release with
 * jwt_config_free), or NULL with a one-line reason naming the variable
 * in err.
 */
struct jwt_config *jwt_config_load(jwt_config_get_fn get, char *err,
    size_t errlen);

void jwt_config_free(struct jwt_config *cfg);

/*
 * The trusted validator for a token's iss (NULL when it has none): the
 * one URI whose issuer rule (jwt_iss_check) iss satisfies.  Fills *out
 * with a shallow copy of cfg whose trusted_uri and trusted are that
 * URI's (it borrows cfg's strings: do not free it, do not outlive cfg)
 * and returns 0; or -1 with a reason in err (issuer_mismatch) when no
 * URI or more than one fits, or iss is NULL among several URIs.
 */
int jwt_config_pick(const struct jwt_config *cfg, const char *iss,
    struct jwt_config *out, char *err, size_t errlen);

/*
 * Introspect mode: the issuer a token belongs to.  A JWT's iss (may be
 * NULL) must be one of cfg->issuers exactly; an opaque token (is_jwt 0)
 * can name none, so it belongs to the one issuer when there is one.
 * Returns the index, or -1 with a reason (issuer_mismatch) in err.
 */
long jwt_config_issuer(const struct jwt_config *cfg, int is_jwt,
    const char *iss, char *err, size_t errlen);

/*
 * Whether url may be fetched by pvacms: https, or http to a loopback
 * host (127.0.0.0/8, ::1, localhost).  Returns 0, or -1 with a reason.
 */
int jwt_config_fetchable(const char *url, char *err, size_t errlen);

/*
 * EPICS_AUTH_JWT_TYPES: whether typ (may be NULL) is allowed.  Compared
 * without case and without an "application/" prefix (RFC 7515 §4.1.9).
 * Returns 1 when allowed (always, when the variable is unset), else 0
 * with a reason in err.
 */
int jwt_config_type_ok(const struct jwt_config *cfg, const char *typ,
    char *err, size_t errlen);

/*
 * Parse a yes/no word: yes true 1 y on -> 1; no false 0 n off or empty
 * -> 0 (case-insensitive); anything else -1.
 */
int jwt_config_bool(const char *s);

/* EPICS_AUTH_JWT_MODE, as bits: both = remote | local. */
#define JWT_MODE_REMOTE 1
#define JWT_MODE_LOCAL 2
#define JWT_MODE_BOTH (JWT_MODE_REMOTE | JWT_MODE_LOCAL)
/* RFC 7662 introspection decides; with local keys a JWT is checked too. */
#define JWT_MODE_INTROSPECT 4

/* 1 when s (may be NULL) holds more than white space, else 0. */
int jwt_config_nonblank(const char *s);

/*
 * Whether any local key source is configured (EPICS_AUTH_JWT_JWKS_URI
 * or EPICS_AUTH_JWT_HS_SECRET_FILE not blank).  Returns 1 or 0.
 */
int jwt_config_local_configured(jwt_config_get_fn get);

/*
 * The first word of EPICS_AUTH_JWT_MODE, lower-cased, into word (size
 * bytes, NUL included; a longer word is cut and so matches no mode).
 * Returns its length, 0 when unset or blank.
 */
size_t jwt_config_mode_word(jwt_config_get_fn get, char *word, size_t size);

/*
 * EPICS_AUTH_JWT_MODE: "remote", "local", "both", or unset/blank for
 * what is configured (both when both are).  have_remote says whether
 * EPICS_AUTH_JWT_TRUSTED_URI is set.  Returns the JWT_MODE_* bits, or
 * -1 with a reason in err (unknown word, a mode whose settings are
 * missing, nothing configured at all).
 */
int jwt_config_mode(jwt_config_get_fn get, int have_remote, char *err,
    size_t errlen);

#endif
