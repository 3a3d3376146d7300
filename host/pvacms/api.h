/*
 * api.h - the HTTP API: the application state every handler shares, the
 * routing table, and helpers that answer in JSON.  All handlers run on
 * the event-loop thread.
 */
#ifndef PVACMS_API_H
#define PVACMS_API_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/ssl.h>

struct config;
struct ca;
struct db;
struct plugin;
struct worker_pool;
struct event_base;
struct evhttp;
struct evhttp_request;
struct evhttp_bound_socket;
struct connguard;

#define API_MAX_PLUGINS 8
#define API_MAX_BODY (64 * 1024)	/* largest request body we read */

struct app {
	struct config *cfg;
	struct event_base *base;
	struct ca *ca;
	struct db *db;
	struct plugin *plugins[API_MAX_PLUGINS];
	size_t nplugins;
	struct worker_pool *pool;
	SSL_CTX *ssl_ctx;
	struct evhttp *https, *http;
	struct evhttp_bound_socket *https_sock, *http_sock;
	char https_bound[96], http_bound[96];	/* "127.0.0.1:8443" */
	char *status_url;	/* base URL put in certificates */
	char **admins;		/* NULL-terminated CNs */
	int draining;		/* SIGTERM seen: finish, accept nothing new */
	struct connguard *guard;	/* connection caps and deadlines */
};

/* Install the router on one listener. */
void api_register(struct app *app, struct evhttp *http, int is_https);

/* Answer with a JSON body (stolen: it is decref'ed here). */
void api_reply_json(struct evhttp_request *req, int code, json_t *body);

/* Answer {"error":{"code":..,"message":..}}. */
void api_reply_error(struct evhttp_request *req, int code, const char *ecode,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The peer's address as text, for the audit log. */
void api_peer(struct evhttp_request *req, char *buf, size_t len);

/* Request body, NUL-terminated, or NULL when larger than cap.  Borrowed. */
const char *api_body(struct evhttp_request *req, size_t cap, size_t *len);

#endif
