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
 * The request is built and the reply read by authnjwt's own code
 * (plugins/jwt/authnjwt_ccr.c, compiled into this program), on the
 * project's pvData codec and message layer, so the bytes are those
 * authnjwt sends.  A success is an RPC reply with an OK status whose
 * value has a non-empty "cert" (and the "expiration" authnjwt needs);
 * anything else is an error, and the first one is printed.
 *
 * This is a benchmark, not a test: it prints figures and never judges
 * them.  The exit status is 0 unless it could not run at all (1) or was
 * called wrongly (2).  Every wait is bounded by --timeout-ms; a token
 * is never printed.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "authnjwt_ccr.h"
#include "pvamsg.h"
#include "pvdata.h"

#define CR_MAX_CLIENTS	64
#define CR_MAX_SECS	600
#define CR_MAX_TOKENS	100000	/* per client */
#define CR_MAX_TOKEN	8192	/* bytes of one token */
#define CR_MAX_KEY	(16 * 1024)	/* a PEM public key file */
#define CR_MAX_MSG	(1024 * 1024)	/* a server message, as authnjwt */
#define CR_RX_START	(64 * 1024)
#define CR_MAX_METHODS	32	/* names in the server's offer */
#define CR_CID		1	/* each connection's one channel */
#define CR_ERR_LEN	200

/* The settings shared by every thread (read only once threads run). */
struct cr_conf {
	int		 port;		/* pvacms's PVA TCP port, 127.0.0.1 */
	const char	*token_url;	/* holds the issuer's password */
	char		*pub_key[CR_MAX_CLIENTS];	/* PEM, owned */
	int		 nkey;
	int		 clients;
	int		 secs;
	int		 tokens;	/* per client */
	int		 timeout_ms;
	uint16_t	 usage;		/* 1 client, 2 server, 3 ioc */
};

/* A growing buffer for one token answer (libcurl), capped. */
struct cr_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* One client thread: its inputs, its connection and its counts. */
struct cr_client {
	const struct cr_conf *conf;
	int		 id;
	char		**tok;		/* tokens, owned */
	int		 ntok;
	struct timespec	 deadline;	/* end of the window */
	/* the connection */
	int		 fd;
	int		 be;		/* the order we send in (SetEndian) */
	int64_t		 step_end;	/* CLOCK_MONOTONIC ms: current wait */
	uint8_t		*rx;		/* bytes read, not yet framed */
	size_t		 rxlen;
	size_t		 rxcap;
	size_t		 drop;		/* the last frame's bytes */
	struct pvamsg_framer fr;
	int		 fr_init;
	struct pvdata_buf out;		/* reused: messages to send */
	uint32_t	 sid;
	uint32_t	 ioid;
	/* results */
	long		 ok;
	long		 refused;	/* an RPC reply that is no certificate */
	long		 broken;	/* the connection failed: client ended */
	double		 busy_ms;	/* sum of request times */
	double		 setup_ms;	/* connect, handshake, channel */
	int		 exhausted;	/* ran out of tokens early */
	char		 first_err[CR_ERR_LEN];
};

