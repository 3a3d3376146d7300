/*
 * issue_http.c - the HTTPS front of the certificate pipeline: POST
 * /v1/certs.  Reads the JSON body (request.c), hands the order to
 * issue_submit, and turns the outcome into the JSON answer or error
 * object that authnjwt reads.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "hosterr.h"
#include "issue.h"
#include "plugin.h"
#include "reply.h"
#include "request.h"

static void	issue_http_answer(void *, const struct issue_outcome *);
static int	issue_http_waiting(void *);

static const struct issue_front issue_http_front = {
	issue_http_answer,
	issue_http_waiting
};

/* Whether the client is still connected. */
static int
issue_http_waiting(void *ctx)
{
	struct evhttp_request *req = ctx;

	return evhttp_request_get_connection(req) != NULL;
}

static void
issue_http_answer(void *ctx, const struct issue_outcome *out)
{
	struct evhttp_request *req = ctx;

	if (!issue_http_waiting(req)) {
		/* Sending is what frees a request whose client left. */
		evhttp_send_reply(req, 500, NULL, NULL);
		return;
	}
	if (out->retry_after != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", out->retry_after);
	if ((out->status == 200 || out->status == 201) && out->json != NULL)
		reply_json_text(req, out->status, out->json);
	else if (out->status == 200 || out->status == 201)
		reply_error(req, HOSTERR_INTERNAL, "no answer was built");
	else
		reply_error_as(req, out->status, out->code != NULL ?
		    out->code : "internal", "%s", out->reason != NULL ?
		    out->reason : "refused");
}

void
issue_handle(struct app *app, struct evhttp_request *req)
{
	struct issue_order order;
	struct cert_request creq;
	const char *types[APP_MAX_PLUGINS + 1];
	const char *body;
	size_t body_len, i;
	char err[256];
	int r;

	memset(&creq, 0, sizeof(creq));
	memset(&order, 0, sizeof(order));
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
		request_clear(&creq);
		return;
	}
	order.front = "https";
	order.type_index = creq.type_index;
	order.usage = creq.usage;
	order.no_status = creq.no_status;
	order.want_json = 1;
	/* The order takes the CSR and the token over. */
	order.csr = creq.csr;
	order.csr_len = creq.csr_len;
	creq.csr = NULL;
	order.credential = creq.token;
	order.credential_len = creq.token_len;
	creq.token = NULL;
	creq.token_len = 0;
	request_clear(&creq);
	reply_peer(req, order.peer, sizeof(order.peer));
	if ((r = issue_submit(app, &order, &issue_http_front, req, err,
	    sizeof(err))) != 0) {
		if (r == HOSTERR_BUSY)
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Retry-After", "2");
		reply_error(req, r, "%s", err);
	}
}
