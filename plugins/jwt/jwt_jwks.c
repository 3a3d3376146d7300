/*
 * jwt_jwks.c - the key set cache of local verification.
 *
 * One cache per JWKS source.  The set itself is immutable and shared by
 * reference count, so a verifier holds its key while a refresh swaps in
 * a new set.  Fetching happens in the verifier's worker thread, with
 * the cache lock released; a flag makes it single-flight and the other
 * verifiers that need the result wait on a condition variable, bounded
 * by the fetch timeout.
 *
 * Rotation: a provider publishes a new key before it signs with it, so
 * the first token under a kid we do not hold makes us refetch at once,
 * however recent the last routine fetch (the first one, or at the end
 * of freshness).  The cooldown only bounds the fetches that unknown
 * kids cause: at most one per cooldown, so a flood of tokens with
 * made-up kids costs one fetch per cooldown.  A kid the cooldown keeps
 * us from looking for may be a key published since the last fetch, so
 * the answer is "retry in N s" (503), not "bad token".  A kid is a bad
 * token (401) when it is absent from a set fetched after its lookup
 * began: the token existed before that fetch, and so did its key, if it
 * is the provider's.  Such tokens are remembered (a few, by hash), so
 * that the same token presented again is refused at once, without a
 * fetch.  Tokens, not kids: a made-up token under the kid a provider
 * will rotate to next must not get that key refused when it comes.
 *
 * A failed fetch holds off the next attempt for a cooldown, whatever
 * would trigger it.  An expired set keeps serving while fetches fail,
 * up to JWT_JWKS_STALE_MAX past its expiry; then lookups fail closed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "jwt_jwks.h"
#include "jwt_status.h"

struct jwt_jwks {
	char *source;
	char label[160];		/* source without its query, for logs */
	int is_file;
	const struct pvacms_host_services *svc;
	long timeout_ms;
	long cooldown;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct jwt_keyset *set;		/* current set, or NULL */
	int64_t expires;		/* end of freshness of set */
	int fetching;			/* a fetch is in flight */
	unsigned long gen;		/* bumped when a fetch ends */
	unsigned long started;		/* fetches started so far */
	unsigned long set_seq;		/* the one of them that gave set */
	int64_t kid_fetch;		/* last fetch for a kid, 0: never */
	int64_t last_fail;		/* last failed fetch, 0: none since */
	/* Tokens refused for good (a ring of their ids). */
	unsigned char refused[JWT_JWKS_REFUSED][JWT_JWKS_TID_LEN];
	size_t refused_next;
	char last_error[192];
	struct jwt_jwks_stats st;
};

static int	jwt_jwks_key_usable(json_t *k);
static int	jwt_jwks_select(const struct jwt_keyset *set, const char *kid,
		    const struct jwt_alg *alg, const struct jwt_jwk **key,
		    char *err, size_t errlen);
static long	jwt_jwks_left(const struct jwt_jwks *c, int64_t since,
		    int64_t now);
static int	jwt_jwks_may_fetch(const struct jwt_jwks *c, int64_t now,
		    int for_kid);
static int	jwt_jwks_is_refused(const struct jwt_jwks *c,
		    const unsigned char *tid);
static void	jwt_jwks_refuse(struct jwt_jwks *c, const unsigned char *tid);
static struct jwt_keyset *jwt_jwks_fetch(struct jwt_jwks *c, long *maxage,
		    char *err, size_t errlen);
static void	jwt_jwks_refresh(struct jwt_jwks *c, int64_t now,
		    int for_kid);
static int	jwt_jwks_wait(struct jwt_jwks *c);
static void	jwt_jwks_unref(struct jwt_keyset *set);
static int	jwt_jwks_not_held(struct jwt_jwks *c, const char *kid,
		    int64_t now, int waited_out, int *retry_after, char *err,
		    size_t errlen);

