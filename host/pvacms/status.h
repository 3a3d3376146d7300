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
 * Answer 200 with the status JSON of serial (cert_id is its printed id):
 * state name, status issued/expires, revocation date and the signed DER
 * OCSP response (base64) that proves it; 404 when no row has serial.
 */
void status_reply(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t serial);

#endif
