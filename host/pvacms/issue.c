/*
 * issue.c - the certificate request pipeline (issue.h).
 *
 *   loop thread:   a front (issue_http.c, host/pva/pvacreate.c) parsed
 *                  the request; issue_submit queues the job
 *   worker thread: check the CSR (proof of possession) or the bare public
 *                  key (PVAccess: no proof is possible), the plugin's
 *                  verify() (which may call a validator), host policy on
 *                  the identity, sign (ca.c), build the row, its audit
 *                  line and the answer
 *   recorder:      the row and its audit line on disk, in a group commit
 *                  with whatever else arrived together (recorder.h)
 *   loop thread:   the answer, which therefore never leaves before its
 *                  certificate is durable
 *
 * Whatever the plugin returns, the host re-checks the subject and the
 * validity window; a plugin can only name an identity, never widen what
 * the host will sign.  Any doubt ends in a refusal, and a refusal says
 * what failed: the request, the credential, policy, cryptography, the
 * database or load (hosterr.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "app.h"
#include "audit.h"
#include "ca.h"
#include "cert.h"
#include "certid.h"
#include "conf.h"
#include "csr.h"
#include "db.h"
#include "hosterr.h"
#include "issue.h"
#include "log.h"
#include "plugin.h"
#include "policy.h"
#include "record.h"
#include "recorder.h"
#include "sha256.h"
#include "states.h"
#include "transition.h"
#include "worker.h"

/*
 * A request that waited this long for a worker is refused with 503 busy
 * (Retry-After) instead of being started: whatever it would still need
 * (a validator call of up to its timeout, the commit) would end after
 * the client (authnjwt waits 30 s) has given up.
 */
#define ISSUE_QUEUE_MAX_SECS	10
#define ISSUE_RETRY_AFTER	"2"

/* How far ahead of this clock an nbf still counts as now (issue_sign). */
#define ISSUE_CLOCK_SKEW_SECS	2

struct issue_job {
	struct app *app;
	const struct issue_front *front;
	void *ctx;			/* the front's, for its callbacks */
	struct issue_order order;	/* owned parts wiped and freed */
	const struct pvacms_authn_plugin *api;
	X509_PUBKEY *spki;		/* owned: the key to certify */
	char spki_sha256[65];
	unsigned char *spki_der;	/* owned (OPENSSL_free): its DER */
	int usage;			/* enum cert_usage: requestable */
	int64_t arrived;
	int ran;			/* issue_work started (not cancelled) */
	const char *peer;		/* order.peer */
	const char *retry_after;	/* for a 503, or NULL */
	char retry_text[16];		/* a plugin's Retry-After */
	struct pvacms_authn_request areq;
	struct pvacms_authn_result result;

	/* A refusal decided on the worker (hosterr, or a policy refusal
	 * with its own status and code); answered on the loop thread. */
	int refuse_hosterr;
	int refuse_status;
	const char *refuse_code;
	char refuse_reason[PVACMS_REASON_MAX + 64];

	/* A signed certificate on its way to the recorder. */
	struct db_cert rec;
	char cert_id[CERTID_MAX];
	char *line;			/* its "issued" audit line */
	char *line_approved;		/* the same, approved before */
	char *answer;			/* its 201 JSON body (want_json) */
	struct recorder_item item;
};

static int	issue_work(void *);
static void	issue_done(void *);
static void	issue_recorded(struct recorder_item *, void *);
static void	issue_free(struct issue_job *);
static int	issue_sign(struct issue_job *);
static int	issue_refuse_later(struct issue_job *, int, const char *);
static int	issue_wants_status(const struct app *, int);
static int	issue_token_id(const struct issue_job *, char *, size_t);
static void	issue_replayed(struct issue_job *, uint64_t);
static void	issue_deny(struct issue_job *, int, const char *,
		    const char *);
static void	issue_refuse(struct issue_job *, int, const char *);
static char	*issue_answer_text(const struct app *, const struct db_cert *,
		    int);
static int	issue_client_left(struct issue_job *);
static void	issue_give(struct issue_job *, int, const struct db_cert *,
		    int, const char *);
static void	issue_gone(struct issue_job *);
static char	*issue_line(const struct issue_job *, int, const char *);

static void
issue_free(struct issue_job *job)
{
	if (job == NULL)
		return;
	issue_order_clear(&job->order);
	X509_PUBKEY_free(job->spki);
	OPENSSL_free(job->spki_der);
	db_cert_clear(&job->rec);
	free(job->line);
	free(job->line_approved);
	free(job->answer);
	free(job);
}

