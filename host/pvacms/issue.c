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
 * the host will sign.  Any doubt ends in a refusal.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "api.h"
#include "audit.h"
#include "ca.h"
#include "certid.h"
#include "db.h"
#include "issue.h"
#include "log.h"
#include "plugin.h"
#include "policy.h"
#include "request.h"
#include "states.h"
#include "status.h"
#include "timefmt.h"
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
	enum ca_usage usage;
	char usage_name[8];
	char peer[64];
	struct pvacms_authn_request areq;
	struct pvacms_authn_result result;
};

static void issue_work(void *);
static void issue_done(void *);
static void issue_free(struct issue_job *);
static void issue_sign(struct issue_job *);
static int issue_token_id(const struct issue_job *, char *, size_t);
static void issue_replayed(struct issue_job *, uint64_t);
static void issue_refuse(struct issue_job *, int, const char *,
    const char *);

static int
issue_usage(const char *name, enum ca_usage *out)
{
	if (strcmp(name, "client") == 0)
		*out = CA_USAGE_CLIENT;
	else if (strcmp(name, "server") == 0)
		*out = CA_USAGE_SERVER;
	else if (strcmp(name, "ioc") == 0)
		*out = CA_USAGE_IOC;
	else
		return -1;
	return 0;
}

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
	const char *types[API_MAX_PLUGINS + 1];
	const char *body;
	size_t body_len, i;
	char err[256];
	int r;

	memset(&creq, 0, sizeof(creq));
	if (app->draining) {
		api_reply_error(req, 503, "stopping", "pvacms is shutting "
		    "down");
		return;
	}
	if ((body = api_body(req, API_MAX_BODY, &body_len)) == NULL) {
		api_reply_error(req, 413, "too_large", "request body larger "
		    "than %d bytes", API_MAX_BODY);
		return;
	}
	for (i = 0; i < app->nplugins && i < API_MAX_PLUGINS; i++)
		types[i] = plugin_api(app->plugins[i])->name;
	types[i] = NULL;
	r = request_parse(body, body_len, types, &creq, err, sizeof(err));
	if (r == REQUEST_TOO_LARGE) {
		api_reply_error(req, 413, "too_large", "%s", err);
		goto out;
	}
	if (r == REQUEST_NOMEM) {
		api_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	if (r != REQUEST_OK) {
		api_reply_error(req, 400, "bad_request", "%s", err);
		goto out;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		api_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	job->app = app;
	job->req = req;
	if (issue_usage(creq.usage, &job->usage) != 0) {
		/* request_parse admits only these three. */
		api_reply_error(req, 400, "bad_request", "usage must be "
		    "client, server or ioc");
		goto out;
	}
	snprintf(job->usage_name, sizeof(job->usage_name), "%s", creq.usage);
	job->api = plugin_api(app->plugins[creq.type_index]);
	job->pubkey = ca_csr_pubkey(creq.csr, creq.csr_len, job->spki_sha256,
	    err, sizeof(err));
	if (job->pubkey == NULL) {
		api_reply_error(req, 400, "bad_request", "%s", err);
		goto out;
	}
	/* The job takes the token over; issue_free wipes it. */
	job->credential = creq.token;
	job->credential_len = creq.token_len;
	creq.token = NULL;
	creq.token_len = 0;
	api_peer(req, job->peer, sizeof(job->peer));
	job->areq.type = job->api->name;
	job->areq.usage = (int)job->usage;
	job->areq.credential = job->credential;
	job->areq.credential_len = job->credential_len;
	job->areq.pubkey_sha256 = job->spki_sha256;
	job->areq.now = (int64_t)time(NULL);
	if (worker_submit(app->pool, issue_work, issue_done, job) != 0) {
		api_reply_error(req, 503, "busy", "too many requests in "
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

	memset(&job->result, 0, sizeof(job->result));
	job->result.verdict = PVACMS_ERROR;
	job->api->verify(&job->areq, &job->result);
	/* Whatever the plugin wrote, make every string terminated. */
	job->result.code[sizeof(job->result.code) - 1] = '\0';
	job->result.reason[sizeof(job->result.reason) - 1] = '\0';
	job->result.cn[sizeof(job->result.cn) - 1] = '\0';
	job->result.o[sizeof(job->result.o) - 1] = '\0';
	job->result.ou[sizeof(job->result.ou) - 1] = '\0';
	job->result.c[sizeof(job->result.c) - 1] = '\0';
	job->result.sub[sizeof(job->result.sub) - 1] = '\0';
	job->result.iss[sizeof(job->result.iss) - 1] = '\0';
	job->result.jti[sizeof(job->result.jti) - 1] = '\0';
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
		audit_event("abandoned", "usage", job->usage_name, "sub",
		    r->sub, "iss", r->iss, "jti", r->jti, "peer", job->peer,
		    NULL);
		evhttp_send_reply(job->req, 500, NULL, NULL);
		issue_free(job);
		return;
	}
	if (r->verdict != PVACMS_ALLOW) {
		if (r->verdict != PVACMS_DENY && r->verdict != PVACMS_ERROR) {
			r->verdict = PVACMS_ERROR;
			snprintf(r->code, sizeof(r->code), "internal");
			snprintf(r->reason, sizeof(r->reason), "authenticator "
			    "returned an invalid verdict");
		}
		if (r->code[0] == '\0')
			snprintf(r->code, sizeof(r->code), "%s",
			    r->verdict == PVACMS_DENY ? "denied" : "internal");
		if (r->reason[0] == '\0')
			snprintf(r->reason, sizeof(r->reason), "%s",
			    r->verdict == PVACMS_DENY ? "credential refused" :
			    "authenticator failed");
		status = issue_denial_status(r);
		audit_event("denied", "code", r->code, "reason", r->reason,
		    "usage", job->usage_name, "sub", r->sub, "iss", r->iss,
		    "jti", r->jti, "peer", job->peer, NULL);
		log_info("denied %s certificate for sub '%s': %s",
		    job->usage_name, r->sub, r->reason);
		/* ABI 1.3: a 503 may say when to come back. */
		if (status == 503 && PVACMS_AUTHN_ABI_GET_MINOR(
		    job->api->abi_version) >= 3 && r->retry_after > 0) {
			char ra[16];

			snprintf(ra, sizeof(ra), "%d", r->retry_after);
			evhttp_add_header(evhttp_request_get_output_headers(
			    job->req), "Retry-After", ra);
		}
		api_reply_error(job->req, status, r->code, "%s", r->reason);
		issue_free(job);
		return;
	}
	issue_sign(job);
	issue_free(job);
}

static int
issue_serial_free(void *arg, uint64_t serial)
{
	return db_serial_free(arg, serial) == 1;
}

static void
issue_refuse(struct issue_job *job, int status, const char *code,
    const char *reason)
{
	struct pvacms_authn_result *r = &job->result;

	audit_event("denied", "code", code, "reason", reason, "usage",
	    job->usage_name, "sub", r->sub, "iss", r->iss, "jti", r->jti,
	    "peer", job->peer, NULL);
	log_info("denied %s certificate for sub '%s': %s", job->usage_name,
	    r->sub, reason);
	api_reply_error(job->req, status, code, "%s", reason);
}

/*
 * The replay key of a credential: the issuer-scoped jti when the
 * authenticator reported one, else the SHA-256 of the credential itself.
 * Hashed either way, so the database never holds a token.
 */
static int
issue_token_id(const struct issue_job *job, char *out, size_t outlen)
{
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
	snprintf(out, outlen, "%s", r->jti[0] != '\0' ? "j:" : "t:");
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", md[i]);
	return 0;
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
	char err[256], reason[300], cert_id[CERTID_MAX], serial_text[24];
	char *chain_pem = NULL;
	int found, state;

	memset(&rec, 0, sizeof(rec));
	found = db_get(app->db, serial, &rec, err, sizeof(err));
	if (found != 1) {
		issue_refuse(job, 500, "internal", "database error");
		goto out;
	}
	certid_format(rec.issuer_id, rec.serial, cert_id, sizeof(cert_id));
	state = transition_by_time(rec.state, rec.not_before,
	    rec.not_after, (int64_t)time(NULL));
	if (strcmp(rec.pubkey_sha256, job->spki_sha256) != 0) {
		snprintf(reason, sizeof(reason), "token was already used for "
		    "certificate %s with another key", cert_id);
		issue_refuse(job, 409, "replay", reason);
		goto out;
	}
	if (state != STATE_VALID && state != STATE_PENDING &&
	    state != STATE_PENDING_APPROVAL) {
		snprintf(reason, sizeof(reason), "token was already used for "
		    "certificate %s, which is now %s", cert_id,
		    db_state_name(state));
		issue_refuse(job, 409, "replay", reason);
		goto out;
	}
	if ((chain_pem = ca_cert_pem(ca_cert(app->ca))) == NULL) {
		issue_refuse(job, 500, "internal", "out of memory");
		goto out;
	}
	audit_event("retried", "cert_id", cert_id, "state",
	    db_state_name(state), "usage", job->usage_name, "sub", r->sub,
	    "iss", r->iss, "jti", r->jti, "peer", job->peer, NULL);
	log_info("retry: certificate %s sent again for CN=%s", cert_id,
	    rec.cn);
	snprintf(serial_text, sizeof(serial_text), "%llu",
	    (unsigned long long)rec.serial);
	api_reply_json(job->req, 200, json_pack(
	    "{s:s,s:s,s:s,s:I,s:I,s:s,s:s}",
	    "cert_id", cert_id, "serial", serial_text,
	    "state", db_state_name(state),
	    "not_before", (json_int_t)rec.not_before,
	    "not_after", (json_int_t)rec.not_after,
	    "certificate", rec.pem, "chain", chain_pem));
out:
	free(chain_pem);
	db_cert_clear(&rec);
}

/* Host policy, then sign, record, audit and answer. */
static void
issue_sign(struct issue_job *job)
{
	struct app *app = job->app;
	struct pvacms_authn_result *r = &job->result;
	struct ca_subject subject;
	struct db_cert rec;
	X509 *cert = NULL;
	char err[256], cert_id[CERTID_MAX];
	struct policy_refusal refusal;
	char *pem = NULL, *chain_pem = NULL;
	int64_t now = (int64_t)time(NULL), nb, na;
	uint64_t serial;
	const ASN1_OCTET_STRING *skid;
	char token_id[80];
	uint64_t used_serial;
	int state, i, used;

	if (policy_check_identity(r, now, &refusal) != 0) {
		issue_refuse(job, refusal.http_status, refusal.code,
		    refusal.reason);
		return;
	}
	nb = r->not_before > 0 ? r->not_before : now;
	na = r->not_after;
	if (issue_token_id(job, token_id, sizeof(token_id)) != 0) {
		issue_refuse(job, 500, "internal", "cannot hash the credential");
		return;
	}
	used = db_find_token(app->db, token_id, &used_serial, err,
	    sizeof(err));
	if (used < 0) {
		log_error("replay check failed: %s", err);
		issue_refuse(job, 500, "internal", "database error");
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
	cert = ca_sign_leaf(app->ca, job->pubkey, &subject, job->usage, nb,
	    na, issue_serial_free, app->db, err, sizeof(err));
	if (cert == NULL) {
		issue_refuse(job, 403, "policy_denied", err);
		return;
	}
	/* The window actually signed (clamped to the CA's). */
	if (timefmt_from_asn1(X509_get0_notBefore(cert), &nb) != 0 ||
	    timefmt_from_asn1(X509_get0_notAfter(cert), &na) != 0 ||
	    certid_serial_u64(cert, &serial) != 0 ||
	    certid_of_leaf(cert, cert_id, sizeof(cert_id)) != 0) {
		issue_refuse(job, 500, "internal", "cannot read back the "
		    "signed certificate");
		goto out;
	}
	if (r->approval)
		state = STATE_PENDING_APPROVAL;
	else if (nb > now)
		state = STATE_PENDING;
	else
		state = STATE_VALID;

	memset(&rec, 0, sizeof(rec));
	rec.serial = serial;
	snprintf(rec.issuer_id, sizeof(rec.issuer_id), "%s",
	    ca_issuer_id(app->ca));
	if ((skid = X509_get0_subject_key_id(cert)) != NULL)
		for (i = 0; i < ASN1_STRING_length(skid) && i < 31; i++)
			snprintf(rec.skid + 2 * i, 3, "%02x",
			    ASN1_STRING_get0_data(skid)[i]);
	snprintf(rec.cn, sizeof(rec.cn), "%s", r->cn);
	snprintf(rec.o, sizeof(rec.o), "%s", r->o);
	snprintf(rec.ou, sizeof(rec.ou), "%s", r->ou);
	snprintf(rec.c, sizeof(rec.c), "%s", r->c);
	snprintf(rec.usage, sizeof(rec.usage), "%s", job->usage_name);
	rec.not_before = nb;
	rec.not_after = na;
	rec.state = state;
	rec.status_date = now;
	snprintf(rec.pubkey_sha256, sizeof(rec.pubkey_sha256), "%s",
	    job->spki_sha256);
	snprintf(rec.token_id, sizeof(rec.token_id), "%s", token_id);
	pem = ca_cert_pem(cert);
	chain_pem = ca_cert_pem(ca_cert(app->ca));
	rec.pem = pem;
	if (pem == NULL || chain_pem == NULL) {
		issue_refuse(job, 500, "internal", "out of memory");
		goto out;
	}
	if (db_insert(app->db, &rec, err, sizeof(err)) != 0) {
		/* Never handed out: a certificate without a record would
		 * have no status and could not be revoked. */
		log_error("cannot record certificate %s: %s", cert_id, err);
		if (db_busy(app->db))
			issue_refuse(job, 503, "busy", "the certificate "
			    "database is locked by another process; try again");
		else
			issue_refuse(job, 500, "internal", "cannot record the "
			    "certificate");
		goto out;
	}
	/* The sweep may be armed for later than this one's first change. */
	states_due_at(state == STATE_PENDING ? nb : na);
	audit_event("issued", "cert_id", cert_id, "state",
	    db_state_name(state), "usage", job->usage_name, "sub", r->sub,
	    "iss", r->iss, "jti", r->jti, "cn", r->cn, "o", r->o, "ou", r->ou,
	    "c", r->c, "not_before#", (long long)nb, "not_after#",
	    (long long)na, "peer", job->peer, NULL);
	log_info("issued %s certificate %s for CN=%s", job->usage_name,
	    cert_id, r->cn);
	{
		char serial_text[24];

		snprintf(serial_text, sizeof(serial_text), "%llu",
		    (unsigned long long)serial);
		api_reply_json(job->req, 201, json_pack(
		    "{s:s,s:s,s:s,s:I,s:I,s:s,s:s}",
		    "cert_id", cert_id, "serial", serial_text,
		    "state", db_state_name(state),
		    "not_before", (json_int_t)nb, "not_after", (json_int_t)na,
		    "certificate", pem, "chain", chain_pem));
	}
out:
	free(pem);
	free(chain_pem);
	X509_free(cert);
}
