/*
 * admin.h - POST /v1/certs/{cert_id}/{approve,deny,revoke} on the HTTPS
 * listener.  The caller is the TLS client certificate: an administrator
 * (a certificate from this CA, still VALID here, whose CN is listed in
 * EPICS_PVACMS_ADMINS) may do all three; a certificate's own holder may
 * revoke it; everyone else gets 403.
 */
#ifndef PVACMS_ADMIN_H
#define PVACMS_ADMIN_H

#include <stddef.h>

struct app;
struct evhttp_request;

enum admin_action { ADMIN_NONE = 0, ADMIN_APPROVE, ADMIN_DENY, ADMIN_REVOKE };

/*
 * Whether rest ("{cert_id}/approve" and so on, the path after
 * "/v1/certs/") names an admin action: the action, with the cert id
 * copied into cert_id; ADMIN_NONE otherwise (cert_id then undefined).
 */
enum admin_action admin_action_of(const char *rest, char *cert_id,
    size_t cert_id_len);

/* Authorize, apply and answer with the new status (as GET .../status). */
void admin_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id, enum admin_action action);

#endif
