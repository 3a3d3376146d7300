/*
 * pvarpc.c - the writing half of the PVAccess front: CERT:CREATE, the
 * certificate creation RPC that PVXS authenticators send, handed to the
 * same pipeline as HTTPS requests (issue.h) and answered when it is
 * decided; and GET on CERT:ROOT and CERT:ISSUER.  pvacreate.c reads the
 * request and builds the replies; this file moves them over one
 * connection (pvaconn_priv.h).  A connection closed while its request
 * is in the pipeline leaves the request to finish alone: its wait
 * record forgets the connection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "issue.h"
#include "pvaconn_priv.h"
#include "pvacreate.h"
#include "pvafront_priv.h"
#include "pvamsg.h"
#include "pvastatus.h"

#define PVARPC_MAX_CREATES	4	/* creation requests in progress */

static int	pvarpc_refuse(struct pva_conn *, uint8_t,
		    const struct pvamsg_op *, const char *);
static void	pvarpc_answer(void *, const struct issue_outcome *);
static int	pvarpc_waiting(void *);

static const struct issue_front pvarpc_front = {
	pvarpc_answer,
	pvarpc_waiting
};

/* An error reply to op, the connection kept.  0, or -1 after closing. */
static int
pvarpc_refuse(struct pva_conn *c, uint8_t command,
    const struct pvamsg_op *op, const char *why)
{
	size_t at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, command);
	int r;

	r = pvastatus_put_u32(&c->out, op->ioid) != 0;
	if (command != PVAMSG_GET_FIELD)
		pvamsg_buf_put(&c->out, &op->sub, 1);
	pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_ERROR, why);
	r = r || pvamsg_end(&c->out, at) != 0;
	if (r != 0 || pvaconn_send(c) != 0) {
		pvaconn_close(c, "cannot answer command 0x%02x", command);
		return -1;
	}
	return 0;
}

/*
 * The operation an INIT (no pipeline) starts on ch: its pvRequest read,
 * o (what the ioid already names) must be NULL.  NULL after closing c.
 */
static struct pva_op *
pvarpc_init_op(struct pva_conn *c, const struct pvamsg_op *op, int be,
    const struct pva_op *o, enum pvaconn_kind kind, struct pva_chan *ch)
{
	struct pva_op *grown;
	char err[256];
	uint32_t window;
	int pipeline;

	if (o != NULL) {
		pvaconn_close(c, "a second INIT for ioid %u",
		    (unsigned)op->ioid);
		return NULL;
	}
	if (pvastatus_read_request(op->body, op->bodylen, be, 0, &pipeline,
	    &window, err, sizeof(err)) != 0) {
		pvaconn_close(c, "pvRequest: %s", err);
		return NULL;
	}

	if (c->nops == PVACONN_MAX_OPS) {
		pvaconn_close(c, "more than %d operations", PVACONN_MAX_OPS);
		return NULL;
	}
	if ((grown = realloc(c->ops, (c->nops + 1) * sizeof(*grown))) ==
	    NULL) {
		pvaconn_close(c, "out of memory");
		return NULL;
	}
	c->ops = grown;
	grown = &c->ops[c->nops++];
	memset(grown, 0, sizeof(*grown));
	grown->ioid = op->ioid;
	grown->sid = op->sid;
	grown->kind = kind;
	grown->chan = ch;
	grown->inited = 1;
	return grown;
}

/*
 * CERT:CREATE: RPC only.  INIT is answered at once (no type, as PVXS
 * expects); EXEC carries the request, which goes to the pipeline and is
 * answered from pvarpc_answer.
 */
int
pvarpc_create(struct pva_conn *c, uint8_t command,
    const struct pvamsg_op *op, int be, struct pva_op *o,
    struct pva_chan *ch)
{
	struct issue_order order;
	enum pvacreate_kind kind;
	struct pva_wait *w;
	char err[512];
	size_t at;
	int r;

	if (command != PVAMSG_RPC)
		return pvarpc_refuse(c, command, op, "CERT:CREATE takes "
		    "RPC only");
	if (op->sub & PVAMSG_SUB_INIT) {
		if (pvarpc_init_op(c, op, be, o, OP_RPC, ch) == NULL)
			return -1;
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_RPC);
		r = pvastatus_put_u32(&c->out, op->ioid) != 0;
		pvamsg_buf_put(&c->out, &op->sub, 1);
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
		r = r || pvamsg_end(&c->out, at) != 0;
		if (r != 0 || pvaconn_send(c) != 0) {
			pvaconn_close(c, "cannot answer an RPC INIT");
			return -1;
		}
		return 0;
	}
	if (o == NULL) {
		pvaconn_close(c, "ioid %u used before its INIT",
		    (unsigned)op->ioid);
		return -1;
	}
	if (o->busy)
		return pvarpc_refuse(c, command, op, "a creation request "
		    "is already in progress on this operation");
	if (pvacreate_parse(c->f->app, op->body, op->bodylen, be, &kind,
	    &order, err, sizeof(err)) != 0) {
		pvaconn_log_cause(c->f, "creation request from %s refused: %s",
		    c->peer, err);
		return pvarpc_refuse(c, command, op, err);
	}
	if (kind == PVACREATE_TRUST_ANCHOR) {
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_RPC);
		r = pvastatus_put_u32(&c->out, op->ioid) != 0;
		pvamsg_buf_put(&c->out, &op->sub, 1);
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
		r = r || pvacreate_put_reply(&c->out, c->f->app, NULL, 0) !=
		    0 || pvamsg_end(&c->out, at) != 0;
		if (op->sub & PVAMSG_SUB_DESTROY)
			pvaconn_drop_op(c, o);
		if (r != 0 || pvaconn_send(c) != 0) {
			pvaconn_close(c, "cannot answer a trust-anchor request");
			return -1;
		}
		return 0;
	}
	if (c->nwaits >= PVARPC_MAX_CREATES) {
		issue_order_clear(&order);
		return pvarpc_refuse(c, command, op, "too many creation "
		    "requests in progress on this connection");
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		issue_order_clear(&order);
		return pvarpc_refuse(c, command, op, "out of memory");
	}
	snprintf(order.peer, sizeof(order.peer), "%s", c->peer);
	if (issue_submit(c->f->app, &order, &pvarpc_front, w, err,
	    sizeof(err)) != 0) {
		free(w);
		return pvarpc_refuse(c, command, op, err);
	}
	w->c = c;
	w->ioid = op->ioid;
	w->next = c->waits;
	c->waits = w;
	c->nwaits++;
	o->busy = 1;
	o->exec_sub = op->sub;
	return 0;
}

