/*
 * admin.c - approve, deny and revoke over HTTPS with a client certificate.
 *
 * The caller is whoever holds the TLS client certificate: it must have
 * verified against our CA (server.c asks for one but lets the handshake
 * finish whatever it is, so that certificate requests work without one
 * and a bad one gets a 403 that says why), be a certificate this pvacms
 * signed and still has on record, byte for byte, and be VALID right now,
 * so a revoked or expired administrator loses its rights at once.  Who may do what is decided in transition.c; the
 * change itself, with its audit line, in states.c.
 *
 * Unlike the reference (reference/pvacms.md §11), an administrator may
 * revoke its own certificate: it is the simplest way to retire one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "admin.h"
#include "app.h"
#include "audit.h"
#include "ca.h"
#include "cert.h"
#include "certid.h"
#include "db.h"
#include "hosterr.h"
#include "log.h"
#include "record.h"
#include "reply.h"
#include "states.h"
#include "status.h"
#include "transition.h"

/* The largest body of an action: {"reason": NAME} and some room. */
#define ADMIN_BODY_MAX 1024

/* The authenticated caller. */
struct admin_caller {
	uint64_t serial;
	int tls_client;		/* usage allows TLS client authentication */
	int recorded_admin;	/* recorded as an administrator's */
	char cn[256];
	char cert_id[CERTID_MAX];
	char peer[64];
};

static int	admin_caller(struct app *app, struct evhttp_request *req,
		    struct admin_caller *who, char *why, size_t whylen);
static int	admin_same_cert(X509 *peer, const char *pem);
static int	admin_reason(struct evhttp_request *req,
		    enum transition_action ta, int *reason, char *why,
		    size_t whylen);
static void	admin_refuse(struct evhttp_request *req,
		    const struct admin_caller *who,
		    enum transition_action action,
		    const char *cert_id, int code, const char *why);

/*
 * Answer a refusal and record it: an attempt to change a certificate's
 * state is a decision worth an audit line, whoever made it.  admin_caller
 * has filled who->peer at least; the rest may be empty (no certificate,
 * or one that did not verify).
 */
static void
admin_refuse(struct evhttp_request *req, const struct admin_caller *who,
    enum transition_action action, const char *cert_id, int code,
    const char *why)
{
	audit_event("refused", "action", transition_action_name(action), "cert_id",
	    cert_id, "code", hosterr_code(code), "reason", why, "by", who->cn,
	    "by_cert_id", who->cert_id, "peer", who->peer, NULL);
	log_info("refused to %s %s for %s: %s", transition_action_name(action),
	    cert_id,
	    who->cn[0] != '\0' ? who->cn : who->peer, why);
	reply_error(req, code, "%s", why);
}

/*
 * The optional body of an action: empty, {} or {"reason": NAME} (revoke
 * and deny only; NAME per transition_reason_of), at most ADMIN_BODY_MAX
 * bytes.  0 with *reason set (unspecified when not given), or
 * HOSTERR_MALFORMED or HOSTERR_TOO_LARGE with why set.
 */
