/*
 * admin.h - POST /v1/certs/{cert_id}/{approve,deny,revoke} on the HTTPS
 * listener.  The caller is the TLS client certificate: an administrator
 * (a certificate recorded as an administrator's: a keychain pvacms made,
 * or one a site's claims script granted admin = true; or, as an explicit
 * opt-in, a client certificate whose CN is listed in EPICS_PVACMS_ADMINS;
 * from this CA and still VALID here) may do all three; a certificate's
 * own holder may revoke it; everyone else gets 403.  The actions are
 * transition.h's.
 */
#ifndef PVACMS_ADMIN_H
#define PVACMS_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "transition.h"

struct app;
struct evhttp_request;

/*
 * Authorize, apply and answer with the new status (as GET .../status).
 * cert_id is the router's checked id of this CA, serial its serial.
 */
void admin_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t serial, enum transition_action action);

#endif
