/*
 * bench/create_rate.c - how many certificates pvacms issues per second
 * over PVAccess (the CERT:CREATE RPC, pvaccess.md §7.5, §12).
 *
 * The PVAccess twin of bench/issue_rate: several client threads
 * (default 4) each open ONE plain-TCP PVAccess connection to pvacms on
 * 127.0.0.1 (handshake as "anonymous", CREATE_CHANNEL "CERT:CREATE"
 * once), then, for a fixed time, run RPC INIT + EXEC in a loop, a new
 * ioid each time, each EXEC carrying a request of type "jwt" with that
 * client's public key and a fresh token in verifier.token.  Tokens come
 * from the sample issuer and are fetched before the window (each is
 * single-use: pvacms refuses a replayed one), and the connections are
 * set up before it too, so the window measures the RPCs alone.
 *
 * The connection is authnjwt's own PVAccess client (plugins/jwt/
 * pvaclient.c), and the request is built and the reply read by
 * authnjwt's own code (plugins/jwt/authnjwt_ccr.c), both compiled into
 * this program, so the bytes are those authnjwt sends.  What it shares
 * with issue_rate (tokens, threads, CPU, report lines) is in
 * bench_util.c.  A success is an RPC reply with an OK status whose
 * value has a non-empty "cert" (and the "expiration" authnjwt needs);
 * anything else is an error, and the first one is printed.
 *
 * This is a benchmark, not a test: it prints figures and never judges
 * them.  The exit status is 0 unless it could not run at all (1) or was
 * called wrongly (2).  Every wait is bounded by --timeout-ms; a token
 * is never printed.
 */

#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "authnjwt_ccr.h"
#include "bench_util.h"
#include "pvaclient.h"
#include "pvdata.h"

#define CR_MAX_CLIENTS	BENCH_MAX_CLIENTS
#define CR_MAX_KEY	(16 * 1024)	/* a PEM public key file */
#define CR_MAX_MSG	(1024 * 1024)	/* a server message, as authnjwt */
#define CR_CID		1	/* each connection's one channel */
#define CR_ERR_LEN	BENCH_ERR_LEN

/* The settings shared by every thread (read only once threads run). */
struct cr_conf {
	struct bench_opts o;		/* clients, secs, tokens, ... */
	int		 port;		/* pvacms's PVA TCP port, 127.0.0.1 */
	char		*pub_key[CR_MAX_CLIENTS];	/* PEM, owned */
	int		 nkey;
	uint16_t	 usage;		/* 1 client, 2 server, 3 ioc */
};

/* One client thread: its inputs, its connection and its counts. */
struct cr_client {
	struct bench_client bc;		/* first: tokens, ok, first error */
	const struct cr_conf *conf;
	struct pvaclient pc;		/* the connection, fd -1 when none */
	uint32_t	 sid;
	uint32_t	 ioid;
	/* results */
	long		 refused;	/* an RPC reply that is no certificate */
	long		 broken;	/* the connection failed: client ended */
	double		 setup_ms;	/* connect, handshake, channel */
};

static void	 cr_usage(FILE *);
static int	 cr_args(struct pvdata_buf *, const void *, char *, size_t);
static int	 cr_create(struct cr_client *, const char *, char *, size_t);
static void	*cr_setup_main(void *);
static void	*cr_create_main(void *);
static void	 cr_report(struct cr_client *, int, double);
static void	 cr_free_clients(struct cr_client *, int);

static void
cr_usage(FILE *f)
{
	fprintf(f,
"usage: create_rate --port PORT --pubkey FILE [--pubkey FILE ...]\n"
"                   --token-url URL [--clients N] [--secs S] [--tokens N]\n"
"                   [--timeout-ms MS] [--usage client|server|ioc]\n"
"                   [--cpu-pid PID]\n"
"Measure certificates issued per second by pvacms over PVAccess (the\n"
"CERT:CREATE RPC on 127.0.0.1, one connection per client).\n"
"  --port PORT        pvacms's PVAccess TCP port on 127.0.0.1\n"
"  --pubkey FILE      a PEM public key; client i uses the (i mod n)-th one\n"
"  --token-url URL    GET here gives one fresh token (fetched before timing)\n"
"  --clients N        concurrent clients (default 4)\n"
"  --secs S           window in seconds (default 10)\n"
"  --tokens N         tokens fetched per client (default 2000)\n"
"  --timeout-ms MS    bound of each wait (default 10000)\n"
"  --usage U          certificate usage asked for (default client)\n"
"  --cpu-pid PID      report the CPU time PID (pvacms) spent per certificate\n");
}

/* EXEC's arguments: authnjwt's request, as authnjwt_ccr.h encodes it. */
static int
cr_args(struct pvdata_buf *b, const void *req, char *err, size_t errlen)
{
	return authnjwt_ccr_encode(b, req, AUTHNJWT_CCR_PV, err, errlen);
}

