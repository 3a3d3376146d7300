/*
 * connguard_http.c - the evhttp side of connguard (see connguard_http.h).
 *
 * libevent 2.1.12 offers no callback when evhttp accepts a connection,
 * only the bufferevent factory (evhttp_set_bevcb), which runs before the
 * evhttp_connection exists.  So the factory makes the bufferevent, keeps
 * a reference to it and queues it; a zero-delay event, which runs in the
 * same loop turn before any byte is read, finds the evhttp_connection in
 * the bufferevent's callback argument (evhttp_connection_base_bufferevent_
 * new sets it), reads the peer, admits the connection and installs a
 * close callback and an input-buffer callback.  The input callback sees
 * each read before evhttp parses it: the first byte starts a request,
 * the blank line after the headers starts the body.  The router reports
 * dispatch (connguard_http_dispatched) and the request's completion
 * callback the answer's departure.  A connection is found from its
 * request through its descriptor (a table indexed by fd), since evhttp
 * keeps no user pointer.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "connguard.h"
#include "connguard_http.h"
#include "httperr.h"

#define CH_MAX_LISTENERS 4
#define CH_IO_TIMEOUT_MIN 30	/* evhttp's own inactivity timeout */

struct ch_hub;

struct ch_listener {
	struct ch_hub *hub;
	struct evconnlistener *lev;
	struct bufferevent *(*make_bev)(struct event_base *, void *);
	void *make_arg;
};

struct ch_conn {
	TAILQ_ENTRY(ch_conn) pending;
	struct ch_hub *hub;
	struct bufferevent *bev;
	struct evhttp_connection *evcon;
	struct connguard_conn *gc;	/* NULL once the guard let go */
	struct evbuffer_cb_entry *incb;
	int fd;
	int scan;			/* connguard_scan_headers state */
};

struct ch_hub {
	struct connguard *g;
	struct event_base *base;
	struct event *setup;
	TAILQ_HEAD(, ch_conn) queue;	/* accepted, not yet admitted */
	struct ch_conn **byfd;
	size_t nfd;
	struct ch_listener *listeners[CH_MAX_LISTENERS];
	size_t nlisteners;
};

/* One guard per process; the router reaches the hub through it. */
static struct ch_hub *ch_the_hub;

static struct bufferevent *ch_bevcb(struct event_base *, void *);
static void ch_setup(evutil_socket_t, short, void *);
static void ch_input(struct evbuffer *, const struct evbuffer_cb_info *,
    void *);
static void ch_closed(struct evhttp_connection *, void *);
static void ch_close(void *);
static void ch_complete(struct evhttp_request *, void *);
static void ch_hub_free(void *);

static struct ch_hub *
ch_hub_get(struct connguard *g, struct event_base *base)
{
	struct ch_hub *h;

	if (ch_the_hub != NULL)
		return ch_the_hub->g == g ? ch_the_hub : NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->g = g;
	h->base = base;
	TAILQ_INIT(&h->queue);
	if ((h->setup = event_new(base, -1, 0, ch_setup, h)) == NULL ||
	    connguard_on_free(g, ch_hub_free, h) != 0) {
		if (h->setup != NULL)
			event_free(h->setup);
		free(h);
		return NULL;
	}
	ch_the_hub = h;
	return h;
}

static void
ch_hub_free(void *arg)
{
	struct ch_hub *h = arg;
	struct ch_conn *c;
	size_t i;

	/* Queued ones were never admitted; evhttp owns the rest. */
	while ((c = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, c, pending);
		bufferevent_decref(c->bev);
		free(c);
	}
	event_free(h->setup);
	for (i = 0; i < h->nlisteners; i++)
		free(h->listeners[i]);
	free(h->byfd);
	if (ch_the_hub == h)
		ch_the_hub = NULL;
	free(h);
}

