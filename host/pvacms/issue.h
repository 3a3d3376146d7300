/*
 * issue.h - the certificate request pipeline, shared by both fronts.
 *
 * A front (HTTPS POST /v1/certs in issue_http.c, the PVAccess CERT:CREATE
 * RPC in host/pva/) reads a request into a struct issue_order and hands it
 * over with issue_submit.  From there one path decides every request,
 * whichever front it came in by: the plugin, host policy, signing, the
 * durable record, the audit line and the reason codes.  The front hears
 * the outcome once, on the loop thread, through its struct issue_front.
 */
#ifndef PVACMS_ISSUE_H
#define PVACMS_ISSUE_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct db_cert;
struct evhttp_request;

/*
 * One request as a front read it.  The owned members are taken over by
 * issue_submit (set to NULL in the caller's struct), whatever it returns.
 */
struct issue_order {
	const char *front;		/* "https" or "pva"; static */
	int type_index;			/* into app->plugins */
	int usage;			/* enum cert_usage: requestable */
	int no_status;			/* asks for no status extension */
	char *csr;			/* owned PEM CSR (proof of possession) */
	size_t csr_len;
	char *pubkey;			/* owned PEM public key (no proof) */
	size_t pubkey_len;		/* exactly one of csr, pubkey is set */
	char *credential;		/* owned; wiped before it is freed */
	size_t credential_len;
	char *verifier_json;		/* owned, or NULL */
	char *name, *organization;	/* owned requested subject, or NULL */
	char *organization_unit, *country;
	int64_t not_before, not_after;	/* requested validity, or 0 */
	int want_json;			/* build the HTTPS JSON answer */
	char peer[64];
};

/* What the front is told.  Everything borrowed for the call only. */
struct issue_outcome {
	int status;		/* 201 new, 200 sent again, else a refusal's
				 * HTTP status (the same for both fronts) */
	const char *code;	/* refusal: machine code (hosterr.h, plugin) */
	const char *reason;	/* refusal: one line */
	const char *retry_after;	/* seconds for Retry-After, or NULL */
	const struct db_cert *rec;	/* 200/201: the certificate's row */
	int state;		/* 200/201: its state now */
	const char *json;	/* 200/201 with want_json: the answer body */
};

struct issue_front {
	/* Loop thread, exactly once for every order submitted with 0. */
	void (*answer)(void *ctx, const struct issue_outcome *out);
	/* Whether the requester still waits (else it is audited as
	 * "abandoned" and answer() only has to release ctx). */
	int (*waiting)(void *ctx);
};

/*
 * Queue order for the workers.  0: front->answer(ctx, ...) will run on
 * the loop thread.  Otherwise a HOSTERR_* code with err set; the caller
 * answers that itself.  Loop thread.
 */
int issue_submit(struct app *app, struct issue_order *order,
    const struct issue_front *front, void *ctx, char *err, size_t errlen);

/* Free (and wipe) what an order owns; safe on a cleared order. */
void issue_order_clear(struct issue_order *order);

/* POST /v1/certs (issue_http.c). */
void issue_handle(struct app *app, struct evhttp_request *req);

#endif