/*
 * One certificate: RPC INIT on a new ioid, its reply, EXEC with the
 * request, its reply.  0: a certificate; 1: an answer that is no
 * certificate (err says why; the connection is fine); -1: the
 * connection failed.  The DESTROY_REQUEST that ends the operation is
 * left in c->out, to leave with the next INIT in the same write: one
 * message fewer for both sides to wake up for, as the server does not
 * answer it (§6.4), and without it every ioid would stay open on the
 * server until its per-connection cap of operations closes us.
 */
static int
cr_create(struct cr_client *c, const char *token, char *err, size_t errlen)
{
	struct authnjwt_ccr req;
	struct authnjwt_ccr_reply rep;
	struct pvaclient_rpc rpc;
	struct pvaclient_reply body;
	int r;

	/* authnjwt's request: type "jwt", our key, the token as verifier. */
	memset(&req, 0, sizeof(req));
	req.type = "jwt";
	req.name = req.country = req.organization = "";
	req.organization_unit = req.config_uri_base = "";
	req.usage = c->conf->usage;
	req.pub_key = c->conf->pub_key[c->bc.id % c->conf->nkey];
	req.token = token;
	memset(&rpc, 0, sizeof(rpc));
	rpc.name = AUTHNJWT_CCR_PV;
	rpc.sid = c->sid;
	rpc.ioid = ++c->ioid;
	rpc.pvrequest = authnjwt_ccr_pvrequest;
	rpc.args = cr_args;
	rpc.arg = &req;
	pvaclient_deadline(&c->pc, c->conf->o.timeout_ms);
	if ((r = pvaclient_rpc(&c->pc, &rpc, &body, err, errlen)) < 0)
		return -1;
	if (r == 0) {
		if (authnjwt_ccr_reply_decode(body.data, body.len, body.be,
		    &rep, err, errlen) != 0)
			r = 1;
		else
			authnjwt_ccr_reply_free(&rep);
	}
	pvaclient_destroy_request(&c->pc, c->sid, c->ioid);
	return r != 0 ? 1 : 0;
}

/* Thread: connect, validate, open the channel (before the window). */
static void *
cr_setup_main(void *arg)
{
	struct cr_client *c = arg;
	struct pvaclient_limits lim;
	char err[CR_ERR_LEN];
	double t0 = bench_now_ms();

	memset(&lim, 0, sizeof(lim));
	lim.connect_ms = c->conf->o.timeout_ms;
	lim.total_ms = c->conf->o.timeout_ms;
	lim.max_msg = CR_MAX_MSG;
	if (pvaclient_open(&c->pc, "127.0.0.1", (uint16_t)c->conf->port, 1,
	    &lim, err, sizeof(err)) != 0 ||
	    pvaclient_channel(&c->pc, AUTHNJWT_CCR_PV, CR_CID, &c->sid, err,
	    sizeof(err)) != 0) {
		bench_note_err(&c->bc, "%s", err);
		pvaclient_close(&c->pc);
		return NULL;
	}
	c->setup_ms = bench_now_ms() - t0;
	return NULL;
}

/* Thread: CERT:CREATE until the deadline or the tokens run out. */
static void *
cr_create_main(void *arg)
{
	struct cr_client *c = arg;
	char err[CR_ERR_LEN];
	double t0;
	int i, r;

	for (i = 0; !bench_past(&c->bc.deadline); i++) {
		if (i >= c->bc.ntok) {
			c->bc.exhausted = 1;
			break;
		}
		err[0] = '\0';
		t0 = bench_now_ms();
		r = cr_create(c, c->bc.tok[i], err, sizeof(err));
		c->bc.busy_ms += bench_now_ms() - t0;
		if (r == 0) {
			c->bc.ok++;
			continue;
		}
		bench_note_err(&c->bc, "%s", err);
		if (r > 0) {
			c->refused++;
			continue;
		}
		/* Out of step or gone: this client's window ends here. */
		c->broken++;
		break;
	}
	/* Courtesy: the last DESTROY_REQUEST, if the connection lives. */
	if (c->broken == 0 && c->pc.out.len > 0) {
		pvaclient_deadline(&c->pc, c->conf->o.timeout_ms);
		(void)pvaclient_send(&c->pc, err, sizeof(err));
	}
	return NULL;
}

/*
 * Print the figure line (the same shape as issue_rate's) and what went
 * wrong.  The rate is over the time the window really lasted (ms):
 * until the deadline plus the request in flight then, or until the
 * token pools ran out.
 */