int
issue_submit(struct app *app, struct issue_order *order,
    const struct issue_front *front, void *ctx, char *err, size_t errlen)
{
	struct issue_job *job;

	if (app->draining) {
		issue_order_clear(order);
		snprintf(err, errlen, "pvacms is shutting down");
		return HOSTERR_STOPPING;
	}
	if (order->type_index < 0 || (size_t)order->type_index >=
	    app->nplugins || (order->csr == NULL) == (order->pubkey == NULL)) {
		issue_order_clear(order);
		snprintf(err, errlen, "internal error: a malformed order");
		return HOSTERR_INTERNAL;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		issue_order_clear(order);
		snprintf(err, errlen, "out of memory");
		return HOSTERR_NOMEM;
	}
	job->app = app;
	job->front = front;
	job->ctx = ctx;
	/* The job takes the order's memory over; issue_free wipes it. */
	job->order = *order;
	memset(order, 0, sizeof(*order));
	job->usage = job->order.usage;
	job->api = plugin_api(app->plugins[job->order.type_index]);
	job->arrived = (int64_t)time(NULL);
	job->peer = job->order.peer;
	if (worker_submit(app->pool, issue_work, issue_done, job) != 0) {
		issue_free(job);
		snprintf(err, errlen, "too many requests in progress; retry "
		    "later");
		return HOSTERR_BUSY;
	}
	return 0;	/* issue_done or issue_recorded answers */
}

/*
 * Worker thread: everything a request costs before it is written.
 * WORKER_HANDED_ON once the job is with the recorder (issue_recorded
 * answers), else WORKER_DONE (issue_done answers).
 */
static int
issue_work(void *arg)
{
	struct issue_job *job = arg;
	struct pvacms_authn_result *r = &job->result;
	char err[256];
	size_t der_len = 0;

	job->ran = 1;
	memset(r, 0, sizeof(*r));
	r->verdict = PVACMS_ERROR;
	if ((int64_t)time(NULL) - job->arrived >= ISSUE_QUEUE_MAX_SECS) {
		snprintf(err, sizeof(err), "pvacms is overloaded: the request "
		    "waited %d s for a worker; retry later",
		    ISSUE_QUEUE_MAX_SECS);
		return issue_refuse_later(job, HOSTERR_BUSY, err);
	}
	/* The key's DER comes along, for a plugin that computes from the
	 * key itself (a token's cnf.jkt, authn.h). */
	if (job->order.csr != NULL)
		job->spki = csr_check(job->order.csr, job->order.csr_len,
		    job->spki_sha256, &job->spki_der, &der_len, err,
		    sizeof(err));
	else
		job->spki = csr_pubkey_check(job->order.pubkey,
		    job->order.pubkey_len, job->spki_sha256, &job->spki_der,
		    &der_len, err, sizeof(err));
	if (job->spki == NULL)
		return issue_refuse_later(job, HOSTERR_MALFORMED, err);
	job->areq.type = job->api->name;
	job->areq.usage = job->usage;
	job->areq.credential = job->order.credential;
	job->areq.credential_len = job->order.credential_len;
	job->areq.pubkey_sha256 = job->spki_sha256;
	job->areq.now = (int64_t)time(NULL);
	/* ABI 1.4 */
	job->areq.front = job->order.front;
	job->areq.key_proven = job->order.csr != NULL;
	job->areq.verifier_json = job->order.verifier_json;
	job->areq.name = job->order.name != NULL ? job->order.name : "";
	job->areq.organization = job->order.organization != NULL ?
	    job->order.organization : "";
	job->areq.organization_unit = job->order.organization_unit != NULL ?
	    job->order.organization_unit : "";
	job->areq.country = job->order.country != NULL ? job->order.country :
	    "";
	job->areq.requested_not_before = job->order.not_before;
	job->areq.requested_not_after = job->order.not_after;
	job->areq.spki_der = job->spki_der;
	job->areq.spki_der_len = der_len;
	job->api->verify(&job->areq, r);
	plugin_result_clean(job->api, r);
	if (r->verdict != PVACMS_ALLOW)
		return WORKER_DONE;
	return issue_sign(job);
}

/*
 * A plugin may pick among the honest codes for its verdict; anything else
 * becomes the default (a denial is 401, a failure to decide 502).
 */
