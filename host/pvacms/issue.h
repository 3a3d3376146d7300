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

#include "issue_order.h"

struct app;
struct db_cert;
struct evhttp_request;

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

/* POST /v1/certs (issue_http.c). */
void issue_handle(struct app *app, struct evhttp_request *req);

#endif
