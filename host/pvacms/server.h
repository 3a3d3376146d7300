/*
 * server.h - the two listeners: HTTPS (TLS via bufferevent_openssl) for
 * certificate requests, plain HTTP for status.  Binding happens before the
 * CA bootstrap so that an ephemeral status port can go into certificates.
 */
#ifndef PVACMS_SERVER_H
#define PVACMS_SERVER_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct app;

/* Create both evhttp objects and bind them; fills app->*_bound. */
int server_bind(struct app *app, char *err, size_t errlen);

/*
 * Build the TLS context from the service identity (TLS 1.2+, client
 * certificates from this CA requested but optional) and start serving.
 */
int server_start(struct app *app, EVP_PKEY *tls_key, X509 *tls_cert,
    char *err, size_t errlen);

/* Stop accepting new connections (SIGTERM). */
void server_stop_accepting(struct app *app);

void server_free(struct app *app);

#endif
