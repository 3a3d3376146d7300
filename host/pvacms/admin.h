/*
 * admin.h - POST /v1/certs/{cert_id}/{approve,deny,revoke} on the HTTPS
 * listener.  The caller is the TLS client certificate: an administrator
 * (a keychain pvacms made for one, or a client certificate whose CN is
 * listed in EPICS_PVACMS_ADMINS; from this CA and still VALID here) may
 * do all three; a certificate's own holder may revoke it; everyone else
 * gets 403.  The actions are transition.h's.
 */
#ifndef PVACMS_ADMIN_H
#define PVACMS_ADMIN_H

#include <stddef.h>

#include "transition.h"

struct app;
struct evhttp_request;

/*
 * Whether rest ("{cert_id}/approve" and so on, the path after
 * "/v1/certs/") names an admin action: the action, with the cert id
 * copied into cert_id; TRANSITION_TIME (no action) otherwise, cert_id
 * then undefined.
 */
enum transition_action admin_action_of(const char *rest, char *cert_id,
    size_t cert_id_len);

/* Authorize, apply and answer with the new status (as GET .../status). */
void admin_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id, enum transition_action action);

#endif
