/*
 * status.c - certificate status answers.  The JSON is a convenience; the
 * DER OCSP response inside it, signed by the CA, is what a careful client
 * (pvxcert) verifies, and the two must agree.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "api.h"
#include "b64.h"
#include "ca.h"
#include "certid.h"
#include "conf.h"
#include "db.h"
#include "status.h"

int
status_effective_state(int stored, int64_t not_before, int64_t not_after,
    int64_t now)
{
	switch (stored) {
	case STATE_VALID:
	case STATE_PENDING:
	case STATE_PENDING_APPROVAL:
	case STATE_PENDING_RENEWAL:
		if (now >= not_after)
			return STATE_EXPIRED;
		if (stored == STATE_PENDING && now >= not_before)
			return STATE_VALID;
		return stored;
	default:
		return stored;
	}
}

void
status_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id)
{
	char issuer[CERTID_ISSUER_LEN], err[256];
	uint64_t serial;

	if (certid_parse(cert_id, issuer, &serial, err, sizeof(err)) != 0) {
		api_reply_error(req, 400, "bad_request", "malformed "
		    "certificate id: %s", err);
		return;
	}
	if (strcmp(issuer, ca_issuer_id(app->ca)) != 0) {
		api_reply_error(req, 404, "not_found", "certificate %s was "
		    "not issued by this CA (issuer %s)", cert_id,
		    ca_issuer_id(app->ca));
		return;
	}
	status_reply(app, req, cert_id, serial);
}

void
status_reply(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t serial)
{
	char err[256], serial_text[24];
	struct db_cert rec;
	int64_t now = (int64_t)time(NULL), expires;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char *der_b64 = NULL;
	enum ca_ocsp_status ocsp;
	json_t *body;
	int found, state;

	memset(&rec, 0, sizeof(rec));
	found = db_get(app->db, serial, &rec, err, sizeof(err));
	if (found < 0) {
		api_reply_error(req, 500, "internal", "database error");
		return;
	}
	if (found == 0) {
		api_reply_error(req, 404, "not_found", "certificate %s is not "
		    "known", cert_id);
		return;
	}
	state = status_effective_state(rec.state, rec.not_before,
	    rec.not_after, now);
	ocsp = state == STATE_VALID ? CA_OCSP_GOOD :
	    state == STATE_REVOKED ? CA_OCSP_REVOKED : CA_OCSP_UNKNOWN;
	expires = now + (int64_t)app->cfg->status_validity_mins * 60;
	der = ca_ocsp_response(app->ca, serial, ocsp, rec.revoked_at, now,
	    expires, &der_len, err, sizeof(err));
	if (der == NULL || (der_b64 = b64_encode(der, der_len)) == NULL) {
		api_reply_error(req, 500, "internal", "cannot sign the status");
		goto out;
	}
	snprintf(serial_text, sizeof(serial_text), "%llu",
	    (unsigned long long)serial);
	body = json_pack("{s:s,s:s,s:s,s:I,s:I,s:o,s:I,s:I,s:s}",
	    "cert_id", cert_id, "serial", serial_text,
	    "state", db_state_name(state),
	    "status_issued", (json_int_t)now,
	    "status_expires", (json_int_t)expires,
	    "revocation_date", state == STATE_REVOKED ?
	    json_integer(rec.revoked_at) : json_null(),
	    "not_before", (json_int_t)rec.not_before,
	    "not_after", (json_int_t)rec.not_after,
	    "ocsp_response", der_b64);
	api_reply_json(req, 200, body);
out:
	OPENSSL_free(der);
	free(der_b64);
	db_cert_clear(&rec);
}
