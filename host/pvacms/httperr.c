/*
 * httperr.c - evhttp's HTML error pages rewritten as JSON (httperr.h).
 *
 * evhttp_send_error writes the status line, its headers (Content-Type:
 * text/html, Connection: close) and a fixed body ending in
 * "</BODY></HTML>\n" into the connection's output buffer, in several
 * evbuffer additions.  The callback here runs after each addition; when
 * the buffer ends in that body it finds the start of the answer (the
 * last status line), checks that it is text/html, and replaces the
 * answer with a JSON one.  Earlier answers still in the buffer (pipelined
 * requests) are kept as they are.  Loop thread only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "httperr.h"

#define HTTPERR_TAIL	"</BODY></HTML>\n"
#define HTTPERR_MAX	4096	/* an evhttp error answer is far smaller */

static int httperr_busy;	/* our own rewrite runs the callback again */

static const struct {
	int status;
	const char *code, *message;
} httperr_codes[] = {
	{ 400, "bad_request", "malformed HTTP request" },
	{ 405, "method_not_allowed", "method not allowed" },
	{ 408, "timeout", "request not received in time" },
	{ 413, "too_large", "request headers or body larger than pvacms "
	    "accepts" },
	{ 501, "method_not_allowed", "method not implemented" },
	{ 0, "http_error", "HTTP error" }
};

static void	httperr_out(struct evbuffer *, const struct evbuffer_cb_info *,
		    void *);
static int	httperr_rewrite(struct evbuffer *, size_t, size_t);

int
httperr_watch(struct bufferevent *bev)
{
	return evbuffer_add_cb(bufferevent_get_output(bev), httperr_out,
	    NULL) != NULL ? 0 : -1;
}

static void
httperr_out(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	char tail[sizeof(HTTPERR_TAIL) - 1];
	struct evbuffer_ptr p, hit, start;
	size_t len = evbuffer_get_length(buf);

	(void)arg;
	if (httperr_busy || info->n_added == 0 || len < sizeof(tail) ||
	    evbuffer_ptr_set(buf, &p, len - sizeof(tail),
	    EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(buf, &p, tail, sizeof(tail)) !=
	    (ev_ssize_t)sizeof(tail) ||
	    memcmp(tail, HTTPERR_TAIL, sizeof(tail)) != 0)
		return;
	/* The start of this answer: the last status line. */
	start.pos = -1;
	hit = evbuffer_search(buf, "HTTP/1.", 7, NULL);
	while (hit.pos != -1) {
		start = hit;
		if (evbuffer_ptr_set(buf, &hit, 1, EVBUFFER_PTR_ADD) != 0)
			break;
		hit = evbuffer_search(buf, "HTTP/1.", 7, &hit);
	}
	if (start.pos == -1 || len - (size_t)start.pos > HTTPERR_MAX)
		return;
	httperr_busy = 1;
	(void)httperr_rewrite(buf, (size_t)start.pos, len);
	httperr_busy = 0;
}

/*
 * Replace buf[from..len) (an evhttp error answer, if its headers say
 * text/html) with the JSON answer of the same status.  0 or -1 (left as
 * it was).
 */
static int
httperr_rewrite(struct evbuffer *buf, size_t from, size_t len)
{
	char old[HTTPERR_MAX + 1], body[256], head[256], *prefix = NULL;
	const char *version;
	size_t n = len - from, i;
	int status, blen, hlen;

	struct evbuffer_ptr p;

	if (evbuffer_ptr_set(buf, &p, from, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(buf, &p, old, n) != (ev_ssize_t)n)
		return -1;
	old[n] = '\0';
	if (strstr(old, "\r\nContent-Type: text/html") == NULL ||
	    sscanf(old, "HTTP/1.%*1[01] %3d", &status) != 1)
		return -1;
	version = strncmp(old, "HTTP/1.0", 8) == 0 ? "HTTP/1.0" : "HTTP/1.1";
	for (i = 0; httperr_codes[i].status != 0 &&
	    httperr_codes[i].status != status; i++)
		;
	blen = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\","
	    "\"message\":\"%s\"}}\n", httperr_codes[i].code,
	    httperr_codes[i].message);
	hlen = snprintf(head, sizeof(head), "%s %d %s\r\nContent-Type: "
	    "application/json\r\nCache-Control: no-store\r\nConnection: "
	    "close\r\nContent-Length: %d\r\n\r\n", version, status,
	    httperr_codes[i].message, blen);
	if (blen <= 0 || (size_t)blen >= sizeof(body) || hlen <= 0 ||
	    (size_t)hlen >= sizeof(head))
		return -1;
	/* Keep what came before (answers not yet sent), then ours. */
	if (from > 0) {
		if ((prefix = malloc(from)) == NULL ||
		    evbuffer_remove(buf, prefix, from) != (int)from) {
			free(prefix);
			return -1;
		}
	}
	evbuffer_drain(buf, evbuffer_get_length(buf));
	if ((prefix != NULL && evbuffer_add(buf, prefix, from) != 0) ||
	    evbuffer_add(buf, head, (size_t)hlen) != 0 ||
	    evbuffer_add(buf, body, (size_t)blen) != 0) {
		free(prefix);
		return -1;
	}
	free(prefix);
	return 0;
}