char *
jwt_jwks_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	struct stat sb;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto bad;
	}
	if ((size_t)sb.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto bad;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	/* Read to the cap, whatever st_size said: the file may grow. */
	while (n <= max) {
		r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto bad;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto bad;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
bad:
	free(buf);
	close(fd);
	return NULL;
}

long
jwt_jwks_max_age(const char *cc)
{
	const char *p = cc, *name;
	size_t nlen;
	long age = -1, v;
	int digits;

	if (cc == NULL)
		return JWT_JWKS_MAXAGE_DEFAULT;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		name = p;
		while (*p != '\0' && *p != '=' && *p != ',' && *p != ' ' &&
		    *p != '\t')
			p++;
		nlen = (size_t)(p - name);
		if ((nlen == 8 && strncasecmp(name, "no-store", 8) == 0) ||
		    (nlen == 8 && strncasecmp(name, "no-cache", 8) == 0))
			return JWT_JWKS_MAXAGE_MIN;
		if (*p == '=') {
			p++;
			if (*p == '"')
				p++;
			v = 0;
			digits = 0;
			while (*p >= '0' && *p <= '9') {
				if (v < 100000000L)
					v = v * 10 + (*p - '0');
				digits++;
				p++;
			}
			if (nlen == 7 && strncasecmp(name, "max-age", 7) == 0 &&
			    digits > 0)
				age = v;
		}
		/* Skip the rest of this directive. */
		while (*p != '\0' && *p != ',')
			p++;
	}
	if (age < 0)
		return JWT_JWKS_MAXAGE_DEFAULT;
	if (age < JWT_JWKS_MAXAGE_MIN)
		return JWT_JWKS_MAXAGE_MIN;
	if (age > JWT_JWKS_MAXAGE_MAX)
		return JWT_JWKS_MAXAGE_MAX;
	return age;
}

/*
 * Whether a JWK object may serve to verify signatures here: RSA or EC,
 * public only, meant for signatures, with an alg (if any) of its kty.
 */
static int
jwt_jwks_key_usable(json_t *k)
{
	const char *kty, *use;
	const struct jwt_alg *a;
	json_t *ops, *op, *alg;
	size_t i;
	int verify = 0;

	if (!json_is_object(k) || !json_is_string(json_object_get(k, "kty")))
		return 0;
	kty = json_string_value(json_object_get(k, "kty"));
	if (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0)
		return 0;
	/* Private parts in a published set are a mistake: keep out. */
	if (json_object_get(k, "d") != NULL)
		return 0;
	if (json_object_get(k, "use") != NULL) {
		use = json_string_value(json_object_get(k, "use"));
		if (use == NULL || strcmp(use, "sig") != 0)
			return 0;
	}
	if ((ops = json_object_get(k, "key_ops")) != NULL) {
		if (!json_is_array(ops))
			return 0;
		json_array_foreach(ops, i, op)
			if (json_is_string(op) &&
			    strcmp(json_string_value(op), "verify") == 0)
				verify = 1;
		if (!verify)
			return 0;
	}
	if (json_object_get(k, "kid") != NULL) {
		const char *kid = json_string_value(json_object_get(k, "kid"));

		if (kid == NULL || *kid == '\0' ||
		    strlen(kid) > JWT_JWKS_KID_MAX)
			return 0;
	}
	if ((alg = json_object_get(k, "alg")) != NULL) {
		if ((a = jwt_alg_find(json_string_value(alg))) == NULL)
			return 0;
		if (a->family == JWT_ALG_HS ||
		    ((a->family == JWT_ALG_ES) != (strcmp(kty, "EC") == 0)))
			return 0;
	}
	return 1;
}

