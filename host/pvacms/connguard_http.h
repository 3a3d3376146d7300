/*
 * connguard_http.h - connguard for evhttp listeners (libevent 2.1, which
 * has no per-connection hooks of its own): every accepted connection is
 * admitted, its phases follow the bytes it sends and the requests the
 * router takes, and an evicted or overdue connection is freed through
 * evhttp.  Accepts are taken in batches so that a flood of connections
 * cannot starve the ones already held.
 */
#ifndef PVACMS_CONNGUARD_HTTP_H
#define PVACMS_CONNGUARD_HTTP_H

#include <stddef.h>

struct connguard;
struct event_base;
struct bufferevent;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;

/*
 * Guard the listener sock of http.  make_bev (may be NULL: a plain
 * socket) builds each connection's bufferevent, as evhttp_set_bevcb's
 * callback would; this replaces any bevcb set before.  name ("HTTPS")
 * is for the log.  0, or -1 with err set.
 */
int connguard_http_attach(struct connguard *g, struct evhttp *http,
    struct evhttp_bound_socket *sock, const char *name,
    struct bufferevent *(*make_bev)(struct event_base *, void *),
    void *make_arg, char *err, size_t errlen);

/*
 * The router took req: its connection is neither evicted nor timed out
 * until the answer has gone out.  Call first thing in the generic
 * callback.  g may be NULL (nothing guarded).
 */
void connguard_http_dispatched(struct connguard *g,
    struct evhttp_request *req);

#endif
