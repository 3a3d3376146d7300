/*
 * bench/issue_rate.c - how many certificates pvacms issues per second.
 *
 * Several client threads (default 4) each POST /v1/certs over HTTPS in a
 * loop for a fixed time, with a pre-generated CSR and a fresh token per
 * request.  The tokens come from the sample issuer and are fetched before
 * the timed window, so the window measures pvacms alone (and the token
 * validator it calls for every request, which is the real cost).  With
 * --token-file the tokens come from a file instead (one a line, dealt
 * round-robin to the clients): that is how a benchmark brings tokens of
 * a real identity provider, which has no GET-a-token URL, and opaque
 * ones, which the sample issuer never makes.  Each
 * thread owns one libcurl easy handle, so its connection is kept alive.
 * 201 answers and everything else are counted separately.  A second,
 * optional phase measures GET /v1/certs/{id}/status on the HTTP listener
 * for one of the certificates just issued.
 *
 * This is a benchmark, not a test: it prints figures and never judges
 * them.  The exit status is 0 unless it could not run at all (1) or was
 * called wrongly (2).  Every request has a timeout and every phase a
 * deadline; a token is never printed.  What it shares with
 * create_rate (tokens, threads, CPU, report lines) is in bench_util.c.
 */

#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench_util.h"

#define IR_MAX_CLIENTS	BENCH_MAX_CLIENTS
#define IR_MAX_CSR	(32 * 1024)
#define IR_MAX_ANSWER	(256 * 1024)
#define IR_MAX_URL	2048
#define IR_CERTID_MAX	128
#define IR_ERR_LEN	160	/* first error shown */
#define IR_MAX_TOKFILE	(64 * 1024 * 1024) /* bytes of a --token-file */

/* The settings shared by every thread (read only once threads run). */
struct ir_conf {
	struct bench_opts o;		/* clients, secs, tokens, ... */
	const char	*cms;		/* https://127.0.0.1:PORT */
	const char	*cacert;
	const char	*status_base;	/* http://127.0.0.1:PORT, or NULL */
	const char	*token_file;	/* tokens one a line, or NULL */
	char		*csr_json[IR_MAX_CLIENTS]; /* JSON-escaped, owned */
	int		 ncsr;
	int		 status_secs;
};

/* One client thread: its inputs and its counts. */
struct ir_client {
	struct bench_client bc;		/* first: tokens, ok (201 or 200) */
	const struct ir_conf *conf;
	char		 status_url[IR_MAX_URL];
	/* results */
	long		 http_err;	/* any other HTTP status */
	long		 net_err;	/* no HTTP answer at all */
	long		 by_code[6];	/* http_err by class 0xx..5xx */
	char		 cert_id[IR_CERTID_MAX];
};

static void	 ir_usage(FILE *);
static char	*ir_json_escape(const char *);
static void	*ir_issue_main(void *);
static void	*ir_status_main(void *);
static int	 ir_class(long);
static int	 ir_find_cert_id(const char *, char *, size_t);
static void	 ir_report(const char *, const char *, struct ir_client *, int,
		    double);
static void	 ir_free_clients(struct ir_client *, int);
static int	 ir_token_text_ok(const char *, size_t);
static int	 ir_read_tokens(const char *, struct ir_client *, int);

