/*
 * authnjwt_pva.c - the CERT:CREATE RPC over PVAccess (see
 * authnjwt_pva.h; pvaccess.md §3, §6, §7.5).
 *
 * One blocking exchange on one non-blocking socket, every wait a poll
 * against one deadline: connect, read SetEndian and the server's
 * CONNECTION_VALIDATION, answer "anonymous", wait CONNECTION_VALIDATED,
 * CREATE_CHANNEL, RPC INIT, RPC EXEC, then DESTROY_REQUEST and close.
 * Framing and headers are the front's own message layer (pvamsg.h),
 * bodies the front's pvData codec (pvdata.h), so the client and the
 * server read the same bytes the same way.  Messages are sent in the
 * byte order the server's SetEndian asks for, and read in each
 * message's own.
 *
 * The channel is plain TCP, so the token is readable on the path: the
 * loopback rule lives here, checked on the name and again on every
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
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "authnjwt_pva.h"
#include "netaddr.h"
#include "pvamsg.h"
#include "pvdata.h"
#include "termtext.h"

#define PVA_CID		1		/* our one channel */
#define PVA_IOID	1		/* our one operation */
#define PVA_MAX_METHODS	32		/* names in the server's offer */
#define PVA_RX_START	(16 * 1024)
#define PVA_MSG_TEXT	300		/* a status message, shown */

struct pva_conn {
	int		 fd;
	int64_t		 deadline;	/* CLOCK_MONOTONIC, ms */
	int		 total_ms;
	int		 be;		/* the order we send in */
	size_t		 max_msg;
	uint8_t		*rx;		/* bytes read, not yet framed */
	size_t		 rxlen;
	size_t		 rxcap;
	size_t		 drop;		/* the last frame's bytes */
	struct pvamsg_framer fr;
	void		(*note)(const char *);
};

