/*
 * router.h - the HTTP front's one route table: method, path pattern,
 * listener and handler for every endpoint, with {cert_id} parsed and
 * checked once, above the handlers.  The handlers know nothing of it.
 */
#ifndef PVACMS_ROUTER_H
#define PVACMS_ROUTER_H

struct app;
struct evhttp;

/* Which listener a route is served on. */
enum router_listener {
	ROUTER_HTTP = 0,	/* status and OCSP only: no secrets */
	ROUTER_HTTPS = 1	/* everything */
};

/* Route every request of one listener through the table. */
void router_register(struct app *app, struct evhttp *http,
    enum router_listener listener);

#endif