int
connguard_http_attach(struct connguard *g, struct evhttp *http,
    struct evhttp_bound_socket *sock, const char *name,
    struct bufferevent *(*make_bev)(struct event_base *, void *),
    void *make_arg, char *err, size_t errlen)
{
	const struct connguard_limits *lim = connguard_limits(g);
	struct evconnlistener *lev = evhttp_bound_socket_get_listener(sock);
	struct ch_listener *l;
	struct ch_hub *h;
	int io;

	if (lev == NULL ||
	    (h = ch_hub_get(g, evconnlistener_get_base(lev))) == NULL ||
	    h->nlisteners == CH_MAX_LISTENERS ||
	    (l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "cannot guard the %s listener", name);
		return -1;
	}
	l->hub = h;
	l->lev = lev;
	l->make_bev = make_bev;
	l->make_arg = make_arg;
	h->listeners[h->nlisteners++] = l;
	if (connguard_listener_add(g, lev, name) != 0) {
		snprintf(err, errlen, "cannot watch the %s listener", name);
		return -1;
	}
	evhttp_set_bevcb(http, ch_bevcb, l);
	/*
	 * evhttp's own timeout is an inactivity timeout on reads and
	 * writes.  Our deadlines govern requests and keep-alive, so it
	 * must not close an idle connection first; it stays as the bound
	 * on a client that reads its answer too slowly.
	 */
	io = lim->idle_secs + 1;
	if (io < lim->header_secs + 1)
		io = lim->header_secs + 1;
	if (io < CH_IO_TIMEOUT_MIN)
		io = CH_IO_TIMEOUT_MIN;
	evhttp_set_timeout(http, io);
	return 0;
}

static struct bufferevent *
ch_bevcb(struct event_base *base, void *arg)
{
	struct ch_listener *l = arg;
	struct ch_hub *h = l->hub;
	struct bufferevent *bev;
	struct ch_conn *c;

	bev = l->make_bev != NULL ? l->make_bev(base, l->make_arg) :
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	/* evhttp's own error pages leave as JSON, like every answer. */
	if (bev != NULL && httperr_watch(bev) != 0) {
		bufferevent_free(bev);
		return NULL;
	}
	if (bev == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return bev;
	c->hub = h;
	c->bev = bev;
	c->fd = -1;
	/* Ours until the setup turn, even if evhttp drops it before. */
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&h->queue, c, pending);
	event_active(h->setup, EV_TIMEOUT, 0);
	connguard_accepted(h->g, l->lev);
	return bev;
}

static int
ch_index(struct ch_hub *h, struct ch_conn *c)
{
	struct ch_conn **t;
	size_t n;

	if (c->fd < 0)
		return -1;
	if ((size_t)c->fd >= h->nfd) {
		n = h->nfd ? h->nfd : 1024;
		while (n <= (size_t)c->fd)
			n *= 2;
		if ((t = realloc(h->byfd, n * sizeof(*t))) == NULL)
			return -1;
		memset(t + h->nfd, 0, (n - h->nfd) * sizeof(*t));
		h->byfd = t;
		h->nfd = n;
	}
	h->byfd[c->fd] = c;
	return 0;
}

static void
ch_setup(evutil_socket_t fd, short what, void *arg)
{
	struct ch_hub *h = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct ch_conn *c;
	struct evbuffer *in;
	void *cbarg;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, c, pending);
		/* evhttp sets itself as the callback argument; a freed
		 * bufferevent has none. */
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		c->evcon = cbarg;
		c->fd = bufferevent_getfd(c->bev);
		sl = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		if (c->evcon == NULL || c->fd < 0 ||
		    getpeername(c->fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    ch_index(h, c) != 0 ||
		    (c->gc = connguard_admit(h->g, (struct sockaddr *)&ss,
		    ch_close, c)) == NULL) {
			if (c->fd >= 0 && (size_t)c->fd < h->nfd &&
			    h->byfd[c->fd] == c)
				h->byfd[c->fd] = NULL;
			bufferevent_decref(c->bev);
			if (c->evcon != NULL)
				evhttp_connection_free(c->evcon);
			free(c);
			continue;
		}
		in = bufferevent_get_input(c->bev);
		evhttp_connection_set_closecb(c->evcon, ch_closed, c);
		c->incb = evbuffer_add_cb(in, ch_input, c);
		bufferevent_decref(c->bev);
		if (evbuffer_get_length(in) > 0)
			connguard_phase(h->g, c->gc, CONNGUARD_HEADERS);
	}
}

