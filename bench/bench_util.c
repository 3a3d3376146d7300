/*
 * bench/bench_util.c - what the rate benchmarks share (see
 * bench_util.h): issue_rate and create_rate print the same lines the
 * same way from here, so that their figures compare and the scripts
 * that read them (the bench scripts) read both alike.
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench_util.h"

/* One token-fetching thread: the settings and its client. */
struct bench_fetch_arg {
	const struct bench_opts	*o;
	const char		*cacert;
	struct bench_client	*c;
};

static size_t	 bench_write_cb(char *, size_t, size_t, void *);
static int	 bench_token_ok(const char *, size_t);
static void	*bench_fetch_main(void *);
static struct bench_client *bench_at(const void *, size_t, int);
static void	 bench_report_cpu_line(const char *, double, long, double);

static struct bench_client *
bench_at(const void *cl, size_t stride, int i)
{
	return (struct bench_client *)(uintptr_t)((const char *)cl +
	    (size_t)i * stride);
}

void
bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->usage = "client";
	o->clients = 4;
	o->secs = 10;
	o->tokens = 2000;
	o->timeout_ms = 10000;
}

int
bench_opts_take(struct bench_opts *o, int ch, const char *arg)
{
	int r;

	switch (ch) {
	case 't':
		o->token_url = arg;
		return 1;
	case 'u':
		o->usage = arg;
		return 1;
	case 'n':
		r = bench_parse_int(arg, 1, BENCH_MAX_CLIENTS, &o->clients);
		break;
	case 's':
		r = bench_parse_int(arg, 1, BENCH_MAX_SECS, &o->secs);
		break;
	case 'k':
		r = bench_parse_int(arg, 1, BENCH_MAX_TOKENS, &o->tokens);
		break;
	case 'T':
		r = bench_parse_int(arg, 1, 600000, &o->timeout_ms);
		break;
	case 'P':
		r = bench_parse_int(arg, 1, 1 << 30, &o->cpu_pid);
		break;
	default:
		return 0;
	}
	return r == 0 ? 1 : -1;
}

int
bench_parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

double
bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
bench_deadline(struct timespec *ts, int secs)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += secs;
}