static int64_t	pva_now_ms(void);
static void	pva_note(const struct pva_conn *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static int	pva_poll(int fd, short events, int64_t deadline);
static int	pva_addr_loopback(const struct sockaddr *sa);
static int	pva_connect(struct pva_conn *c,
		    const struct authnjwt_pva_target *t,
		    const struct authnjwt_pva_limits *lim, char *err,
		    size_t errlen);
static void	pva_begin(struct pvdata_buf *b, int be, uint8_t cmd);
static int	pva_send(struct pva_conn *c, struct pvdata_buf *b, char *err,
		    size_t errlen);
static int	pva_fill(struct pva_conn *c, const char *what, char *err,
		    size_t errlen);
static int	pva_wait(struct pva_conn *c, uint8_t cmd, const char *what,
		    struct pvamsg_frame *fr, char *err, size_t errlen);
static void	pva_status_text(const struct pvdata_status *st, char *out,
		    size_t len);
static int	pva_rpc_head(const struct pvamsg_frame *fr, uint8_t sub,
		    struct pvdata_cur *cur, const char *refused, char *err,
		    size_t errlen);
static int	pva_hello(struct pva_conn *c, char *err, size_t errlen);
static int	pva_channel(struct pva_conn *c, uint32_t *sid, char *err,
		    size_t errlen);
static int	pva_rpc(struct pva_conn *c, uint32_t sid,
		    const struct authnjwt_ccr *req,
		    struct authnjwt_ccr_reply *rep, char *err, size_t errlen);

static int64_t
pva_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pva_note(const struct pva_conn *c, const char *fmt, ...)
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
pva_poll(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int64_t left;
	int r;

	for (;;) {
		if ((left = deadline - pva_now_ms()) <= 0)
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
pva_addr_loopback(const struct sockaddr *sa)
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

int
authnjwt_pva_parse_url(const char *url, struct authnjwt_pva_target *t,
    char *err, size_t errlen)
{
	const char *p, *end, *h, *he, *q;
	struct in_addr a4;
	struct in6_addr a6;
	unsigned long port = AUTHNJWT_PVA_PORT;
	size_t n;
	int v6 = 0;

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "pva://", 6) != 0) {
		snprintf(err, errlen, "not a pva:// URL");
		return -1;
	}
	p = url + 6;
	end = p + strcspn(p, "/");
	if (*end == '/' && end[1] != '\0') {
		snprintf(err, errlen, "a pva:// URL takes no path");
		return -1;
	}
	/* Only what a host, a literal and a port are made of. */
	for (q = p; q < end; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || strchr(".-:[]", *q) != NULL)) {
			snprintf(err, errlen, "a pva:// URL is HOST[:PORT] "
			    "only");
			return -1;
		}
	if (*p == '[') {
		if ((he = memchr(p, ']', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "unclosed '[' in the pva:// URL");
			return -1;
		}
		h = p + 1;
		q = he + 1;
		v6 = 1;
	} else {
		he = memchr(p, ':', (size_t)(end - p));
		if (he == NULL)
			he = end;
		h = p;
		q = he;
	}
	n = (size_t)(he - h);
	if (n == 0 || n >= sizeof(t->host) || memchr(h, '[', n) != NULL ||
	    memchr(h, ']', n) != NULL || (!v6 && memchr(h, ':', n) != NULL)) {
		snprintf(err, errlen, "bad host in the pva:// URL");
		return -1;
	}
	memcpy(t->host, h, n);
	t->host[n] = '\0';
	if (q < end) {
		if (*q != ':' || end - q < 2 || end - q > 6 ||
		    strspn(q + 1, "0123456789") < (size_t)(end - q - 1) ||
		    (port = strtoul(q + 1, NULL, 10)) < 1 || port > 65535) {
			snprintf(err, errlen, "bad port in the pva:// URL");
			return -1;
		}
	}
	t->port = (uint16_t)port;
	if (v6) {
		if (inet_pton(AF_INET6, t->host, &a6) != 1) {
			snprintf(err, errlen, "bad IPv6 address in the pva:// "
			    "URL");
			return -1;
		}
		t->loopback = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	} else if (inet_pton(AF_INET, t->host, &a4) == 1)
		t->loopback = (ntohl(a4.s_addr) >> 24) == 127;
	else
		t->loopback = strcasecmp(t->host, "localhost") == 0 ||
		    strcasecmp(t->host, "localhost.") == 0;
	return 0;
}

/*
 * Resolve and connect, each attempt bounded by connect_ms and all of
 * them by the deadline.  Without plaintext_ok every address must be
 * loopback before any is tried, so that a name which resolves (also)
 * elsewhere never gets the token.  0, or -1 with a reason.
 */
static int
pva_connect(struct pva_conn *c, const struct authnjwt_pva_target *t,
    const struct authnjwt_pva_limits *lim, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8], addr[64] = "?", why[128] = "no address";
	socklen_t sl;
	int64_t start, until;
	int gai, fd = -1, soerr, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)t->port);
	if ((gai = getaddrinfo(t->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", t->host,
		    gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && !lim->plaintext_ok; ai = ai->ai_next) {
		if (!pva_addr_loopback(ai->ai_addr)) {
			netaddr_text(ai->ai_addr, addr, sizeof(addr));
			snprintf(err, errlen, "refusing pva:// to %s: it "
			    "resolves to %s, not loopback, and the token would "
			    "travel unencrypted (--pva-plaintext allows it)",
			    t->host, addr);
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
			start = pva_now_ms();
			until = start + lim->connect_ms;
			if (until > c->deadline)
				until = c->deadline;
			soerr = 0;
			sl = sizeof(soerr);
			switch (pva_poll(fd, POLLOUT, until)) {
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
				    "%lld ms", (long long)(pva_now_ms() -
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
	pva_note(c, "connected to %s over plain TCP", addr);
	return 0;
}

/* A client message in a fresh b: the header, its size patched later. */
static void
pva_begin(struct pvdata_buf *b, int be, uint8_t cmd)
{
	uint8_t h[PVAMSG_HDR_LEN];

	pvdata_buf_init(b, be, PVAMSG_BUF_MAX);
	/* No 0x40: a client's messages carry no server flag. */
	pvamsg_header_build(h, be ? PVAMSG_F_BE : 0, cmd, 0);
	(void)pvdata_put_bytes(b, h, sizeof(h));
}

/*
 * Patch the size into b's header, send it whole before the deadline,
 * then wipe and free b (a request holds the token).  0 or -1.
 */
static int
pva_send(struct pva_conn *c, struct pvdata_buf *b, char *err,
    size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int r = -1;

	if (b->err != 0 || b->len < PVAMSG_HDR_LEN) {
		snprintf(err, errlen, "cannot build a PVAccess message: %s",
		    pvdata_strerror(b->err));
		goto out;
	}
	pvamsg_header_build(b->data, b->data[2], b->data[3],
	    (uint32_t)(b->len - PVAMSG_HDR_LEN));
	while (off < b->len) {
		n = send(c->fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    pva_poll(c->fd, POLLOUT, c->deadline) == 1)
			continue;
		snprintf(err, errlen, "cannot send to pvacms: %s", n < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK ? strerror(errno) :
		    "timed out");
		goto out;
	}
	r = 0;
out:
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	pvdata_buf_free(b);
	return r;
}

/* Read what the server sent, at least one byte, before the deadline. */
static int
pva_fill(struct pva_conn *c, const char *what, char *err, size_t errlen)
{
	ssize_t n;
	int r;

	for (;;) {
		if ((r = pva_poll(c->fd, POLLIN, c->deadline)) == 0) {
			snprintf(err, errlen, "no %s from pvacms within %d %s",
			    what, c->total_ms >= 1000 ? c->total_ms / 1000 :
			    c->total_ms, c->total_ms >= 1000 ? "s" : "ms");
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
static int
pva_wait(struct pva_conn *c, uint8_t cmd, const char *what,
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
		if (pva_fill(c, what, err, errlen) != 0)
			return -1;
	}
}

/* A Status's message, safe for the terminal, "" for none. */
static void
pva_status_text(const struct pvdata_status *st, char *out, size_t len)
{
	char raw[PVA_MSG_TEXT];
	size_t n = st->msg_len < sizeof(raw) - 1 ? st->msg_len :
	    sizeof(raw) - 1;

	memcpy(raw, st->msg, n);
	raw[n] = '\0';
	termtext_clean(raw, out, len);
}

/* §6.1: the server's offer, our "anonymous", its verdict. */
static int
pva_hello(struct pva_conn *c, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_status st;
	struct pvdata_buf b;
	const char *s;
	size_t slen;
	uint32_t bufsize, n, i;
	uint16_t regsize;
	char text[PVA_MSG_TEXT];

	if (pva_wait(c, PVAMSG_CONNECTION_VALIDATION, "connection validation",
	    &fr, err, errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_u32(&cur, &bufsize) != 0 ||
	    pvdata_get_u16(&cur, &regsize) != 0 ||
	    pvdata_get_size(&cur, &n, NULL) != 0 || n > PVA_MAX_METHODS) {
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
	pva_begin(&b, c->be, PVAMSG_CONNECTION_VALIDATION);
	pvdata_put_u32(&b, 0x10000);
	pvdata_put_u16(&b, 0x7fff);
	pvdata_put_u16(&b, 0);			/* QoS */
	pvdata_put_cstr(&b, "anonymous");
	pvdata_put_u8(&b, 0xff);		/* no method data */
	if (pva_send(c, &b, err, errlen) != 0 ||
	    pva_wait(c, PVAMSG_CONNECTION_VALIDATED, "validation verdict",
	    &fr, err, errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_status(&cur, &st) != 0 || pvdata_cur_left(&cur) != 0) {
		snprintf(err, errlen, "pvacms sent a malformed validation "
		    "verdict");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING) {
		pva_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "pvacms refused the connection: %s",
		    text[0] != '\0' ? text : "no reason given");
		return -1;
	}
	return 0;
}

/* §6.3: one channel on CERT:CREATE; *sid is the server's id of it. */
static int
pva_channel(struct pva_conn *c, uint32_t *sid, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_status st;
	struct pvdata_buf b;
	uint32_t cid;
	char text[PVA_MSG_TEXT];

	pva_begin(&b, c->be, PVAMSG_CREATE_CHANNEL);
	pvdata_put_u16(&b, 1);
	pvdata_put_u32(&b, PVA_CID);
	pvdata_put_cstr(&b, AUTHNJWT_CCR_PV);
	if (pva_send(c, &b, err, errlen) != 0 ||
	    pva_wait(c, PVAMSG_CREATE_CHANNEL, "channel reply", &fr, err,
	    errlen) != 0)
		return -1;
	pvdata_cur_init(&cur, fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr));
	if (pvdata_get_u32(&cur, &cid) != 0 ||
	    pvdata_get_u32(&cur, sid) != 0 ||
	    pvdata_get_status(&cur, &st) != 0 || cid != PVA_CID) {
		snprintf(err, errlen, "pvacms sent a malformed channel reply");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING || *sid == PVAMSG_SID_NONE) {
		pva_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "pvacms serves no %s: %s",
		    AUTHNJWT_CCR_PV, text[0] != '\0' ? text :
		    "channel refused");
		return -1;
	}
	return 0;
}

/*
 * The u32 ioid, the sub-command and the Status that open an RPC reply
 * (§7.5); cur is left at what follows.  A failed Status gives err
 * prefixed by refused.
 */
static int
pva_rpc_head(const struct pvamsg_frame *fr, uint8_t sub,
    struct pvdata_cur *cur, const char *refused, char *err, size_t errlen)
{
	struct pvdata_status st;
	uint32_t ioid;
	uint8_t got;
	char text[PVA_MSG_TEXT];

	pvdata_cur_init(cur, fr->payload, fr->len, PVAMSG_IS_BE(&fr->hdr));
	if (pvdata_get_u32(cur, &ioid) != 0 ||
	    pvdata_get_u8(cur, &got) != 0 ||
	    pvdata_get_status(cur, &st) != 0 || ioid != PVA_IOID ||
	    got != sub) {
		snprintf(err, errlen, "pvacms sent a malformed RPC reply");
		return -1;
	}
	if (st.code > PVDATA_STATUS_WARNING) {
		pva_status_text(&st, text, sizeof(text));
		snprintf(err, errlen, "%s: %s", refused, text[0] != '\0' ?
		    text : "no reason given");
		return -1;
	}
	return 0;
}

/* §7.5: INIT, EXEC with the request, the reply; then DESTROY_REQUEST. */
static int
pva_rpc(struct pva_conn *c, uint32_t sid, const struct authnjwt_ccr *req,
    struct authnjwt_ccr_reply *rep, char *err, size_t errlen)
{
	struct pvamsg_frame fr;
	struct pvdata_cur cur;
	struct pvdata_buf b;

	pva_begin(&b, c->be, PVAMSG_RPC);
	pvdata_put_u32(&b, sid);
	pvdata_put_u32(&b, PVA_IOID);
	pvdata_put_u8(&b, PVAMSG_SUB_INIT);
	if (authnjwt_ccr_pvrequest(&b) != 0 && b.err == 0)
		b.err = PVDATA_ENOMEM;
	if (pva_send(c, &b, err, errlen) != 0 ||
	    pva_wait(c, PVAMSG_RPC, "RPC INIT reply", &fr, err, errlen) != 0 ||
	    pva_rpc_head(&fr, PVAMSG_SUB_INIT, &cur, "pvacms refused the "
	    "RPC", err, errlen) != 0)
		return -1;

	pva_begin(&b, c->be, PVAMSG_RPC);
	pvdata_put_u32(&b, sid);
	pvdata_put_u32(&b, PVA_IOID);
	pvdata_put_u8(&b, 0x00);
	if (authnjwt_ccr_encode(&b, req, AUTHNJWT_CCR_PV, err, errlen) != 0) {
		explicit_bzero(b.data, b.len);
		pvdata_buf_free(&b);
		return -1;
	}
	pva_note(c, "sent the %s request (%zu bytes)", AUTHNJWT_CCR_PV,
	    b.len);
	if (pva_send(c, &b, err, errlen) != 0 ||
	    pva_wait(c, PVAMSG_RPC, "RPC reply", &fr, err, errlen) != 0 ||
	    pva_rpc_head(&fr, 0x00, &cur, "request refused", err,
	    errlen) != 0)
		return -1;
	pva_note(c, "pvacms answered (%zu bytes)", fr.len);
	if (authnjwt_ccr_reply_decode(fr.payload + cur.off, fr.len - cur.off,
	    cur.be, rep, err, errlen) != 0)
		return -1;

	/* Courtesy only: closing ends the operation as well. */
	pva_begin(&b, c->be, PVAMSG_DESTROY_REQUEST);
	pvdata_put_u32(&b, sid);
	pvdata_put_u32(&b, PVA_IOID);
	(void)pva_send(c, &b, err, errlen);
	err[0] = '\0';
	return 0;
}

int
authnjwt_pva_request(const struct authnjwt_pva_target *t,
    const struct authnjwt_ccr *req, const struct authnjwt_pva_limits *lim,
    struct authnjwt_ccr_reply *rep, char *err, size_t errlen)
{
	struct pva_conn c;
	uint32_t sid;
	int r = -1;

	memset(rep, 0, sizeof(*rep));
	if (!t->loopback && !lim->plaintext_ok) {
		snprintf(err, errlen, "refusing pva:// to %s: not a loopback "
		    "address, and the token would travel unencrypted "
		    "(--pva-plaintext allows it)", t->host);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.total_ms = lim->total_ms;
	c.deadline = pva_now_ms() + lim->total_ms;
	c.max_msg = lim->max_msg;
	c.note = lim->note;
	/* The server's messages carry 0x40; one cap for all of them. */
	pvamsg_framer_init(&c.fr, lim->max_msg, lim->max_msg, 1);
	if ((c.rx = malloc(PVA_RX_START)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c.rxcap = PVA_RX_START;
	if (pva_connect(&c, t, lim, err, errlen) != 0 ||
	    pva_hello(&c, err, errlen) != 0 ||
	    pva_channel(&c, &sid, err, errlen) != 0 ||
	    pva_rpc(&c, sid, req, rep, err, errlen) != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		authnjwt_ccr_reply_free(rep);
	if (c.fd >= 0)
		close(c.fd);
	free(c.rx);
	pvamsg_framer_free(&c.fr);
	return r;
}
