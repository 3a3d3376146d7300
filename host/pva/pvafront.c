/*
 * pvafront.c - the PVAccess front's sockets (see pvafront.h): a TCP
 * listener and a UDP search socket per address of
 * EPICS_PVAS_INTF_ADDR_LIST, the searches answered for the status PV
 * names this front serves, and two feeds to the subscribers: every
 * state change (states.c's observer) and, on a timer, every answer
 * re-signed at half its validity.
 *
 * The UDP port may be shared with PVXS servers on the same host
 * (pvaccess.md §2.6): the socket takes SO_REUSEADDR and SO_REUSEPORT as
 * theirs do, a unicast SEARCH that reaches it is re-sent, with an
 * ORIGIN_TAG, to the loopback multicast group 224.0.0.128 so that every
 * server on the host sees it, and a second socket on that group takes
 * the searches the IOCs re-send, so that none meant for pvacms is lost.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/rand.h>

#include "app.h"
#include "ca.h"
#include "certid.h"
#include "conf.h"
#include "connguard.h"
#include "log.h"
#include "netaddr.h"
#include "pvaconn.h"
#include "pvafront.h"
#include "pvacreate.h"
#include "pvafront_priv.h"
#include "pvamsg.h"
#include "pvasearch.h"
#include "states.h"
#include "statuspv.h"

#define PVAFRONT_MCAST		"224.0.0.128"	/* PVXS's local group */
#define PVAFRONT_REFRESH_SECS	10	/* re-signed answers: look this often */

static int	pvafront_udp_socket(const struct sockaddr_in *sin, int mcast,
		    char *err, size_t errlen);
static void	pvafront_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	pvafront_udp(evutil_socket_t, short, void *);
static int	pvafront_watch_udp(struct pva_front *, int, char *, size_t);
static int	pvafront_is_self(const struct pva_front *,
		    const struct sockaddr_in *);
static void	pvafront_changed(void *, uint64_t);
static void	pvafront_tick(evutil_socket_t, short, void *);
static void	pvafront_post(evutil_socket_t, short, void *);
static void	pvafront_describe(const struct sockaddr_in *, uint16_t,
		    char *, size_t);

/* "addr:port" of sin with the port a socket was bound to. */
static void
pvafront_describe(const struct sockaddr_in *sin, uint16_t port, char *buf,
    size_t len)
{
	struct sockaddr_in bound = *sin;

	bound.sin_port = htons(port);
	netaddr_text((const struct sockaddr *)&bound, buf, len);
}

/*
 * A UDP socket bound to sin (port included), shareable as PVXS shares
 * it; with mcast, bound to the local group instead and a member of it
 * on loopback.  The descriptor, or -1 with err set.
 */
