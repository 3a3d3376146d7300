/*
 * issue.c - the certificate request pipeline.
 *
 *   loop thread:   parse JSON, check usage and CSR (proof of possession)
 *   worker thread: the plugin's verify(), which may call a validator
 *   loop thread:   host policy on the identity, sign (ca.c), record
 *                  (db.c), audit, reply
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

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
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
#include "reply.h"
#include "request.h"
#include "states.h"
#include "transition.h"
#include "worker.h"

struct issue_job {
	struct app *app;
	struct evhttp_request *req;
	const struct pvacms_authn_plugin *api;
	char *credential;		/* owned; wiped before free */
	size_t credential_len;
	EVP_PKEY *pubkey;		/* owned */
	char spki_sha256[65];
	int usage;			/* enum cert_usage: requestable */
	int no_status;			/* the request asks for no status PV */
	char peer[64];
	struct pvacms_authn_request areq;
	struct pvacms_authn_result result;
};

static void	issue_work(void *);
static void	issue_done(void *);
static void	issue_free(struct issue_job *);
static void	issue_sign(struct issue_job *);
static int	issue_wants_status(const struct app *, int);
static int	issue_serial_free(void *, uint64_t);
static int	issue_token_id(const struct issue_job *, char *, size_t);
static void	issue_replayed(struct issue_job *, uint64_t);
static void	issue_deny(struct issue_job *, int, const char *,
		    const char *);
static void	issue_refuse(struct issue_job *, int, const char *);
static void	issue_answer(struct issue_job *, int, const struct db_cert *,
		    int);

static void
issue_free(struct issue_job *job)
{
	if (job == NULL)
		return;
	if (job->credential != NULL) {
		OPENSSL_cleanse(job->credential, job->credential_len);
		free(job->credential);
	}
	EVP_PKEY_free(job->pubkey);
	free(job);
}

void
issue_handle(struct app *app, struct evhttp_request *req)
{
	struct issue_job *job = NULL;
	struct cert_request creq;
	const char *types[APP_MAX_PLUGINS + 1];
	const char *body;
	size_t body_len, i;
	char err[256];
	int r;

	memset(&creq, 0, sizeof(creq));
	if (app->draining) {
		reply_error(req, HOSTERR_STOPPING, "pvacms is shutting down");
		return;
	}
	if ((body = reply_body(req, REQUEST_MAX_BODY, &body_len)) == NULL) {
		reply_error(req, HOSTERR_TOO_LARGE, "request body larger "
		    "than %d bytes", REQUEST_MAX_BODY);
		return;
	}
	for (i = 0; i < app->nplugins && i < APP_MAX_PLUGINS; i++)
		types[i] = plugin_api(app->plugins[i])->name;
	types[i] = NULL;
	if ((r = request_parse(body, body_len, types, &creq, err,
	    sizeof(err))) != REQUEST_OK) {
		reply_error(req, r, "%s", r == REQUEST_NOMEM ?
		    "out of memory" : err);
		goto out;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		reply_error(req, HOSTERR_NOMEM, "out of memory");
		goto out;
	}
	job->app = app;
	job->req = req;
	job->usage = creq.usage;
	job->no_status = creq.no_status;
	job->api = plugin_api(app->plugins[creq.type_index]);
	if ((job->pubkey = csr_check(creq.csr, creq.csr_len,
	    job->spki_sha256, err, sizeof(err))) == NULL) {
		reply_error(req, HOSTERR_MALFORMED, "%s", err);
		goto out;
	}
	/* The job takes the token over; issue_free wipes it. */
	job->credential = creq.token;
	job->credential_len = creq.token_len;
	creq.token = NULL;
	creq.token_len = 0;
	reply_peer(req, job->peer, sizeof(job->peer));
	job->areq.type = job->api->name;
	job->areq.usage = job->usage;
	job->areq.credential = job->credential;
	job->areq.credential_len = job->credential_len;
	job->areq.pubkey_sha256 = job->spki_sha256;
	job->areq.now = (int64_t)time(NULL);
	if (worker_submit(app->pool, issue_work, issue_done, job) != 0) {
		reply_error(req, HOSTERR_BUSY, "too many requests in "
		    "progress; retry later");
		goto out;
	}
	job = NULL;	/* issue_done owns it now */
out:
	issue_free(job);
	request_clear(&creq);
}