static void	 cr_usage(FILE *);
static int	 cr_parse_int(const char *, int, int, int *);
static double	 cr_now_ms(void);
static int64_t	 cr_now_ims(void);
static void	 cr_deadline(struct timespec *, int);
static int	 cr_past(const struct timespec *);
static void	 cr_note_err(struct cr_client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 cr_read_file(const char *, size_t, char **, char *, size_t);
static size_t	 cr_write_cb(char *, size_t, size_t, void *);
static int	 cr_token_ok(const char *, size_t);
static void	*cr_fetch_main(void *);
static int	 cr_poll(int, short, int64_t);
static int	 cr_connect(struct cr_client *, char *, size_t);
static size_t	 cr_begin(struct pvdata_buf *, uint8_t);
static void	 cr_end(struct pvdata_buf *, size_t);
static int	 cr_send(struct cr_client *, char *, size_t);
static int	 cr_fill(struct cr_client *, const char *, char *, size_t);
static int	 cr_wait(struct cr_client *, uint8_t, const char *,
		    struct pvamsg_frame *, char *, size_t);
static void	 cr_status_text(const struct pvdata_status *, char *, size_t);
static int	 cr_hello(struct cr_client *, char *, size_t);
static int	 cr_channel(struct cr_client *, char *, size_t);
static int	 cr_rpc_head(const struct cr_client *,
		    const struct pvamsg_frame *, uint8_t, struct pvdata_cur *,
		    int *, char *, size_t);
static int	 cr_create(struct cr_client *, const char *, char *, size_t);
static void	*cr_setup_main(void *);
static void	*cr_create_main(void *);
static int	 cr_run(struct cr_client *, int, void *(*)(void *), double *);
static void	 cr_report(struct cr_client *, int, double);
static double	 cr_cpu_ms(int);
static void	 cr_report_cpu(const char *, struct cr_client *, int, double,
		    double);
static void	 cr_close(struct cr_client *);
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

static int
cr_parse_int(const char *s, int lo, int hi, int *out)
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
cr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Whole milliseconds, for poll deadlines. */
static int64_t
cr_now_ims(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
cr_deadline(struct timespec *ts, int secs)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += secs;
}

static int
cr_past(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec ||
	    (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/* Keep the first error a client met (printable characters only). */
static void
cr_note_err(struct cr_client *c, const char *fmt, ...)
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

/*
 * Read a whole file of at most max bytes into *out (NUL-terminated).
 * The caller frees *out.
 */
static int
cr_read_file(const char *path, size_t max, char **out, char *err,
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

/* libcurl write callback: append to a cr_buf, refuse past its cap. */
static size_t
cr_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct cr_buf *b = arg;
	size_t len = size * n;

	if (len > b->cap - 1 - b->len)
		return 0;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

/* A token is three base64url parts (what the issuer sends). */
static int
cr_token_ok(const char *t, size_t len)
{
	size_t i, dots = 0;

	if (len == 0 || len > CR_MAX_TOKEN)
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

/* Thread: fill the client's token pool from the issuer (as issue_rate). */
static void *
cr_fetch_main(void *arg)
{
	struct cr_client *c = arg;
	const struct cr_conf *conf = c->conf;
	struct cr_buf b;
	CURL *h;
	long code;
	CURLcode r;

	b.len = 0;
	b.cap = CR_MAX_TOKEN + 64;
	if ((b.p = malloc(b.cap)) == NULL ||
	    (c->tok = calloc((size_t)conf->tokens, sizeof(*c->tok))) ==
	    NULL) {
		free(b.p);
		cr_note_err(c, "out of memory");
		return NULL;
	}
	if ((h = curl_easy_init()) == NULL) {
		free(b.p);
		cr_note_err(c, "curl_easy_init failed");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)conf->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)conf->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cr_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_URL, conf->token_url);
	while (c->ntok < conf->tokens) {
		b.len = 0;
		b.p[0] = '\0';
		if ((r = curl_easy_perform(h)) != CURLE_OK) {
			cr_note_err(c, "token fetch: %s",
			    curl_easy_strerror(r));
			break;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		while (b.len > 0 && (b.p[b.len - 1] == '\n' ||
		    b.p[b.len - 1] == '\r' || b.p[b.len - 1] == ' '))
			b.p[--b.len] = '\0';
		if (code != 200 || !cr_token_ok(b.p, b.len)) {
			cr_note_err(c, "token fetch: HTTP %ld, %s", code,
			    code == 200 ? "not a JWT" : "refused");
			break;
		}
		if ((c->tok[c->ntok] = strdup(b.p)) == NULL) {
			cr_note_err(c, "out of memory");
			break;
		}
		c->ntok++;
	}
	curl_easy_cleanup(h);
	free(b.p);
	return NULL;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int
cr_poll(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int64_t left;
	int r;

	for (;;) {
		if ((left = deadline - cr_now_ims()) <= 0)
			return 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* A non-blocking TCP connection to 127.0.0.1:port, bounded by step_end. */
static int
cr_connect(struct cr_client *c, char *err, size_t errlen)
{
	struct sockaddr_in a;
	socklen_t sl;
	int one = 1, soerr = 0;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)c->conf->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "connect: %s", strerror(errno));
			return -1;
		}
		if (cr_poll(c->fd, POLLOUT, c->step_end) != 1) {
			snprintf(err, errlen, "connect: timed out");
			return -1;
		}
		sl = sizeof(soerr);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (soerr != 0) {
			snprintf(err, errlen, "connect: %s", strerror(soerr));
			return -1;
		}
	}
	/* Each message goes in one write; do not hold it back (Nagle). */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/*
 * Append a client message header to b (size patched by cr_end) and
 * return its offset.  Several messages may share b: they then leave in
 * one write.  No 0x40: a client's messages carry no server flag.
 */
static size_t
cr_begin(struct pvdata_buf *b, uint8_t cmd)
{
	uint8_t h[PVAMSG_HDR_LEN];
	size_t at = b->len;

	pvamsg_header_build(h, b->be ? PVAMSG_F_BE : 0, cmd, 0);
	(void)pvdata_put_bytes(b, h, sizeof(h));
	return at;
}

/* Patch the payload size into the header at offset at. */
static void
cr_end(struct pvdata_buf *b, size_t at)
{
	if (b->err != 0 || b->data == NULL || b->len < at + PVAMSG_HDR_LEN)
		return;
	pvamsg_header_build(b->data + at, b->data[at + 2], b->data[at + 3],
	    (uint32_t)(b->len - at - PVAMSG_HDR_LEN));
}

/*
 * Send what c->out holds, whole, before step_end, then empty it (the
 * memory is kept: it is reused for every request).  0 or -1.
 */
static int
cr_send(struct cr_client *c, char *err, size_t errlen)
{
	struct pvdata_buf *b = &c->out;
	size_t off = 0;
	ssize_t n;

	if (b->err != 0) {
		snprintf(err, errlen, "cannot build a PVAccess message: %s",
		    pvdata_strerror(b->err));
		return -1;
	}
	while (off < b->len) {
		n = send(c->fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    cr_poll(c->fd, POLLOUT, c->step_end) == 1)
			continue;
		snprintf(err, errlen, "cannot send to pvacms: %s", n < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK ? strerror(errno) :
		    "timed out");
		return -1;
	}
	/* The bytes held a token: wipe them before the buffer is reused. */
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	b->len = 0;
	return 0;
}

/* Read what the server sent, at least one byte, before step_end. */
static int
cr_fill(struct cr_client *c, const char *what, char *err, size_t errlen)
{
	ssize_t n;
	int r;

	for (;;) {
		if ((r = cr_poll(c->fd, POLLIN, c->step_end)) == 0) {
			snprintf(err, errlen, "no %s from pvacms within %d ms",
			    what, c->conf->timeout_ms);
			return -1;
		}
		if (r < 0)
			break;
		n = recv(c->fd, c->rx + c->rxlen, c->rxcap - c->rxlen, 0);
		if (n > 0) {
			c->rxlen += (size_t)n;
			return 0;
		}
		if (n == 0) {
			snprintf(err, errlen, "pvacms closed the connection "
			    "before its %s", what);
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
	}
	snprintf(err, errlen, "cannot read from pvacms: %s", strerror(errno));
	return -1;
}

/*
 * The next application message of command cmd into *fr (valid until
 * the next read), as authnjwt_pva.c waits: control messages are passed
 * over (SetEndian sets the order we send in), and so is what a server
 * may send at any time (ECHO, MESSAGE, BEACON); any other command is a
 * protocol error.
 */
static int
cr_wait(struct cr_client *c, uint8_t cmd, const char *what,
    struct pvamsg_frame *fr, char *err, size_t errlen)
{
	char ferr[160];
	uint8_t *grown;
	size_t want;
	int r;

	for (;;) {
		if (c->drop > 0) {
			memmove(c->rx, c->rx + c->drop, c->rxlen - c->drop);
			c->rxlen -= c->drop;
			c->drop = 0;
		}
		r = pvamsg_frame(&c->fr, c->rx, c->rxlen, fr, ferr,
		    sizeof(ferr));
		if (r == PVAMSG_OK) {
			c->drop = fr->consumed;
			if (!fr->complete)
				continue;	/* a segment, stored */
			if (PVAMSG_IS_CONTROL(&fr->hdr)) {
				if (fr->hdr.command == PVAMSG_CTL_SET_ENDIAN)
					c->be = PVAMSG_IS_BE(&fr->hdr);
				continue;
			}
			if (fr->hdr.command == cmd)
				return 0;
			if (fr->hdr.command == PVAMSG_ECHO ||
			    fr->hdr.command == PVAMSG_MESSAGE ||
			    fr->hdr.command == PVAMSG_BEACON)
				continue;
			snprintf(err, errlen, "pvacms sent command 0x%02x where "
			    "its %s was due", fr->hdr.command, what);
			return -1;
		}
		if (r != PVAMSG_EAGAIN) {
			snprintf(err, errlen, "pvacms sent a malformed message: "
			    "%s", ferr);
			return -1;
		}
		want = fr->need > c->rxlen ? fr->need : c->rxlen + 1;
		if (want > c->rxcap) {
			/* The framer refused sizes over CR_MAX_MSG already. */
			if (want < 2 * c->rxcap)
				want = 2 * c->rxcap;
			if (want > CR_MAX_MSG + PVAMSG_HDR_LEN)
				want = CR_MAX_MSG + PVAMSG_HDR_LEN;
			if ((grown = realloc(c->rx, want)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->rx = grown;
			c->rxcap = want;
		}
		if (cr_fill(c, what, err, errlen) != 0)
			return -1;
	}
}

/* A Status's message, printable characters only, "" for none. */
static void
cr_status_text(const struct pvdata_status *st, char *out, size_t len)
{
	size_t i, n;

	if (len == 0)
		return;
	n = st->msg_len < len - 1 ? st->msg_len : len - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)st->msg[i];

		out[i] = ch < 0x20 || ch > 0x7e ? ' ' : (char)ch;
	}
	out[n] = '\0';
}

/* §6.1: the server's offer, our "anonymous" (as authnjwt), its verdict. */
static int
cr_hello(struct cr_client *c, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_status st;
	const char *s;
	size_t slen, at;
	uint32_t bufsize, n, i;
	uint16_t regsize;
	char text[160];

	if (cr_wait(c, PVAMSG_CONNECTION_VALIDATION, "connection validation",
	    &fr, err, errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_u32(&cur, &bufsize) != 0 ||
	    pvdata_get_u16(&cur, &regsize) != 0 ||
	    pvdata_get_size(&cur, &n, NULL) != 0 || n > CR_MAX_METHODS) {
		snprintf(err, errlen, "malformed connection validation");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (pvdata_get_string(&cur, &s, &slen) != 0) {
			snprintf(err, errlen, "malformed connection "
			    "validation");
			return -1;
		}
	c->out.be = c->be;
	at = cr_begin(&c->out, PVAMSG_CONNECTION_VALIDATION);
	pvdata_put_u32(&c->out, 0x10000);
	pvdata_put_u16(&c->out, 0x7fff);
	pvdata_put_u16(&c->out, 0);		/* QoS */
	pvdata_put_cstr(&c->out, "anonymous");
	pvdata_put_u8(&c->out, 0xff);		/* no method data */
	cr_end(&c->out, at);
	if (cr_send(c, err, errlen) != 0 ||
	    cr_wait(c, PVAMSG_CONNECTION_VALIDATED, "validation verdict",
	    &fr, err, errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_status(&cur, &st) != 0) {
		snprintf(err, errlen, "malformed validation verdict");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING) {
		cr_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "connection refused: %s", text);
		return -1;
	}
	return 0;
}

/* §6.3: the one channel on CERT:CREATE; c->sid is the server's id. */
static int
cr_channel(struct cr_client *c, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_status st;
	uint32_t cid;
	size_t at;
	char text[160];

	at = cr_begin(&c->out, PVAMSG_CREATE_CHANNEL);
	pvdata_put_u16(&c->out, 1);
	pvdata_put_u32(&c->out, CR_CID);
	pvdata_put_cstr(&c->out, AUTHNJWT_CCR_PV);
	cr_end(&c->out, at);
	if (cr_send(c, err, errlen) != 0 ||
	    cr_wait(c, PVAMSG_CREATE_CHANNEL, "channel reply", &fr, err,
	    errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_u32(&cur, &cid) != 0 ||
	    pvdata_get_u32(&cur, &c->sid) != 0 ||
	    pvdata_get_status(&cur, &st) != 0 || cid != CR_CID) {
		snprintf(err, errlen, "malformed channel reply");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING || c->sid == PVAMSG_SID_NONE) {
		cr_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "no %s channel: %s", AUTHNJWT_CCR_PV,
		    text);
		return -1;
	}
	return 0;
}

/*
 * The ioid, sub-command and Status that open an RPC reply (§7.5); cur
 * is left at what follows.  -1: not a reply to this request (the
 * connection is out of step); 0 with *refused set when the Status is an
 * error, its text in err.
 */
static int
cr_rpc_head(const struct cr_client *c, const struct pvamsg_frame *fr,
    uint8_t sub, struct pvdata_cur *cur, int *refused, char *err,
    size_t errlen)
{
	struct pvdata_status st;
	uint32_t ioid;
	uint8_t got;
	char text[160];

	*refused = 0;
	pvdata_cur_init(cur, fr->payload, fr->len, PVAMSG_IS_BE(&fr->hdr));
	if (pvdata_get_u32(cur, &ioid) != 0 ||
	    pvdata_get_u8(cur, &got) != 0 ||
	    pvdata_get_status(cur, &st) != 0 || ioid != c->ioid ||
	    got != sub) {
		snprintf(err, errlen, "malformed RPC reply, or not for ioid "
		    "%u", (unsigned)c->ioid);
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING) {
		cr_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "%s refused: %s", sub == PVAMSG_SUB_INIT ?
		    "RPC INIT" : "request", text[0] != '\0' ? text :
		    "no reason given");
		*refused = 1;
	}
	return 0;
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
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	size_t at;
	int refused;

	c->ioid++;
	c->step_end = cr_now_ims() + c->conf->timeout_ms;
	at = cr_begin(&c->out, PVAMSG_RPC);
	pvdata_put_u32(&c->out, c->sid);
	pvdata_put_u32(&c->out, c->ioid);
	pvdata_put_u8(&c->out, PVAMSG_SUB_INIT);
	if (authnjwt_ccr_pvrequest(&c->out) != 0 && c->out.err == 0)
		c->out.err = PVDATA_ENOMEM;
	cr_end(&c->out, at);
	if (cr_send(c, err, errlen) != 0 ||
	    cr_wait(c, PVAMSG_RPC, "RPC INIT reply", &fr, err, errlen) != 0 ||
	    cr_rpc_head(c, &fr, PVAMSG_SUB_INIT, &cur, &refused, err,
	    errlen) != 0)
		return -1;
	if (refused)
		goto destroy;

	/* authnjwt's request: type "jwt", our key, the token as verifier. */
	memset(&req, 0, sizeof(req));
	req.type = "jwt";
	req.name = req.country = req.organization = "";
	req.organization_unit = req.config_uri_base = "";
	req.usage = c->conf->usage;
	req.pub_key = c->conf->pub_key[c->id % c->conf->nkey];
	req.token = token;
	at = cr_begin(&c->out, PVAMSG_RPC);
	pvdata_put_u32(&c->out, c->sid);
	pvdata_put_u32(&c->out, c->ioid);
	pvdata_put_u8(&c->out, 0x00);
	if (authnjwt_ccr_encode(&c->out, &req, AUTHNJWT_CCR_PV, err,
	    errlen) != 0)
		return -1;
	cr_end(&c->out, at);
	if (cr_send(c, err, errlen) != 0 ||
	    cr_wait(c, PVAMSG_RPC, "RPC reply", &fr, err, errlen) != 0 ||
	    cr_rpc_head(c, &fr, 0x00, &cur, &refused, err, errlen) != 0)
		return -1;
	if (!refused) {
		if (authnjwt_ccr_reply_decode(fr.payload + cur.off,
		    fr.len - cur.off, cur.be, &rep, err, errlen) != 0)
			refused = 1;
		else
			authnjwt_ccr_reply_free(&rep);
	}
destroy:
	at = cr_begin(&c->out, PVAMSG_DESTROY_REQUEST);
	pvdata_put_u32(&c->out, c->sid);
	pvdata_put_u32(&c->out, c->ioid);
	cr_end(&c->out, at);
	return refused ? 1 : 0;
}

/* Thread: connect, validate, open the channel (before the window). */
static void *
cr_setup_main(void *arg)
{
	struct cr_client *c = arg;
	char err[CR_ERR_LEN];
	double t0 = cr_now_ms();

	c->fd = -1;
	/* The server's messages carry 0x40; one cap for all of them. */
	pvamsg_framer_init(&c->fr, CR_MAX_MSG, CR_MAX_MSG, 1);
	c->fr_init = 1;
	pvdata_buf_init(&c->out, 0, PVAMSG_BUF_MAX);
	if ((c->rx = malloc(CR_RX_START)) == NULL) {
		cr_note_err(c, "out of memory");
		return NULL;
	}
	c->rxcap = CR_RX_START;
	c->step_end = cr_now_ims() + c->conf->timeout_ms;
	if (cr_connect(c, err, sizeof(err)) != 0 ||
	    cr_hello(c, err, sizeof(err)) != 0 ||
	    cr_channel(c, err, sizeof(err)) != 0) {
		cr_note_err(c, "%s", err);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return NULL;
	}
	c->setup_ms = cr_now_ms() - t0;
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

	for (i = 0; !cr_past(&c->deadline); i++) {
		if (i >= c->ntok) {
			c->exhausted = 1;
			break;
		}
		err[0] = '\0';
		t0 = cr_now_ms();
		r = cr_create(c, c->tok[i], err, sizeof(err));
		c->busy_ms += cr_now_ms() - t0;
		if (r == 0) {
			c->ok++;
			continue;
		}
		cr_note_err(c, "%s", err);
		if (r > 0) {
			c->refused++;
			continue;
		}
		/* Out of step or gone: this client's window ends here. */
		c->broken++;
		break;
	}
	/* Courtesy: the last DESTROY_REQUEST, if the connection lives. */
	if (c->broken == 0 && c->out.len > 0) {
		c->step_end = cr_now_ims() + c->conf->timeout_ms;
		(void)cr_send(c, err, sizeof(err));
	}
	return NULL;
}

/* Run fn on n clients at once; *ms is how long until all were done. */
static int
cr_run(struct cr_client *cl, int n, void *(*fn)(void *), double *ms)
{
	pthread_t th[CR_MAX_CLIENTS];
	double t0;
	int i, started;

	t0 = cr_now_ms();
	for (started = 0; started < n; started++)
		if (pthread_create(&th[started], NULL, fn, &cl[started]) != 0)
			break;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	*ms = cr_now_ms() - t0;
	if (started < n) {
		fprintf(stderr, "create_rate: cannot start thread %d\n",
		    started);
		return -1;
	}
	return 0;
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
	long ok = 0, refused = 0, broken = 0;
	double busy = 0;
	int i, exhausted = 0;

	for (i = 0; i < n; i++) {
		ok += cl[i].ok;
		refused += cl[i].refused;
		broken += cl[i].broken;
		busy += cl[i].busy_ms;
		exhausted += cl[i].exhausted;
	}
	printf("create rate: %.1f certificates/s (%d clients, %.1f s, "
	    "%ld errors)\n", ms > 0 ? ok * 1e3 / ms : 0.0, n, ms / 1e3,
	    refused + broken);
	printf("  %ld ok, mean request time %.2f ms (RPC INIT + EXEC)\n", ok,
	    ok + refused + broken > 0 ?
	    busy / (double)(ok + refused + broken) : 0.0);
	if (refused + broken > 0) {
		printf("  errors: %ld answered without a certificate, %ld "
		    "connection(s) failed (their client stopped)\n", refused,
		    broken);
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
 * /proc/PID/stat (all its threads); -1 when pid is 0 or unreadable.
 * The same reading as issue_rate's, so the two fronts compare.
 */
static double
cr_cpu_ms(int pid)
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
cr_report_cpu(const char *who, struct cr_client *cl, int n, double cpu_ms,
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
cr_close(struct cr_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->out.data != NULL)
		explicit_bzero(c->out.data, c->out.len);
	pvdata_buf_free(&c->out);
	free(c->rx);
	c->rx = NULL;
	if (c->fr_init)
		pvamsg_framer_free(&c->fr);
	c->fr_init = 0;
}

static void
cr_free_clients(struct cr_client *cl, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		cr_close(&cl[i]);
		for (k = 0; k < cl[i].ntok; k++)
			free(cl[i].tok[k]);
		free(cl[i].tok);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "pubkey", required_argument, NULL, 'K' },
		{ "token-url", required_argument, NULL, 't' },
		{ "clients", required_argument, NULL, 'n' },
		{ "secs", required_argument, NULL, 's' },
		{ "tokens", required_argument, NULL, 'k' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "usage", required_argument, NULL, 'u' },
		{ "cpu-pid", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct cr_client cl[CR_MAX_CLIENTS];
	struct cr_conf conf;
	const char *key_path[CR_MAX_CLIENTS];
	const char *usage = "client";
	char err[256];
	double ms, setup, cpu_before, cpu_after, self_before, self_after;
	int cpu_pid = 0;
	int ch, i, rc = 1, fetched = 0, nclients = 0;

	memset(&conf, 0, sizeof(conf));
	conf.clients = 4;
	conf.secs = 10;
	conf.tokens = 2000;
	conf.timeout_ms = 10000;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cr_parse_int(optarg, 1, 65535, &conf.port) != 0)
				goto usage;
			break;
		case 'K':
			if (conf.nkey == CR_MAX_CLIENTS)
				goto usage;
			key_path[conf.nkey++] = optarg;
			break;
		case 't': conf.token_url = optarg; break;
		case 'u': usage = optarg; break;
		case 'P':
			if (cr_parse_int(optarg, 1, 1 << 30, &cpu_pid) != 0)
				goto usage;
			break;
		case 'n':
			if (cr_parse_int(optarg, 1, CR_MAX_CLIENTS,
			    &conf.clients) != 0)
				goto usage;
			break;
		case 's':
			if (cr_parse_int(optarg, 1, CR_MAX_SECS,
			    &conf.secs) != 0)
				goto usage;
			break;
		case 'k':
			if (cr_parse_int(optarg, 1, CR_MAX_TOKENS,
			    &conf.tokens) != 0)
				goto usage;
			break;
		case 'T':
			if (cr_parse_int(optarg, 1, 600000,
			    &conf.timeout_ms) != 0)
				goto usage;
			break;
		case 'h':
			cr_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (strcmp(usage, "client") == 0)
		conf.usage = 1;
	else if (strcmp(usage, "server") == 0)
		conf.usage = 2;
	else if (strcmp(usage, "ioc") == 0)
		conf.usage = 3;
	if (optind != argc || conf.port == 0 || conf.token_url == NULL ||
	    conf.nkey == 0 || conf.usage == 0)
		goto usage;

	for (i = 0; i < conf.nkey; i++) {
		if (cr_read_file(key_path[i], CR_MAX_KEY, &conf.pub_key[i], err,
		    sizeof(err)) != 0) {
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
	nclients = conf.clients;
	for (i = 0; i < nclients; i++) {
		cl[i].conf = &conf;
		cl[i].id = i;
		cl[i].fd = -1;
	}

	/* Before the window: a pool of fresh tokens per client. */
	if (cr_run(cl, nclients, cr_fetch_main, &ms) != 0)
		goto out_curl;
	for (i = 0; i < nclients; i++) {
		fetched += cl[i].ntok;
		if (cl[i].ntok < conf.tokens) {
			fprintf(stderr, "create_rate: client %d got %d of %d "
			    "tokens: %s\n", i, cl[i].ntok, conf.tokens,
			    cl[i].first_err);
			goto out_curl;
		}
		cl[i].first_err[0] = '\0';
	}
	printf("fetched %d tokens in %.1f s before the window (%.0f/s)\n",
	    fetched, ms / 1e3, ms > 0 ? fetched * 1e3 / ms : 0.0);

	/* Before the window too: every connection up, on its channel. */
	if (cr_run(cl, nclients, cr_setup_main, &ms) != 0)
		goto out_curl;
	for (i = 0, setup = 0; i < nclients; i++) {
		if (cl[i].fd < 0) {
			fprintf(stderr, "create_rate: client %d cannot set up "
			    "its PVAccess connection: %s\n", i,
			    cl[i].first_err);
			goto out_curl;
		}
		setup += cl[i].setup_ms;
	}
	printf("%d PVAccess connection(s) on %s, mean setup %.2f ms\n",
	    nclients, AUTHNJWT_CCR_PV, setup / nclients);

	/* The window. */
	for (i = 0; i < nclients; i++)
		cr_deadline(&cl[i].deadline, conf.secs);
	cpu_before = cr_cpu_ms(cpu_pid);
	self_before = cr_cpu_ms((int)getpid());
	if (cr_run(cl, nclients, cr_create_main, &ms) != 0)
		goto out_curl;
	cpu_after = cr_cpu_ms(cpu_pid);
	self_after = cr_cpu_ms((int)getpid());
	cr_report(cl, nclients, ms);
	if (cpu_before >= 0 && cpu_after >= 0)
		cr_report_cpu("server", cl, nclients, cpu_after - cpu_before,
		    ms);
	/* The clients share the machine: what they cost bounds the rate
	 * as much as the server does. */
	if (self_before >= 0 && self_after >= 0)
		cr_report_cpu("client", cl, nclients, self_after - self_before,
		    ms);
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
