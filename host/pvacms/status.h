/*
 * status.h - GET /v1/certs/{cert_id}/status: the state of one certificate
 * with the signed OCSP response that proves it.
 */
#ifndef PVACMS_STATUS_H
#define PVACMS_STATUS_H

#include <stdint.h>

struct app;
struct evhttp_request;

/*
 * The serial of cert_id, an id of this CA: 0, or -1 after answering 400
 * (malformed id) or 404 (another CA's id).  Every per-certificate
 * endpoint answers a bad id the same way.
 */
int status_serial_of(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t *serial);

/* GET /v1/certs/{cert_id}/status: check the id, then status_reply. */
void status_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id);

/*
 * Answer 200 with the status JSON of serial (cert_id is its printed id):
 * state name, status issued/expires, revocation date and the signed DER
 * OCSP response (base64) that proves it; 404 when no row has serial.
 */
void status_reply(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t serial);

#endif
