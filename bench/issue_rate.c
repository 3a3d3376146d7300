/*
 * bench/issue_rate.c - how many certificates pvacms issues per second.
 *
 * Several client threads (default 4) each POST /v1/certs over HTTPS in a
 * loop for a fixed time, with a pre-generated CSR and a fresh token per
 * request.  The tokens come from the sample issuer and are fetched before
 * the timed window, so the window measures pvacms alone (and the token
 * validator it calls for every request, which is the real cost).  Each
 * thread owns one libcurl easy handle, so its connection is kept alive.
 * 201 answers and everything else are counted separately.  A second,
 * optional phase measures GET /v1/certs/{id}/status on the HTTP listener
 * for one of the certificates just issued.
 *
 * This is a benchmark, not a test: it prints figures and never judges
 * them.  The exit status is 0 unless it could not run at all (1) or was
 * called wrongly (2).  Every request has a timeout and every phase a
 * deadline; a token is never printed.
 */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define IR_MAX_CLIENTS	64
#define IR_MAX_SECS	600
#define IR_MAX_TOKENS	100000	/* per client */
#define IR_MAX_TOKEN	8192	/* bytes of one token */
#define IR_MAX_CSR	(32 * 1024)
#define IR_MAX_ANSWER	(256 * 1024)
#define IR_MAX_URL	2048
#define IR_CERTID_MAX	128

/* A growing buffer for one answer, capped at IR_MAX_ANSWER. */
struct ir_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 overflow;
};

/* The settings shared by every thread (read only once threads run). */
struct ir_conf {
	const char	*cms;		/* https://127.0.0.1:PORT */
	const char	*cacert;
	const char	*token_url;	/* holds the issuer's password */
	const char	*status_base;	/* http://127.0.0.1:PORT, or NULL */
	const char	*usage;
	char		*csr_json[IR_MAX_CLIENTS]; /* JSON-escaped, owned */
	int		 ncsr;
	int		 clients;
	int		 secs;
	int		 status_secs;
	int		 tokens;	/* per client */
	long		 timeout_ms;
};

/* One client thread: its inputs and its counts. */
struct ir_client {
	const struct ir_conf *conf;
	int		 id;
	char		**tok;		/* tokens, owned */
	int		 ntok;
	struct timespec	 deadline;
	char		 status_url[IR_MAX_URL];
	/* results */
	long		 ok;		/* 201 (or 200 for status) */
	long		 http_err;	/* any other HTTP status */
	long		 net_err;	/* no HTTP answer at all */
	long		 by_code[6];	/* http_err by class 0xx..5xx */
	double		 busy_ms;	/* sum of request times */
	int		 exhausted;	/* ran out of tokens early */
	char		 cert_id[IR_CERTID_MAX];
	char		 first_err[160];
};

static void	 ir_usage(FILE *);
static int	 ir_parse_int(const char *, int, int, int *);
static double	 ir_now_ms(void);
static void	 ir_deadline(struct timespec *, int);
static int	 ir_past(const struct timespec *);
static size_t	 ir_write_cb(char *, size_t, size_t, void *);
static int	 ir_read_file(const char *, size_t, char **, char *, size_t);
static char	*ir_json_escape(const char *);
static CURL	*ir_handle(const struct ir_conf *, struct ir_buf *);
static int	 ir_token_ok(const char *, size_t);
static void	*ir_fetch_main(void *);
static void	*ir_issue_main(void *);
static void	*ir_status_main(void *);
static int	 ir_class(long);
static int	 ir_find_cert_id(const char *, char *, size_t);
static void	 ir_note_err(struct ir_client *, const char *, ...);
static int	 ir_run(struct ir_client *, int, void *(*)(void *), double *);
static void	 ir_report(const char *, const char *, struct ir_client *, int,
		    double);
static void	 ir_free_clients(struct ir_client *, int);
static double	 ir_cpu_ms(int);
static void	 ir_report_cpu(const char *, struct ir_client *, int, double,
		    double);

