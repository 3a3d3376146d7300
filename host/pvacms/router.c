/*
 * router.c - the route table of the HTTP front:
 *
 *   GET  /healthz                     both listeners
 *   GET  /v1/certs/{cert_id}/status   both listeners
 *   POST /v1/certs                    HTTPS only (it carries a token)
 *   POST /v1/certs/{cert_id}/{approve,deny,revoke}
 *                                     HTTPS only, with a client certificate
 *   POST /ocsp, GET /ocsp/{base64}    both listeners (RFC 6960)
 *
 * A path matches a pattern segment by segment; {cert_id} is one segment,
 * parsed and checked against this CA here, once, so that every
 * per-certificate endpoint answers a bad id alike (400 malformed, 404
 * another CA's); {action} is a last segment naming one of transition.h's
 * actions; {tail} is the rest of the path.  A known path with the
 * wrong method is 405, on the wrong listener 403; anything else is 404.
 * HEAD is answered as GET (evhttp sends no body).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "admin.h"
#include "app.h"
#include "ca.h"
#include "certid.h"
#include "connguard_http.h"
#include "hosterr.h"
#include "issue.h"
#include "ocsp.h"
#include "reply.h"
#include "router.h"
#include "status.h"
#include "transition.h"

#define ROUTER_GET	(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define ROUTER_POST	EVHTTP_REQ_POST

/* What the path said, for the handler. */
struct router_match {
	char cert_id[CERTID_MAX];	/* {cert_id}, when the pattern has one */
	uint64_t serial;		/* its serial, checked to be ours */
	const char *tail;		/* {tail}: the rest of the path */
	enum transition_action action;	/* {action}: approve, deny, revoke */
};

typedef void (*router_fn)(struct app *, struct evhttp_request *,
    const struct router_match *);

struct router_route {
	const char *pattern;
	unsigned int methods;		/* EVHTTP_REQ_* bits */
	enum router_listener listener;	/* ROUTER_HTTP: served on both */
	router_fn fn;
	const char *method_hint;	/* the 405 message */
	const char *https_hint;		/* the 403 message off HTTPS */
};

/* The listener's context, handed to evhttp's callback. */
struct router_ctx {
	struct app *app;
	enum router_listener listener;
};

static void	router_health(struct app *, struct evhttp_request *,
		    const struct router_match *);
static void	router_issue(struct app *, struct evhttp_request *,
		    const struct router_match *);
static void	router_admin(struct app *, struct evhttp_request *,
		    const struct router_match *);
static void	router_status(struct app *, struct evhttp_request *,
		    const struct router_match *);
static void	router_ocsp(struct app *, struct evhttp_request *,
		    const struct router_match *);
static int	router_match_path(const char *pattern, const char *path,
		    struct router_match *m);
static int	router_cert_id(struct app *app, struct evhttp_request *req,
		    struct router_match *m);
static void	router_dispatch(struct evhttp_request *, void *);

#define ROUTER_ADMIN_ONLY "administration is served on the HTTPS " \
	"listener only, with a client certificate"
#define ROUTER_OCSP_HINT "use POST /ocsp or GET /ocsp/{base64}"

static const struct router_route router_routes[] = {
	{ "/healthz", ROUTER_GET, ROUTER_HTTP, router_health,
	  "use GET", NULL },
	{ "/v1/certs", ROUTER_POST, ROUTER_HTTPS, router_issue,
	  "use POST", "certificate requests are served on the HTTPS "
	  "listener only" },
	{ "/v1/certs/{cert_id}/status", ROUTER_GET, ROUTER_HTTP,
	  router_status, "use GET", NULL },
	{ "/v1/certs/{cert_id}/{action}", ROUTER_POST, ROUTER_HTTPS,
	  router_admin, "use POST", ROUTER_ADMIN_ONLY },
	{ "/ocsp", ROUTER_POST, ROUTER_HTTP, router_ocsp,
	  ROUTER_OCSP_HINT, NULL },
	{ "/ocsp/{tail}", ROUTER_GET, ROUTER_HTTP, router_ocsp,
	  ROUTER_OCSP_HINT, NULL },
};

static struct router_ctx router_ctxs[2];	/* by listener */

static void
router_health(struct app *app, struct evhttp_request *req,
    const struct router_match *m)
{
	(void)m;
	reply_json(req, 200, json_pack("{s:s}", "status",
	    app->draining ? "stopping" : "ok"));
}