static int
admin_reason(struct evhttp_request *req, enum transition_action ta,
    int *reason, char *why, size_t whylen)
{
	json_t *root, *v;
	json_error_t jerr;
	const char *body, *key;
	size_t len;
	int r = HOSTERR_MALFORMED;

	*reason = TRANSITION_REASON_UNSPECIFIED;
	if ((body = reply_body(req, ADMIN_BODY_MAX, &len)) == NULL) {
		snprintf(why, whylen, "request body larger than %d bytes",
		    ADMIN_BODY_MAX);
		return HOSTERR_TOO_LARGE;
	}
	if (len == 0)
		return 0;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		snprintf(why, whylen, "request body is not a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "reason") != 0) {
			snprintf(why, whylen, "unknown member \"%.40s\" in the "
			    "request body (only \"reason\")", key);
			goto out;
		}
	}
	if ((v = json_object_get(root, "reason")) != NULL) {
		if (ta == TRANSITION_APPROVE) {
			snprintf(why, whylen, "an approval takes no reason");
			goto out;
		}
		*reason = json_is_string(v) ?
		    transition_reason_of(json_string_value(v)) : -1;
		if (*reason < 0) {
			char names[160];

			transition_reason_names(names, sizeof(names));
			snprintf(why, whylen, "reason must be one of %s",
			    names);
			goto out;
		}
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

/* 1 when the stored PEM is the very certificate the peer presented. */
static int
admin_same_cert(X509 *peer, const char *pem)
{
	char *mine;
	int same;

	if (pem == NULL || (mine = record_pem(peer)) == NULL)
		return 0;
	same = strcmp(mine, pem) == 0;
	free(mine);
	return same;
}

/*
 * Who is asking: 0 with *who filled, or -1 with why (for a 403).  A
 * database error is reported as a refusal too: without the record we
 * cannot tell who the caller is.
 */
static int
admin_caller(struct app *app, struct evhttp_request *req,
    struct admin_caller *who, char *why, size_t whylen)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct db_cert rec;
	char issuer[CERTID_ISSUER_LEN], err[256];
	X509 *peer;
	SSL *ssl;
	long vr;
	int found, state;

	memset(who, 0, sizeof(*who));
	memset(&rec, 0, sizeof(rec));
	reply_peer(req, who->peer, sizeof(who->peer));
	bev = conn != NULL ? evhttp_connection_get_bufferevent(conn) : NULL;
	ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	if (ssl == NULL || (peer = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(why, whylen, "no client certificate: administration "
		    "needs a TLS client certificate issued by this CA");
		return -1;
	}
	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(why, whylen, "the client certificate did not "
		    "verify: %s", X509_verify_cert_error_string(vr));
		return -1;
	}
	X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
	    NID_commonName, who->cn, sizeof(who->cn));
	if (certid_serial_u64(peer, &who->serial) != 0 ||
	    certid_issuer_of_leaf(peer, issuer) != 0 ||
	    strcmp(issuer, ca_issuer_id(app->ca)) != 0) {
		snprintf(why, whylen, "the client certificate (CN=%s) was not "
		    "issued by this CA", who->cn);
		return -1;
	}
	certid_format(issuer, who->serial, who->cert_id,
	    sizeof(who->cert_id));
	/* The handshake accepted any usage (server.c); only a certificate
	 * meant for TLS clients may act as an administrator, while any
	 * holder may revoke its own certificate, a server's included. */
	who->tls_client = X509_check_purpose(peer, X509_PURPOSE_SSL_CLIENT,
	    0) == 1;
	found = db_get(app->db, who->serial, &rec, err, sizeof(err));
	if (found != 1 || !admin_same_cert(peer, rec.pem)) {
		snprintf(why, whylen, "the client certificate %s (CN=%s) is "
		    "not on record here", who->cert_id, who->cn);
		db_cert_clear(&rec);
		return -1;
	}
	who->recorded_admin = rec.admin;
	state = states_catch_up(app, rec.serial, rec.state, rec.not_before,
	    rec.not_after, (int64_t)time(NULL));
	db_cert_clear(&rec);
	if (state != STATE_VALID) {
		snprintf(why, whylen, "the client certificate %s (CN=%s) is "
		    "%s, not VALID", who->cert_id, who->cn,
		    cert_state_name(state));
		return -1;
	}
	return 0;
}

/* An action on its way through the recorder. */
struct admin_job {
	struct app *app;
	struct evhttp_request *req;
	struct admin_caller who;
	enum transition_action ta;
	uint64_t serial;
	int to;
	int64_t not_before, not_after;
	char cert_id[CERTID_MAX];
};