static void
ir_usage(FILE *f)
{
	fprintf(f,
"usage: issue_rate --cms URL --cacert FILE --csr FILE [--csr FILE ...]\n"
"                  (--token-url URL | --token-file FILE)\n"
"                  [--status-base URL] [--clients N]\n"
"                  [--secs S] [--status-secs S] [--tokens N]\n"
"                  [--timeout-ms MS] [--usage client|server|ioc]\n"
"                  [--cpu-pid PID]\n"
"Measure certificates issued per second by pvacms (POST /v1/certs), then\n"
"optionally the status rate (GET /v1/certs/{id}/status).\n"
"  --cms URL          the HTTPS base of pvacms\n"
"  --cacert FILE      the CA certificate pvacms proves itself with\n"
"  --csr FILE         a PEM CSR; client i uses the (i mod n)-th one\n"
"  --token-url URL    GET here gives one fresh token (fetched before timing)\n"
"  --token-file FILE  tokens one a line (JWT or opaque), dealt round-robin\n"
"                     to the clients, each used once (--tokens is not used)\n"
"  --status-base URL  the HTTP status base; 0 --status-secs skips it\n"
"  --clients N        concurrent clients (default 4)\n"
"  --secs S           issue window in seconds (default 10)\n"
"  --status-secs S    status window in seconds (default 5)\n"
"  --tokens N         tokens fetched per client with --token-url\n"
"                     (default 2000)\n"
"  --timeout-ms MS    bound of each request (default 10000)\n"
"  --usage U          certificate usage asked for (default client)\n"
"  --cpu-pid PID      report the CPU time PID (pvacms) spent per certificate\n");
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

/* Thread: POST /v1/certs until the deadline or the tokens run out. */
static void *
ir_issue_main(void *arg)
{
	struct ir_client *c = arg;
	const struct ir_conf *conf = c->conf;
	const char *csr = conf->csr_json[c->bc.id % conf->ncsr];
	struct curl_slist *hdr = NULL;
	struct bench_buf b;
	char url[IR_MAX_URL], *body = NULL;
	size_t bodycap;
	CURL *h = NULL;
	CURLcode r;
	double t0;
	long code;
	int i;

	snprintf(url, sizeof(url), "%s/v1/certs", conf->cms);
	bodycap = strlen(csr) + BENCH_MAX_TOKEN + 256;
	b.cap = IR_MAX_ANSWER;
	b.p = malloc(b.cap);
	body = malloc(bodycap);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (b.p == NULL || body == NULL || hdr == NULL ||
	    (h = bench_curl_handle(&b, conf->o.timeout_ms,
	    conf->cacert)) == NULL) {
		bench_note_err(&c->bc, "out of memory");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	for (i = 0; !bench_past(&c->bc.deadline); i++) {
		if (i >= c->bc.ntok) {
			c->bc.exhausted = 1;
			break;
		}
		snprintf(body, bodycap, "{\"type\":\"jwt\",\"usage\":\"%s\","
		    "\"csr\":\"%s\",\"data\":{\"token\":\"%s\"}}",
		    conf->o.usage, csr, c->bc.tok[i]);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		bench_buf_reset(&b);
		t0 = bench_now_ms();
		r = curl_easy_perform(h);
		c->bc.busy_ms += bench_now_ms() - t0;
		if (r != CURLE_OK) {
			c->net_err++;
			bench_note_err(&c->bc, "%s", curl_easy_strerror(r));
			continue;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 201) {
			c->bc.ok++;
			if (c->cert_id[0] == '\0')
				ir_find_cert_id(b.p, c->cert_id,
				    sizeof(c->cert_id));
		} else {
			c->http_err++;
			c->by_code[ir_class(code)]++;
			bench_note_err(&c->bc, "HTTP %ld: %.100s", code, b.p);
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
	struct bench_buf b;
	CURL *h;
	CURLcode r;
	double t0;
	long code;

	b.cap = IR_MAX_ANSWER;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	if ((h = bench_curl_handle(&b, c->conf->o.timeout_ms,
	    c->conf->cacert)) == NULL) {
		free(b.p);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, c->status_url);
	while (!bench_past(&c->bc.deadline)) {
		bench_buf_reset(&b);
		t0 = bench_now_ms();
		r = curl_easy_perform(h);
		c->bc.busy_ms += bench_now_ms() - t0;
		if (r != CURLE_OK) {
			c->net_err++;
			bench_note_err(&c->bc, "%s", curl_easy_strerror(r));
			continue;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200 && strstr(b.p, "\"ocsp_response\"") != NULL)
			c->bc.ok++;
		else {
			c->http_err++;
			c->by_code[ir_class(code)]++;
			bench_note_err(&c->bc, "HTTP %ld: %.100s", code, b.p);
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

/*
 * Print one figure line and, if any, what went wrong.  The rate is over
 * the time the window really lasted (ms): until the deadline plus the
 * requests in flight then, or until the token pools ran out.
 */
static void
ir_report(const char *what, const char *unit, struct ir_client *cl, int n,
    double ms)
{
	long ok, http_err = 0, net_err = 0, cls[6] = { 0 };
	double busy;
	int i, k;

	ok = bench_totals(cl, sizeof(*cl), n, &busy);
	for (i = 0; i < n; i++) {
		http_err += cl[i].http_err;
		net_err += cl[i].net_err;
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
	}
	bench_report_tail(cl, sizeof(*cl), n, http_err + net_err);
}

static void
ir_free_clients(struct ir_client *cl, int n)
{
	int i;

	for (i = 0; i < n; i++)
		bench_client_free(&cl[i].bc);
}

/*
 * A token from a file goes into the JSON body as it is, so it must need
 * no escaping: printable ASCII without quote, backslash or space.  A
 * JWT and the opaque tokens providers hand out (base64url, hex) are.
 */
static int
ir_token_text_ok(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > BENCH_MAX_TOKEN)
		return 0;
	for (i = 0; i < len; i++)
		if (t[i] <= ' ' || t[i] > '~' || t[i] == '"' || t[i] == '\\')
			return 0;
	return 1;
}

/*
 * Deal the tokens of path (one a line; blank lines and a CR before the
 * LF are ignored) round-robin to the n clients, so that each holds a
 * share of the file and a token is used once.  Prints the "read" line.
 * 0, or -1 (said on stderr, naming the line but never the token).
 */
static int
ir_read_tokens(const char *path, struct ir_client *cl, int n)
{
	char err[256], *text, *line, *next, **grown;
	size_t len, cap[IR_MAX_CLIENTS] = { 0 };
	long lineno = 0, total = 0;
	struct bench_client *c;

	if (bench_read_file(path, IR_MAX_TOKFILE, &text, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "issue_rate: %s\n", err);
		return -1;
	}
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (!ir_token_text_ok(line, len)) {
			fprintf(stderr, "issue_rate: %s line %ld: not a "
			    "token (empty, over %d bytes, or a character a "
			    "token has not)\n", path, lineno, BENCH_MAX_TOKEN);
			goto fail;
		}
		c = &cl[total % n].bc;
		if ((size_t)c->ntok == cap[total % n]) {
			cap[total % n] = cap[total % n] ?
			    2 * cap[total % n] : 64;
			if ((grown = realloc(c->tok, cap[total % n] *
			    sizeof(*c->tok))) == NULL)
				goto oom;
			c->tok = grown;
		}
		if ((c->tok[c->ntok] = strdup(line)) == NULL)
			goto oom;
		c->ntok++;
		total++;
	}
	free(text);
	if (total < n) {
		fprintf(stderr, "issue_rate: %s: %ld tokens for %d clients "
		    "(at least one each)\n", path, total, n);
		return -1;
	}
	printf("read %ld tokens from the token file before the window "
	    "(%ld%s per client)\n", total, total / n,
	    total % n != 0 ? " or 1 more" : "");
	return 0;
oom:
	fprintf(stderr, "issue_rate: out of memory\n");
fail:
	/* What was dealt so far is freed with the clients. */
	free(text);
	return -1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "cms", required_argument, NULL, 'c' },
		{ "cacert", required_argument, NULL, 'a' },
		{ "csr", required_argument, NULL, 'r' },
		{ "status-base", required_argument, NULL, 'b' },
		{ "status-secs", required_argument, NULL, 'S' },
		{ "token-file", required_argument, NULL, 'F' },
		BENCH_LONGOPTS
	};
	static struct ir_client cl[IR_MAX_CLIENTS];
	struct ir_conf conf;
	const char *csr_path[IR_MAX_CLIENTS];
	char err[256], cert_id[IR_CERTID_MAX], *pem;
	struct bench_cpu cpu;
	double ms;
	int ch, i, v, rc = 1;

	memset(&conf, 0, sizeof(conf));
	bench_opts_init(&conf.o);
	conf.status_secs = 5;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((v = bench_opts_take(&conf.o, ch, optarg)) < 0)
			goto usage;
		if (v > 0)
			continue;
		switch (ch) {
		case 'c': conf.cms = optarg; break;
		case 'a': conf.cacert = optarg; break;
		case 'b': conf.status_base = optarg; break;
		case 'F': conf.token_file = optarg; break;
		case 'r':
			if (conf.ncsr == IR_MAX_CLIENTS)
				goto usage;
			csr_path[conf.ncsr++] = optarg;
			break;
		case 'S':
			if (bench_parse_int(optarg, 0, BENCH_MAX_SECS,
			    &conf.status_secs) != 0)
				goto usage;
			break;
		case 'h':
			ir_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc || conf.cms == NULL || conf.cacert == NULL ||
	    (conf.o.token_url == NULL) == (conf.token_file == NULL) ||
	    conf.ncsr == 0 ||
	    strlen(conf.cms) > IR_MAX_URL - 64 ||
	    (conf.status_base != NULL &&
	    strlen(conf.status_base) > IR_MAX_URL - 64 - IR_CERTID_MAX) ||
	    (strcmp(conf.o.usage, "client") != 0 &&
	    strcmp(conf.o.usage, "server") != 0 &&
	    strcmp(conf.o.usage, "ioc") != 0))
		goto usage;

	for (i = 0; i < conf.ncsr; i++) {
		if (bench_read_file(csr_path[i], IR_MAX_CSR, &pem, err,
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
	for (i = 0; i < conf.o.clients; i++) {
		cl[i].conf = &conf;
		cl[i].bc.id = i;
		cl[i].bc.err_cap = IR_ERR_LEN;
	}

	/* Before the window: a pool of fresh tokens per client. */
	if (conf.token_file != NULL) {
		if (ir_read_tokens(conf.token_file, cl, conf.o.clients) != 0)
			goto out_curl;
	} else if (bench_fetch_tokens("issue_rate", &conf.o, conf.cacert, cl,
	    sizeof(cl[0]), conf.o.clients) != 0)
		goto out_curl;

	/* The issue window. */
	if (bench_window("issue_rate", cl, sizeof(cl[0]), conf.o.clients,
	    conf.o.secs, ir_issue_main, conf.o.cpu_pid, &cpu, &ms) != 0)
		goto out_curl;
	ir_report("issue rate", "certificates", cl, conf.o.clients, ms);
	bench_report_cpu(&cpu, cl, sizeof(cl[0]), conf.o.clients, ms);
	rc = 0;

	/* The status window, on one of the certificates just issued. */
	if (conf.status_base == NULL || conf.status_secs == 0)
		goto out_curl;
	for (i = 0; i < conf.o.clients && cl[i].cert_id[0] == '\0'; i++)
		;
	if (i == conf.o.clients) {
		printf("status rate: not measured (no certificate issued)\n");
		goto out_curl;
	}
	memcpy(cert_id, cl[i].cert_id, sizeof(cert_id));
	for (v = 0; v < conf.o.clients; v++) {
		snprintf(cl[v].status_url, sizeof(cl[v].status_url),
		    "%s/v1/certs/%s/status", conf.status_base, cert_id);
		cl[v].bc.ok = cl[v].http_err = cl[v].net_err = 0;
		cl[v].bc.busy_ms = 0;
		cl[v].bc.exhausted = 0;
		memset(cl[v].by_code, 0, sizeof(cl[v].by_code));
		cl[v].bc.first_err[0] = '\0';
	}
	if (bench_window("issue_rate", cl, sizeof(cl[0]), conf.o.clients,
	    conf.status_secs, ir_status_main, 0, &cpu, &ms) != 0) {
		rc = 1;
		goto out_curl;
	}
	ir_report("status rate", "requests", cl, conf.o.clients, ms);

out_curl:
	ir_free_clients(cl, conf.o.clients);
	curl_global_cleanup();
out:
	for (i = 0; i < conf.ncsr; i++)
		free(conf.csr_json[i]);
	return rc;
usage:
	ir_usage(stderr);
	return 2;
}