struct jwt_keyset *
jwt_jwks_parse(const char *doc, size_t len, size_t *skipped, char *err,
    size_t errlen)
{
	struct jwt_keyset *set = NULL;
	struct jwt_jwk *jk;
	json_error_t jerr;
	json_t *root, *keys, *k;
	cjose_err cerr;
	char *text;
	size_t i, n;

	*skipped = 0;
	if (len > JWT_JWKS_MAX_BYTES) {
		snprintf(err, errlen, "key set larger than %d bytes",
		    JWT_JWKS_MAX_BYTES);
		return NULL;
	}
	if ((root = json_loadb(doc, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		snprintf(err, errlen, "key set is not JSON (line %d)",
		    jerr.line);
		return NULL;
	}
	keys = json_object_get(root, "keys");
	if (!json_is_object(root) || !json_is_array(keys)) {
		snprintf(err, errlen, "key set has no \"keys\" array");
		goto out;
	}
	if ((n = json_array_size(keys)) > JWT_JWKS_MAX_KEYS) {
		snprintf(err, errlen, "key set holds %zu keys, more than %d",
		    n, JWT_JWKS_MAX_KEYS);
		goto out;
	}
	if ((set = calloc(1, sizeof(*set) + n * sizeof(set->keys[0]))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	set->refs = 1;
	json_array_foreach(keys, i, k) {
		if (!jwt_jwks_key_usable(k)) {
			(*skipped)++;
			continue;
		}
		if ((text = json_dumps(k, JSON_COMPACT)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		jk = &set->keys[set->n];
		jk->jwk = cjose_jwk_import(text, strlen(text), &cerr);
		free(text);
		if (jk->jwk == NULL) {
			(*skipped)++;
			continue;
		}
		if (json_object_get(k, "kid") != NULL && (jk->kid = strdup(
		    json_string_value(json_object_get(k, "kid")))) == NULL) {
			cjose_jwk_release(jk->jwk);
			jk->jwk = NULL;
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		jk->alg = jwt_alg_find(json_string_value(json_object_get(k,
		    "alg")));
		set->n++;
	}
	if (set->n == 0) {
		snprintf(err, errlen, "key set holds no usable signature key"
		    " (%zu skipped)", *skipped);
		goto bad;
	}
	json_decref(root);
	return set;
bad:
	jwt_keyset_free(set);
	set = NULL;
out:
	json_decref(root);
	return NULL;
}

void
jwt_keyset_free(struct jwt_keyset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->keys[i].kid);
		cjose_jwk_release(set->keys[i].jwk);
	}
	free(set);
}

static void
jwt_jwks_unref(struct jwt_keyset *set)
{
	if (set != NULL && --set->refs == 0)
		jwt_keyset_free(set);
}

struct jwt_jwks *
jwt_jwks_new(const char *source, const struct pvacms_host_services *svc,
    long timeout_ms, long cooldown, char *err, size_t errlen)
{
	struct jwt_jwks *c;
	pthread_condattr_t ca;
	char *doc, why[192];
	size_t len, skipped, i;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->source = strdup(source)) == NULL) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->svc = svc;
	c->timeout_ms = timeout_ms;
	c->cooldown = cooldown;
	c->is_file = strncasecmp(source, "http://", 7) != 0 &&
	    strncasecmp(source, "https://", 8) != 0;
	c->st.is_file = c->is_file;
	for (i = 0; source[i] != '\0' && source[i] != '?' &&
	    i + 1 < sizeof(c->label); i++)
		c->label[i] = (unsigned char)source[i] < 0x20 ? '?' :
		    source[i];
	c->label[i] = '\0';
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!c->is_file)
		return c;

	/* A pinned file: read now, so that a bad one stops pvacms. */
	if ((doc = jwt_jwks_read_file(source, JWT_JWKS_MAX_BYTES, &len, err,
	    errlen)) == NULL)
		goto bad;
	c->set = jwt_jwks_parse(doc, len, &skipped, why, sizeof(why));
	free(doc);
	if (c->set == NULL) {
		snprintf(err, errlen, "%s: %s", c->label, why);
		goto bad;
	}
	c->st.last_fetch = (int64_t)time(NULL);
	c->st.keys = c->set->n;
	return c;
bad:
	jwt_jwks_free(c);
	return NULL;
}

void
jwt_jwks_free(struct jwt_jwks *c)
{
	if (c == NULL)
		return;
	jwt_jwks_unref(c->set);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->source);
	free(c);
}

const char *
jwt_jwks_source(const struct jwt_jwks *c)
{
	return c->label;
}

void
jwt_jwks_stats(struct jwt_jwks *c, struct jwt_jwks_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = c->st;
	st->expires = c->is_file ? 0 : c->expires;
	st->keys = c->set != NULL ? c->set->n : 0;
	pthread_mutex_unlock(&c->lock);
}

void
jwt_jwks_release(struct jwt_jwks *c, struct jwt_keyset *set)
{
	if (set == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	jwt_jwks_unref(set);
	pthread_mutex_unlock(&c->lock);
}

/*
 * Pick the key for alg and kid in set.  Returns JWT_OK with *key,
 * JWT_KID_UNKNOWN, or JWT_ALG_NOT_ALLOWED when kid is held only by keys
 * of another type (the token asks for the wrong algorithm for its key).
 */
static int
jwt_jwks_select(const struct jwt_keyset *set, const char *kid,
    const struct jwt_alg *alg, const struct jwt_jwk **key, char *err,
    size_t errlen)
{
	const struct jwt_jwk *k, *first = NULL;
	char safe[72], why[128];
	size_t i, held = 0, fit = 0;

	why[0] = '\0';
	for (i = 0; i < set->n; i++) {
		k = &set->keys[i];
		if (kid != NULL && (k->kid == NULL || strcmp(k->kid, kid) != 0))
			continue;
		held++;
		if (k->alg != NULL && k->alg != alg) {
			snprintf(why, sizeof(why), "the key is for %s",
			    k->alg->name);
			continue;
		}
		if (jwt_alg_key_check(alg, k->jwk, why, sizeof(why)) != JWT_OK)
			continue;
		if (fit++ == 0)
			first = k;
	}
	if (fit > 0 && (kid != NULL || fit == 1)) {
		*key = first;
		return JWT_OK;
	}
	if (kid == NULL) {
		if (fit > 1)
			snprintf(err, errlen, "token has no kid and %zu keys"
			    " fit %s", fit, alg->name);
		else
			snprintf(err, errlen, "token has no kid and no key"
			    " fits %s", alg->name);
		return JWT_KID_UNKNOWN;
	}
	jwt_status_sanitize(safe, sizeof(safe), kid, 64);
	if (held > 0) {
		snprintf(err, errlen, "key '%s' cannot verify %s: %s", safe,
		    alg->name, why);
		return JWT_ALG_NOT_ALLOWED;
	}
	snprintf(err, errlen, "kid '%s' is not in the key set", safe);
	return JWT_KID_UNKNOWN;
}

/*
 * Seconds left, at now, of a cooldown that began at since (0: none, or
 * over), in [0, cooldown].  The verifiers' clocks are the requests'
 * arrival times, so a now slightly before since is ordinary (counted as
 * no time passed); one a whole cooldown before it means the clock was
 * set back, and ends the wait.
 */
static long
jwt_jwks_left(const struct jwt_jwks *c, int64_t since, int64_t now)
{
	int64_t d;

	if (since == 0)
		return 0;
	d = now - since;
	if (d >= c->cooldown || d <= -c->cooldown)
		return 0;
	return c->cooldown - (long)(d > 0 ? d : 0);
}

/*
 * Whether a fetch may start at now (lock held): never for a pinned file
 * or while one is in flight, not within a cooldown of a failure, and,
 * for an unknown kid, not within a cooldown of the last such fetch.
 */
static int
jwt_jwks_may_fetch(const struct jwt_jwks *c, int64_t now, int for_kid)
{
	if (c->is_file || c->fetching)
		return 0;
	if (jwt_jwks_left(c, c->last_fail, now) > 0)
		return 0;
	return !for_kid || jwt_jwks_left(c, c->kid_fetch, now) == 0;
}

/* Whether the token tid was refused for good earlier (lock held). */
static int
jwt_jwks_is_refused(const struct jwt_jwks *c, const unsigned char *tid)
{
	static const unsigned char none[JWT_JWKS_TID_LEN];
	size_t i;

	if (tid == NULL || memcmp(tid, none, sizeof(none)) == 0)
		return 0;
	for (i = 0; i < JWT_JWKS_REFUSED; i++)
		if (memcmp(c->refused[i], tid, JWT_JWKS_TID_LEN) == 0)
			return 1;
	return 0;
}

/* Remember the token tid as refused, evicting the oldest (lock held). */
static void
jwt_jwks_refuse(struct jwt_jwks *c, const unsigned char *tid)
{
	if (tid == NULL || jwt_jwks_is_refused(c, tid))
		return;
	memcpy(c->refused[c->refused_next], tid, JWT_JWKS_TID_LEN);
	c->refused_next = (c->refused_next + 1) % JWT_JWKS_REFUSED;
}

/*
 * One fetch of the source, without the lock.  Returns a new set (one
 * reference) with its freshness in *maxage, or NULL with a reason.
 */
/* 1 if the host offers http_fetch_headers (ABI 1.2 and a table that big). */
static int
jwt_jwks_has_headers(const struct pvacms_host_services *svc)
{
	return PVACMS_AUTHN_ABI_GET_MINOR(svc->version) >= 2 &&
	    svc->size >= offsetof(struct pvacms_host_services,
	    http_fetch_headers) + sizeof(svc->http_fetch_headers) &&
	    svc->http_fetch_headers != NULL;
}

/*
 * The value of header `name` (lower case) in "name: value\n" lines, copied
 * into buf without surrounding blanks; NULL when absent.
 */
static const char *
jwt_jwks_header(const char *lines, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name), vlen;
	const char *p = lines, *v, *end;

	while (*p != '\0') {
		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == ':') {
			v = p + nlen + 1;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = *end != '\0' ? end + 1 : end;
	}
	return NULL;
}

static struct jwt_keyset *
jwt_jwks_fetch(struct jwt_jwks *c, long *maxage, char *err, size_t errlen)
{
	static const char *const headers[] = {
		"Accept: application/jwk-set+json, application/json", NULL
	};
	struct pvacms_http_request req;
	struct pvacms_http_response resp;
	struct jwt_keyset *set;
	char why[160], hdrs[4096], cc[256];
	size_t skipped;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "GET";
	req.url = c->source;
	req.headers = headers;
	req.timeout_ms = c->timeout_ms;
	req.max_response = JWT_JWKS_MAX_BYTES;
	why[0] = '\0';
	hdrs[0] = '\0';
	/* ABI 1.2 hosts also give the headers, for Cache-Control. */
	if (jwt_jwks_has_headers(c->svc))
		rc = c->svc->http_fetch_headers(&req, &resp, hdrs, sizeof(hdrs),
		    why, sizeof(why));
	else
		rc = c->svc->http_fetch(&req, &resp, why, sizeof(why));
	if (rc != 0) {
		why[sizeof(why) - 1] = '\0';
		snprintf(err, errlen, "fetch failed: %s",
		    why[0] != '\0' ? why : "no reason given");
		return NULL;
	}
	if (resp.status != 200) {
		snprintf(err, errlen, "answered HTTP %ld", resp.status);
		c->svc->http_free(&resp);
		return NULL;
	}
	set = jwt_jwks_parse(resp.body != NULL ? resp.body : "",
	    resp.body != NULL ? resp.body_len : 0, &skipped, why,
	    sizeof(why));
	/* Cache-Control max-age, clamped to [5 min, 24 h]; none: 5 min. */
	*maxage = jwt_jwks_max_age(jwt_jwks_header(hdrs, "cache-control",
	    cc, sizeof(cc)));
	c->svc->http_free(&resp);
	if (set == NULL) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	if (skipped > 0)
		c->svc->log(PVACMS_LOG_INFO, "JWKS %s: %zu keys left out"
		    " (not RSA or EC signature keys, private, or unreadable)",
		    c->label, skipped);
	return set;
}

/*
 * Fetch now (lock held on entry and on return, released meanwhile);
 * for_kid: for an unknown kid, which starts that cooldown.
 */
static void
jwt_jwks_refresh(struct jwt_jwks *c, int64_t now, int for_kid)
{
	struct jwt_keyset *set, *old = NULL;
	char why[192];
	long maxage = JWT_JWKS_MAXAGE_DEFAULT;
	unsigned long seq;
	size_t held;

	c->fetching = 1;
	seq = ++c->started;
	c->st.last_attempt = now;
	c->st.fetches++;
	if (for_kid) {
		c->kid_fetch = now;
		c->st.kid_fetches++;
	}
	pthread_mutex_unlock(&c->lock);

	why[0] = '\0';
	set = jwt_jwks_fetch(c, &maxage, why, sizeof(why));
	if (set != NULL)
		c->svc->log(PVACMS_LOG_INFO, "JWKS %s: %zu keys, fresh for"
		    " %lds", c->label, set->n, maxage);

	pthread_mutex_lock(&c->lock);
	if (set != NULL) {
		old = c->set;
		c->set = set;
		c->set_seq = seq;
		c->expires = now + maxage;
		c->st.last_fetch = now;
		c->st.keys = set->n;
		c->last_fail = 0;
		c->last_error[0] = '\0';
	} else {
		c->last_fail = now;
		c->st.failures++;
		snprintf(c->last_error, sizeof(c->last_error), "%s", why);
		held = c->set != NULL ? c->set->n : 0;
		/* Logging under the lock: rare, and log never blocks long. */
		c->svc->log(PVACMS_LOG_WARN, "JWKS %s: %s%s", c->label, why,
		    held > 0 ? "; serving the last good keys" : "");
	}
	jwt_jwks_unref(old);
	c->fetching = 0;
	c->gen++;
	pthread_cond_broadcast(&c->cond);
}

/*
 * Wait (lock held) for the fetch in flight, at most its timeout + 1 s.
 * Returns 1 when it ended, 0 when the wait timed out.
 */
static int
jwt_jwks_wait(struct jwt_jwks *c)
{
	struct timespec until;
	unsigned long gen = c->gen;
	long ms = c->timeout_ms + 1000;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (c->fetching && c->gen == gen)
		if (pthread_cond_timedwait(&c->cond, &c->lock, &until) ==
		    ETIMEDOUT)
			break;
	return c->gen != gen;
}

/*
 * The answer when kid is not in the usable set held and this lookup may
 * not call it a bad token (lock held): retry later, because the
 * cooldown forbids a fetch, or a fetch is still in flight (waited_out),
 * or the last fetch failed.  Returns JWT_JWKS_REFRESH_PENDING or
 * JWT_JWKS_UNREACHABLE, with *retry_after and a reason in err.
 */
static int
jwt_jwks_not_held(struct jwt_jwks *c, const char *kid, int64_t now,
    int waited_out, int *retry_after, char *err, size_t errlen)
{
	char what[96], safe[72];
	long left;

	if (kid != NULL) {
		jwt_status_sanitize(safe, sizeof(safe), kid, 64);
		snprintf(what, sizeof(what), "kid '%s' unknown", safe);
	} else
		snprintf(what, sizeof(what), "no key fits a token without kid");
	c->st.deferred++;
	if (waited_out || c->fetching) {
		left = (c->timeout_ms + 999) / 1000;
		*retry_after = left > 0 ? (int)left : 1;
		snprintf(err, errlen, "JWKS %s: a fetch is in flight; %s;"
		    " retry in %d s", c->label, what, *retry_after);
		return JWT_JWKS_REFRESH_PENDING;
	}
	if ((left = jwt_jwks_left(c, c->last_fail, now)) > 0) {
		*retry_after = (int)left;
		snprintf(err, errlen, "JWKS %s cannot be fetched (%s); %s;"
		    " retry in %ld s", c->label, c->last_error, what, left);
		return JWT_JWKS_UNREACHABLE;
	}
	/* Else the unknown-kid cooldown stopped us. */
	if ((left = jwt_jwks_left(c, c->kid_fetch, now)) <= 0)
		left = 1;
	*retry_after = (int)left;
	snprintf(err, errlen, "key set was fetched %ld s ago; %s; retry in"
	    " %ld s", c->cooldown - left, what, left);
	return JWT_JWKS_REFRESH_PENDING;
}

int
jwt_jwks_lookup(struct jwt_jwks *c, const char *kid,
    const unsigned char *tid, const struct jwt_alg *alg, int64_t now,
    int offline,
    struct jwt_keyset **set, const struct jwt_jwk **key, int *retry_after,
    char *err, size_t errlen)
{
	unsigned long begun;
	int r = JWT_KID_UNKNOWN, usable, fresh, fetched = 0, waits = 0,
	    waited_out = 0, counted = 0;
	long left;

	*set = NULL;
	*key = NULL;
	*retry_after = 0;
	pthread_mutex_lock(&c->lock);
	/* A set from a fetch started after this is as new as can be. */
	begun = c->started;
	for (;;) {
		usable = c->set != NULL && (c->is_file ||
		    now < c->expires + JWT_JWKS_STALE_MAX);
		fresh = c->set != NULL && (c->is_file || now < c->expires);
		if (usable) {
			r = jwt_jwks_select(c->set, kid, alg, key, err, errlen);
			if (r == JWT_OK && !fresh && !offline && !fetched &&
			    jwt_jwks_may_fetch(c, now, 0)) {
				/* Expired: refresh, then look again. */
				jwt_jwks_refresh(c, now, 0);
				fetched = 1;
				continue;
			}
			if (r == JWT_OK) {
				if (!fresh)
					c->st.stale_served++;
				c->set->refs++;
				*set = c->set;
				goto out;
			}
			if (r != JWT_KID_UNKNOWN)
				goto out;
			if (!counted) {
				c->st.unknown_kid++;
				counted = 1;
			}
			if (c->is_file || offline)
				goto out;
			if (c->set_seq > begun) {
				/* The token is older than this set. */
				jwt_jwks_refuse(c, tid);
				goto out;
			}
			if (jwt_jwks_is_refused(c, tid))
				goto out;
		} else if (c->is_file || offline)
			break;
		if (c->fetching) {
			/* One fetch at a time: use its result. */
			if (waits++ == 2 || !jwt_jwks_wait(c)) {
				waited_out = 1;
				break;
			}
			continue;
		}
		/*
		 * An expired set is due for a fetch anyway; a fetch for a
		 * kid starts the cooldown even then, to bound a flood.
		 */
		if (fetched || !jwt_jwks_may_fetch(c, now, usable && fresh))
			break;
		jwt_jwks_refresh(c, now, usable);
		fetched = 1;
	}
	*key = NULL;
	if (usable) {
		r = jwt_jwks_not_held(c, kid, now, waited_out, retry_after,
		    err, errlen);
		goto out;
	}
	r = JWT_JWKS_UNREACHABLE;
	if (!offline && (left = jwt_jwks_left(c, c->last_fail, now)) > 0)
		*retry_after = (int)left;
	if (c->set != NULL) {
		snprintf(err, errlen, "JWKS %s: keys expired more than %ds"
		    " ago and no fetch succeeded%s%s", c->label,
		    JWT_JWKS_STALE_MAX, c->last_error[0] != '\0' ? ": " : "",
		    c->last_error);
	} else if (offline) {
		snprintf(err, errlen, "JWKS %s: not fetched (offline)",
		    c->label);
	} else {
		snprintf(err, errlen, "JWKS %s: no keys yet%s%s", c->label,
		    c->last_error[0] != '\0' ? ": " : "", c->last_error);
	}
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}