static void
router_issue(struct app *app, struct evhttp_request *req,
    const struct router_match *m)
{
	(void)m;
	issue_handle(app, req);
}

static void
router_admin(struct app *app, struct evhttp_request *req,
    const struct router_match *m)
{
	admin_handle(app, req, m->cert_id, m->serial, m->action);
}

static void
router_status(struct app *app, struct evhttp_request *req,
    const struct router_match *m)
{
	status_reply(app, req, m->cert_id, m->serial);
}

static void
router_ocsp(struct app *app, struct evhttp_request *req,
    const struct router_match *m)
{
	ocsp_handle(app, req, m->tail);
}

/*
 * 1 when path fits pattern, with {cert_id} copied into m (an id too
 * long for it still matches, as "", so that it is answered 400),
 * {action} decoded and {tail} pointing into path; else 0.
 */
static int
router_match_path(const char *pattern, const char *path,
    struct router_match *m)
{
	const char *p = pattern, *q = path, *end;
	size_t len;

	memset(m, 0, sizeof(*m));
	while (*p != '\0') {
		if (strcmp(p, "{tail}") == 0) {
			m->tail = q;
			return 1;
		}
		if (strncmp(p, "{action}", 8) == 0) {
			len = strlen(q);
			if ((m->action = transition_action_of(q, len)) ==
			    TRANSITION_TIME)
				return 0;
			p += 8;
			q += len;
			continue;
		}
		if (strncmp(p, "{cert_id}", 9) == 0) {
			end = strchr(q, '/');
			len = end != NULL ? (size_t)(end - q) : strlen(q);
			if (len == 0)
				return 0;
			if (len < sizeof(m->cert_id))
				memcpy(m->cert_id, q, len);
			else
				m->cert_id[0] = '\0';
			p += 9;
			q += len;
			continue;
		}
		if (*p != *q)
			return 0;
		p++;
		q++;
	}
	return *q == '\0';
}

/* Parse {cert_id}: 0 with m->serial set, or -1 after answering. */
static int
router_cert_id(struct app *app, struct evhttp_request *req,
    struct router_match *m)
{
	char issuer[CERTID_ISSUER_LEN], err[256];

	if (m->cert_id[0] == '\0') {
		reply_error(req, HOSTERR_MALFORMED, "malformed certificate "
		    "id: too long");
		return -1;
	}
	if (certid_parse(m->cert_id, issuer, &m->serial, err,
	    sizeof(err)) != 0) {
		reply_error(req, HOSTERR_MALFORMED, "malformed certificate "
		    "id: %s", err);
		return -1;
	}
	if (strcmp(issuer, ca_issuer_id(app->ca)) != 0) {
		reply_error(req, HOSTERR_NOT_FOUND, "certificate %s was not "
		    "issued by this CA (issuer %s)", m->cert_id,
		    ca_issuer_id(app->ca));
		return -1;
	}
	return 0;
}

static void
router_dispatch(struct evhttp_request *req, void *arg)
{
	struct router_ctx *rc = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	unsigned int method = (unsigned int)evhttp_request_get_command(req);
	const struct router_route *r;
	struct router_match m;
	size_t i, n = sizeof(router_routes) / sizeof(router_routes[0]);

	/* From here the request is a handler's: no deadline closes it. */
	connguard_http_dispatched(rc->app->guard, req);
	if (path == NULL) {
		reply_error(req, HOSTERR_MALFORMED, "malformed URI");
		return;
	}
	for (i = 0; i < n; i++) {
		r = &router_routes[i];
		if (!router_match_path(r->pattern, path, &m))
			continue;
		if ((r->methods & method) == 0) {
			reply_error(req, HOSTERR_METHOD, "%s",
			    r->method_hint);
			return;
		}
		if (r->listener == ROUTER_HTTPS &&
		    rc->listener != ROUTER_HTTPS) {
			reply_error(req, HOSTERR_HTTPS_REQUIRED, "%s",
			    r->https_hint);
			return;
		}
		if (strstr(r->pattern, "{cert_id}") != NULL &&
		    router_cert_id(rc->app, req, &m) != 0)
			return;
		r->fn(rc->app, req, &m);
		return;
	}
	reply_error(req, HOSTERR_NOT_FOUND, "no such endpoint");
}

void
router_register(struct app *app, struct evhttp *http,
    enum router_listener listener)
{
	struct router_ctx *rc = &router_ctxs[listener == ROUTER_HTTPS];

	rc->app = app;
	rc->listener = listener;
	evhttp_set_gencb(http, router_dispatch, rc);
}