int
bench_past(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec ||
	    (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

int
bench_read_file(const char *path, size_t max, char **out, char *err,
    size_t errlen)
{
	FILE *f;
	char *p;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((p = malloc(max + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(p, 1, max + 1, f);
	if (ferror(f) || n > max) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ?
		    "read error" : "too large");
		fclose(f);
		free(p);
		return -1;
	}
	fclose(f);
	p[n] = '\0';
	*out = p;
	return 0;
}

void
bench_note_err(struct bench_client *c, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *p;

	if (c->first_err[0] != '\0')
		return;
	cap = c->err_cap > 0 && c->err_cap < sizeof(c->first_err) ?
	    c->err_cap : sizeof(c->first_err);
	va_start(ap, fmt);
	vsnprintf(c->first_err, cap, fmt, ap);
	va_end(ap);
	for (p = c->first_err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = ' ';
}

void
bench_client_free(struct bench_client *c)
{
	int k;

	for (k = 0; k < c->ntok; k++)
		free(c->tok[k]);
	free(c->tok);
	c->tok = NULL;
	c->ntok = 0;
}

/* libcurl write callback: append to a bench_buf, refuse past its cap. */
static size_t
bench_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct bench_buf *b = arg;
	size_t len = size * n;

	if (len > b->cap - 1 - b->len) {
		b->overflow = 1;
		return 0;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

CURL *
bench_curl_handle(struct bench_buf *b, long timeout_ms, const char *cacert)
{
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (cacert != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, cacert);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	return h;
}

void
bench_buf_reset(struct bench_buf *b)
{
	b->len = 0;
	b->overflow = 0;
	b->p[0] = '\0';
}

/* A token is three base64url parts: nothing to escape in JSON. */
static int
bench_token_ok(const char *t, size_t len)
{
	size_t i, dots = 0;

	if (len == 0 || len > BENCH_MAX_TOKEN)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = t[i];

		if (ch == '.')
			dots++;
		else if (!((ch >= 'A' && ch <= 'Z') ||
		    (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_'))
			return 0;
	}
	return dots == 2;
}

/* Thread: fill one client's token pool from the issuer. */
static void *
bench_fetch_main(void *arg)
{
	struct bench_fetch_arg *a = arg;
	const struct bench_opts *o = a->o;
	struct bench_client *c = a->c;
	struct bench_buf b;
	CURL *h;
	long code;
	CURLcode r;

	b.len = 0;
	b.cap = BENCH_MAX_TOKEN + 64;
	if ((b.p = malloc(b.cap)) == NULL ||
	    (c->tok = calloc((size_t)o->tokens, sizeof(*c->tok))) ==
	    NULL) {
		free(b.p);
		bench_note_err(c, "out of memory");
		return NULL;
	}
	if ((h = bench_curl_handle(&b, o->timeout_ms, a->cacert)) == NULL) {
		free(b.p);
		bench_note_err(c, "curl_easy_init failed");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, o->token_url);
	while (c->ntok < o->tokens) {
		bench_buf_reset(&b);
		if ((r = curl_easy_perform(h)) != CURLE_OK) {
			bench_note_err(c, "token fetch: %s",
			    curl_easy_strerror(r));
			break;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		while (b.len > 0 && (b.p[b.len - 1] == '\n' ||
		    b.p[b.len - 1] == '\r' || b.p[b.len - 1] == ' '))
			b.p[--b.len] = '\0';
		if (code != 200 || !bench_token_ok(b.p, b.len)) {
			bench_note_err(c, "token fetch: HTTP %ld, %s", code,
			    code == 200 ? "not a JWT" : "refused");
			break;
		}
		if ((c->tok[c->ntok] = strdup(b.p)) == NULL) {
			bench_note_err(c, "out of memory");
			break;
		}
		c->ntok++;
	}
	curl_easy_cleanup(h);
	free(b.p);
	return NULL;
}

int
bench_run(const char *prog, void *cl, size_t stride, int n,
    void *(*fn)(void *), double *ms)
{
	pthread_t th[BENCH_MAX_CLIENTS];
	double t0;
	int i, started;

	t0 = bench_now_ms();
	for (started = 0; started < n; started++)
		if (pthread_create(&th[started], NULL, fn,
		    bench_at(cl, stride, started)) != 0)
			break;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	*ms = bench_now_ms() - t0;
	if (started < n) {
		fprintf(stderr, "%s: cannot start thread %d\n", prog, started);
		return -1;
	}
	return 0;
}

int
bench_fetch_tokens(const char *prog, const struct bench_opts *o,
    const char *cacert, void *cl, size_t stride, int n)
{
	struct bench_fetch_arg arg[BENCH_MAX_CLIENTS];
	struct bench_client *c;
	double ms;
	int i, fetched = 0;

	for (i = 0; i < n; i++) {
		arg[i].o = o;
		arg[i].cacert = cacert;
		arg[i].c = bench_at(cl, stride, i);
	}
	if (bench_run(prog, arg, sizeof(arg[0]), n, bench_fetch_main,
	    &ms) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		c = arg[i].c;
		fetched += c->ntok;
		if (c->ntok < o->tokens) {
			fprintf(stderr, "%s: client %d got %d of %d "
			    "tokens: %s\n", prog, i, c->ntok, o->tokens,
			    c->first_err);
			return -1;
		}
		c->first_err[0] = '\0';
	}
	printf("fetched %d tokens in %.1f s before the window (%.0f/s)\n",
	    fetched, ms / 1e3, ms > 0 ? fetched * 1e3 / ms : 0.0);
	return 0;
}

int
bench_window(const char *prog, void *cl, size_t stride, int n, int secs,
    void *(*fn)(void *), int cpu_pid, struct bench_cpu *cpu, double *ms)
{
	double server0, self0, server1, self1;
	int i;

	for (i = 0; i < n; i++)
		bench_deadline(&bench_at(cl, stride, i)->deadline, secs);
	server0 = bench_cpu_ms(cpu_pid);
	self0 = bench_cpu_ms((int)getpid());
	if (bench_run(prog, cl, stride, n, fn, ms) != 0)
		return -1;
	server1 = bench_cpu_ms(cpu_pid);
	self1 = bench_cpu_ms((int)getpid());
	cpu->server_ms = server0 >= 0 && server1 >= 0 ? server1 - server0 :
	    -1;
	cpu->client_ms = self0 >= 0 && self1 >= 0 ? self1 - self0 : -1;
	return 0;
}

/*
 * From /proc/PID/stat (all its threads); -1 when pid is 0 or
 * unreadable.  One reading for both benchmarks, so the fronts compare.
 */
double
bench_cpu_ms(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

long
bench_totals(const void *cl, size_t stride, int n, double *busy)
{
	const struct bench_client *c;
	long ok = 0;
	int i;

	if (busy != NULL)
		*busy = 0;
	for (i = 0; i < n; i++) {
		c = bench_at(cl, stride, i);
		ok += c->ok;
		if (busy != NULL)
			*busy += c->busy_ms;
	}
	return ok;
}

void
bench_report_tail(const void *cl, size_t stride, int n, long errors)
{
	const struct bench_client *c;
	int i, exhausted = 0;

	for (i = 0; i < n; i++)
		exhausted += bench_at(cl, stride, i)->exhausted;
	for (i = 0; errors > 0 && i < n; i++) {
		c = bench_at(cl, stride, i);
		if (c->first_err[0] != '\0') {
			printf("  first error: %s\n", c->first_err);
			break;
		}
	}
	if (exhausted > 0)
		printf("  note: the window ended early: %d client(s) used "
		    "up their tokens (raise --tokens or TOKENS)\n", exhausted);
}

/* The CPU of who (the server, or this client) per certificate issued. */
static void
bench_report_cpu_line(const char *who, double cpu_ms, long ok, double ms)
{
	if (cpu_ms < 0)
		return;
	printf("  %s CPU: %.3f ms per certificate (%.0f%% of one core)\n",
	    who, cpu_ms / (double)ok, 100.0 * cpu_ms / ms);
}

void
bench_report_cpu(const struct bench_cpu *cpu, const void *cl,
    size_t stride, int n, double ms)
{
	long ok = bench_totals(cl, stride, n, NULL);

	if (ok == 0 || ms <= 0)
		return;
	bench_report_cpu_line("server", cpu->server_ms, ok, ms);
	/* The clients share the machine: what they cost bounds the rate
	 * as much as the server does. */
	bench_report_cpu_line("client", cpu->client_ms, ok, ms);
}
