/*
 * bench/pva_client.c - a minimal PVAccess client for benchmarking the
 * pvacms front over plain TCP on 127.0.0.1 (PVA §3, §6, §7).
 *
 *   pva_client get PORT NAME SECS
 *	one connection, one channel, GET INIT once, then EXEC in a loop
 *	for SECS seconds: round trips per second, p50 and p99 latency.
 *   pva_client subscribe PORT NAME N CONNS [WAIT]
 *	CONNS connections, N channels of NAME spread over them with one
 *	MONITOR each; after every first update it prints "ready", then
 *	waits (at most WAIT seconds, default 60) for the next update on
 *	every subscription and prints the CLOCK_REALTIME microsecond stamps
 *	of the first and the last of them, for the caller to compare with
 *	its own stamp taken before it changed the certificate.
 *   pva_client idle PORT N SECS
 *	N validated connections held for SECS seconds ("ready" once all
 *	are validated).
 *
 * Client messages carry no direction bit (0x40) and are little-endian.
 * Every wait is bounded; the program exits on its own.  A benchmark
 * tool: it prints figures and never judges them.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvamsg.h"

#define STEP_MS		10000	/* one protocol step on one connection */
#define MAX_CHANS	256	/* the front's per-connection channel cap */
#define RXCAP		(2 * 1024 * 1024)

struct conn {
	int fd;
	uint8_t *rx;
	size_t rxlen;
	size_t drop;		/* bytes of the last frame, dropped next */
	struct pvamsg_framer fr;
	uint32_t sid[MAX_CHANS];
	int nchan;
	int base;		/* index of its first subscription */
};

static const char *argv0 = "pva_client";

static void
die(const char *what)
{
	fprintf(stderr, "%s: %s\n", argv0, what);
	exit(1);
}

static int64_t
now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
put_u16(struct pvamsg_buf *b, uint16_t v)
{
	uint8_t p[2] = { v & 0xff, v >> 8 };

	pvamsg_buf_put(b, p, 2);
}

static void
put_u32(struct pvamsg_buf *b, uint32_t v)
{
	uint8_t p[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	    v >> 24 };

	pvamsg_buf_put(b, p, 4);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A Size-prefixed string (names here are short: one length byte). */
static void
put_str(struct pvamsg_buf *b, const char *s)
{
	uint8_t n = (uint8_t)strlen(s);

	pvamsg_buf_put(b, &n, 1);
	pvamsg_buf_put(b, s, n);
}

/* The pvRequest PVXS sends (§4.6): struct { struct {} field }. */
static void
put_pvrequest(struct pvamsg_buf *b)
{
	static const uint8_t req[] = { 0x80, 0x00, 0x01, 0x05, 'f', 'i', 'e',
	    'l', 'd', 0x80, 0x00, 0x00 };

	pvamsg_buf_put(b, req, sizeof(req));
}

static void
send_buf(struct conn *c, struct pvamsg_buf *b)
{
	size_t off = 0;
	ssize_t n;

	if (b->err)
		die("out of memory building a request");
	while (off < b->len) {
		n = write(c->fd, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write failed or timed out");
		off += (size_t)n;
	}
	pvamsg_buf_reset(b);
}

static void
conn_open(struct conn *c, int port)
{
	struct sockaddr_in a;
	struct timeval tv = { STEP_MS / 1000, 0 };
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		die("socket failed (descriptor limit?)");
	/* Bounded blocking writes and connect. */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		die("connect failed");
	c->rx = malloc(RXCAP);
	if (c->rx == NULL)
		die("out of memory");
	/* The server's messages carry 0x40. */
	pvamsg_framer_init(&c->fr, RXCAP / 2, RXCAP / 2, 1);
}

/*
 * Try to cut one message from what was read.  1: a message (control or
 * application) in *f; 0: more bytes needed.
 */
static int
conn_try(struct conn *c, struct pvamsg_frame *f)
{
	char err[128];
	int rc;

	if (c->drop > 0) {
		memmove(c->rx, c->rx + c->drop, c->rxlen - c->drop);
		c->rxlen -= c->drop;
		c->drop = 0;
	}
	for (;;) {
		rc = pvamsg_frame(&c->fr, c->rx, c->rxlen, f, err, sizeof(err));
		if (rc == PVAMSG_EAGAIN)
			return 0;
		if (rc < 0) {
			fprintf(stderr, "%s: framing: %s\n", argv0, err);
			exit(1);
		}
		c->drop = f->consumed;
		if (f->complete)
			return 1;
		memmove(c->rx, c->rx + c->drop, c->rxlen - c->drop);
		c->rxlen -= c->drop;
		c->drop = 0;
	}
}

/* Read what is there (poll said so); exits on EOF or error. */
static void
conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->drop > 0) {
		memmove(c->rx, c->rx + c->drop, c->rxlen - c->drop);
		c->rxlen -= c->drop;
		c->drop = 0;
	}
	if (c->rxlen == RXCAP)
		die("receive buffer full");
	n = read(c->fd, c->rx + c->rxlen, RXCAP - c->rxlen);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0)
		die("the server closed a connection");
	c->rxlen += (size_t)n;
}