static void
ir_usage(FILE *f)
{
	fprintf(f,
"usage: issue_rate --cms URL --cacert FILE --csr FILE [--csr FILE ...]\n"
"                  --token-url URL [--status-base URL] [--clients N]\n"
"                  [--secs S] [--status-secs S] [--tokens N]\n"
"                  [--timeout-ms MS] [--usage client|server|ioc]\n"
"                  [--cpu-pid PID]\n"
"Measure certificates issued per second by pvacms (POST /v1/certs), then\n"
"optionally the status rate (GET /v1/certs/{id}/status).\n"
"  --cms URL          the HTTPS base of pvacms\n"
"  --cacert FILE      the CA certificate pvacms proves itself with\n"
"  --csr FILE         a PEM CSR; client i uses the (i mod n)-th one\n"
"  --token-url URL    GET here gives one fresh token (fetched before timing)\n"
"  --status-base URL  the HTTP status base; 0 --status-secs skips it\n"
"  --clients N        concurrent clients (default 4)\n"
"  --secs S           issue window in seconds (default 10)\n"
"  --status-secs S    status window in seconds (default 5)\n"
"  --tokens N         tokens fetched per client (default 2000)\n"
"  --timeout-ms MS    bound of each request (default 10000)\n"
"  --usage U          certificate usage asked for (default client)\n"
"  --cpu-pid PID      report the CPU time PID (pvacms) spent per certificate\n");
}

static int
ir_parse_int(const char *s, int lo, int hi, int *out)
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

static double
ir_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
ir_deadline(struct timespec *ts, int secs)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += secs;
}

