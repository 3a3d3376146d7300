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

#include "app.h"
#include "b64.h"
#include "cert.h"
#include "db.h"
#include "hosterr.h"
#include "ocsp.h"
#include "ocspcache.h"
#include "reply.h"
#include "status.h"
#include "transition.h"

void
status_reply(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t serial)
{
	char err[256], serial_text[24];
	const struct ocspcache_entry *e;
	struct db_cert rec;
	int64_t now = (int64_t)time(NULL);
	char *der_b64 = NULL;
	json_t *body;
	int found, r;

	memset(&rec, 0, sizeof(rec));
	if ((found = db_get(app->db, serial, &rec, err, sizeof(err))) < 0)
		found = db_error(app->db);
	/* The same signed answer that GET /ocsp would give. */
	else if (found == 1 && (r = ocsp_single(app, &rec, EVP_sha1(), now,
	    &e, err, sizeof(err))) != 0)
		found = r;
	if (found < 0) {
		reply_error(req, found, "cannot answer the status of %s: %s",
		    cert_id, err);
		goto out;
	}
	if (found == 0) {
		reply_error(req, HOSTERR_NOT_FOUND, "certificate %s is not "
		    "known", cert_id);
		goto out;
	}
	if ((der_b64 = b64_encode(e->der, e->der_len)) == NULL) {
		reply_error(req, HOSTERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(serial_text, sizeof(serial_text), "%llu",
	    (unsigned long long)serial);
	/* Dates and state are those the signed response proves. */
	body = json_pack("{s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:I,s:I,s:s}",
	    "cert_id", cert_id, "serial", serial_text,
	    "state", cert_state_name(e->state),
	    "status_issued", (json_int_t)e->this_update,
	    "status_expires", (json_int_t)e->next_update,
	    "revocation_date", e->state == STATE_REVOKED ?
	    json_integer(e->revoked_at) : json_null(),
	    "revocation_reason", e->state == STATE_REVOKED ?
	    json_string(transition_reason_name(rec.revocation_reason)) :
	    json_null(),
	    "not_before", (json_int_t)rec.not_before,
	    "not_after", (json_int_t)rec.not_after,
	    "ocsp_response", der_b64);
	reply_json(req, 200, body);
out:
	free(der_b64);
	db_cert_clear(&rec);
}
