/*
 * reply.h - what every HTTP handler answers with: a JSON body, a JSON
 * error in the daemon's one vocabulary (hosterr.h), the request body with
 * a cap, and the peer's address for the audit trail.  Handlers include
 * this and app.h, never the router.
 */
#ifndef PVACMS_REPLY_H
#define PVACMS_REPLY_H

#include <stddef.h>

#include <jansson.h>

struct evhttp_request;

/* Answer with a JSON body (stolen: it is decref'ed here). */
void reply_json(struct evhttp_request *req, int status, json_t *body);

/* The same for a body already serialized (borrowed; a newline is added). */
void reply_json_text(struct evhttp_request *req, int status,
    const char *text);

/*
 * Answer {"error":{"code":..,"message":..}} with the HTTP status and
 * machine code of hosterr code (hosterr.h); the message is formatted.
 */
void reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The same with an explicit status and machine code, for the codes a
 * plugin or the policy chose (e.g. 401 token_expired).
 */
void reply_error_as(struct evhttp_request *req, int status,
    const char *machine_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The peer's address as text ("" when unknown), for the audit log. */
void reply_peer(struct evhttp_request *req, char *buf, size_t len);

/*
 * The request body, NUL-terminated, with its length in *len; NULL when
 * it is larger than cap (or out of memory).  Borrowed from the request.
 */
const char *reply_body(struct evhttp_request *req, size_t cap, size_t *len);

#endif
