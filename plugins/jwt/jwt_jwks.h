/*
 * jwt_jwks.h - a JSON Web Key Set for local verification, read from a
 * pinned file or fetched over http(s) through the host's http_fetch,
 * and cached: fresh for max-age (5 min .. 24 h), refetched at once for
 * an unknown kid (one fetch at a time, the other verifiers wait for its
 * result; at most one such fetch per cooldown, and a kid the cooldown
 * keeps us from looking for is "retry later", not "bad token"), and
 * served stale through fetch failures up to a ceiling, after which it
 * fails closed.
 */
#ifndef PVACMS_JWT_JWKS_H
#define PVACMS_JWT_JWKS_H

#include <stddef.h>
#include <stdint.h>

#include <cjose/jwk.h>

#include "pvacms/authn.h"

#include "jwt_alg.h"

#define JWT_JWKS_MAX_BYTES (256 * 1024)	/* a JWKS document or file */
#define JWT_JWKS_MAX_KEYS 64
#define JWT_JWKS_KID_MAX 256
#define JWT_JWKS_MAXAGE_MIN 300		/* 5 min */
#define JWT_JWKS_MAXAGE_MAX 86400	/* 24 h */
#define JWT_JWKS_MAXAGE_DEFAULT 300
#define JWT_JWKS_COOLDOWN_DEFAULT 30
#define JWT_JWKS_COOLDOWN_MAX 3600
#define JWT_JWKS_STALE_MAX 86400	/* serve stale keys 24 h past expiry */
#define JWT_JWKS_REFUSED 32		/* tokens remembered as refused */
#define JWT_JWKS_TID_LEN 32		/* a token's id: its SHA-256 */

/* One usable verification key. */
struct jwt_jwk {
	char *kid;			/* NULL when the JWK has none */
	cjose_jwk_t *jwk;		/* public key (owned) */
	const struct jwt_alg *alg;	/* the JWK's own "alg", or NULL */
};

/* An immutable set of keys, shared by reference count. */
struct jwt_keyset {
	unsigned long refs;
	size_t n;
	struct jwt_jwk keys[];
};

/* What the cache did so far (a snapshot; for logs and /metrics). */
struct jwt_jwks_stats {
	int64_t last_fetch;		/* last good fetch or read, 0 never */
	int64_t last_attempt;		/* last fetch attempt, 0 never */
	int64_t expires;		/* end of freshness, 0 none */
	size_t keys;			/* keys in the current set */
	unsigned long fetches;		/* fetch attempts */
	unsigned long failures;		/* failed attempts */
	unsigned long unknown_kid;	/* lookups whose kid was not held */
	unsigned long kid_fetches;	/* fetches for an unknown kid */
	unsigned long deferred;		/* lookups told to retry later */
	unsigned long stale_served;	/* lookups served by expired keys */
	int is_file;			/* pinned file: never fetched */
};

struct jwt_jwks;

/*
 * A cache for source: an http:// or https:// URL (fetched lazily, from
 * the first lookup, through svc->http_fetch with timeout_ms), or a file
 * path (read now, and never again: a reload makes a new cache).
 * cooldown is the least time in seconds between two fetches caused by
 * unknown kids, and between a failed fetch and the next attempt; the
 * routine fetches (the first one, and at the end of freshness) never
 * start it.  Returns a cache the caller releases with jwt_jwks_free, or
 * NULL with a reason in err.
 */
struct jwt_jwks *jwt_jwks_new(const char *source,
    const struct pvacms_host_services *svc, long timeout_ms, long cooldown,
    char *err, size_t errlen);

/* Release the cache; no lookup may be running. */
void jwt_jwks_free(struct jwt_jwks *c);

/*
 * Find the key for a token signed with alg under kid (NULL: the token
 * has none, and exactly one key of the set may fit), fetching when the
 * set is missing, expired or lacks kid, as the rules above allow.  tid
 * (JWT_JWKS_TID_LEN bytes, or NULL) identifies the token, so that one
 * refused for good is refused again without a fetch.  Runs
 * in a verify worker and may block for one fetch.  Returns JWT_OK with
 * *set referenced (release it with jwt_jwks_release) and *key in it, or
 * with a reason in err:
 *   JWT_KID_UNKNOWN		kid absent from a set fetched after the
 *				lookup of this token began (now or
 *				before), or from a pinned file: a bad
 *				token
 *   JWT_ALG_NOT_ALLOWED	kid held, but for another key type
 *   JWT_JWKS_REFRESH_PENDING	kid absent, and the cooldown (or a fetch
 *				still in flight) forbids looking for it now
 *   JWT_JWKS_UNREACHABLE	no usable set, or kid absent and the set
 *				cannot be fetched
 * With the last two, *retry_after holds the seconds after which a retry
 * may succeed (0: unknown).  With offline set (pvacms --dry-run) it
 * never fetches nor waits: only keys already held count.
 */
int jwt_jwks_lookup(struct jwt_jwks *c, const char *kid,
    const unsigned char *tid, const struct jwt_alg *alg, int64_t now,
    int offline,
    struct jwt_keyset **set, const struct jwt_jwk **key, int *retry_after,
    char *err, size_t errlen);

/* Drop a reference taken by jwt_jwks_lookup. */
void jwt_jwks_release(struct jwt_jwks *c, struct jwt_keyset *set);

/* A snapshot of the counters. */
void jwt_jwks_stats(struct jwt_jwks *c, struct jwt_jwks_stats *st);

/* The source as configured (a file path, or a URL) for log lines. */
const char *jwt_jwks_source(const struct jwt_jwks *c);

/*
 * Parse a JWKS document (RFC 7517 §5) into a new key set with one
 * reference.  Keys that cannot verify for us are left out: kty other
 * than RSA and EC (oct keys never come from a JWKS), "use" other than
 * "sig", "key_ops" without "verify", private keys.  *skipped counts
 * them.  Returns the set (release with jwt_keyset_free), or NULL with a
 * reason in err (not JSON, no "keys" array, more than
 * JWT_JWKS_MAX_KEYS, a key cjose cannot import, no usable key).
 */
struct jwt_keyset *jwt_jwks_parse(const char *doc, size_t len,
    size_t *skipped, char *err, size_t errlen);

/* Free a set that jwt_jwks_parse returned and no one else holds. */
void jwt_keyset_free(struct jwt_keyset *set);

/*
 * The freshness of a JWKS answer from its Cache-Control header value
 * (NULL when absent): max-age clamped to [JWT_JWKS_MAXAGE_MIN,
 * JWT_JWKS_MAXAGE_MAX], no-cache / no-store / no max-age the minimum.
 */
long jwt_jwks_max_age(const char *cache_control);

/*
 * Read at most max bytes of the regular file at path into a new buffer
 * the caller frees (NUL-terminated, *len without the NUL).  Returns
 * NULL with a reason in err, which names the path but not the content.
 */
char *jwt_jwks_read_file(const char *path, size_t max, size_t *len,
    char *err, size_t errlen);

#endif
