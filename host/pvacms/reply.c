/*
 * reply.c - JSON answers and request helpers shared by the HTTP
 * handlers.  Every answer is JSON and marked not cacheable; the OCSP
 * responder writes its own DER answers.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "hosterr.h"
#include "reply.h"

static void	reply_verror(struct evhttp_request *req, int status,
		    const char *machine_code, const char *fmt, va_list ap);

void
reply_json(struct evhttp_request *req, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;

	json_decref(body);
	reply_json_text(req, status, text);
	free(text);
}

void
reply_json_text(struct evhttp_request *req, int status, const char *text)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (buf != NULL && text != NULL) {
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
	}
	evhttp_send_reply(req, status, NULL, buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

static void
reply_verror(struct evhttp_request *req, int status, const char *machine_code,
    const char *fmt, va_list ap)
{
	char message[512];
	json_t *body, *value;

	vsnprintf(message, sizeof(message), fmt, ap);
	if ((value = json_string(message)) == NULL)
		value = json_string("(message was not valid UTF-8)");
	body = json_pack("{s:{s:s,s:o}}", "error", "code", machine_code,
	    "message", value);
	reply_json(req, status, body);
}

void
reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(req, hosterr_status(code), hosterr_code(code), fmt, ap);
	va_end(ap);
}

void
reply_error_as(struct evhttp_request *req, int status,
    const char *machine_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(req, status, machine_code, fmt, ap);
	va_end(ap);
}

void
reply_peer(struct evhttp_request *req, char *buf, size_t len)
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
reply_body(struct evhttp_request *req, size_t cap, size_t *len)
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