static int
pvafront_udp_socket(const struct sockaddr_in *sin, int mcast, char *err,
    size_t errlen)
{
	struct sockaddr_in a = *sin;
	struct ip_mreq mreq;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
#ifdef SO_REUSEPORT
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
#endif
	if (mcast)
		inet_pton(AF_INET, PVAFRONT_MCAST, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		snprintf(err, errlen, "cannot bind UDP %s port %u: %s",
		    mcast ? PVAFRONT_MCAST : "search",
		    (unsigned)ntohs(a.sin_port), strerror(errno));
		close(fd);
		return -1;
	}
	if (!mcast) {
		/* Re-sent searches go out on loopback, to this host only. */
		struct in_addr lo;

		lo.s_addr = htonl(INADDR_LOOPBACK);
		(void)setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &lo,
		    sizeof(lo));
	} else {
		memset(&mreq, 0, sizeof(mreq));
		inet_pton(AF_INET, PVAFRONT_MCAST, &mreq.imr_multiaddr);
		mreq.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
		    sizeof(mreq)) != 0) {
			snprintf(err, errlen, "cannot join %s on loopback: %s",
			    PVAFRONT_MCAST, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Serve searches on fd, which f owns from here on.  0 or -1. */
static int
pvafront_watch_udp(struct pva_front *f, int fd, char *err, size_t errlen)
{
	size_t n = f->nudp++;

	f->udp[n] = fd;
	if ((f->udp_ev[n] = event_new(f->app->base, fd, EV_READ | EV_PERSIST,
	    pvafront_udp, f)) == NULL || event_add(f->udp_ev[n], NULL) != 0) {
		snprintf(err, errlen, "cannot watch the UDP socket");
		return -1;
	}
	return 0;
}

int
pvafront_start(struct app *app, char *err, size_t errlen)
{
	struct sockaddr_in addrs[PVAFRONT_MAX_INTF] = { 0 }, a;
	struct pva_front *f;
	socklen_t sl;
	size_t n, i;
	int fd = -1;

	if ((f = app->pva = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->app = app;
	TAILQ_INIT(&f->conns);
	f->next_sid = 1;
	for (i = 0; i <= PVAFRONT_MAX_INTF; i++)
		f->udp[i] = -1;
	if (RAND_bytes(f->guid, sizeof(f->guid)) != 1) {
		snprintf(err, errlen, "cannot draw the server GUID");
		goto fail;
	}
	/* conf.c checked the list: 1 to PVAFRONT_MAX_INTF addresses. */
	n = app->cfg->n_pvas_addrs;
	for (i = 0; i < n; i++) {
		addrs[i].sin_family = AF_INET;
		addrs[i].sin_addr = app->cfg->pvas_addrs[i];
	}
	f->tcp_port = (uint16_t)app->cfg->pvas_server_port;
	f->udp_port = (uint16_t)app->cfg->pvas_broadcast_port;
	for (i = 0; i < n; i++) {
		/* Port 0: the first address picks, the others follow. */
		a = addrs[i];
		a.sin_port = htons(f->tcp_port);
		f->lev[i] = evconnlistener_new_bind(app->base, pvafront_accept,
		    f, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
		    LEV_OPT_REUSEABLE, 128, (struct sockaddr *)&a, sizeof(a));
		if (f->lev[i] == NULL) {
			snprintf(err, errlen, "cannot listen on PVAccess TCP "
			    "%s:%u: %s", inet_ntoa(a.sin_addr),
			    (unsigned)f->tcp_port, strerror(errno));
			goto fail;
		}
		f->nlev++;
		if (f->tcp_port == 0) {
			sl = sizeof(a);
			getsockname(evconnlistener_get_fd(f->lev[i]),
			    (struct sockaddr *)&a, &sl);
			f->tcp_port = ntohs(a.sin_port);
		}
		if (app->guard != NULL &&
		    connguard_listener_add(app->guard, f->lev[i], "PVA") != 0) {
			snprintf(err, errlen, "cannot watch the PVA listener");
			goto fail;
		}
		a = addrs[i];
		a.sin_port = htons(f->udp_port);
		if ((fd = pvafront_udp_socket(&a, 0, err, errlen)) < 0)
			goto fail;
		if (f->udp_port == 0) {
			sl = sizeof(a);
			getsockname(fd, (struct sockaddr *)&a, &sl);
			f->udp_port = ntohs(a.sin_port);
		}
		if (pvafront_watch_udp(f, fd, err, errlen) != 0)
			goto fail;
		if (i == 0) {
			pvafront_describe(&addrs[0], f->tcp_port,
			    f->tcp_bound, sizeof(f->tcp_bound));
			pvafront_describe(&addrs[0], f->udp_port,
			    f->udp_bound, sizeof(f->udp_bound));
		}
	}
	/* The searches other servers on this host re-send (§2.6). */
	a = addrs[0];
	a.sin_port = htons(f->udp_port);
	if (f->nudp <= PVAFRONT_MAX_INTF &&
	    (fd = pvafront_udp_socket(&a, 1, err, errlen)) >= 0) {
		if (pvafront_watch_udp(f, fd, err, errlen) != 0)
			goto fail;
	} else if (fd < 0)
		log_warn("PVA: %s; searches other servers of this host "
		    "re-send will not reach pvacms", err);
	if ((f->refresh = event_new(app->base, -1, EV_PERSIST, pvafront_tick,
	    f)) == NULL || (f->post = event_new(app->base, -1, 0,
	    pvafront_post, f)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	{
		struct timeval tv = { PVAFRONT_REFRESH_SECS, 0 };

		if (event_add(f->refresh, &tv) != 0) {
			snprintf(err, errlen, "cannot arm the refresh timer");
			goto fail;
		}
	}
	states_set_observer(pvafront_changed, f);
	log_info("PVAccess listening on %s (TCP), searches on %s (UDP)",
	    f->tcp_bound, f->udp_bound);
	return 0;
fail:
	pvafront_free(app);
	return -1;
}

const char *
pvafront_bound(const struct app *app, int udp)
{
	if (app->pva == NULL)
		return "";
	return udp ? app->pva->udp_bound : app->pva->tcp_bound;
}

static void
pvafront_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct pva_front *f = arg;

	(void)salen;
	if (f->app->guard != NULL)
		connguard_accepted(f->app->guard, lev);
	if (f->app->draining) {
		evutil_closesocket(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	pvaconn_accept(f, fd, sa);
}

/* Whether sin is the address of one of our own search sockets. */
static int
pvafront_is_self(const struct pva_front *f, const struct sockaddr_in *sin)
{
	struct sockaddr_in self;
	socklen_t sl;
	size_t i;

	for (i = 0; i < f->nudp; i++) {
		sl = sizeof(self);
		if (getsockname(f->udp[i], (struct sockaddr *)&self, &sl) == 0 &&
		    self.sin_port == sin->sin_port &&
		    self.sin_addr.s_addr == sin->sin_addr.s_addr)
			return 1;
	}
	return 0;
}

static void
pvafront_udp(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t d[PVASEARCH_MAX_DGRAM];
	struct pva_front *f = arg;
	struct pvasearch_dgram dg;
	struct pvamsg_buf out;
	struct sockaddr_in src, to, grp;
	socklen_t sl;
	uint8_t dest[PVASEARCH_ADDR_LEN], from[PVASEARCH_ADDR_LEN];
	char err[256];
	size_t found = 0;
	ssize_t n;
	int i;

	(void)what;
	/* A bounded batch per wake-up: a flood cannot hold the loop. */
	for (i = 0; i < 64; i++) {
		sl = sizeof(src);
		n = recvfrom(fd, d, sizeof(d), 0, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return;
		if (f->app->draining || src.sin_family != AF_INET ||
		    pvasearch_datagram(d, (size_t)n, &dg, err,
		    sizeof(err)) != 0 || !dg.has_search)
			continue;
		/* Our own re-sent copy, looped back: answered already. */
		if (dg.has_origin && pvafront_is_self(f, &src))
			continue;
		pvamsg_buf_init(&out);
		if (pvasearch_respond(&dg.req, f->guid, NULL, f->tcp_port,
		    pvacreate_serves, f->app, &out, &found, err, sizeof(err)) == 0 &&
		    out.len > 0) {
			memset(&to, 0, sizeof(to));
			to.sin_family = AF_INET;
			to.sin_port = htons(dg.req.port);
			/* ::ffff:a.b.c.d, or zeros: reply to the source. */
			if (memcmp(dg.req.addr + 10, "\xff\xff", 2) == 0 &&
			    memcmp(dg.req.addr + 12, "\0\0\0\0", 4) != 0)
				memcpy(&to.sin_addr, dg.req.addr + 12, 4);
			else
				to.sin_addr = src.sin_addr;
			(void)sendto(fd, out.data, out.len, 0,
			    (struct sockaddr *)&to, sizeof(to));
		}
		pvamsg_buf_free(&out);
		/* A unicast search reached only us: let the host's other
		 * servers see it, as PVXS does (§2.6). */
		if (!dg.has_origin && (dg.req.flags & PVASEARCH_F_UNICAST)) {
			struct sockaddr_in self;

			sl = sizeof(self);
			if (getsockname(fd, (struct sockaddr *)&self,
			    &sl) != 0)
				continue;
			pvasearch_addr_v4(dest,
			    (const uint8_t *)&self.sin_addr);
			pvasearch_addr_v4(from,
			    (const uint8_t *)&src.sin_addr);
			pvamsg_buf_init(&out);
			if (pvasearch_forward_build(dg.search, dg.search_len,
			    dest, from, &out, err, sizeof(err)) == 0) {
				memset(&grp, 0, sizeof(grp));
				grp.sin_family = AF_INET;
				grp.sin_port = htons(f->udp_port);
				inet_pton(AF_INET, PVAFRONT_MCAST,
				    &grp.sin_addr);
				(void)sendto(fd, out.data, out.len, 0,
				    (struct sockaddr *)&grp, sizeof(grp));
			}
			pvamsg_buf_free(&out);
		}
	}
}

/*
 * states.c: a certificate changed state (committed and audited).  The
 * subscribers hear of it in the next loop turn, so that the request
 * that made the change is answered first, however many subscribe.
 */
static void
pvafront_changed(void *arg, uint64_t serial)
{
	struct pva_front *f = arg;
	size_t i;

	for (i = 0; i < f->npending; i++)
		if (f->pending[i] == serial)
			return;
	if (f->npending == PVAFRONT_PENDING || f->post == NULL) {
		pvaconn_post_serial(f, serial);	/* a burst: post it now */
		return;
	}
	f->pending[f->npending++] = serial;
	event_active(f->post, EV_TIMEOUT, 0);
}

static void
pvafront_post(evutil_socket_t fd, short what, void *arg)
{
	struct pva_front *f = arg;
	size_t i, n = f->npending;

	(void)fd;
	(void)what;
	f->npending = 0;
	for (i = 0; i < n; i++)
		pvaconn_post_serial(f, f->pending[i]);
}

static void
pvafront_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pvaconn_refresh(arg, (int64_t)time(NULL));
}

void
pvafront_stop_accepting(struct app *app)
{
	struct pva_front *f = app->pva;
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nlev; i++)
		evconnlistener_disable(f->lev[i]);
}

void
pvafront_free(struct app *app)
{
	struct pva_front *f = app->pva;
	size_t i;

	if (f == NULL)
		return;
	states_set_observer(NULL, NULL);
	pvaconn_close_all(f);
	/* The guard watches our listeners: let go before they go. */
	if (app->guard != NULL && f->nlev > 0)
		connguard_stop_accepting(app->guard);
	for (i = 0; i < f->nlev; i++)
		evconnlistener_free(f->lev[i]);
	for (i = 0; i < f->nudp; i++) {
		if (f->udp_ev[i] != NULL)
			event_free(f->udp_ev[i]);
		if (f->udp[i] >= 0)
			close(f->udp[i]);
	}
	if (f->refresh != NULL)
		event_free(f->refresh);
	if (f->post != NULL)
		event_free(f->post);
	free(f);
	app->pva = NULL;
}