static void
cr_report(struct cr_client *cl, int n, double ms)
{
	long ok, refused = 0, broken = 0;
	double busy;
	int i;

	ok = bench_totals(cl, sizeof(*cl), n, &busy);
	for (i = 0; i < n; i++) {
		refused += cl[i].refused;
		broken += cl[i].broken;
	}
	printf("create rate: %.1f certificates/s (%d clients, %.1f s, "
	    "%ld errors)\n", ms > 0 ? ok * 1e3 / ms : 0.0, n, ms / 1e3,
	    refused + broken);
	printf("  %ld ok, mean request time %.2f ms (RPC INIT + EXEC)\n", ok,
	    ok + refused + broken > 0 ?
	    busy / (double)(ok + refused + broken) : 0.0);
	if (refused + broken > 0)
		printf("  errors: %ld answered without a certificate, %ld "
		    "connection(s) failed (their client stopped)\n", refused,
		    broken);
	bench_report_tail(cl, sizeof(*cl), n, refused + broken);
}

static void
cr_free_clients(struct cr_client *cl, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pvaclient_close(&cl[i].pc);
		bench_client_free(&cl[i].bc);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "pubkey", required_argument, NULL, 'K' },
		BENCH_LONGOPTS
	};
	static struct cr_client cl[CR_MAX_CLIENTS];
	struct cr_conf conf;
	const char *key_path[CR_MAX_CLIENTS];
	char err[256];
	struct bench_cpu cpu;
	double ms, setup;
	int ch, i, r, rc = 1, nclients = 0;

	memset(&conf, 0, sizeof(conf));
	bench_opts_init(&conf.o);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((r = bench_opts_take(&conf.o, ch, optarg)) < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (ch) {
		case 'p':
			if (bench_parse_int(optarg, 1, 65535, &conf.port) != 0)
				goto usage;
			break;
		case 'K':
			if (conf.nkey == CR_MAX_CLIENTS)
				goto usage;
			key_path[conf.nkey++] = optarg;
			break;
		case 'h':
			cr_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (strcmp(conf.o.usage, "client") == 0)
		conf.usage = 1;
	else if (strcmp(conf.o.usage, "server") == 0)
		conf.usage = 2;
	else if (strcmp(conf.o.usage, "ioc") == 0)
		conf.usage = 3;
	if (optind != argc || conf.port == 0 || conf.o.token_url == NULL ||
	    conf.nkey == 0 || conf.usage == 0)
		goto usage;

	for (i = 0; i < conf.nkey; i++) {
		if (bench_read_file(key_path[i], CR_MAX_KEY, &conf.pub_key[i],
		    err, sizeof(err)) != 0) {
			fprintf(stderr, "create_rate: %s\n", err);
			goto out;
		}
		if (strstr(conf.pub_key[i], "-----BEGIN PUBLIC KEY-----") ==
		    NULL) {
			fprintf(stderr, "create_rate: %s: not a PEM public "
			    "key\n", key_path[i]);
			goto out;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "create_rate: curl_global_init failed\n");
		goto out;
	}
	nclients = conf.o.clients;
	for (i = 0; i < nclients; i++) {
		cl[i].conf = &conf;
		cl[i].bc.id = i;
		cl[i].bc.err_cap = CR_ERR_LEN;
		cl[i].pc.fd = -1;
	}

	/* Before the window: a pool of fresh tokens per client. */
	if (bench_fetch_tokens("create_rate", &conf.o, NULL, cl,
	    sizeof(cl[0]), nclients) != 0)
		goto out_curl;

	/* Before the window too: every connection up, on its channel. */
	if (bench_run("create_rate", cl, sizeof(cl[0]), nclients,
	    cr_setup_main, &ms) != 0)
		goto out_curl;
	for (i = 0, setup = 0; i < nclients; i++) {
		if (cl[i].pc.fd < 0) {
			fprintf(stderr, "create_rate: client %d cannot set up "
			    "its PVAccess connection: %s\n", i,
			    cl[i].bc.first_err);
			goto out_curl;
		}
		setup += cl[i].setup_ms;
	}
	printf("%d PVAccess connection(s) on %s, mean setup %.2f ms\n",
	    nclients, AUTHNJWT_CCR_PV, setup / nclients);

	/* The window. */
	if (bench_window("create_rate", cl, sizeof(cl[0]), nclients,
	    conf.o.secs, cr_create_main, conf.o.cpu_pid, &cpu, &ms) != 0)
		goto out_curl;
	cr_report(cl, nclients, ms);
	bench_report_cpu(&cpu, cl, sizeof(cl[0]), nclients, ms);
	rc = 0;

out_curl:
	cr_free_clients(cl, nclients);
	curl_global_cleanup();
out:
	for (i = 0; i < conf.nkey; i++)
		free(conf.pub_key[i]);
	return rc;
usage:
	cr_usage(stderr);
	return 2;
}