/* Unhook c from its connection (which evhttp is about to free). */
static void
ch_forget(struct ch_conn *c)
{
	struct ch_hub *h = c->hub;

	if (c->incb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
		    c->incb);
	c->incb = NULL;
	if (c->fd >= 0 && (size_t)c->fd < h->nfd && h->byfd[c->fd] == c)
		h->byfd[c->fd] = NULL;
}

/* evhttp closes the connection (any reason, shutdown included). */
static void
ch_closed(struct evhttp_connection *evcon, void *arg)
{
	struct ch_conn *c = arg;

	(void)evcon;
	if (c->gc != NULL)
		connguard_release(c->hub->g, c->gc);
	ch_forget(c);
	free(c);
}

/* The guard closes it: deadline passed or evicted. */
static void
ch_close(void *arg)
{
	struct ch_conn *c = arg;

	c->gc = NULL;
	ch_forget(c);
	evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	/* Safe: a dispatched request is never closed by the guard, and
	 * evhttp frees its own undispatched request with the connection. */
	evhttp_connection_free(c->evcon);
	free(c);
}

static void
ch_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct ch_conn *c = arg;
	struct connguard *g = c->hub->g;
	struct evbuffer_iovec v[16];
	struct evbuffer_ptr p;
	size_t len;
	int i, n;

	if (info->n_added == 0 || c->gc == NULL)
		return;
	switch (connguard_phase_of(c->gc)) {
	case CONNGUARD_WAITING:
	case CONNGUARD_IDLE:
		connguard_phase(g, c->gc, CONNGUARD_HEADERS);
		c->scan = 0;
		break;
	case CONNGUARD_HEADERS:
		break;
	default:
		return;
	}
	/* Only the bytes just added: each byte is looked at once. */
	len = evbuffer_get_length(buf);
	if (info->n_added > len ||
	    evbuffer_ptr_set(buf, &p, len - info->n_added,
	    EVBUFFER_PTR_SET) != 0)
		return;
	n = evbuffer_peek(buf, (ev_ssize_t)info->n_added, &p, v, 16);
	for (i = 0; i < n && i < 16; i++)
		if (connguard_scan_headers(&c->scan, v[i].iov_base,
		    v[i].iov_len) >= 0) {
			connguard_phase(g, c->gc, CONNGUARD_BODY);
			return;
		}
}

static struct ch_conn *
ch_find(struct ch_hub *h, struct evhttp_connection *evcon)
{
	struct ch_conn *c;
	int fd;

	if (evcon == NULL)
		return NULL;
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd < 0 || (size_t)fd >= h->nfd || (c = h->byfd[fd]) == NULL ||
	    c->evcon != evcon || c->gc == NULL)
		return NULL;
	return c;
}

void
connguard_http_dispatched(struct connguard *g, struct evhttp_request *req)
{
	struct ch_hub *h = ch_the_hub;
	struct ch_conn *c;

	if (g == NULL || h == NULL || h->g != g ||
	    (c = ch_find(h, evhttp_request_get_connection(req))) == NULL)
		return;
	connguard_phase(g, c->gc, CONNGUARD_DISPATCHED);
	evhttp_request_set_on_complete_cb(req, ch_complete, h);
}

/* The answer has been written; evhttp is about to wait for the next. */
static void
ch_complete(struct evhttp_request *req, void *arg)
{
	struct ch_hub *h = arg;
	struct ch_conn *c;

	if ((c = ch_find(h, evhttp_request_get_connection(req))) == NULL)
		return;
	c->scan = 0;
	/* A pipelined request may already be waiting in the buffer. */
	connguard_phase(h->g, c->gc,
	    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ?
	    CONNGUARD_HEADERS : CONNGUARD_IDLE);
}