/* Worker thread: only the plugin runs here. */
static void
issue_work(void *arg)
{
	struct issue_job *job = arg;
	struct pvacms_authn_result *r = &job->result;

	memset(r, 0, sizeof(*r));
	r->verdict = PVACMS_ERROR;
	job->api->verify(&job->areq, r);
	plugin_result_clean(job->api, r);
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

/* Loop thread: the plugin has spoken. */
static void
issue_done(void *arg)
{
	struct issue_job *job = arg;
	struct pvacms_authn_result *r = &job->result;
	int status;

	if (evhttp_request_get_connection(job->req) == NULL) {
		/* The client left; sign nothing.  This frees the request. */
		audit_event("abandoned", "usage", cert_usage_name(job->usage),
		    "sub", r->sub, "iss", r->iss, "jti", r->jti, "peer",
		    job->peer, NULL);
		evhttp_send_reply(job->req, 500, NULL, NULL);
		issue_free(job);
		return;
	}
	if (r->verdict != PVACMS_ALLOW) {
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
			char ra[16];

			snprintf(ra, sizeof(ra), "%d", r->retry_after);
			evhttp_add_header(evhttp_request_get_output_headers(
			    job->req), "Retry-After", ra);
		}
		issue_deny(job, status, r->code, r->reason);
	} else
		issue_sign(job);
	issue_free(job);
}