static int
issue_denial_status(const struct pvacms_authn_result *r)
{
	static const int deny_codes[] = { 400, 401, 403, 409, 413, 0 };
	static const int error_codes[] = { 500, 502, 503, 504, 0 };
	const int *allowed = r->verdict == PVACMS_DENY ? deny_codes :
	    error_codes;
	int i;

	for (i = 0; allowed[i] != 0; i++)
		if (r->http_status == allowed[i])
			return r->http_status;
	return r->verdict == PVACMS_DENY ? 401 : 502;
}

/* The client left while its request was worked on.  1 if so. */
static int
issue_client_left(struct issue_job *job)
{
	return !job->front->waiting(job->ctx);
}

static void
issue_retry_after(struct issue_job *job, const char *secs)
{
	job->retry_after = secs;
}

/* Nobody waits: let the front release what it holds. */
static void
issue_gone(struct issue_job *job)
{
	struct issue_outcome out;

	memset(&out, 0, sizeof(out));
	out.status = 500;
	out.code = "internal";
	out.reason = "the client left";
	job->front->answer(job->ctx, &out);
}

/* Answer with a certificate (status 200 or 201). */
static void
issue_give(struct issue_job *job, int status, const struct db_cert *rec,
    int state, const char *json)
{
	struct issue_outcome out;

	memset(&out, 0, sizeof(out));
	out.status = status;
	out.rec = rec;
	out.state = state;
	out.json = json;
	job->front->answer(job->ctx, &out);
}

/* Loop thread: a job the worker did not hand on; it is a refusal. */
static void
issue_done(void *arg)
{
	struct issue_job *job = arg;
	struct pvacms_authn_result *r = &job->result;
	int status;

	if (issue_client_left(job)) {
		audit_event("abandoned", "usage", cert_usage_name(job->usage),
		    "sub", r->sub, "iss", r->iss, "jti", r->jti, "peer",
		    job->peer, NULL);
		issue_gone(job);
	} else if (!job->ran) {
		/* Shutting down: taken off the queue before it started. */
		issue_retry_after(job, ISSUE_RETRY_AFTER);
		issue_refuse(job, HOSTERR_STOPPING, "pvacms is shutting down; "
		    "retry in a moment");
	} else if (job->refuse_hosterr != 0) {
		if (job->refuse_hosterr == HOSTERR_BUSY)
			issue_retry_after(job, ISSUE_RETRY_AFTER);
		issue_refuse(job, job->refuse_hosterr, job->refuse_reason);
	} else if (job->refuse_code != NULL) {
		issue_deny(job, job->refuse_status, job->refuse_code,
		    job->refuse_reason);
	} else {
		if (r->code[0] == '\0')
			snprintf(r->code, sizeof(r->code), "%s",
			    r->verdict == PVACMS_DENY ? "denied" : "internal");
		if (r->reason[0] == '\0')
			snprintf(r->reason, sizeof(r->reason), "%s",
			    r->verdict == PVACMS_DENY ? "credential refused" :
			    "authenticator failed");
		status = issue_denial_status(r);
		/* ABI 1.3: a 503 may say when to come back (plugin_result_clean
		 * zeroed retry_after for an older plugin). */
		if (status == 503 && r->retry_after > 0) {
			snprintf(job->retry_text, sizeof(job->retry_text),
			    "%d", r->retry_after);
			issue_retry_after(job, job->retry_text);
		}
		issue_deny(job, status, r->code, r->reason);
	}
	issue_free(job);
}

/* A refusal with its status and machine code: audited, logged, answered. */
static void
issue_deny(struct issue_job *job, int status, const char *code,
    const char *reason)
{
	struct pvacms_authn_result *r = &job->result;
	struct issue_outcome out;

	/* "name": the subject a PVAccess request asked for, which says
	 * who it was when the refusal came before the plugin did. */
	audit_event("denied", "code", code, "reason", reason, "usage",
	    cert_usage_name(job->usage), "sub", r->sub, "iss", r->iss, "jti",
	    r->jti, "name", job->order.name, "front", job->order.front,
	    "peer", job->peer, NULL);
	log_info("denied %s certificate for sub '%s' (%s): %s",
	    cert_usage_name(job->usage), r->sub, job->order.front, reason);
	memset(&out, 0, sizeof(out));
	out.status = status;
	out.code = code;
	out.reason = reason;
	out.retry_after = job->retry_after;
	job->front->answer(job->ctx, &out);
}

