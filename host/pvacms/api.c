/*
 * api.c - routing and JSON replies.  The routes are few and fixed:
 *
 *   GET  /healthz                     both listeners
 *   GET  /v1/certs/{cert_id}/status   both listeners
 *   POST /v1/certs                    HTTPS only (it carries a token)
 *   POST /v1/certs/{cert_id}/{approve,deny,revoke}
 *                                     HTTPS only, with a client certificate
 *   POST /ocsp, GET /ocsp/{base64}    both listeners (RFC 6960)
 *
 * Anything else is a JSON 404 or 405.  Every answer is JSON and marked
 * not cacheable.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "api.h"
#include "connguard_http.h"
#include "issue.h"
#include "ocsp.h"
#include "status.h"

struct route_ctx {
	struct app *app;
	int is_https;
};

static struct route_ctx route_ctxs[2];

static void api_dispatch(struct evhttp_request *, void *);

void
api_reply_json(struct evhttp_request *req, int code, json_t *body)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;

	json_decref(body);
	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (buf != NULL && text != NULL) {
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
	}
	evhttp_send_reply(req, code, NULL, buf);
	if (buf != NULL)
		evbuffer_free(buf);
	free(text);
}

void
api_reply_error(struct evhttp_request *req, int code, const char *ecode,
    const char *fmt, ...)
{
	char message[512];
	json_t *body, *value;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if ((value = json_string(message)) == NULL)
		value = json_string("(message was not valid UTF-8)");
	body = json_pack("{s:{s:s,s:o}}", "error", "code", ecode, "message",
	    value);
	api_reply_json(req, code, body);
}

void
api_peer(struct evhttp_request *req, char *buf, size_t len)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	buf[0] = '\0';
	if (conn == NULL)
		return;
	evhttp_connection_get_peer(conn, &addr, &port);
	if (addr != NULL)
		snprintf(buf, len, "%s", addr);
}

const char *
api_body(struct evhttp_request *req, size_t cap, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	unsigned char *p;

	if (n > cap)
		return NULL;
	/* Append a NUL so the body can be handled as a C string. */
	if (evbuffer_add(in, "", 1) != 0 ||
	    (p = evbuffer_pullup(in, -1)) == NULL)
		return NULL;
	*len = n;
	return (const char *)p;
}

static void
api_dispatch(struct evhttp_request *req, void *arg)
{
	struct route_ctx *rc = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const char *prefix = "/v1/certs/", *suffix = "/status";
	size_t plen, slen, len;
	char cert_id[64];
	enum transition_action action;

	connguard_http_dispatched(rc->app->guard, req);
	if (path == NULL) {
		api_reply_error(req, 400, "bad_request", "malformed URI");
		return;
	}
	len = strlen(path);
	if (strcmp(path, "/healthz") == 0) {
		if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
			api_reply_error(req, 405, "method_not_allowed",
			    "use GET");
			return;
		}
		api_reply_json(req, 200, json_pack("{s:s}", "status",
		    rc->app->draining ? "stopping" : "ok"));
		return;
	}
	if (strcmp(path, "/v1/certs") == 0) {
		if (method != EVHTTP_REQ_POST) {
			api_reply_error(req, 405, "method_not_allowed",
			    "use POST");
			return;
		}
		if (!rc->is_https) {
			api_reply_error(req, 403, "https_required",
			    "certificate requests are served on the HTTPS "
			    "listener only");
			return;
		}
		issue_handle(rc->app, req);
		return;
	}
	if (strcmp(path, "/ocsp") == 0 || strncmp(path, "/ocsp/", 6) == 0) {
		/* RFC 6960 A.1: POST to the URL, or GET with the request
		 * appended (the path after "/ocsp/"). */
		if (method == EVHTTP_REQ_POST && path[5] == '\0')
			ocsp_handle(rc->app, req, NULL);
		else if ((method == EVHTTP_REQ_GET ||
		    method == EVHTTP_REQ_HEAD) && path[5] == '/')
			ocsp_handle(rc->app, req, path + 6);
		else
			api_reply_error(req, 405, "method_not_allowed",
			    "use POST /ocsp or GET /ocsp/{base64}");
		return;
	}
	plen = strlen(prefix);
	if (len > plen && strncmp(path, prefix, plen) == 0 &&
	    (action = admin_action_of(path + plen, cert_id,
	    sizeof(cert_id))) != TRANSITION_TIME) {
		if (method != EVHTTP_REQ_POST) {
			api_reply_error(req, 405, "method_not_allowed",
			    "use POST");
			return;
		}
		if (!rc->is_https) {
			api_reply_error(req, 403, "https_required",
			    "administration is served on the HTTPS listener "
			    "only, with a client certificate");
			return;
		}
		admin_handle(rc->app, req, cert_id, action);
		return;
	}
	slen = strlen(suffix);
	if (len > plen + slen && strncmp(path, prefix, plen) == 0 &&
	    strcmp(path + len - slen, suffix) == 0) {
		if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
			api_reply_error(req, 405, "method_not_allowed",
			    "use GET");
			return;
		}
		len -= plen + slen;
		if (len >= sizeof(cert_id)) {
			api_reply_error(req, 400, "bad_request",
			    "malformed certificate id");
			return;
		}
		memcpy(cert_id, path + plen, len);
		cert_id[len] = '\0';
		status_handle(rc->app, req, cert_id);
		return;
	}
	api_reply_error(req, 404, "not_found", "no such endpoint");
}

void
api_register(struct app *app, struct evhttp *http, int is_https)
{
	struct route_ctx *rc = &route_ctxs[is_https ? 1 : 0];

	rc->app = app;
	rc->is_https = is_https;
	evhttp_set_gencb(http, api_dispatch, rc);
	/* Every method reaches the router, which answers 405 honestly. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	/* evhttp answers 413 itself past this; we check our own cap too. */
	evhttp_set_max_body_size(http, API_MAX_BODY * 2);
	evhttp_set_max_headers_size(http, 16 * 1024);
	evhttp_set_timeout(http, 30);
}
