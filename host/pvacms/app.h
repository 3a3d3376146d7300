/*
 * app.h - the application state that every request handler shares: the
 * configuration, the event loop, the CA, the record, the plugins, the
 * worker pool and the administrators, and one pointer per front that
 * feeds requests into them.  The HTTP(S) front (server.c) is one; the
 * PVAccess front sits beside it and uses the same pipeline.  Only main.c
 * fills it.  Handlers run on the event-loop thread; the worker threads
 * read the configuration, the CA and the plugins, and `stopped`.
 */
#ifndef PVACMS_APP_H
#define PVACMS_APP_H

#include <stdatomic.h>
#include <stddef.h>

struct config;
struct event_base;
struct ca;
struct db;
struct plugin;
struct worker_pool;
struct recorder;
struct connguard;
struct http_front;
struct pva_front;

#define APP_MAX_PLUGINS	8		/* authenticators loaded at once */
#define APP_MAX_BODY	(64 * 1024)	/* largest request body read */

struct app {
	struct config *cfg;
	struct event_base *base;
	struct ca *ca;
	struct db *db;
	struct plugin *plugins[APP_MAX_PLUGINS];
	size_t nplugins;
	struct worker_pool *pool;
	struct recorder *recorder;	/* the one writer of the database */
	char *ca_pem;		/* the CA certificate, PEM: every answer's chain */
	char *status_url;	/* base URL put in certificates */
	char **admins;		/* opt-in administrator CNs, NULL-terminated */
	int draining;		/* SIGTERM seen: finish, accept nothing new */
	atomic_int stopped;	/* the loop has stopped: a worker's result
				 * could no longer be answered, so it must
				 * not be recorded either */
	struct connguard *guard;	/* connection caps and deadlines, for
					 * every front's connections */

	/* The fronts: each owns its listeners and connections. */
	struct http_front *http;	/* HTTPS and HTTP (server.c) */
	struct pva_front *pva;		/* PVAccess (host/pva/), or NULL */
};

#endif
