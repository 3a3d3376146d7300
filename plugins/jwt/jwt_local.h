/*
 * jwt_local.h - local verification of a JWT (DESIGN §7, issue #4): the
 * signature checked here with cjose against keys from a JWKS (URL or
 * pinned file) or a shared HS secret, then iss, aud, alg and the time
 * claims; and the choice between remote, local and both.
 *
 * Several issuers.  EPICS_AUTH_JWT_ISSUER is a space-separated list of
 * exact iss values.  EPICS_AUTH_JWT_JWKS_URI and
 * EPICS_AUTH_JWT_HS_SECRET_FILE are each either unset, one entry (used
 * for every issuer) or a list parallel to the issuers (same length;
 * "-" stands for "none for this issuer").  The token's iss selects
 * exactly one issuer and only that issuer's keys are tried: no
 * fallthrough.  Paths and URLs therefore cannot hold spaces.  The
 * audience list and the algorithm allow-list apply to every issuer.
 */
#ifndef PVACMS_JWT_LOCAL_H
#define PVACMS_JWT_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "pvacms/authn.h"

#include "jwt_config.h"
#include "jwt_list.h"
#include "jwt_jwks.h"
#include "jwt_token.h"

#define JWT_LOCAL_MAX_ISSUERS JWT_LIST_MAX
#define JWT_LOCAL_MAX_AUDIENCES JWT_LIST_MAX
#define JWT_LOCAL_ITEM_MAX JWT_LIST_ITEM_MAX
#define JWT_HS_SECRET_MAX 4096
#define JWT_HS_SECRET_MIN 32

struct jwt_local_issuer {
	char *iss;			/* the exact iss */
	struct jwt_jwks *jwks;		/* borrowed from caches below */
	cjose_jwk_t *hs_key;		/* owned; NULL without a secret */
};

struct jwt_local {
	struct jwt_local_issuer *issuers;
	size_t nissuers;
	struct jwt_jwks **caches;	/* one per distinct JWKS source */
	size_t ncaches;
	char **audiences;
	size_t naudiences;
	unsigned int algs;		/* allow-list mask (jwt_alg.h) */
	long cooldown;			/* EPICS_AUTH_JWT_JWKS_COOLDOWN */
};


/*
 * Read the local-mode variables and load the keys: pinned files and
 * secrets now, JWKS URLs lazily on the first verify.  Returns a new
 * object (release with jwt_local_free), or NULL with a reason naming
 * the variable in err.
 */
struct jwt_local *jwt_local_load(jwt_config_get_fn get,
    const struct pvacms_host_services *svc, long timeout_ms, char *err,
    size_t errlen);

void jwt_local_free(struct jwt_local *l);



/*
 * Log the local setup through svc->log: one INFO line per issuer and
 * per key set (with its counters), and a WARN when no audience is
 * configured.  Call at init and reload.
 */
void jwt_local_log(struct jwt_local *l,
    const struct pvacms_host_services *svc);

/*
 * Verify token tok[0..len), already parsed into *t: header policy,
 * allow-listed alg, exact iss, the key (JWKS or HS secret of that
 * issuer only), the signature (cjose), aud, then exp/nbf/sub with
 * leeway.  Runs in a verify worker; may fetch the JWKS, unless offline
 * (a dry run: then a JWKS not yet held gives JWT_JWKS_UNREACHABLE).
 * Returns JWT_OK or a jwt_status with a one-line reason in err that
 * never holds the token or a key; with JWT_JWKS_REFRESH_PENDING and
 * JWT_JWKS_UNREACHABLE, *retry_after is the seconds after which a
 * retry may succeed (0: unknown), else 0.
 */
int jwt_local_verify(struct jwt_local *l, const char *tok, size_t len,
    const struct jwt_token *t, int64_t now, long leeway, int offline,
    int *retry_after, char *err, size_t errlen);

/*
 * Log the counters of every key set (INFO), e.g. of the configuration
 * a reload is about to replace.
 */
void jwt_local_log_stats(struct jwt_local *l,
    const struct pvacms_host_services *svc);

/*
 * The counters of the key set of issuer i (for /metrics); returns 0,
 * or -1 when i is out of range or the issuer has no JWKS.
 */
int jwt_local_stats(struct jwt_local *l, size_t i,
    struct jwt_jwks_stats *st);

#endif