/* A refusal by the host, in its vocabulary (hosterr.h). */
static void
issue_refuse(struct issue_job *job, int hosterr, const char *reason)
{
	issue_deny(job, hosterr_status(hosterr), hosterr_code(hosterr),
	    reason);
}

/*
 * Whether a new certificate carries the status extension: only while
 * the PVAccess front serves status (an agent would otherwise wait for
 * ever, pvaccess.md §10.3), then as EPICS_PVACMS_CERTS_REQUIRE_
 * SUBSCRIPTION says: YES always, NO never, DEFAULT unless the request
 * asks for none (authnjwt --no-status).
 */
static int
issue_wants_status(const struct app *app, int no_status)
{
	const char *policy = app->cfg->require_subscription;

	if (app->pva == NULL || strcasecmp(policy, "NO") == 0)
		return 0;
	return strcasecmp(policy, "YES") == 0 || !no_status;
}

/*
 * The replay key of a credential: the issuer-scoped jti when the
 * authenticator reported one, else the SHA-256 of the credential itself.
 * Hashed either way, so the database never holds a token.  A request
 * without any credential (std) has none: "".
 */
static int
issue_token_id(const struct issue_job *job, char *out, size_t outlen)
{
	const struct pvacms_authn_result *r = &job->result;
	const void *parts[3];
	size_t lens[3], n;

	if (outlen < 2 + 65)
		return -1;
	if (r->jti[0] == '\0' && job->order.credential_len == 0) {
		/* No credential (std): nothing to replay, no replay key. */
		out[0] = '\0';
		return 0;
	}
	if (r->jti[0] != '\0') {
		parts[0] = r->iss;
		lens[0] = strlen(r->iss);
		parts[1] = "\n";
		lens[1] = 1;
		parts[2] = r->jti;
		lens[2] = strlen(r->jti);
		n = 3;
	} else {
		parts[0] = job->order.credential != NULL ?
		    (const void *)job->order.credential : "";
		lens[0] = job->order.credential_len;
		n = 1;
	}
	out[0] = r->jti[0] != '\0' ? 'j' : 't';
	out[1] = ':';
	return sha256_hex(parts, lens, n, out + 2);
}

/*
 * The JSON body that hands out row rec in state `state`.  Returns text
 * the caller frees with free(), or NULL when out of memory.
 */
static char *
issue_answer_text(const struct app *app, const struct db_cert *rec,
    int state)
{
	char cert_id[CERTID_MAX], serial_text[24];
	json_t *body;
	char *text;

	certid_format(rec->issuer_id, rec->serial, cert_id, sizeof(cert_id));
	snprintf(serial_text, sizeof(serial_text), "%llu",
	    (unsigned long long)rec->serial);
	body = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s}",
	    "cert_id", cert_id, "serial", serial_text,
	    "state", cert_state_name(state),
	    "not_before", (json_int_t)rec->not_before,
	    "not_after", (json_int_t)rec->not_after,
	    "certificate", rec->pem, "chain", app->ca_pem);
	text = body != NULL ? json_dumps(body, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(body);
	return text;
}

/*
 * The credential was already exchanged.  The same key asking again is a
 * retry (a lost answer): it gets the same certificate.  Another key is a
 * replay: 409.  A certificate no longer live is not handed out again.
 */
static void
issue_replayed(struct issue_job *job, uint64_t serial)
{
	struct app *app = job->app;
	struct pvacms_authn_result *r = &job->result;
	struct db_cert rec;
	char err[256], reason[300], cert_id[CERTID_MAX], *text;
	int found, state;

	if ((found = db_get(app->db, serial, &rec, err, sizeof(err))) != 1) {
		issue_refuse(job, found == 0 ? HOSTERR_INTERNAL :
		    db_error(app->db), "cannot read the certificate this "
		    "credential was exchanged for");
		goto out;
	}
	certid_format(rec.issuer_id, rec.serial, cert_id, sizeof(cert_id));
	state = transition_by_time(rec.state, rec.not_before,
	    rec.not_after, (int64_t)time(NULL));
	if (strcmp(rec.pubkey_sha256, job->spki_sha256) != 0) {
		snprintf(reason, sizeof(reason), "token was already used for "
		    "certificate %s with another key", cert_id);
		issue_refuse(job, HOSTERR_REPLAY, reason);
		goto out;
	}
	if (state != STATE_VALID && state != STATE_PENDING &&
	    state != STATE_PENDING_APPROVAL) {
		snprintf(reason, sizeof(reason), "token was already used for "
		    "certificate %s, which is now %s", cert_id,
		    cert_state_name(state));
		issue_refuse(job, HOSTERR_REPLAY, reason);
		goto out;
	}
	audit_event("retried", "cert_id", cert_id, "state",
	    cert_state_name(state), "usage", cert_usage_name(job->usage),
	    "sub", r->sub, "iss", r->iss, "jti", r->jti, "peer", job->peer,
	    NULL);
	log_info("retry: certificate %s sent again for CN=%s", cert_id,
	    rec.cn);
	text = job->order.want_json ? issue_answer_text(app, &rec, state) :
	    NULL;
	if (job->order.want_json && text == NULL)
		issue_refuse(job, HOSTERR_NOMEM, "out of memory");
	else
		issue_give(job, 200, &rec, state, text);
	free(text);
out:
	db_cert_clear(&rec);
}