/* The next application message, within ms; exits on timeout. */
static void
conn_next(struct conn *c, struct pvamsg_frame *f, int ms)
{
	int64_t end = now_us(CLOCK_MONOTONIC) + (int64_t)ms * 1000;
	struct pollfd p;
	int left;

	for (;;) {
		while (conn_try(c, f))
			if (!PVAMSG_IS_CONTROL(&f->hdr))
				return;
		left = (int)((end - now_us(CLOCK_MONOTONIC)) / 1000);
		if (left <= 0)
			die("timed out waiting for the server");
		p.fd = c->fd;
		p.events = POLLIN;
		if (poll(&p, 1, left) > 0)
			conn_fill(c);
	}
}

/* Opening (§6.1): hello, our anonymous validation, VALIDATED. */
static void
conn_validate(struct conn *c)
{
	struct pvamsg_buf b;
	struct pvamsg_frame f;
	size_t at;
	uint8_t null = 0xff;

	conn_next(c, &f, STEP_MS);
	if (f.hdr.command != PVAMSG_CONNECTION_VALIDATION)
		die("expected CONNECTION_VALIDATION");
	pvamsg_buf_init(&b);
	at = pvamsg_begin(&b, 0, PVAMSG_CONNECTION_VALIDATION);
	put_u32(&b, 0x10000);
	put_u16(&b, 0x7fff);
	put_u16(&b, 0);
	put_str(&b, "anonymous");
	pvamsg_buf_put(&b, &null, 1);
	pvamsg_end(&b, at);
	send_buf(c, &b);
	pvamsg_buf_free(&b);
	conn_next(c, &f, STEP_MS);
	if (f.hdr.command != PVAMSG_CONNECTION_VALIDATED)
		die("expected CONNECTION_VALIDATED");
}

/* n channels of name, cids 0..n-1, one CREATE_CHANNEL each as PVXS. */
static void
conn_channels(struct conn *c, const char *name, int n)
{
	struct pvamsg_buf b;
	struct pvamsg_frame f;
	uint32_t cid;
	size_t at;
	int i;

	pvamsg_buf_init(&b);
	for (i = 0; i < n; i++) {
		at = pvamsg_begin(&b, 0, PVAMSG_CREATE_CHANNEL);
		put_u16(&b, 1);
		put_u32(&b, (uint32_t)i);
		put_str(&b, name);
		pvamsg_end(&b, at);
	}
	send_buf(c, &b);
	pvamsg_buf_free(&b);
	for (i = 0; i < n; i++) {
		conn_next(c, &f, STEP_MS);
		if (f.hdr.command != PVAMSG_CREATE_CHANNEL || f.len < 9)
			die("expected a CREATE_CHANNEL reply");
		cid = get_u32(f.payload);
		if (cid >= (uint32_t)n || f.payload[8] != 0xff)
			die("a channel was refused");
		c->sid[cid] = get_u32(f.payload + 4);
	}
	c->nchan = n;
}

