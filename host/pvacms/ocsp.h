/*
 * ocsp.h - the RFC 6960 OCSP responder: POST /ocsp (DER body) and
 * GET /ocsp/{base64 DER, URL-encoded}, plus the signed single-serial
 * answer that the status endpoint embeds.  Responses are signed by the
 * CA (ca.c) and reused from a bounded cache until half their validity
 * has passed or the certificate's state changes (ocspcache.h).
 * Event-loop thread only.
 */
#ifndef PVACMS_OCSP_H
#define PVACMS_OCSP_H

#include <stdint.h>

#include <openssl/evp.h>

struct app;
struct evhttp_request;
struct ocspcache_entry;
struct db_cert;

#define OCSP_MAX_REQUEST 8192	/* bytes of DER request we read */
#define OCSP_MAX_CERTIDS 16	/* CertIDs in one request */
#define OCSP_MAX_NONCE 128	/* bytes of nonce we echo (RFC 9654) */
#define OCSP_CACHE_SETS 16384	/* x2 ways: at most 32768 responses kept */

/*
 * Answer one OCSP request.  get_path is the text after "/ocsp/" for the
 * GET form, or NULL for POST (the request is the body).
 */
void ocsp_handle(struct app *app, struct evhttp_request *req,
    const char *get_path);

/*
 * The signed answer about the certificate rec (a row the caller read),
 * with a CertID hashed by md, as of now: from the cache, or freshly
 * signed and cached.  Returns 0 with *out set (borrowed: valid until the
 * next OCSP answer is made; its state is the record's effective state),
 * or HOSTERR_NOMEM or HOSTERR_CRYPTO with err set.
 */
int ocsp_single(struct app *app, const struct db_cert *rec, const EVP_MD *md,
    int64_t now, const struct ocspcache_entry **out, char *err,
    size_t errlen);

/* Release the cache (at exit; a later call starts a fresh one). */
void ocsp_shutdown(void);

#endif