/* Worker thread: a refusal the loop thread will answer. */
static int
issue_refuse_later(struct issue_job *job, int hosterr, const char *reason)
{
	job->refuse_hosterr = hosterr;
	snprintf(job->refuse_reason, sizeof(job->refuse_reason), "%s",
	    reason);
	return WORKER_DONE;
}

/*
 * The "issued" audit line of the job's row in state `state`; approval
 * names why a certificate that needed approval has none ("prior").
 * Returns a line the caller frees, or NULL when out of memory.
 */
static char *
issue_line(const struct issue_job *job, int state, const char *approval)
{
	const struct pvacms_authn_result *r = &job->result;
	const struct db_cert *rec = &job->rec;

	return audit_line("issued", "cert_id", job->cert_id, "state",
	    cert_state_name(state), "approval", approval, "usage",
	    cert_usage_name(job->usage),
	    "admin", rec->admin ? "true" : NULL, "sub", r->sub, "iss", r->iss,
	    "jti", r->jti, "cn", r->cn, "o", r->o, "ou", r->ou, "c", r->c,
	    "not_before#", (long long)rec->not_before, "not_after#",
	    (long long)rec->not_after, "front", job->order.front,
	    "key_proven", job->order.csr != NULL ? "true" : "false",
	    "peer", job->peer, NULL);
}

/*
 * Worker thread: host policy, sign, and build the row, its audit line and
 * the answer; then hand all of it to the recorder.  Returns
 * WORKER_HANDED_ON, or WORKER_DONE with a refusal set.
 */
