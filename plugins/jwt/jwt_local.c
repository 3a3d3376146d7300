/*
 * jwt_local.c - local verification of a JWT: configuration (issuers,
 * key sources, audiences, algorithms, mode) and the verification of one
 * token.  The order of the checks follows RFC 8725: refuse a header
 * that names its own key or an algorithm outside the allow-list, pick
 * the issuer by exact iss (which alone decides whose keys may be used),
 * pick the key whose type fits the algorithm, check the signature
 * length and then the signature with cjose, and only then trust the
 * claims (aud, exp, nbf, sub).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjose/header.h>
#include <cjose/jws.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "jwt_alg.h"
#include "jwt_claims.h"
#include "jwt_local.h"
#include "jwt_status.h"
#include "jwt_url.h"

static struct jwt_jwks *jwt_local_cache(struct jwt_local *l, char ***srcs,
		    const char *src, const struct pvacms_host_services *svc,
		    long timeout_ms, char *err, size_t errlen);
static cjose_jwk_t *jwt_local_secret(const char *path, char *err,
		    size_t errlen);

/* The cache for src, shared by every issuer naming the same source. */
static struct jwt_jwks *
jwt_local_cache(struct jwt_local *l, char ***srcs, const char *src,
    const struct pvacms_host_services *svc, long timeout_ms, char *err,
    size_t errlen)
{
	struct jwt_url u;
	struct jwt_jwks *c;
	char why[256];
	size_t i;

	for (i = 0; i < l->ncaches; i++)
		if (strcmp((*srcs)[i], src) == 0)
			return l->caches[i];
	if ((strncasecmp(src, "http://", 7) == 0 ||
	    strncasecmp(src, "https://", 8) == 0) &&
	    jwt_url_parse(src, 0, &u, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_JWKS_URI: %s", why);
		return NULL;
	}
	if (strstr(src, "://") != NULL && strncasecmp(src, "http", 4) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_JWKS_URI: expected an"
		    " http(s) URL or a file path");
		return NULL;
	}
	if ((c = jwt_jwks_new(src, svc, timeout_ms, l->cooldown, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_JWKS_URI: %s", why);
		return NULL;
	}
	l->caches[l->ncaches++] = c;	/* freed with l from now on */
	if (((*srcs)[l->ncaches - 1] = strdup(src)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return c;
}

/*
 * Read the HS secret at path (the raw bytes; one trailing newline is
 * not part of it) into an octet key the caller releases.
 */
static cjose_jwk_t *
jwt_local_secret(const char *path, char *err, size_t errlen)
{
	cjose_jwk_t *key;
	cjose_err cerr;
	char *buf, why[256];
	size_t len;

	if ((buf = jwt_jwks_read_file(path, JWT_HS_SECRET_MAX, &len, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_HS_SECRET_FILE: %s", why);
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len < JWT_HS_SECRET_MIN) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_HS_SECRET_FILE: the"
		    " secret is shorter than %d bytes", JWT_HS_SECRET_MIN);
		key = NULL;
	} else if ((key = cjose_jwk_create_oct_spec((const uint8_t *)buf,
	    len, &cerr)) == NULL)
		snprintf(err, errlen, "EPICS_AUTH_JWT_HS_SECRET_FILE: cannot"
		    " make a key of it");
	OPENSSL_cleanse(buf, len);
	free(buf);
	return key;
}

struct jwt_local *
jwt_local_load(jwt_config_get_fn get, const struct pvacms_host_services *svc,
    long timeout_ms, char *err, size_t errlen)
{
	struct jwt_local *l;
	char **iss = NULL, **uris = NULL, **secrets = NULL, **srcs = NULL;
	size_t niss = 0, nuris = 0, nsecrets = 0, i, j;
	const char *v, *src;
	unsigned int algs;
	char *end;
	long cd;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (jwt_list_split("EPICS_AUTH_JWT_ISSUER",
	    get("EPICS_AUTH_JWT_ISSUER"), JWT_LOCAL_MAX_ISSUERS, &iss, &niss,
	    err, errlen) != 0 ||
	    jwt_list_split("EPICS_AUTH_JWT_JWKS_URI",
	    get("EPICS_AUTH_JWT_JWKS_URI"), JWT_LOCAL_MAX_ISSUERS, &uris,
	    &nuris, err, errlen) != 0 ||
	    jwt_list_split("EPICS_AUTH_JWT_HS_SECRET_FILE",
	    get("EPICS_AUTH_JWT_HS_SECRET_FILE"), JWT_LOCAL_MAX_ISSUERS,
	    &secrets, &nsecrets, err, errlen) != 0 ||
	    jwt_list_split("EPICS_AUTH_JWT_AUDIENCE",
	    get("EPICS_AUTH_JWT_AUDIENCE"), JWT_LOCAL_MAX_AUDIENCES,
	    &l->audiences, &l->naudiences, err, errlen) != 0)
		goto bad;
	if (niss == 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: required for"
		    " local verification (the exact iss of the tokens)");
		goto bad;
	}
	for (i = 0; i < niss; i++)
		for (j = i + 1; j < niss; j++)
			if (strcmp(iss[i], iss[j]) == 0) {
				snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER:"
				    " an issuer is listed twice");
				goto bad;
			}
	if (nuris > 1 && nuris != niss) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_JWKS_URI: %zu entries"
		    " for %zu issuers (give one, or one per issuer)", nuris,
		    niss);
		goto bad;
	}
	if (nsecrets > 1 && nsecrets != niss) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_HS_SECRET_FILE: %zu"
		    " entries for %zu issuers (give one, or one per issuer)",
		    nsecrets, niss);
		goto bad;
	}

	v = get("EPICS_AUTH_JWT_ALGORITHMS");
	if (jwt_alg_parse_list(v, &algs, err, errlen) != 0)
		goto bad;
	if (!jwt_config_nonblank(v) && nsecrets > 0)
		algs |= JWT_ALGS_HS;	/* the secret file enables HS */
	if ((algs & JWT_ALGS_HS) && nsecrets == 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ALGORITHMS: HS"
		    " algorithms need EPICS_AUTH_JWT_HS_SECRET_FILE (they never"
		    " use JWKS keys)");
		goto bad;
	}
	if (nsecrets > 0 && (algs & JWT_ALGS_HS) == 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_HS_SECRET_FILE: set, but"
		    " EPICS_AUTH_JWT_ALGORITHMS allows no HS algorithm");
		goto bad;
	}
	if (nuris > 0 && (algs & ~JWT_ALGS_HS) == 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_JWKS_URI: set, but"
		    " EPICS_AUTH_JWT_ALGORITHMS allows only HS algorithms,"
		    " which never use JWKS keys");
		goto bad;
	}
	l->algs = algs;

	l->cooldown = JWT_JWKS_COOLDOWN_DEFAULT;
	v = get("EPICS_AUTH_JWT_JWKS_COOLDOWN");
	if (jwt_config_nonblank(v)) {
		cd = strtol(v, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		if (*end != '\0' || !isdigit((unsigned char)*v) || cd < 1 ||
		    cd > JWT_JWKS_COOLDOWN_MAX) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_JWKS_COOLDOWN:"
			    " expected seconds from 1 to %d",
			    JWT_JWKS_COOLDOWN_MAX);
			goto bad;
		}
		l->cooldown = cd;
	}

	if ((l->issuers = calloc(niss, sizeof(*l->issuers))) == NULL ||
	    (l->caches = calloc(niss, sizeof(*l->caches))) == NULL ||
	    (srcs = calloc(niss, sizeof(*srcs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	for (i = 0; i < niss; i++) {
		struct jwt_local_issuer *is = &l->issuers[i];

		is->iss = iss[i];
		iss[i] = NULL;
		l->nissuers++;
		if ((src = jwt_list_pick(uris, nuris, i)) != NULL &&
		    (is->jwks = jwt_local_cache(l, &srcs, src, svc,
		    timeout_ms, err, errlen)) == NULL)
			goto bad;
		if ((src = jwt_list_pick(secrets, nsecrets, i)) != NULL &&
		    (is->hs_key = jwt_local_secret(src, err, errlen)) == NULL)
			goto bad;
		if (is->jwks == NULL && is->hs_key == NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: issuer"
			    " %zu has neither a JWKS nor an HS secret", i + 1);
			goto bad;
		}
	}
	jwt_list_free(iss, niss);
	jwt_list_free(uris, nuris);
	jwt_list_free(secrets, nsecrets);
	jwt_list_free(srcs, l->ncaches);
	return l;
bad:
	jwt_list_free(iss, niss);
	jwt_list_free(uris, nuris);
	jwt_list_free(secrets, nsecrets);
	jwt_list_free(srcs, l->ncaches);
	jwt_local_free(l);
	return NULL;
}

void
jwt_local_free(struct jwt_local *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nissuers; i++) {
		free(l->issuers[i].iss);
		if (l->issuers[i].hs_key != NULL)
			cjose_jwk_release(l->issuers[i].hs_key);
	}
	for (i = 0; i < l->ncaches; i++)
		jwt_jwks_free(l->caches[i]);
	free(l->issuers);
	free(l->caches);
	jwt_list_free(l->audiences, l->naudiences);
	free(l);
}

void
jwt_local_log(struct jwt_local *l, const struct pvacms_host_services *svc)
{
	char algs[128], iss[128];
	size_t i;

	jwt_alg_format(l->algs, algs, sizeof(algs));
	for (i = 0; i < l->nissuers; i++) {
		jwt_status_sanitize(iss, sizeof(iss), l->issuers[i].iss, 120);
		svc->log(PVACMS_LOG_INFO, "local issuer %s: %s%s%s", iss,
		    l->issuers[i].jwks != NULL ? "JWKS " : "",
		    l->issuers[i].jwks != NULL ?
		    jwt_jwks_source(l->issuers[i].jwks) : "",
		    l->issuers[i].hs_key != NULL ? (l->issuers[i].jwks !=
		    NULL ? " and HS secret" : "HS secret") : "");
	}
	jwt_local_log_stats(l, svc);
	for (i = 0; i < l->ncaches; i++) {
		if (strncasecmp(jwt_jwks_source(l->caches[i]), "http://", 7)
		    == 0)
			svc->log(PVACMS_LOG_WARN, "JWKS %s is fetched over"
			    " plain http: anyone on the path can replace the"
			    " keys", jwt_jwks_source(l->caches[i]));
	}
	svc->log(PVACMS_LOG_INFO, "local algorithms: %s; JWKS cooldown %lds",
	    algs, l->cooldown);
	if (l->naudiences == 0)
		svc->log(PVACMS_LOG_WARN, "EPICS_AUTH_JWT_AUDIENCE is not set:"
		    " local verification accepts tokens these issuers minted"
		    " for ANY audience (any other service's tokens too); set"
		    " it to the audience of pvacms");
}

void
jwt_local_log_stats(struct jwt_local *l,
    const struct pvacms_host_services *svc)
{
	struct jwt_jwks_stats st;
	size_t i;

	for (i = 0; i < l->ncaches; i++) {
		jwt_jwks_stats(l->caches[i], &st);
		svc->log(PVACMS_LOG_INFO, "JWKS %s: %zu keys, %lu fetches"
		    " (%lu failed, %lu for unknown kids), %lu unknown kids"
		    " (%lu told to retry), %lu stale uses, last good %lld",
		    jwt_jwks_source(l->caches[i]), st.keys, st.fetches,
		    st.failures, st.kid_fetches, st.unknown_kid, st.deferred,
		    st.stale_served, (long long)st.last_fetch);
	}
}

int
jwt_local_stats(struct jwt_local *l, size_t i, struct jwt_jwks_stats *st)
{
	if (l == NULL || i >= l->nissuers || l->issuers[i].jwks == NULL)
		return -1;
	jwt_jwks_stats(l->issuers[i].jwks, st);
	return 0;
}

int
jwt_local_verify(struct jwt_local *l, const char *tok, size_t len,
    const struct jwt_token *t, int64_t now, long leeway, int offline,
    int *retry_after, char *err, size_t errlen)
{
	const struct jwt_local_issuer *is = NULL;
	const struct jwt_alg *alg;
	const struct jwt_jwk *jk = NULL;
	struct jwt_keyset *set = NULL;
	const cjose_jwk_t *key;
	cjose_jws_t *jws = NULL;
	cjose_err cerr;
	const char *halg;
	unsigned char tid[JWT_JWKS_TID_LEN];
	char safe[72];
	size_t i;
	int r;

	*retry_after = 0;
	if ((r = jwt_alg_header_check(t->header, err, errlen)) != JWT_OK)
		return r;
	alg = jwt_alg_find(t->alg);
	if (alg == NULL || (l->algs & alg->bit) == 0) {
		jwt_status_sanitize(safe, sizeof(safe), t->alg, 16);
		snprintf(err, errlen, "algorithm %s is not allowed", safe);
		return JWT_ALG_NOT_ALLOWED;
	}
	if (t->iss == NULL) {
		snprintf(err, errlen, "token has no iss");
		return JWT_ISSUER_MISMATCH;
	}
	for (i = 0; i < l->nissuers && is == NULL; i++)
		if (strcmp(l->issuers[i].iss, t->iss) == 0)
			is = &l->issuers[i];
	if (is == NULL) {
		jwt_status_sanitize(safe, sizeof(safe), t->iss, 64);
		snprintf(err, errlen, "issuer '%s' is not a local issuer",
		    safe);
		return JWT_ISSUER_MISMATCH;
	}

	if (alg->family == JWT_ALG_HS) {
		/* Only the issuer's shared secret; never a JWKS key. */
		if (is->hs_key == NULL) {
			snprintf(err, errlen, "%s needs this issuer's HS"
			    " secret, and it has none", alg->name);
			return JWT_ALG_NOT_ALLOWED;
		}
		key = is->hs_key;
		if ((r = jwt_alg_key_check(alg, key, err, errlen)) != JWT_OK)
			return r;
	} else {
		if (is->jwks == NULL) {
			snprintf(err, errlen, "%s needs a JWKS, and this issuer"
			    " has none", alg->name);
			return JWT_ALG_NOT_ALLOWED;
		}
		/* The token's id, for the cache's memory of refusals. */
		if (EVP_Digest(tok, len, tid, NULL, EVP_sha256(), NULL) != 1) {
			snprintf(err, errlen, "cannot hash the token");
			return JWT_INTERNAL;
		}
		if ((r = jwt_jwks_lookup(is->jwks, t->kid, tid, alg, now,
		    offline, &set, &jk, retry_after, err, errlen)) != JWT_OK)
			return r;
		key = jk->jwk;
	}

	/* cjose reads the signature by the length it was given. */
	if (!jwt_alg_sig_len_ok(alg, key, t->sig_len * 3 / 4)) {
		snprintf(err, errlen, "signature has the wrong length for %s",
		    alg->name);
		r = JWT_BAD_SIGNATURE;
		goto out;
	}
	if ((jws = cjose_jws_import(tok, len, &cerr)) == NULL) {
		snprintf(err, errlen, "token is not a JWS cjose can read");
		r = JWT_MALFORMED;
		goto out;
	}
	halg = cjose_header_get(cjose_jws_get_protected(jws), CJOSE_HDR_ALG,
	    &cerr);
	if (halg == NULL || strcmp(halg, alg->name) != 0) {
		snprintf(err, errlen, "token header read two ways");
		r = JWT_MALFORMED;
		goto out;
	}
	if (!cjose_jws_verify(jws, key, &cerr)) {
		if (jk != NULL && jk->kid != NULL) {
			jwt_status_sanitize(safe, sizeof(safe), jk->kid, 64);
			snprintf(err, errlen, "signature does not verify with"
			    " key '%s'", safe);
		} else
			snprintf(err, errlen, "signature does not verify");
		r = JWT_BAD_SIGNATURE;
		goto out;
	}

	if (!jwt_claims_aud_ok(l->audiences, l->naudiences, t->aud)) {
		snprintf(err, errlen, t->aud == NULL ? "token has no aud" :
		    "token aud names none of EPICS_AUTH_JWT_AUDIENCE");
		r = JWT_AUDIENCE_MISMATCH;
		goto out;
	}
	r = jwt_claims_check(t, now, leeway, err, errlen);
out:
	cjose_jws_release(jws);
	if (set != NULL)
		jwt_jwks_release(is->jwks, set);
	return r;
}