/* An operation request: sid, ioid, sub-command, optional pvRequest. */
static void
put_op(struct pvamsg_buf *b, uint8_t cmd, uint32_t sid, uint32_t ioid,
    uint8_t sub, int pvrequest)
{
	size_t at;

	at = pvamsg_begin(b, 0, cmd);
	put_u32(b, sid);
	put_u32(b, ioid);
	pvamsg_buf_put(b, &sub, 1);
	if (pvrequest)
		put_pvrequest(b);
	pvamsg_end(b, at);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
do_get(int port, const char *name, int secs)
{
	struct conn c;
	struct pvamsg_buf b;
	struct pvamsg_frame f;
	int64_t *lat = NULL, t0, t, end;
	size_t n = 0, cap = 0;

	conn_open(&c, port);
	conn_validate(&c);
	conn_channels(&c, name, 1);
	pvamsg_buf_init(&b);
	put_op(&b, PVAMSG_GET, c.sid[0], 1, PVAMSG_SUB_INIT, 1);
	send_buf(&c, &b);
	conn_next(&c, &f, STEP_MS);
	if (f.hdr.command != PVAMSG_GET || f.len < 6 || f.payload[5] != 0xff)
		die("GET INIT failed");
	t0 = now_us(CLOCK_MONOTONIC);
	end = t0 + (int64_t)secs * 1000000;
	do {
		t = now_us(CLOCK_MONOTONIC);
		put_op(&b, PVAMSG_GET, c.sid[0], 1, 0x00, 0);
		send_buf(&c, &b);
		conn_next(&c, &f, STEP_MS);
		if (f.hdr.command != PVAMSG_GET || f.len < 6 ||
		    f.payload[5] != 0xff)
			die("GET EXEC failed");
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			lat = realloc(lat, cap * sizeof(*lat));
			if (lat == NULL)
				die("out of memory");
		}
		lat[n++] = now_us(CLOCK_MONOTONIC) - t;
	} while (now_us(CLOCK_MONOTONIC) < end);
	t = now_us(CLOCK_MONOTONIC) - t0;
	qsort(lat, n, sizeof(*lat), cmp_i64);
	printf("get: %zu round trips in %.2f s: %.0f/s, p50 %lld us, "
	    "p99 %lld us\n", n, t / 1e6, n / (t / 1e6),
	    (long long)lat[n / 2], (long long)lat[n * 99 / 100]);
	pvamsg_buf_free(&b);
	free(lat);
	return 0;
}

