/*
 * test_jwt_jwks.c - the JWKS cache: Cache-Control parsing, JWKS parsing
 * and key filtering, pinned files, and the fetch rules with a fake
 * http_fetch that counts calls: single flight (8 threads, one fetch),
 * key rotation right after the startup fetch and right after a routine
 * refresh (one refetch, no refusal window), a second unknown kid inside
 * the cooldown (retry later, 503, with the seconds left), a refused
 * token presented again (401 without a fetch; another token under its
 * kid is not refused for it), floods of random kids (one
 * fetch per cooldown, also from 8 threads at once), stale keys through
 * fetch failures up to the ceiling, and cold failures under the
 * cooldown.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "test_jwt_keys.h"

#include "jwt_jwks.h"
#include "jwt_status.h"

#define T0 1700000000LL

static void	fx_logf(int level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static int	fx_fetch(const struct pvacms_http_request *req,
		    struct pvacms_http_response *resp, char *err,
		    size_t errlen);
static void	fx_free(struct pvacms_http_response *resp);
static int	fx_count(void);
static int	look(struct jwt_jwks *c, const char *kid, const char *alg,
		    int64_t now);
static void	*sf_thread(void *p);
static void	*flood_thread(void *p);
static int	parse_n(const char *doc, size_t *skipped);

static pthread_mutex_t fx_lock = PTHREAD_MUTEX_INITIALIZER;
static int fx_calls;
static int fx_fail;
static long fx_status = 200;
static long fx_delay_ms;
static const char *fx_body;
static char fx_log[8192];
static const unsigned char *look_tid;	/* token id for look(), or NULL */
static int look_retry;		/* retry_after of the last look() */
static char look_err[512];	/* reason of the last look() */

static void __attribute__((format(printf, 2, 3)))
fx_logf(int level, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	pthread_mutex_lock(&fx_lock);
	n = strlen(fx_log);
	if (n + 200 > sizeof(fx_log))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(fx_log + n, sizeof(fx_log) - n - 1, fmt, ap);
	va_end(ap);
	strcat(fx_log, "\n");
	pthread_mutex_unlock(&fx_lock);
	(void)level;
}

static int
fx_fetch(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *err, size_t errlen)
{
	const char *body;
	long delay, status;
	int fail;

	pthread_mutex_lock(&fx_lock);
	fx_calls++;
	fail = fx_fail;
	body = fx_body;
	status = fx_status;
	delay = fx_delay_ms;
	pthread_mutex_unlock(&fx_lock);
	if (delay > 0) {
		struct timespec ts;

		ts.tv_sec = delay / 1000;
		ts.tv_nsec = (delay % 1000) * 1000000L;

		nanosleep(&ts, NULL);
	}
	if (strcmp(req->method, "GET") != 0 || req->max_response !=
	    JWT_JWKS_MAX_BYTES)
		abort();
	if (fail) {
		snprintf(err, errlen, "connection refused");
		return -1;
	}
	resp->status = status;
	resp->body = strdup(body != NULL ? body : "");
	resp->body_len = strlen(resp->body);
	resp->content_type = NULL;
	return 0;
}