static int
pvarpc_waiting(void *ctx)
{
	struct pva_wait *w = ctx;

	return w->c != NULL && pvaconn_find_op(w->c, w->ioid) != NULL;
}

/* The pipeline's outcome of a creation request: the RPC reply. */
static void
pvarpc_answer(void *ctx, const struct issue_outcome *out)
{
	struct pva_wait *w = ctx, **pp;
	struct pva_conn *c = w->c;
	struct pva_op *o;
	char why[PVACMS_REASON_MAX + 64];
	size_t at;
	int r;

	if (c == NULL)
		goto out;
	for (pp = &c->waits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			c->nwaits--;
			break;
		}
	if ((o = pvaconn_find_op(c, w->ioid)) == NULL)
		goto out;	/* the client destroyed the request */
	o->busy = 0;
	at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_RPC);
	r = pvastatus_put_u32(&c->out, o->ioid) != 0;
	pvamsg_buf_put(&c->out, &o->exec_sub, 1);
	if (out->status == 200 || out->status == 201) {
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
		r = r || pvacreate_put_reply(&c->out, c->f->app, out->rec,
		    out->state) != 0;
	} else {
		/* The HTTPS answer's code and reason, in one line. */
		snprintf(why, sizeof(why), "%s (%s%s%s)", out->reason != NULL ?
		    out->reason : "refused", out->code != NULL ? out->code :
		    "internal", out->retry_after != NULL ? "; retry in " : "",
		    out->retry_after != NULL ? out->retry_after : "");
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_ERROR, why);
	}
	r = r || pvamsg_end(&c->out, at) != 0;
	if (o->exec_sub & PVAMSG_SUB_DESTROY)
		pvaconn_drop_op(c, o);
	if (r != 0 || pvaconn_send(c) != 0)
		pvaconn_close(c, "cannot send a creation reply");
out:
	free(w);
}

/* CERT:ROOT and CERT:ISSUER: GET_FIELD and GET. */
int
pvarpc_ca(struct pva_conn *c, uint8_t command,
    const struct pvamsg_op *op, int be, struct pva_op *o,
    struct pva_chan *ch)
{
	size_t at;
	int r;

	if (command == PVAMSG_GET_FIELD) {
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_GET_FIELD);
		r = pvastatus_put_u32(&c->out, op->ioid) != 0;
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
		r = r || pvacreate_put_ca_type(&c->out) != 0;
		r = r || pvamsg_end(&c->out, at) != 0;
		goto send;
	}
	if (command != PVAMSG_GET)
		return pvarpc_refuse(c, command, op, "the CA PVs are "
		    "read-only (GET)");
	if (op->sub & PVAMSG_SUB_INIT) {
		if (pvarpc_init_op(c, op, be, o, OP_GET, ch) == NULL)
			return -1;
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_GET);
		r = pvastatus_put_u32(&c->out, op->ioid) != 0;
		pvamsg_buf_put(&c->out, &op->sub, 1);
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
		r = r || pvacreate_put_ca_type(&c->out) != 0;
		r = r || pvamsg_end(&c->out, at) != 0;
		goto send;
	}
	if (o == NULL) {
		pvaconn_close(c, "ioid %u used before its INIT",
		    (unsigned)op->ioid);
		return -1;
	}
	at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_GET);
	r = pvastatus_put_u32(&c->out, op->ioid) != 0;
	pvamsg_buf_put(&c->out, &op->sub, 1);
	pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
	r = r || pvacreate_put_ca_value(&c->out, c->f->app,
	    ch->pv == PVACREATE_PV_ISSUER) != 0;
	r = r || pvamsg_end(&c->out, at) != 0;
	if (op->sub & PVAMSG_SUB_DESTROY)
		pvaconn_drop_op(c, o);
send:
	if (r != 0 || pvaconn_send(c) != 0) {
		pvaconn_close(c, "cannot answer command 0x%02x", command);
		return -1;
	}
	return 0;
}