static void
raise_nofile(int want)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		return;
	if (r.rlim_cur < (rlim_t)want) {
		r.rlim_cur = r.rlim_max < (rlim_t)want ? r.rlim_max :
		    (rlim_t)want;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int
do_subscribe(int port, const char *name, int nsub, int nconn, int wait)
{
	struct conn *cs;
	struct pvamsg_buf b;
	struct pvamsg_frame f;
	struct pollfd *ps;
	unsigned char *seen;
	int64_t first = 0, last = 0, end;
	int i, j, per, k, got, ioid, left;

	if (nsub < 1 || nconn < 1 || nconn > nsub)
		die("need 1 <= CONNS <= N");
	per = (nsub + nconn - 1) / nconn;
	if (per > MAX_CHANS)
		die("more than 256 subscriptions per connection: raise CONNS");
	raise_nofile(nconn + 64);
	cs = calloc((size_t)nconn, sizeof(*cs));
	ps = calloc((size_t)nconn, sizeof(*ps));
	seen = calloc((size_t)nsub, 1);
	if (cs == NULL || ps == NULL || seen == NULL)
		die("out of memory");
	pvamsg_buf_init(&b);
	/* Set up one connection at a time, each step pipelined. */
	for (i = 0, k = 0; i < nconn; i++) {
		int n = nsub - k < per ? nsub - k : per;

		conn_open(&cs[i], port);
		conn_validate(&cs[i]);
		conn_channels(&cs[i], name, n);
		cs[i].base = k;
		k += n;
		for (j = 0; j < n; j++)
			put_op(&b, PVAMSG_MONITOR, cs[i].sid[j], (uint32_t)j,
			    PVAMSG_SUB_INIT, 1);
		send_buf(&cs[i], &b);
		for (j = 0; j < n; j++) {
			conn_next(&cs[i], &f, STEP_MS);
			if (f.hdr.command != PVAMSG_MONITOR || f.len < 6 ||
			    f.payload[4] != PVAMSG_SUB_INIT ||
			    f.payload[5] != 0xff)
				die("MONITOR INIT failed");
		}
		for (j = 0; j < n; j++)
			put_op(&b, PVAMSG_MONITOR, cs[i].sid[j], (uint32_t)j,
			    PVAMSG_SUB_GET | PVAMSG_SUB_START_STOP, 0);
		send_buf(&cs[i], &b);
		for (j = 0; j < n; j++) {
			conn_next(&cs[i], &f, STEP_MS);
			if (f.hdr.command != PVAMSG_MONITOR || f.len < 5 ||
			    f.payload[4] != 0x00)
				die("expected a first MONITOR update");
		}
		ps[i].fd = cs[i].fd;
		ps[i].events = POLLIN;
	}
	printf("ready %d subscriptions on %d connections\n", nsub, nconn);
	fflush(stdout);
	end = now_us(CLOCK_MONOTONIC) + (int64_t)wait * 1000000;
	got = 0;
	while (got < nsub) {
		left = (int)((end - now_us(CLOCK_MONOTONIC)) / 1000);
		if (left <= 0)
			break;
		if (poll(ps, (nfds_t)nconn, left) <= 0)
			continue;
		for (i = 0; i < nconn; i++) {
			if (ps[i].revents == 0)
				continue;
			conn_fill(&cs[i]);
			while (conn_try(&cs[i], &f)) {
				if (PVAMSG_IS_CONTROL(&f.hdr) ||
				    f.hdr.command != PVAMSG_MONITOR ||
				    f.len < 5 || f.payload[4] != 0x00)
					continue;
				ioid = (int)get_u32(f.payload);
				if (ioid >= cs[i].nchan ||
				    seen[cs[i].base + ioid])
					continue;
				seen[cs[i].base + ioid] = 1;
				last = now_us(CLOCK_REALTIME);
				if (got++ == 0)
					first = last;
			}
		}
	}
	printf("updates %d/%d first_us %lld last_us %lld\n", got, nsub,
	    (long long)first, (long long)last);
	pvamsg_buf_free(&b);
	return got == nsub ? 0 : 1;
}

static int
do_idle(int port, int n, int secs)
{
	struct conn c;
	int *fds, i;

	raise_nofile(n + 64);
	fds = calloc((size_t)n, sizeof(*fds));
	if (fds == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		conn_open(&c, port);
		conn_validate(&c);
		fds[i] = c.fd;
		/* Only the descriptor is kept: nothing more is read. */
		free(c.rx);
		pvamsg_framer_free(&c.fr);
	}
	printf("ready %d idle connections\n", n);
	fflush(stdout);
	sleep((unsigned)secs);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s get PORT NAME SECS\n"
	    "       %s subscribe PORT NAME N CONNS [WAIT]\n"
	    "       %s idle PORT N SECS\n", argv0, argv0, argv0);
	exit(2);
}

int
main(int argc, char **argv)
{
	int port;

	if (argc < 3)
		usage();
	port = atoi(argv[2]);
	if (port <= 0 || port > 65535)
		usage();
	if (strcmp(argv[1], "get") == 0 && argc == 5)
		return do_get(port, argv[3], atoi(argv[4]));
	if (strcmp(argv[1], "subscribe") == 0 && (argc == 6 || argc == 7))
		return do_subscribe(port, argv[3], atoi(argv[4]),
		    atoi(argv[5]), argc == 7 ? atoi(argv[6]) : 60);
	if (strcmp(argv[1], "idle") == 0 && argc == 5)
		return do_idle(port, atoi(argv[3]), atoi(argv[4]));
	usage();
	return 2;
}