static int
ir_past(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec ||
	    (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/* libcurl write callback: append to an ir_buf, refuse past its cap. */
static size_t
ir_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct ir_buf *b = arg;
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

/*
 * Read a whole file of at most max bytes into *out (NUL-terminated).
 * The caller frees *out.
 */
static int
ir_read_file(const char *path, size_t max, char **out, char *err,
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

/*
 * The JSON string body (no quotes) for s, which holds no NUL.  Returns
 * NULL when out of memory; the caller frees the result.
 */
static char *
ir_json_escape(const char *s)
{
	size_t n = strlen(s);
	char *out, *o;

	if ((out = malloc(6 * n + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c < 0x20) {
			o += sprintf(o, "\\u%04x", c);
		} else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* A fresh easy handle answering into b.  The caller cleans it up. */
static CURL *
ir_handle(const struct ir_conf *conf, struct ir_buf *b)
{
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, conf->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, conf->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ir_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CAINFO, conf->cacert);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	return h;
}

/* A token is three base64url parts: nothing to escape in JSON. */
static int
ir_token_ok(const char *t, size_t len)
{
	size_t i, dots = 0;

	if (len == 0 || len > IR_MAX_TOKEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = t[i];

		if (c == '.')
			dots++;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return dots == 2;
}

/* Thread: fill the client's token pool from the issuer. */
static void *
ir_fetch_main(void *arg)
{
	struct ir_client *c = arg;
	struct ir_buf b;
	CURL *h;
	long code;
	CURLcode r;

	b.cap = IR_MAX_TOKEN + 64;
	if ((b.p = malloc(b.cap)) == NULL ||
	    (c->tok = calloc(c->conf->tokens, sizeof(*c->tok))) == NULL) {
		free(b.p);
		ir_note_err(c, "out of memory");
		return NULL;
	}
	if ((h = ir_handle(c->conf, &b)) == NULL) {
		free(b.p);
		ir_note_err(c, "curl_easy_init failed");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, c->conf->token_url);
	while (c->ntok < c->conf->tokens) {
		b.len = 0;
		b.overflow = 0;
		b.p[0] = '\0';
		if ((r = curl_easy_perform(h)) != CURLE_OK) {
			ir_note_err(c, "token fetch: %s",
			    curl_easy_strerror(r));
			break;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		while (b.len > 0 && (b.p[b.len - 1] == '\n' ||
		    b.p[b.len - 1] == '\r' || b.p[b.len - 1] == ' '))
			b.p[--b.len] = '\0';
		if (code != 200 || !ir_token_ok(b.p, b.len)) {
			ir_note_err(c, "token fetch: HTTP %ld, %s", code,
			    code == 200 ? "not a JWT" : "refused");
			break;
		}
		if ((c->tok[c->ntok] = strdup(b.p)) == NULL) {
			ir_note_err(c, "out of memory");
			break;
		}
		c->ntok++;
	}
	curl_easy_cleanup(h);
	free(b.p);
	return NULL;
}

/* Thread: POST /v1/certs until the deadline or the tokens run out. */
static void *
ir_issue_main(void *arg)
{
	struct ir_client *c = arg;
	const struct ir_conf *conf = c->conf;
	const char *csr = conf->csr_json[c->id % conf->ncsr];
	struct curl_slist *hdr = NULL;
	struct ir_buf b;
	char url[IR_MAX_URL], *body = NULL;
	size_t bodycap;
	CURL *h = NULL;
	CURLcode r;
	double t0;
	long code;
	int i;

	snprintf(url, sizeof(url), "%s/v1/certs", conf->cms);
	bodycap = strlen(csr) + IR_MAX_TOKEN + 256;
	b.cap = IR_MAX_ANSWER;
	b.p = malloc(b.cap);
	body = malloc(bodycap);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (b.p == NULL || body == NULL || hdr == NULL ||
	    (h = ir_handle(conf, &b)) == NULL) {
		ir_note_err(c, "out of memory");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	for (i = 0; !ir_past(&c->deadline); i++) {
		if (i >= c->ntok) {
			c->exhausted = 1;
			break;
		}
		snprintf(body, bodycap, "{\"type\":\"jwt\",\"usage\":\"%s\","
		    "\"csr\":\"%s\",\"data\":{\"token\":\"%s\"}}",
		    conf->usage, csr, c->tok[i]);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		b.len = 0;
		b.overflow = 0;
		b.p[0] = '\0';
		t0 = ir_now_ms();
		r = curl_easy_perform(h);
		c->busy_ms += ir_now_ms() - t0;
		if (r != CURLE_OK) {
			c->net_err++;
			ir_note_err(c, "%s", curl_easy_strerror(r));
			continue;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 201) {
			c->ok++;
			if (c->cert_id[0] == '\0')
				ir_find_cert_id(b.p, c->cert_id,
				    sizeof(c->cert_id));
		} else {
			c->http_err++;
			c->by_code[ir_class(code)]++;
			ir_note_err(c, "HTTP %ld: %.100s", code, b.p);
		}
	}
out:
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	free(body);
	free(b.p);
	return NULL;
}

/* Thread: GET the status of one certificate until the deadline. */
static void *
ir_status_main(void *arg)
{
	struct ir_client *c = arg;
	struct ir_buf b;
	CURL *h;
	CURLcode r;
	double t0;
	long code;

	b.cap = IR_MAX_ANSWER;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	if ((h = ir_handle(c->conf, &b)) == NULL) {
		free(b.p);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, c->status_url);
	while (!ir_past(&c->deadline)) {
		b.len = 0;
		b.overflow = 0;
		b.p[0] = '\0';
		t0 = ir_now_ms();
		r = curl_easy_perform(h);
		c->busy_ms += ir_now_ms() - t0;
		if (r != CURLE_OK) {
			c->net_err++;
			ir_note_err(c, "%s", curl_easy_strerror(r));
			continue;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200 && strstr(b.p, "\"ocsp_response\"") != NULL)
			c->ok++;
		else {
			c->http_err++;
			c->by_code[ir_class(code)]++;
			ir_note_err(c, "HTTP %ld: %.100s", code, b.p);
		}
	}
	curl_easy_cleanup(h);
	free(b.p);
	return NULL;
}

/* The class of an HTTP status (1 for 1xx .. 5xx), 0 when out of range. */
static int
ir_class(long code)
{
	return code >= 100 && code < 600 ? (int)(code / 100) : 0;
}

/* The "cert_id" string of a 201 answer: hex, ':' and digits only. */
static int
ir_find_cert_id(const char *json, char *out, size_t outlen)
{
	const char *p, *q;
	size_t n;

	if ((p = strstr(json, "\"cert_id\"")) == NULL)
		return -1;
	p += strlen("\"cert_id\"");
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return -1;
	for (q = p; (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
	    (*q >= 'A' && *q <= 'F') || *q == ':'; q++)
		;
	n = (size_t)(q - p);
	if (*q != '"' || n == 0 || n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* Keep the first error a client met (printable characters only). */
static void
ir_note_err(struct ir_client *c, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (c->first_err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->first_err, sizeof(c->first_err), fmt, ap);
	va_end(ap);
	for (p = c->first_err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = ' ';
}

/* Run fn on n clients at once; *ms is how long until all were done. */
static int
ir_run(struct ir_client *cl, int n, void *(*fn)(void *), double *ms)
{
	pthread_t th[IR_MAX_CLIENTS];
	double t0;
	int i, started;

	t0 = ir_now_ms();
	for (started = 0; started < n; started++)
		if (pthread_create(&th[started], NULL, fn, &cl[started]) != 0)
			break;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	*ms = ir_now_ms() - t0;
	if (started < n) {
		fprintf(stderr, "issue_rate: cannot start thread %d\n",
		    started);
		return -1;
	}
	return 0;
}

/*
 * Print one figure line and, if any, what went wrong.  The rate is over
 * the time the window really lasted (ms): until the deadline plus the
 * requests in flight then, or until the token pools ran out.
 */
static void
ir_report(const char *what, const char *unit, struct ir_client *cl, int n,
    double ms)
{
	long ok = 0, http_err = 0, net_err = 0, cls[6] = { 0 };
	double busy = 0;
	int i, k, exhausted = 0;

	for (i = 0; i < n; i++) {
		ok += cl[i].ok;
		http_err += cl[i].http_err;
		net_err += cl[i].net_err;
		busy += cl[i].busy_ms;
		exhausted += cl[i].exhausted;
		for (k = 0; k < 6; k++)
			cls[k] += cl[i].by_code[k];
	}
	printf("%s: %.1f %s/s (%d clients, %.1f s, %ld errors)\n", what,
	    ms > 0 ? ok * 1e3 / ms : 0.0, unit, n, ms / 1e3,
	    http_err + net_err);
	printf("  %ld ok, mean request time %.2f ms\n", ok,
	    ok + http_err + net_err > 0 ?
	    busy / (double)(ok + http_err + net_err) : 0.0);
	if (http_err + net_err > 0) {
		printf("  errors:");
		for (k = 0; k < 6; k++)
			if (cls[k] > 0)
				printf(" %ld HTTP %dxx,", cls[k], k);
		printf(" %ld without answer\n", net_err);
		for (i = 0; i < n; i++)
			if (cl[i].first_err[0] != '\0') {
				printf("  first error: %s\n",
				    cl[i].first_err);
				break;
			}
	}
	if (exhausted > 0)
		printf("  note: the window ended early: %d client(s) used "
		    "up their tokens (raise --tokens or TOKENS)\n", exhausted);
}

/*
 * CPU time (user + system, ms) process pid has used, from
 * /proc/PID/stat; -1 when pid is 0 or unreadable.
 */
static double
ir_cpu_ms(int pid)
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

/* The CPU of who (the server, or this client) per certificate issued. */
static void
ir_report_cpu(const char *who, struct ir_client *cl, int n, double cpu_ms,
    double ms)
{
	long ok = 0;
	int i;

	for (i = 0; i < n; i++)
		ok += cl[i].ok;
	if (ok == 0 || ms <= 0)
		return;
	printf("  %s CPU: %.3f ms per certificate (%.0f%% of one core)\n",
	    who, cpu_ms / (double)ok, 100.0 * cpu_ms / ms);
}

static void
ir_free_clients(struct ir_client *cl, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < cl[i].ntok; k++)
			free(cl[i].tok[k]);
		free(cl[i].tok);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "cms", required_argument, NULL, 'c' },
		{ "cacert", required_argument, NULL, 'a' },
		{ "csr", required_argument, NULL, 'r' },
		{ "token-url", required_argument, NULL, 't' },
		{ "status-base", required_argument, NULL, 'b' },
		{ "clients", required_argument, NULL, 'n' },
		{ "secs", required_argument, NULL, 's' },
		{ "status-secs", required_argument, NULL, 'S' },
		{ "tokens", required_argument, NULL, 'k' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "usage", required_argument, NULL, 'u' },
		{ "cpu-pid", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct ir_client cl[IR_MAX_CLIENTS];
	struct ir_conf conf;
	const char *csr_path[IR_MAX_CLIENTS];
	char err[256], cert_id[IR_CERTID_MAX], *pem;
	double ms, cpu_before, cpu_after, self_before, self_after;
	int cpu_pid = 0;
	int ch, i, v, rc = 1, fetched = 0;

	memset(&conf, 0, sizeof(conf));
	conf.usage = "client";
	conf.clients = 4;
	conf.secs = 10;
	conf.status_secs = 5;
	conf.tokens = 2000;
	conf.timeout_ms = 10000;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf.cms = optarg; break;
		case 'a': conf.cacert = optarg; break;
		case 't': conf.token_url = optarg; break;
		case 'b': conf.status_base = optarg; break;
		case 'u': conf.usage = optarg; break;
		case 'P':
			if (ir_parse_int(optarg, 1, 1 << 30, &cpu_pid) != 0) {
				ir_usage(stderr);
				return 2;
			}
			break;
		case 'r':
			if (conf.ncsr == IR_MAX_CLIENTS)
				goto usage;
			csr_path[conf.ncsr++] = optarg;
			break;
		case 'n':
			if (ir_parse_int(optarg, 1, IR_MAX_CLIENTS,
			    &conf.clients) != 0)
				goto usage;
			break;
		case 's':
			if (ir_parse_int(optarg, 1, IR_MAX_SECS,
			    &conf.secs) != 0)
				goto usage;
			break;
		case 'S':
			if (ir_parse_int(optarg, 0, IR_MAX_SECS,
			    &conf.status_secs) != 0)
				goto usage;
			break;
		case 'k':
			if (ir_parse_int(optarg, 1, IR_MAX_TOKENS,
			    &conf.tokens) != 0)
				goto usage;
			break;
		case 'T':
			if (ir_parse_int(optarg, 1, 600000, &v) != 0)
				goto usage;
			conf.timeout_ms = v;
			break;
		case 'h':
			ir_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc || conf.cms == NULL || conf.cacert == NULL ||
	    conf.token_url == NULL || conf.ncsr == 0 ||
	    strlen(conf.cms) > IR_MAX_URL - 64 ||
	    (conf.status_base != NULL &&
	    strlen(conf.status_base) > IR_MAX_URL - 64 - IR_CERTID_MAX) ||
	    (strcmp(conf.usage, "client") != 0 &&
	    strcmp(conf.usage, "server") != 0 &&
	    strcmp(conf.usage, "ioc") != 0))
		goto usage;

	for (i = 0; i < conf.ncsr; i++) {
		if (ir_read_file(csr_path[i], IR_MAX_CSR, &pem, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "issue_rate: %s\n", err);
			goto out;
		}
		conf.csr_json[i] = ir_json_escape(pem);
		free(pem);
		if (conf.csr_json[i] == NULL) {
			fprintf(stderr, "issue_rate: out of memory\n");
			goto out;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "issue_rate: curl_global_init failed\n");
		goto out;
	}
	for (i = 0; i < conf.clients; i++) {
		cl[i].conf = &conf;
		cl[i].id = i;
	}

	/* Before the window: a pool of fresh tokens per client. */
	if (ir_run(cl, conf.clients, ir_fetch_main, &ms) != 0)
		goto out_curl;
	for (i = 0; i < conf.clients; i++) {
		fetched += cl[i].ntok;
		if (cl[i].ntok < conf.tokens) {
			fprintf(stderr, "issue_rate: client %d got %d of %d "
			    "tokens: %s\n", i, cl[i].ntok, conf.tokens,
			    cl[i].first_err);
			goto out_curl;
		}
		cl[i].first_err[0] = '\0';
	}
	printf("fetched %d tokens in %.1f s before the window (%.0f/s)\n",
	    fetched, ms / 1e3, ms > 0 ? fetched * 1e3 / ms : 0.0);

	/* The issue window. */
	for (i = 0; i < conf.clients; i++)
		ir_deadline(&cl[i].deadline, conf.secs);
	cpu_before = ir_cpu_ms(cpu_pid);
	self_before = ir_cpu_ms((int)getpid());
	if (ir_run(cl, conf.clients, ir_issue_main, &ms) != 0)
		goto out_curl;
	ir_report("issue rate", "certificates", cl, conf.clients, ms);
	cpu_after = ir_cpu_ms(cpu_pid);
	self_after = ir_cpu_ms((int)getpid());
	if (cpu_before >= 0 && cpu_after >= 0)
		ir_report_cpu("server", cl, conf.clients,
		    cpu_after - cpu_before, ms);
	/* The clients share the machine: what they cost bounds the rate
	 * as much as the server does. */
	if (self_before >= 0 && self_after >= 0)
		ir_report_cpu("client", cl, conf.clients,
		    self_after - self_before, ms);
	rc = 0;

	/* The status window, on one of the certificates just issued. */
	if (conf.status_base == NULL || conf.status_secs == 0)
		goto out_curl;
	for (i = 0; i < conf.clients && cl[i].cert_id[0] == '\0'; i++)
		;
	if (i == conf.clients) {
		printf("status rate: not measured (no certificate issued)\n");
		goto out_curl;
	}
	memcpy(cert_id, cl[i].cert_id, sizeof(cert_id));
	for (v = 0; v < conf.clients; v++) {
		snprintf(cl[v].status_url, sizeof(cl[v].status_url),
		    "%s/v1/certs/%s/status", conf.status_base, cert_id);
		cl[v].ok = cl[v].http_err = cl[v].net_err = 0;
		cl[v].busy_ms = 0;
		cl[v].exhausted = 0;
		memset(cl[v].by_code, 0, sizeof(cl[v].by_code));
		cl[v].first_err[0] = '\0';
		ir_deadline(&cl[v].deadline, conf.status_secs);
	}
	if (ir_run(cl, conf.clients, ir_status_main, &ms) != 0) {
		rc = 1;
		goto out_curl;
	}
	ir_report("status rate", "requests", cl, conf.clients, ms);

out_curl:
	ir_free_clients(cl, conf.clients);
	curl_global_cleanup();
out:
	for (i = 0; i < conf.ncsr; i++)
		free(conf.csr_json[i]);
	return rc;
usage:
	ir_usage(stderr);
	return 2;
}
