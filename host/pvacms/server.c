/*
 * server.c - the HTTP front's listeners.  The HTTPS listener wraps each
 * accepted socket in an OpenSSL bufferevent; everything above that is
 * plain evhttp, routed by router.c.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "app.h"
#include "ca.h"
#include "conf.h"
#include "connguard.h"
#include "connguard_http.h"
#include "netaddr.h"
#include "request.h"
#include "router.h"
#include "server.h"

/* The HTTP front's state (app->http). */
struct http_front {
	struct evhttp *https, *http;
	struct evhttp_bound_socket *https_sock, *http_sock;
	char https_bound[96], http_bound[96];	/* "127.0.0.1:8443" */
	SSL_CTX *ssl_ctx;
};

static struct bufferevent *server_bevcb(struct event_base *, void *);
static int server_verify_later(int, X509_STORE_CTX *);

/* "addr:port" of a bound socket (netaddr_text), or "" if unknown. */
static void
server_describe(struct evhttp_bound_socket *sock, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	buf[0] = '\0';
	if (getsockname(evhttp_bound_socket_get_fd(sock),
	    (struct sockaddr *)&ss, &sl) != 0)
		return;
	netaddr_text((struct sockaddr *)&ss, buf, len);
}

static void
server_nodelay(struct evhttp_bound_socket *sock)
{
	int one = 1;

	(void)setsockopt(evhttp_bound_socket_get_fd(sock), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one));
}

int
server_bind(struct app *app, char *err, size_t errlen)
{
	struct config *cfg = app->cfg;
	struct http_front *f;

	if ((f = app->http = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->https = evhttp_new(app->base);
	f->http = evhttp_new(app->base);
	if (f->https == NULL || f->http == NULL) {
		snprintf(err, errlen, "cannot create HTTP servers");
		return -1;
	}
	f->https_sock = evhttp_bind_socket_with_handle(f->https,
	    cfg->https_listen.host, cfg->https_listen.port);
	if (f->https_sock == NULL) {
		snprintf(err, errlen, "cannot listen on %s (HTTPS): %s",
		    cfg->https_listen_text, strerror(errno));
		return -1;
	}
	f->http_sock = evhttp_bind_socket_with_handle(f->http,
	    cfg->http_listen.host, cfg->http_listen.port);
	if (f->http_sock == NULL) {
		snprintf(err, errlen, "cannot listen on %s (HTTP): %s",
		    cfg->http_listen_text, strerror(errno));
		return -1;
	}
	/*
	 * Answers go out as several TLS records; without TCP_NODELAY Nagle
	 * holds the last one until the client's delayed ACK (~40 ms per
	 * request on loopback).  Accepted sockets inherit the option.
	 */
	server_nodelay(f->https_sock);
	server_nodelay(f->http_sock);
	server_describe(f->https_sock, f->https_bound,
	    sizeof(f->https_bound));
	server_describe(f->http_sock, f->http_bound, sizeof(f->http_bound));
	return 0;
}

const char *
server_bound(const struct app *app, int https)
{
	if (app->http == NULL)
		return "";
	return https ? app->http->https_bound : app->http->http_bound;
}

/* What every listener of the front accepts, and how much of it. */
static void
server_limits(struct evhttp *http)
{
	/* Every method reaches the router, which answers 405 honestly. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	/* evhttp answers 413 itself past this; the handlers check their
	 * own, smaller caps and answer in JSON. */
	evhttp_set_max_body_size(http, REQUEST_MAX_BODY * 2);
	evhttp_set_max_headers_size(http, 16 * 1024);
	/* Timeouts: connguard_http_attach, with the request deadlines. */
}

static struct bufferevent *
server_bevcb(struct event_base *base, void *arg)
{
	SSL_CTX *ctx = arg;
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* Let the handshake finish; the result stays in SSL_get_verify_result(). */
static int
server_verify_later(int preverify_ok, X509_STORE_CTX *store_ctx)
{
	(void)preverify_ok;
	(void)store_ctx;
	return 1;
}

int
server_start(struct app *app, EVP_PKEY *tls_key, X509 *tls_cert, char *err,
    size_t errlen)
{
	struct http_front *f = app->http;
	SSL_CTX *ctx;
	X509_STORE *store;
	unsigned long e;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto ssl_fail;
	f->ssl_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate(ctx, tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, tls_key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_add1_chain_cert(ctx, ca_cert(app->ca)) != 1)
		goto ssl_fail;
	/*
	 * Client certificates are optional, and only the admin actions look
	 * at one (admin.c).  The handshake completes whatever the client
	 * presents: admin.c reads SSL_get_verify_result() and answers 403
	 * naming the problem, which tells an operator far more than a TLS
	 * alert.  Any key usage passes the chain check, because what a
	 * certificate may do depends on the action (a server revokes its
	 * own certificate with it); admin.c checks usage per action.
	 */
	store = SSL_CTX_get_cert_store(ctx);
	if (X509_STORE_add_cert(store, ca_cert(app->ca)) != 1 ||
	    SSL_CTX_add_client_CA(ctx, ca_cert(app->ca)) != 1 ||
	    SSL_CTX_set_purpose(ctx, X509_PURPOSE_ANY) != 1)
		goto ssl_fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, server_verify_later);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"pvacms",
	    6);

	server_limits(f->https);
	server_limits(f->http);
	router_register(app, f->https, ROUTER_HTTPS);
	router_register(app, f->http, ROUTER_HTTP);
	/* Caps and deadlines on both; the guard wraps the TLS factory. */
	if (connguard_http_attach(app->guard, f->https, f->https_sock,
	    "HTTPS", server_bevcb, ctx, err, errlen) != 0 ||
	    connguard_http_attach(app->guard, f->http, f->http_sock,
	    "HTTP", NULL, NULL, err, errlen) != 0)
		return -1;
	return 0;
ssl_fail:
	e = ERR_get_error();
	snprintf(err, errlen, "TLS setup failed: %s",
	    e ? ERR_reason_error_string(e) : "unknown error");
	return -1;
}

void
server_stop_accepting(struct app *app)
{
	struct http_front *f = app->http;

	if (app->guard != NULL)
		connguard_stop_accepting(app->guard);
	if (f == NULL)
		return;
	if (f->https_sock != NULL) {
		evhttp_del_accept_socket(f->https, f->https_sock);
		f->https_sock = NULL;
	}
	if (f->http_sock != NULL) {
		evhttp_del_accept_socket(f->http, f->http_sock);
		f->http_sock = NULL;
	}
}

void
server_free(struct app *app)
{
	struct http_front *f = app->http;

	if (f == NULL)
		return;
	if (f->https != NULL)
		evhttp_free(f->https);
	if (f->http != NULL)
		evhttp_free(f->http);
	SSL_CTX_free(f->ssl_ctx);
	free(f);
	app->http = NULL;
}