static void
fx_free(struct pvacms_http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

static const struct pvacms_host_services fx_svc = {
	.version = PVACMS_AUTHN_ABI_VERSION,
	.size = sizeof(struct pvacms_host_services),
	.log = fx_logf,
	.http_fetch = fx_fetch,
	.http_free = fx_free,
};

/* An ABI 1.2 host also hands over the answer's headers. */
static int
fx_fetch_headers(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *headers, size_t headers_len,
    char *err, size_t errlen)
{
	snprintf(headers, headers_len, "content-type: application/json\n"
	    "cache-control: public, max-age=3600\n");
	return fx_fetch(req, resp, err, errlen);
}

static const struct pvacms_host_services fx_svc_headers = {
	.version = PVACMS_AUTHN_ABI_VERSION,
	.size = sizeof(struct pvacms_host_services),
	.log = fx_logf,
	.http_fetch = fx_fetch,
	.http_free = fx_free,
	.http_fetch_headers = fx_fetch_headers,
};

static int
fx_count(void)
{
	int n;

	pthread_mutex_lock(&fx_lock);
	n = fx_calls;
	pthread_mutex_unlock(&fx_lock);
	return n;
}

/* Look kid up for alg at now; returns the status, releases the set. */
static int
look(struct jwt_jwks *c, const char *kid, const char *alg,
    int64_t now)
{
	struct jwt_keyset *set;
	const struct jwt_jwk *key;
	char err[512];
	int r, retry;

	err[0] = '\0';
	r = jwt_jwks_lookup(c, kid, look_tid, jwt_alg_find(alg), now, 0, &set,
	    &key, &retry, err, sizeof(err));
	if (r == JWT_OK && (set == NULL || key == NULL))
		abort();
	if (retry != 0 && r != JWT_JWKS_REFRESH_PENDING &&
	    r != JWT_JWKS_UNREACHABLE)
		abort();
	jwt_jwks_release(c, set);
	pthread_mutex_lock(&fx_lock);
	look_retry = retry;
	snprintf(look_err, sizeof(look_err), "%s", err);
	pthread_mutex_unlock(&fx_lock);
	return r;
}

struct sf_arg {
	struct jwt_jwks *c;
	int r;
};

static void *
sf_thread(void *p)
{
	struct sf_arg *a = p;

	a->r = look(a->c, "k1", "RS256", T0);
	return NULL;
}

/* One lookup of its own random kid, at T0 + 1000. */
static void *
flood_thread(void *p)
{
	struct sf_arg *a = p;
	char kid[32];

	snprintf(kid, sizeof(kid), "th-%p", p);
	a->r = look(a->c, kid, "RS256", T0 + 1000);
	return NULL;
}

static int
parse_n(const char *doc, size_t *skipped)
{
	struct jwt_keyset *set;
	char err[256];
	int n;

	if ((set = jwt_jwks_parse(doc, strlen(doc), skipped, err,
	    sizeof(err))) == NULL)
		return -1;
	n = (int)set->n;
	jwt_keyset_free(set);
	return n;
}

int
main(void)
{
	cjose_jwk_t *k1, *k2, *e1, *ks[3];
	struct jwt_jwks *c;
	struct jwt_jwks_stats st;
	struct sf_arg args[8];
	pthread_t th[8];
	char err[512], dir[] = "/tmp/test_jwt_jwks.XXXXXX", kid[32], *set1,
	    *set12, *setmix, *setrot, *path, *big, *doc, *buf;
	size_t skipped, len, i;
	int n, before, ok_all, r;

	tap_plan(92);
	if (mkdtemp(dir) == NULL)
		abort();
	k1 = tk_rsa(2048, "k1");
	k2 = tk_rsa(2048, "k2");
	e1 = tk_ec(CJOSE_JWK_EC_P_256, "e1");
	ks[0] = k1;
	set1 = tk_jwks(ks, 1);
	ks[1] = k2;
	set12 = tk_jwks(ks, 2);
	ks[1] = e1;
	setmix = tk_jwks(ks, 2);
	ks[1] = k2;
	ks[2] = e1;
	setrot = tk_jwks(ks, 3);

	/* Cache-Control. */
	is_int(jwt_jwks_max_age(NULL), 300, "no header: 5 min");
	is_int(jwt_jwks_max_age("max-age=600"), 600, "max-age=600");
	is_int(jwt_jwks_max_age("public, max-age=3600, must-revalidate"),
	    3600, "max-age among others");
	is_int(jwt_jwks_max_age("max-age=60"), 300, "below 5 min: 5 min");
	is_int(jwt_jwks_max_age("max-age=9999999999"), 86400,
	    "above 24 h: 24 h");
	is_int(jwt_jwks_max_age("no-store, max-age=3600"), 300,
	    "no-store: minimum");
	is_int(jwt_jwks_max_age("Max-Age=\"7200\""), 7200, "quoted, any case");
	is_int(jwt_jwks_max_age("s-maxage=7200"), 300, "s-maxage ignored");
	is_int(jwt_jwks_max_age("max-age=abc"), 300, "garbage: default");

	/* Parsing and filtering. */
	is_int(parse_n(setmix, &skipped), 2, "RSA and EC keys parsed");
	is_int(parse_n("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}",
	    &skipped), -1, "oct-only set: no usable key");
	is_int((int)skipped, 1, "the oct key was skipped");
	doc = tk_pub(k1);
	buf = malloc(strlen(doc) * 3 + 200);
	sprintf(buf, "{\"keys\":[%s,{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	    "\"x\":\"AA\"}]}", doc);
	is_int(parse_n(buf, &skipped), 1, "OKP key skipped, RSA kept");
	doc[strlen(doc) - 1] = '\0';
	sprintf(buf, "{\"keys\":[%s,\"use\":\"enc\"}]}", doc);
	is_int(parse_n(buf, &skipped), -1, "use=enc skipped");
	sprintf(buf, "{\"keys\":[%s,\"key_ops\":[\"encrypt\"]}]}", doc);
	is_int(parse_n(buf, &skipped), -1, "key_ops without verify skipped");
	sprintf(buf, "{\"keys\":[%s,\"key_ops\":[\"verify\"],\"use\":"
	    "\"sig\",\"alg\":\"RS256\"}]}", doc);
	is_int(parse_n(buf, &skipped), 1, "use=sig, key_ops verify, alg");
	sprintf(buf, "{\"keys\":[%s,\"alg\":\"HS256\"}]}", doc);
	is_int(parse_n(buf, &skipped), -1, "RSA key marked HS256 skipped");
	sprintf(buf, "{\"keys\":[%s,\"alg\":\"ES256\"}]}", doc);
	is_int(parse_n(buf, &skipped), -1, "RSA key marked ES256 skipped");
	free(buf);
	free(doc);
	doc = cjose_jwk_to_json(k1, true, NULL);
	buf = malloc(strlen(doc) + 32);
	sprintf(buf, "{\"keys\":[%s]}", doc);
	is_int(parse_n(buf, &skipped), -1, "private key skipped");
	free(buf);
	free(doc);
	is_int(parse_n("{\"keys\":[", &skipped), -1, "not JSON");
	is_int(parse_n("{\"key\":[]}", &skipped), -1, "no keys array");
	is_int(parse_n("[]", &skipped), -1, "not an object");
	is_int(parse_n("{\"keys\":[],\"keys\":[]}", &skipped), -1,
	    "duplicate members refused");
	big = malloc(70 * 4 + 32);
	strcpy(big, "{\"keys\":[");
	for (i = 0; i < 65; i++)
		strcat(big, i ? ",{}" : "{}");
	strcat(big, "]}");
	is_int(parse_n(big, &skipped), -1, "65 keys refused");
	free(big);

	/* Files. */
	path = tk_file(dir, "jwks.json", setmix, strlen(setmix));
	buf = jwt_jwks_read_file(path, 16, &len, err, sizeof(err));
	ok(buf == NULL && strstr(err, "larger than 16") != NULL,
	    "read cap enforced");
	buf = jwt_jwks_read_file(dir, 1024, &len, err, sizeof(err));
	ok(buf == NULL && strstr(err, "not a regular file") != NULL,
	    "directory refused");
	c = jwt_jwks_new(path, &fx_svc, 1000, 30, err, sizeof(err));
	ok(c != NULL, "pinned file loaded");
	is_int(look(c, "k1", "RS256", T0), JWT_OK, "file: k1 for RS256");
	is_int(look(c, "e1", "ES256", T0), JWT_OK, "file: e1 for ES256");
	is_int(look(c, "e1", "RS256", T0), JWT_ALG_NOT_ALLOWED,
	    "file: EC key asked for RS256");
	is_int(look(c, "nope", "RS256", T0), JWT_KID_UNKNOWN,
	    "file: unknown kid");
	is_int(look(c, NULL, "ES256", T0), JWT_OK,
	    "file: no kid, exactly one ES256 key");
	is_int(look(c, "k1", "RS256", T0 + 10 * 86400), JWT_OK,
	    "file: never expires");
	jwt_jwks_stats(c, &st);
	ok(st.is_file && st.fetches == 0 && fx_count() == 0 && st.keys == 2,
	    "file: never fetched, 2 keys");
	jwt_jwks_free(c);
	free(path);
	path = tk_file(dir, "bad.json", "{\"keys\":[]}", 11);
	c = jwt_jwks_new(path, &fx_svc, 1000, 30, err, sizeof(err));
	ok(c == NULL && strstr(err, "no usable") != NULL,
	    "empty pinned file refused at load");
	free(path);
	c = jwt_jwks_new("/nonexistent/jwks.json", &fx_svc, 1000, 30, err,
	    sizeof(err));
	ok(c == NULL, "missing pinned file refused at load");

	/* Cache-Control from an ABI 1.2 host sets the freshness. */
	fx_body = set1;
	c = jwt_jwks_new("https://idp.example/jwks", &fx_svc_headers, 2000, 30,
	    err, sizeof(err));
	is_int(c != NULL ? look(c, "k1", "RS256", T0) : -1, JWT_OK,
	    "1.2 host: k1 fetched");
	if (c != NULL) {
		jwt_jwks_stats(c, &st);
		is_int((long long)(st.expires - st.last_fetch), 3600,
		    "Cache-Control max-age=3600 honoured");
		jwt_jwks_free(c);
	}
	pthread_mutex_lock(&fx_lock);
	fx_calls = 0;	/* the counts below start here */
	pthread_mutex_unlock(&fx_lock);

	/* Single flight: 8 threads, a slow fetch, one call. */
	fx_body = set1;
	fx_delay_ms = 300;
	c = jwt_jwks_new("https://idp.example/jwks", &fx_svc, 2000, 30, err,
	    sizeof(err));
	ok(c != NULL && fx_count() == 0, "URL cache made without fetching");
	for (i = 0; i < 8; i++) {
		args[i].c = c;
		pthread_create(&th[i], NULL, sf_thread, &args[i]);
	}
	for (i = 0, ok_all = 1; i < 8; i++) {
		pthread_join(th[i], NULL);
		ok_all &= args[i].r == JWT_OK;
	}
	ok(ok_all, "8 concurrent verifiers all got the key");
	is_int(fx_count(), 1, "single flight: one fetch for 8 threads");
	fx_delay_ms = 0;

	/*
	 * Rotation right after the startup fetch (T0): the provider
	 * publishes k2 and signs with it; the first token works.
	 */
	fx_body = set12;
	is_int(look(c, "k2", "RS256", T0 + 1), JWT_OK,
	    "rotation 1 s after the startup fetch: first token accepted");
	is_int(fx_count(), 2, "... after one refetch");
	is_int(look(c, "k1", "RS256", T0 + 2), JWT_OK, "old key still there");
	is_int(fx_count(), 2, "... without a fetch");

	/* A second unknown kid inside the cooldown: retry later. */
	r = look(c, "k3", "RS256", T0 + 5);
	is_int(r, JWT_JWKS_REFRESH_PENDING,
	    "unknown kid 4 s after the refetch: refresh pending");
	is_int(jwt_status_http(r), 503, "... HTTP 503");
	is_int(jwt_status_verdict(r), PVACMS_ERROR,
	    "... an error, not a denial");
	is_str(jwt_status_code(r), "jwks_refresh_pending",
	    "... code jwks_refresh_pending");
	is_int(look_retry, 26, "... retry after the 26 s left of 30");
	ok(strstr(look_err, "fetched 4 s ago") != NULL &&
	    strstr(look_err, "kid 'k3' unknown") != NULL &&
	    strstr(look_err, "retry in 26 s") != NULL,
	    "... the reason says so: %s", look_err);
	is_int(fx_count(), 2, "... and costs no fetch");
	r = look(c, "k3", "RS256", T0 + 30);
	ok(r == JWT_JWKS_REFRESH_PENDING && look_retry == 1,
	    "1 s before the end: retry in 1 s (%d)", look_retry);
	r = look(c, "k3", "RS256", T0 - 3);
	ok(r == JWT_JWKS_REFRESH_PENDING && look_retry == 30,
	    "a request time before the refetch: the whole cooldown (%d)",
	    look_retry);

	/* Past the cooldown: one refetch, then a definite no. */
	look_tid = (const unsigned char *)"token A, 32 bytes of its hash...";
	is_int(look(c, "k3", "RS256", T0 + 31), JWT_KID_UNKNOWN,
	    "past the cooldown: refetched, still absent: kid unknown");
	ok(strstr(look_err, "kid 'k3' is not in the key set") != NULL,
	    "... %s", look_err);
	is_int(look_retry, 0, "... no retry_after");
	is_int(fx_count(), 3, "... after one fetch");
	is_int(look(c, "k3", "RS256", T0 + 32), JWT_KID_UNKNOWN,
	    "the same token again inside the cooldown: still a definite no");
	is_int(fx_count(), 3, "... without a fetch");
	look_tid = (const unsigned char *)"token B, 32 bytes of its hash...";
	is_int(look(c, "k3", "RS256", T0 + 33), JWT_JWKS_REFRESH_PENDING,
	    "another token under that kid: retry later, not refused for it");
	look_tid = NULL;

	/* Flood: 100 random kids at one moment, then over 100 s. */
	before = fx_count();
	for (i = 0; i < 100; i++) {
		snprintf(kid, sizeof(kid), "rnd-%08lx",
		    (unsigned long)random());
		r = look(c, kid, "RS256", T0 + 100);
		if (r != (i == 0 ? JWT_KID_UNKNOWN : JWT_JWKS_REFRESH_PENDING))
			break;
	}
	is_int((long long)i, 100, "100 random kids: the first refused, the"
	    " others told to retry");
	n = fx_count() - before;
	ok(n == 1, "kid flood at one moment: %d fetch(es)", n);
	before = fx_count();
	for (i = 0; i < 100; i++) {
		snprintf(kid, sizeof(kid), "rnd-%08lx",
		    (unsigned long)random());
		look(c, kid, "RS256", T0 + 101 + (int64_t)i);
	}
	n = fx_count() - before;
	ok(n >= 3 && n <= 4, "kid flood over 100 s: %d fetches (one per 30 s"
	    " cooldown)", n);
	jwt_jwks_stats(c, &st);
	ok(st.unknown_kid >= 201, "unknown kids counted (%lu)", st.unknown_kid);
	ok(st.kid_fetches == (unsigned long)n + 3 && st.deferred >= 191,
	    "stats: %lu fetches for unknown kids, %lu told to retry",
	    st.kid_fetches, st.deferred);
	printf("# kid flood: 100 random kids at once -> 1 fetch; over 100 s"
	    " -> %d fetches\n", n);

	/* The same from 8 threads at once, with a slow fetch. */
	before = fx_count();
	fx_delay_ms = 200;
	for (i = 0; i < 8; i++) {
		args[i].c = c;
		pthread_create(&th[i], NULL, flood_thread, &args[i]);
	}
	for (i = 0, ok_all = 1; i < 8; i++) {
		pthread_join(th[i], NULL);
		ok_all &= args[i].r == JWT_KID_UNKNOWN ||
		    args[i].r == JWT_JWKS_REFRESH_PENDING;
	}
	fx_delay_ms = 0;
	ok(ok_all, "8 threads, 8 random kids: refused or told to retry");
	is_int(fx_count() - before, 1, "... one fetch for all of them");

	/* Expiry: fresh for 5 min, then one refresh. */
	before = fx_count();
	jwt_jwks_stats(c, &st);
	is_int(look(c, "k1", "RS256", st.expires - 1), JWT_OK,
	    "fresh until max-age");
	is_int(fx_count(), before, "no fetch while fresh");
	is_int(look(c, "k1", "RS256", st.expires), JWT_OK, "expired: refresh");
	is_int(fx_count(), before + 1, "one fetch at expiry");

	/* Rotation right after that routine refresh. */
	fx_body = setrot;
	is_int(look(c, "e1", "ES256", st.expires + 1), JWT_OK,
	    "rotation 1 s after a routine refresh: first token accepted");
	is_int(fx_count(), before + 2, "... after one refetch");

	/* Stale through failures, up to the ceiling, then fail closed. */
	jwt_jwks_stats(c, &st);
	fx_fail = 1;
	before = fx_count();
	is_int(look(c, "k1", "RS256", st.expires + 10), JWT_OK,
	    "fetch fails: stale key served");
	is_int(fx_count(), before + 1, "one failed fetch");
	is_int(look(c, "k1", "RS256", st.expires + 20), JWT_OK,
	    "stale again, inside the cooldown");
	is_int(fx_count(), before + 1, "no fetch inside the cooldown");
	is_int(look(c, "k1", "RS256", st.expires + 3600), JWT_OK,
	    "an hour later: still stale-served");
	r = look(c, "k1", "RS256", st.expires + JWT_JWKS_STALE_MAX + 1);
	is_int(r, JWT_JWKS_UNREACHABLE, "past the ceiling: fail closed");
	fx_fail = 0;
	is_int(look(c, "k1", "RS256", st.expires + JWT_JWKS_STALE_MAX + 100),
	    JWT_OK, "fetch works again: keys back");
	jwt_jwks_stats(c, &st);
	ok(st.failures == 3 && st.stale_served >= 2,
	    "stats: %lu failures, %lu stale uses", st.failures,
	    st.stale_served);
	ok(strstr(fx_log, "serving the last good keys") != NULL,
	    "failure logged as stale serving");
	ok(strstr(fx_log, "-----") == NULL && strstr(fx_log, "\"n\"") == NULL,
	    "no key material in the log");
	jwt_jwks_free(c);

	/* Cold failures: unreachable, and not hammered. */
	fx_fail = 1;
	before = fx_count();
	c = jwt_jwks_new("https://idp.example/jwks", &fx_svc, 1000, 30, err,
	    sizeof(err));
	is_int(look(c, "k1", "RS256", T0), JWT_JWKS_UNREACHABLE,
	    "cold cache, fetch fails: jwks unreachable");
	is_int(look(c, "k1", "RS256", T0 + 1), JWT_JWKS_UNREACHABLE,
	    "again inside the cooldown");
	is_int(fx_count(), before + 1, "only one fetch");
	fx_fail = 0;
	fx_status = 500;
	is_int(look(c, "k1", "RS256", T0 + 31), JWT_JWKS_UNREACHABLE,
	    "HTTP 500: unreachable");
	fx_status = 200;
	fx_body = "not json";
	is_int(look(c, "k1", "RS256", T0 + 62), JWT_JWKS_UNREACHABLE,
	    "garbage JWKS: unreachable");
	fx_body = set12;
	is_int(look(c, NULL, "RS256", T0 + 93), JWT_KID_UNKNOWN,
	    "no kid, two RSA keys: ambiguous");
	jwt_jwks_free(c);

	/* A waiter gives up after the fetch timeout (+1 s). */
	{
		struct sf_arg a;
		pthread_t t;
		time_t t0;

		fx_delay_ms = 2500;
		c = jwt_jwks_new("https://idp.example/jwks", &fx_svc, 200, 30,
		    err, sizeof(err));
		a.c = c;
		pthread_create(&t, NULL, sf_thread, &a);
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
		t0 = time(NULL);
		r = look(c, "k1", "RS256", T0);
		ok(r == JWT_JWKS_UNREACHABLE && time(NULL) - t0 <= 2,
		    "waiter bounded by the timeout");
		pthread_join(t, NULL);
		ok(a.r == JWT_OK, "the slow fetch itself succeeded");
		fx_delay_ms = 0;
		jwt_jwks_free(c);
	}

	free(set1);
	free(set12);
	free(setmix);
	free(setrot);
	cjose_jwk_release(k1);
	cjose_jwk_release(k2);
	cjose_jwk_release(e1);
	path = malloc(strlen(dir) + 32);
	sprintf(path, "%s/jwks.json", dir);
	unlink(path);
	sprintf(path, "%s/bad.json", dir);
	unlink(path);
	free(path);
	rmdir(dir);
	return tap_done();
}