/* Loop thread: the change is on disk with its audit line, or not. */
static void
admin_changed(void *arg, int result, int from, const char *err)
{
	struct admin_job *job = arg;
	char why[512];

	if (evhttp_request_get_connection(job->req) == NULL) {
		/* The caller left; the change stands (it is audited). */
		evhttp_send_reply(job->req, 500, NULL, NULL);
	} else if (result == 1) {
		if (job->to == STATE_PENDING)
			states_due_at(job->not_before);
		else if (job->to == STATE_VALID)
			states_due_at(job->not_after);
		status_reply(job->app, job->req, job->cert_id, job->serial);
	} else if (result == DB_WRONG_STATE) {
		transition_refusal(job->ta, job->cert_id, from, why,
		    sizeof(why));
		admin_refuse(job->req, &job->who, job->ta, job->cert_id,
		    HOSTERR_TRANSITION, why);
	} else if (result == 0) {
		reply_error(job->req, HOSTERR_NOT_FOUND, "certificate %s is "
		    "not known", job->cert_id);
	} else {
		log_error("cannot change the state of %s: %s", job->cert_id,
		    err);
		reply_error(job->req, result, "cannot change the state of "
		    "%s: %s", job->cert_id, err);
	}
	free(job);
}

void
admin_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id, uint64_t serial, enum transition_action ta)
{
	struct admin_caller who;
	struct states_actor actor;
	struct admin_job *job;
	struct db_cert rec;
	char why[512];
	int64_t now = (int64_t)time(NULL);
	int cur, to, r, is_admin, reason;
	int mask = transition_from_mask(ta);

	memset(&rec, 0, sizeof(rec));
	/* Authenticate and authorize before saying whether it exists. */
	if (admin_caller(app, req, &who, why, sizeof(why)) != 0) {
		admin_refuse(req, &who, ta, cert_id, HOSTERR_FORBIDDEN, why);
		return;
	}
	is_admin = who.recorded_admin || transition_is_admin(
	    (const char *const *)app->admins, who.cn);
	if (is_admin && !who.tls_client && who.serial != serial) {
		snprintf(why, sizeof(why), "certificate %s (CN=%s) is an "
		    "administrator's, but not for TLS clients; use a client "
		    "keychain", who.cert_id, who.cn);
		admin_refuse(req, &who, ta, cert_id, HOSTERR_FORBIDDEN, why);
		return;
	}
	if (transition_authorize(ta, is_admin && who.tls_client,
	    who.serial == serial, who.cn, why, sizeof(why)) != 0) {
		admin_refuse(req, &who, ta, cert_id, HOSTERR_FORBIDDEN, why);
		return;
	}
	if ((r = admin_reason(req, ta, &reason, why, sizeof(why))) != 0) {
		reply_error(req, r, "%s", why);
		return;
	}
	if ((r = db_get(app->db, serial, &rec, why, sizeof(why))) != 1) {
		if (r == 0)
			reply_error(req, HOSTERR_NOT_FOUND, "certificate %s "
			    "is not known", cert_id);
		else
			reply_error(req, db_error(app->db), "cannot read "
			    "certificate %s", cert_id);
		return;
	}
	/* Judge the state the certificate is really in now. */
	cur = states_catch_up(app, serial, rec.state, rec.not_before,
	    rec.not_after, now);
	to = transition_target(ta, rec.not_before, rec.not_after, now);
	if ((mask & TRANSITION_BIT(cur)) == 0) {
		transition_refusal(ta, cert_id, cur, why, sizeof(why));
		admin_refuse(req, &who, ta, cert_id, HOSTERR_TRANSITION, why);
		goto out;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		reply_error(req, HOSTERR_NOMEM, "out of memory");
		goto out;
	}
	job->app = app;
	job->req = req;
	job->who = who;
	job->ta = ta;
	job->serial = serial;
	job->to = to;
	job->not_before = rec.not_before;
	job->not_after = rec.not_after;
	snprintf(job->cert_id, sizeof(job->cert_id), "%s", cert_id);
	actor.by = who.cn;
	actor.by_cert_id = who.cert_id;
	actor.peer = who.peer;
	actor.reason = reason;
	/* A catch-up queued just above is written first (same queue),
	 * so the guard below sees the state judged here. */
	if ((r = states_change(app, serial, mask, to, transition_event(ta, to),
	    &actor, admin_changed, job)) != 0) {
		free(job);
		reply_error(req, r, "too many changes waiting to be recorded; "
		    "retry later");
	}
out:
	db_cert_clear(&rec);
}
