/*
 * ocsp.h - the RFC 6960 OCSP responder: POST /ocsp (DER body) and
 * GET /ocsp/{base64 DER, URL-encoded}.
 */
#ifndef PVACMS_OCSP_H
#define PVACMS_OCSP_H

struct app;
struct evhttp_request;

/*
 * Answer one OCSP request.  get_path is the text after "/ocsp/" for the
 * GET form, or NULL for POST (the request is the body).
 */
void ocsp_handle(struct app *app, struct evhttp_request *req,
    const char *get_path);

#endif
