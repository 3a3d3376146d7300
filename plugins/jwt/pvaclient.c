/*
 * pvaclient.c - one plain-TCP PVAccess client connection (see
 * pvaclient.h; pvaccess.md §3, §6, §7.5).
 *
 * One non-blocking socket, every wait a poll against the connection's
 * deadline: connect, read SetEndian and the server's
 * CONNECTION_VALIDATION, answer "anonymous", wait CONNECTION_VALIDATED;
 * then channels and RPCs as the caller asks.  Messages are queued in
 * one buffer and leave together, so a caller can put a message that is
 * not answered (DESTROY_REQUEST) in the same write as the next one.
 *
 * The channel is plain TCP, so what is sent is readable on the path:
 * the loopback rule lives here, checked on the name and again on every
 * address it resolves to, before anything is sent.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netaddr.h"
#include "pvaclient.h"
#include "pvamsg.h"
#include "pvdata.h"
#include "termtext.h"

#define PVACLIENT_MAX_METHODS	32	/* names in the server's offer */
#define PVACLIENT_RX_START	(16 * 1024)
#define PVACLIENT_MSG_TEXT	300	/* a status message, shown */

static int64_t	pvaclient_now_ms(void);
static void	pvaclient_note(const struct pvaclient *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static int	pvaclient_poll(int fd, short events, int64_t deadline);
static int	pvaclient_addr_loopback(const struct sockaddr *sa);
static int	pvaclient_connect(struct pvaclient *c, const char *host,
		    uint16_t port, const struct pvaclient_limits *lim,
		    char *err, size_t errlen);
static int	pvaclient_fill(struct pvaclient *c, const char *what,
		    char *err, size_t errlen);
static void	pvaclient_status_text(const struct pvdata_status *st,
		    char *out, size_t len);
static int	pvaclient_hello(struct pvaclient *c, char *err,
		    size_t errlen);
static void	pvaclient_clear(struct pvaclient *c);
static int	pvaclient_rpc_head(const struct pvamsg_frame *fr,
		    uint32_t ioid, uint8_t sub, struct pvdata_cur *cur,
		    const char *refused, char *err, size_t errlen);

static int64_t
pvaclient_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pvaclient_note(const struct pvaclient *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (c->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->note(line);
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int
pvaclient_poll(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int64_t left;
	int r;

	for (;;) {
		if ((left = deadline - pvaclient_now_ms()) <= 0)
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

/* 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
static int
pvaclient_addr_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;

	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		    s6->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

/*
 * Resolve and connect, each attempt bounded by connect_ms and all of
 * them by the deadline.  Without plaintext_ok every address must be
 * loopback before any is tried, so that a name which resolves (also)
 * elsewhere never gets the token.  0, or -1 with a reason.
 */
static int
pvaclient_connect(struct pvaclient *c, const char *host, uint16_t port,
    const struct pvaclient_limits *lim, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char serv[8], addr[64] = "?", why[128] = "no address";
	socklen_t sl;
	int64_t start, until;
	int gai, fd = -1, soerr, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	if ((gai = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && !lim->plaintext_ok; ai = ai->ai_next) {
		if (!pvaclient_addr_loopback(ai->ai_addr)) {
			netaddr_text(ai->ai_addr, addr, sizeof(addr));
			snprintf(err, errlen, "refusing pva:// to %s: it "
			    "resolves to %s, not loopback, and the token would "
			    "travel unencrypted (--pva-plaintext allows it)",
			    host, addr);
			freeaddrinfo(res);
			return -1;
		}
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		netaddr_text(ai->ai_addr, addr, sizeof(addr));
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			start = pvaclient_now_ms();
			until = start + lim->connect_ms;
			if (until > c->deadline)
				until = c->deadline;
			soerr = 0;
			sl = sizeof(soerr);
			switch (pvaclient_poll(fd, POLLOUT, until)) {
			case 1:
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR,
				    &soerr, &sl) != 0)
					soerr = errno;
				if (soerr == 0)
					goto connected;
				snprintf(why, sizeof(why), "%s",
				    strerror(soerr));
				break;
			case 0:
				snprintf(why, sizeof(why), "timed out after "
				    "%lld ms", (long long)(pvaclient_now_ms() -
				    start));
				break;
			default:
				snprintf(why, sizeof(why), "%s",
				    strerror(errno));
				break;
			}
		} else
			snprintf(why, sizeof(why), "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
connected:
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", addr, why);
		return -1;
	}
	/* Each message is one write; do not hold it back. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	pvaclient_note(c, "connected to %s over plain TCP", addr);
	return 0;
}

/* Read what the server sent, at least one byte, before the deadline. */
static int
pvaclient_fill(struct pvaclient *c, const char *what, char *err,
    size_t errlen)
{
	ssize_t n;
	int r;

	for (;;) {
		if ((r = pvaclient_poll(c->fd, POLLIN, c->deadline)) == 0) {
			snprintf(err, errlen, "no %s from pvacms within %d %s",
			    what, c->wait_ms >= 1000 ? c->wait_ms / 1000 :
			    c->wait_ms, c->wait_ms >= 1000 ? "s" : "ms");
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
 * the next read).  On the way: control messages (SetEndian sets the
 * order we send in) and what a server may send at any time (ECHO,
 * MESSAGE, BEACON) are passed over; any other command is a protocol
 * error, and so is a message over max_msg (the framer's cap).
 */
int
pvaclient_wait(struct pvaclient *c, uint8_t cmd, const char *what,
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
			/* The framer refused sizes over max_msg already. */
			if (want < 2 * c->rxcap)
				want = 2 * c->rxcap;
			if (want > c->max_msg + PVAMSG_HDR_LEN)
				want = c->max_msg + PVAMSG_HDR_LEN;
			if ((grown = realloc(c->rx, want)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->rx = grown;
			c->rxcap = want;
		}
		if (pvaclient_fill(c, what, err, errlen) != 0)
			return -1;
	}
}

/* A Status's message, safe for the terminal, "" for none. */
static void
pvaclient_status_text(const struct pvdata_status *st, char *out,
    size_t len)
{
	char raw[PVACLIENT_MSG_TEXT];
	size_t n = st->msg_len < sizeof(raw) - 1 ? st->msg_len :
	    sizeof(raw) - 1;

	memcpy(raw, st->msg, n);
	raw[n] = '\0';
	termtext_clean(raw, out, len);
}

/* §6.1: the server's offer, our "anonymous", its verdict. */
static int
pvaclient_hello(struct pvaclient *c, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_status st;
	const char *s;
	size_t slen, at;
	uint32_t bufsize, n, i;
	uint16_t regsize;
	char text[PVACLIENT_MSG_TEXT];

	if (pvaclient_wait(c, PVAMSG_CONNECTION_VALIDATION,
	    "connection validation", &fr, err, errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_u32(&cur, &bufsize) != 0 ||
	    pvdata_get_u16(&cur, &regsize) != 0 ||
	    pvdata_get_size(&cur, &n, NULL) != 0 || n > PVACLIENT_MAX_METHODS) {
		snprintf(err, errlen, "pvacms sent a malformed connection "
		    "validation");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (pvdata_get_string(&cur, &s, &slen) != 0) {
			snprintf(err, errlen, "pvacms sent a malformed "
			    "connection validation");
			return -1;
		}
	/*
	 * "anonymous" whatever is offered, as PVXS falls back to: nothing
	 * here is authorised by who we are, and "ca" would only tell the
	 * server our login name.
	 */
	at = pvaclient_begin(c, PVAMSG_CONNECTION_VALIDATION);
	pvdata_put_u32(&c->out, 0x10000);
	pvdata_put_u16(&c->out, 0x7fff);
	pvdata_put_u16(&c->out, 0);		/* QoS */
	pvdata_put_cstr(&c->out, "anonymous");
	pvdata_put_u8(&c->out, 0xff);		/* no method data */
	pvaclient_end(c, at);
	if (pvaclient_send(c, err, errlen) != 0 ||
	    pvaclient_wait(c, PVAMSG_CONNECTION_VALIDATED, "validation verdict",
	    &fr, err, errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_status(&cur, &st) != 0 || pvdata_cur_left(&cur) != 0) {
		snprintf(err, errlen, "pvacms sent a malformed validation "
		    "verdict");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING) {
		pvaclient_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "pvacms refused the connection: %s",
		    text[0] != '\0' ? text : "no reason given");
		return -1;
	}
	return 0;
}

int
pvaclient_channel(struct pvaclient *c, const char *name, uint32_t cid,
    uint32_t *sid, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_status st;
	uint32_t got;
	size_t at;
	char text[PVACLIENT_MSG_TEXT];

	at = pvaclient_begin(c, PVAMSG_CREATE_CHANNEL);
	pvdata_put_u16(&c->out, 1);
	pvdata_put_u32(&c->out, cid);
	pvdata_put_cstr(&c->out, name);
	pvaclient_end(c, at);
	if (pvaclient_send(c, err, errlen) != 0 ||
	    pvaclient_wait(c, PVAMSG_CREATE_CHANNEL, "channel reply", &fr, err,
	    errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_u32(&cur, &got) != 0 ||
	    pvdata_get_u32(&cur, sid) != 0 ||
	    pvdata_get_status(&cur, &st) != 0 || got != cid) {
		snprintf(err, errlen, "pvacms sent a malformed channel reply");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING || *sid == PVAMSG_SID_NONE) {
		pvaclient_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "pvacms serves no %s: %s", name,
		    text[0] != '\0' ? text : "channel refused");
		return -1;
	}
	return 0;
}

/*
 * The u32 ioid, the sub-command and the Status that open an RPC reply
 * (§7.5); cur is left at what follows.  -1 when it is no reply to
 * ioid want and sub; PVACLIENT_REFUSED for a failed Status, its text in
 * err prefixed by refused.
 */
static int
pvaclient_rpc_head(const struct pvamsg_frame *fr, uint32_t want,
    uint8_t sub, struct pvdata_cur *cur, const char *refused, char *err,
    size_t errlen)
{
	struct pvdata_status st;
	uint32_t ioid;
	uint8_t got;
	char text[PVACLIENT_MSG_TEXT];

	pvdata_cur_init(cur, fr->payload, fr->len, PVAMSG_IS_BE(&fr->hdr));
	if (pvdata_get_u32(cur, &ioid) != 0 ||
	    pvdata_get_u8(cur, &got) != 0 ||
	    pvdata_get_status(cur, &st) != 0 || ioid != want ||
	    got != sub) {
		snprintf(err, errlen, "pvacms sent a malformed RPC reply");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING) {
		pvaclient_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "%s: %s", refused, text[0] != '\0' ?
		    text : "no reason given");
		return PVACLIENT_REFUSED;
	}
	return 0;
}


int
pvaclient_open(struct pvaclient *c, const char *host, uint16_t port,
    int loopback, const struct pvaclient_limits *lim, char *err,
    size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!loopback && !lim->plaintext_ok) {
		snprintf(err, errlen, "refusing pva:// to %s: not a loopback "
		    "address, and the token would travel unencrypted "
		    "(--pva-plaintext allows it)", host);
		return -1;
	}
	pvaclient_deadline(c, lim->total_ms);
	c->max_msg = lim->max_msg;
	c->note = lim->note;
	/* The server's messages carry 0x40; one cap for all of them. */
	pvamsg_framer_init(&c->fr, lim->max_msg, lim->max_msg, 1);
	c->fr_init = 1;
	pvdata_buf_init(&c->out, 0, PVAMSG_BUF_MAX);
	if ((c->rx = malloc(PVACLIENT_RX_START)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->rxcap = PVACLIENT_RX_START;
	if (pvaclient_connect(c, host, port, lim, err, errlen) != 0 ||
	    pvaclient_hello(c, err, errlen) != 0)
		return -1;
	return 0;
}

void
pvaclient_deadline(struct pvaclient *c, int ms)
{
	c->wait_ms = ms;
	c->deadline = pvaclient_now_ms() + ms;
}

size_t
pvaclient_begin(struct pvaclient *c, uint8_t cmd)
{
	uint8_t h[PVAMSG_HDR_LEN];
	size_t at = c->out.len;

	c->out.be = c->be;
	/* No 0x40: a client's messages carry no server flag. */
	pvamsg_header_build(h, c->be ? PVAMSG_F_BE : 0, cmd, 0);
	(void)pvdata_put_bytes(&c->out, h, sizeof(h));
	return at;
}

void
pvaclient_end(struct pvaclient *c, size_t at)
{
	struct pvdata_buf *b = &c->out;

	if (b->err != 0 || b->data == NULL || b->len < at + PVAMSG_HDR_LEN)
		return;
	pvamsg_header_build(b->data + at, b->data[at + 2], b->data[at + 3],
	    (uint32_t)(b->len - at - PVAMSG_HDR_LEN));
}

/* Wipe and empty the queue (it may hold a token); keep its memory. */
static void
pvaclient_clear(struct pvaclient *c)
{
	if (c->out.data != NULL)
		explicit_bzero(c->out.data, c->out.len);
	c->out.len = 0;
}

int
pvaclient_send(struct pvaclient *c, char *err, size_t errlen)
{
	struct pvdata_buf *b = &c->out;
	size_t off = 0;
	ssize_t n;
	int r = -1;

	if (b->err != 0 || b->len < PVAMSG_HDR_LEN) {
		snprintf(err, errlen, "cannot build a PVAccess message: %s",
		    pvdata_strerror(b->err));
		goto out;
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
		    pvaclient_poll(c->fd, POLLOUT, c->deadline) == 1)
			continue;
		snprintf(err, errlen, "cannot send to pvacms: %s", n < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK ? strerror(errno) :
		    "timed out");
		goto out;
	}
	r = 0;
out:
	pvaclient_clear(c);
	return r;
}

int
pvaclient_rpc(struct pvaclient *c, const struct pvaclient_rpc *r,
    struct pvaclient_reply *rep, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	size_t at;
	int rc;

	at = pvaclient_begin(c, PVAMSG_RPC);
	pvdata_put_u32(&c->out, r->sid);
	pvdata_put_u32(&c->out, r->ioid);
	pvdata_put_u8(&c->out, PVAMSG_SUB_INIT);
	if (r->pvrequest(&c->out) != 0 && c->out.err == 0)
		c->out.err = PVDATA_ENOMEM;
	pvaclient_end(c, at);
	if (pvaclient_send(c, err, errlen) != 0 ||
	    pvaclient_wait(c, PVAMSG_RPC, "RPC INIT reply", &fr, err,
	    errlen) != 0)
		return -1;
	if ((rc = pvaclient_rpc_head(&fr, r->ioid, PVAMSG_SUB_INIT, &cur,
	    "pvacms refused the RPC", err, errlen)) != 0)
		return rc;

	at = pvaclient_begin(c, PVAMSG_RPC);
	pvdata_put_u32(&c->out, r->sid);
	pvdata_put_u32(&c->out, r->ioid);
	pvdata_put_u8(&c->out, 0x00);
	if (r->args(&c->out, r->arg, err, errlen) != 0) {
		pvaclient_clear(c);
		return -1;
	}
	pvaclient_end(c, at);
	pvaclient_note(c, "sent the %s request (%zu bytes)", r->name,
	    c->out.len);
	if (pvaclient_send(c, err, errlen) != 0 ||
	    pvaclient_wait(c, PVAMSG_RPC, "RPC reply", &fr, err, errlen) != 0)
		return -1;
	if ((rc = pvaclient_rpc_head(&fr, r->ioid, 0x00, &cur,
	    "request refused", err, errlen)) != 0)
		return rc;
	pvaclient_note(c, "pvacms answered (%zu bytes)", fr.len);
	rep->data = fr.payload + cur.off;
	rep->len = fr.len - cur.off;
	rep->be = cur.be;
	return 0;
}

void
pvaclient_destroy_request(struct pvaclient *c, uint32_t sid, uint32_t ioid)
{
	size_t at;

	at = pvaclient_begin(c, PVAMSG_DESTROY_REQUEST);
	pvdata_put_u32(&c->out, sid);
	pvdata_put_u32(&c->out, ioid);
	pvaclient_end(c, at);
}

void
pvaclient_close(struct pvaclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pvaclient_clear(c);
	pvdata_buf_free(&c->out);
	free(c->rx);
	c->rx = NULL;
	c->rxlen = c->rxcap = c->drop = 0;
	if (c->fr_init)
		pvamsg_framer_free(&c->fr);
	c->fr_init = 0;
}
