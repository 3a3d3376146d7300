/*
 * server.h - the HTTP front: two listeners, HTTPS (TLS via
 * bufferevent_openssl) for certificate requests and administration,
 * plain HTTP for status, both routed by router.c.  Binding happens
 * before the CA bootstrap so that an ephemeral status port can go into
 * certificates.  Its state hangs off app->http.
 */
#ifndef PVACMS_SERVER_H
#define PVACMS_SERVER_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct app;

/* Create app->http, both evhttp objects, and bind them.  0 or -1. */
int server_bind(struct app *app, char *err, size_t errlen);

/* "127.0.0.1:8443" of the HTTPS (https 1) or HTTP listener.  Borrowed. */
const char *server_bound(const struct app *app, int https);

/*
 * Build the TLS context from the service identity (TLS 1.2+, client
 * certificates from this CA requested but optional) and start serving.
 */
int server_start(struct app *app, EVP_PKEY *tls_key, X509 *tls_cert,
    char *err, size_t errlen);

/* Stop accepting new connections (SIGTERM). */
void server_stop_accepting(struct app *app);

/* Free app->http and everything of the front (NULL is fine). */
void server_free(struct app *app);

#endif