static int
issue_sign(struct issue_job *job)
{
	struct app *app = job->app;
	struct pvacms_authn_result *r = &job->result;
	struct policy_refusal refusal;
	struct ca_subject subject;
	struct db_cert *rec = &job->rec;
	X509 *cert = NULL;
	char err[256];
	int64_t now = (int64_t)time(NULL), not_before;
	int state, code;

	/* 0: the host decides (authn.h), e.g. std without a request. */
	if (r->not_after == 0)
		r->not_after = now + (int64_t)app->cfg->cert_validity_mins *
		    60;
	if (policy_check_identity(r, now, &refusal) != 0) {
		job->refuse_status = refusal.http_status;
		job->refuse_code = refusal.code;
		snprintf(job->refuse_reason, sizeof(job->refuse_reason), "%s",
		    refusal.reason);
		return WORKER_DONE;
	}
	if (issue_token_id(job, rec->token_id, sizeof(rec->token_id)) != 0)
		return issue_refuse_later(job, HOSTERR_CRYPTO,
		    "cannot hash the credential");
	/* An nbf a moment ahead of this clock is a provider's clock
	 * running a little fast: the token, accepted now, gives a
	 * certificate valid now, not one PENDING for that moment.  A later
	 * nbf is meant, and the certificate is PENDING until then. */
	not_before = r->not_before > 0 ? r->not_before : now;
	if (not_before > now && not_before - now <= ISSUE_CLOCK_SKEW_SECS)
		not_before = now;
	subject.cn = r->cn;
	subject.o = r->o;
	subject.ou = r->ou;
	subject.c = r->c;
	subject.status_pv = issue_wants_status(app, job->order.no_status);
	/* The serial is checked for use where it is written (a collision
	 * of 63 random bits fails that one row, recorder.c). */
	if ((code = ca_sign_spki(app->ca, job->spki, &subject, job->usage,
	    not_before, r->not_after, NULL, NULL, &cert, err,
	    sizeof(err))) != 0) {
		if (code != HOSTERR_POLICY)
			log_error("cannot sign a %s certificate for CN=%s: %s",
			    cert_usage_name(job->usage), r->cn, err);
		return issue_refuse_later(job, code, err);
	}
	{
		char token_id[sizeof(rec->token_id)];

		/* record_build clears the row: keep the token id over it. */
		memcpy(token_id, rec->token_id, sizeof(token_id));
		code = record_build(rec, cert, job->usage, STATE_VALID,
		    r->admin, now, err, sizeof(err));
		memcpy(rec->token_id, token_id, sizeof(token_id));
	}
	X509_free(cert);
	if (code != 0)
		return issue_refuse_later(job, code, err);
	state = r->approval ? STATE_PENDING_APPROVAL :
	    rec->not_before > now ? STATE_PENDING : STATE_VALID;
	rec->state = state;
	memcpy(rec->pubkey_sha256, job->spki_sha256,
	    sizeof(rec->pubkey_sha256));
	certid_format(rec->issuer_id, rec->serial, job->cert_id,
	    sizeof(job->cert_id));
	job->line = issue_line(job, state, NULL);
	if (state == STATE_PENDING_APPROVAL) {
		/* The recorder approves it if the subject was approved
		 * before (same transaction as the insert). */
		job->item.auto_approve = 1;
		job->item.approved_state = rec->not_before > now ?
		    STATE_PENDING : STATE_VALID;
		job->line_approved = issue_line(job,
		    job->item.approved_state, "prior");
		job->item.approved_line = job->line_approved;
		if (job->line_approved == NULL)
			return issue_refuse_later(job, HOSTERR_NOMEM,
			    "out of memory");
	}
	if (job->order.want_json)
		job->answer = issue_answer_text(app, rec, state);
	if (job->line == NULL || (job->order.want_json &&
	    job->answer == NULL))
		return issue_refuse_later(job, HOSTERR_NOMEM,
		    "out of memory");
	if (atomic_load(&app->stopped))
		return issue_refuse_later(job, HOSTERR_STOPPING, "pvacms is "
		    "shutting down; retry in a moment");
	job->item.kind = RECORDER_INSERT;
	job->item.row = rec;
	job->item.line = job->line;
	job->item.done = issue_recorded;
	job->item.arg = job;
	if (recorder_submit(app->recorder, &job->item) != 0)
		return issue_refuse_later(job, HOSTERR_BUSY, "too many "
		    "certificates waiting to be recorded; retry later");
	return WORKER_HANDED_ON;
}

/* Loop thread: the recorder has written the row and its line, or not. */
static void
issue_recorded(struct recorder_item *item, void *arg)
{
	struct issue_job *job = arg;
	const struct db_cert *rec = &job->rec;

	switch (item->outcome) {
	case RECORDER_DONE:
		if (item->auto_approved) {
			job->rec.state = item->approved_state;
			job->rec.approved = 1;
			log_info("certificate %s approved: its subject was "
			    "approved before", job->cert_id);
			if (job->order.want_json) {
				free(job->answer);
				job->answer = issue_answer_text(job->app,
				    &job->rec, job->rec.state);
				if (job->answer == NULL) {
					issue_refuse(job, HOSTERR_NOMEM,
					    "out of memory");
					break;
				}
			}
		}
		/* The sweep may be armed for later than this one's first
		 * change. */
		states_due_at(rec->state == STATE_PENDING ? rec->not_before :
		    rec->not_after);
		log_info("issued %s%s certificate %s for CN=%s",
		    rec->admin ? "administrator " : "",
		    cert_usage_name(job->usage), job->cert_id, rec->cn);
		if (issue_client_left(job))
			log_info("certificate %s: the client left before its "
			    "answer; the same token and key get it again",
			    job->cert_id);
		issue_give(job, 201, rec, rec->state, job->answer);
		break;
	case RECORDER_REPLAY:
		if (!issue_client_left(job))
			issue_replayed(job, item->used_serial);
		else
			issue_gone(job);
		break;
	default:
		/* Never handed out: a certificate without a record would
		 * have no status and could not be revoked. */
		log_error("cannot record certificate %s: %s", job->cert_id,
		    item->err);
		if (item->hosterr == HOSTERR_BUSY)
			issue_retry_after(job, ISSUE_RETRY_AFTER);
		issue_refuse(job, item->hosterr, item->err);
		break;
	}
	issue_free(job);
}