/* A refusal with its status and machine code: audited, logged, answered. */
static void
issue_deny(struct issue_job *job, int status, const char *code,
    const char *reason)
{
	struct pvacms_authn_result *r = &job->result;

	audit_event("denied", "code", code, "reason", reason, "usage",
	    cert_usage_name(job->usage), "sub", r->sub, "iss", r->iss, "jti",
	    r->jti, "peer", job->peer, NULL);
	log_info("denied %s certificate for sub '%s': %s",
	    cert_usage_name(job->usage), r->sub, reason);
	reply_error_as(job->req, status, code, "%s", reason);
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

/* For ca_sign_leaf: 1 free, 0 taken, a HOSTERR_* code when unknown. */
static int
issue_serial_free(void *arg, uint64_t serial)
{
	int r = db_serial_free(arg, serial);

	return r < 0 ? db_error(arg) : r;
}

/*
 * The replay key of a credential: the issuer-scoped jti when the
 * authenticator reported one, else the SHA-256 of the credential itself.
 * Hashed either way, so the database never holds a token.
 */
static int
issue_token_id(const struct issue_job *job, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const struct pvacms_authn_result *r = &job->result;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	if (r->jti[0] != '\0')
		ok = ok && EVP_DigestUpdate(ctx, r->iss, strlen(r->iss)) == 1 &&
		    EVP_DigestUpdate(ctx, "\n", 1) == 1 &&
		    EVP_DigestUpdate(ctx, r->jti, strlen(r->jti)) == 1;
	else
		ok = ok && EVP_DigestUpdate(ctx, job->credential,
		    job->credential_len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || outlen < 3 + 2 * (size_t)mdlen)
		return -1;
	out[0] = r->jti[0] != '\0' ? 'j' : 't';
	out[1] = ':';
	for (i = 0; i < mdlen; i++) {
		out[2 + 2 * i] = hex[md[i] >> 4];
		out[3 + 2 * i] = hex[md[i] & 0xf];
	}
	out[2 + 2 * mdlen] = '\0';
	return 0;
}

/*
 * Answer with the certificate of row rec in state `state`: 201 for a
 * new one, 200 for one sent again.
 */
static void
issue_answer(struct issue_job *job, int status, const struct db_cert *rec,
    int state)
{
	char cert_id[CERTID_MAX], serial_text[24];
	char *chain_pem;

	if ((chain_pem = record_pem(ca_cert(job->app->ca))) == NULL) {
		reply_error(job->req, HOSTERR_NOMEM, "out of memory");
		return;
	}
	certid_format(rec->issuer_id, rec->serial, cert_id, sizeof(cert_id));
	snprintf(serial_text, sizeof(serial_text), "%llu",
	    (unsigned long long)rec->serial);
	reply_json(job->req, status, json_pack(
	    "{s:s,s:s,s:s,s:I,s:I,s:s,s:s}",
	    "cert_id", cert_id, "serial", serial_text,
	    "state", cert_state_name(state),
	    "not_before", (json_int_t)rec->not_before,
	    "not_after", (json_int_t)rec->not_after,
	    "certificate", rec->pem, "chain", chain_pem));
	free(chain_pem);
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
	char err[256], reason[300], cert_id[CERTID_MAX];
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
	issue_answer(job, 200, &rec, state);
out:
	db_cert_clear(&rec);
}

/* Host policy, then sign, record, audit and answer. */
static void
issue_sign(struct issue_job *job)
{
	struct app *app = job->app;
	struct pvacms_authn_result *r = &job->result;
	struct policy_refusal refusal;
	struct ca_subject subject;
	struct db_cert rec;
	X509 *cert = NULL;
	char err[256], cert_id[CERTID_MAX], token_id[80];
	int64_t now = (int64_t)time(NULL);
	uint64_t used_serial;
	int state, used, code;

	memset(&rec, 0, sizeof(rec));
	if (policy_check_identity(r, now, &refusal) != 0) {
		issue_deny(job, refusal.http_status, refusal.code,
		    refusal.reason);
		return;
	}
	if (issue_token_id(job, token_id, sizeof(token_id)) != 0) {
		issue_refuse(job, HOSTERR_CRYPTO, "cannot hash the credential");
		return;
	}
	used = db_find_token(app->db, token_id, &used_serial, err,
	    sizeof(err));
	if (used < 0) {
		log_error("replay check failed: %s", err);
		issue_refuse(job, db_error(app->db), "cannot check whether "
		    "the credential was used before");
		return;
	}
	if (used == 1) {
		issue_replayed(job, used_serial);
		return;
	}
	subject.cn = r->cn;
	subject.o = r->o;
	subject.ou = r->ou;
	subject.c = r->c;
	subject.status_pv = issue_wants_status(app, job->no_status);
	if ((code = ca_sign_leaf(app->ca, job->pubkey, &subject, job->usage,
	    r->not_before > 0 ? r->not_before : now, r->not_after,
	    issue_serial_free, app->db, &cert, err, sizeof(err))) != 0) {
		if (code != HOSTERR_POLICY)
			log_error("cannot sign a %s certificate for CN=%s: %s",
			    cert_usage_name(job->usage), r->cn, err);
		issue_refuse(job, code, err);
		return;
	}
	/* The state follows the window actually signed (clamped). */
	if ((code = record_build(&rec, cert, job->usage, STATE_VALID,
	    r->admin, now, err, sizeof(err))) != 0) {
		issue_refuse(job, code, err);
		goto out;
	}
	state = r->approval ? STATE_PENDING_APPROVAL :
	    rec.not_before > now ? STATE_PENDING : STATE_VALID;
	rec.state = state;
	snprintf(rec.pubkey_sha256, sizeof(rec.pubkey_sha256), "%s",
	    job->spki_sha256);
	snprintf(rec.token_id, sizeof(rec.token_id), "%s", token_id);
	certid_format(rec.issuer_id, rec.serial, cert_id, sizeof(cert_id));
	if (db_insert(app->db, &rec, err, sizeof(err)) != 0) {
		/* Never handed out: a certificate without a record would
		 * have no status and could not be revoked. */
		log_error("cannot record certificate %s: %s", cert_id, err);
		issue_refuse(job, db_error(app->db), db_busy(app->db) ?
		    "the certificate database is locked by another process; "
		    "try again" : "cannot record the certificate");
		goto out;
	}
	/* The sweep may be armed for later than this one's first change. */
	states_due_at(state == STATE_PENDING ? rec.not_before :
	    rec.not_after);
	audit_event("issued", "cert_id", cert_id, "state",
	    cert_state_name(state), "usage", cert_usage_name(job->usage),
	    "admin", rec.admin ? "true" : NULL, "sub", r->sub, "iss", r->iss,
	    "jti", r->jti, "cn", r->cn, "o", r->o, "ou", r->ou, "c", r->c,
	    "not_before#", (long long)rec.not_before, "not_after#",
	    (long long)rec.not_after, "peer", job->peer, NULL);
	log_info("issued %s%s certificate %s for CN=%s",
	    rec.admin ? "administrator " : "", cert_usage_name(job->usage),
	    cert_id, r->cn);
	issue_answer(job, 201, &rec, state);
out:
	db_cert_clear(&rec);
	X509_free(cert);
}
