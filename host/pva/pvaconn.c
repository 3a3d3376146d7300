/*
 * pvaconn.c - one TCP connection of the PVAccess front (see pvaconn.h).
 *
 * The server speaks first: SetEndian and CONNECTION_VALIDATION offering
 * "anonymous" and "ca"; any reply is accepted (status is public, as
 * PVACMS serves it to every caller) and answered CONNECTION_VALIDATED.
 * Then the client creates channels on status PV names and runs
 * GET_FIELD, GET and MONITOR on them (pvaccess.md §6, §7); on CERT:CREATE
 * it runs RPC (a certificate creation request, handed to the same
 * pipeline as HTTPS requests, issue.h), on CERT:ROOT and CERT:ISSUER GET.  Everything
 * the front sends is little-endian with the server flag; what it reads
 * may be either order, per message.
 *
 * A monitor's first update must already be final and valid (§11: PVXS
 * agents act on the first update of a subscription only), so it is the
 * signed answer as it is now, sent the moment START arrives.  Later
 * state changes and re-signed answers are posted too.
 *
 * Every size from the wire is capped by the framer and the parsers; a
 * malformed or out-of-order message, too many channels or operations,
 * or a client that does not read what it is sent, closes that one
 * connection with a log line (rate-limited).  app->guard bounds the
 * connections in total and per peer, and closes idle ones.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "app.h"
#include "ca.h"
#include "certid.h"
#include "conf.h"
#include "connguard.h"
#include "log.h"
#include "netaddr.h"
#include "pvaconn.h"
#include "pvacreate.h"
#include "pvaconn_priv.h"
#include "pvafront_priv.h"
#include "pvamsg.h"
#include "pvasearch.h"
#include "pvastatus.h"
#include "statuspv.h"

static void	pvaconn_read(struct bufferevent *, void *);
static void	pvaconn_event(struct bufferevent *, short, void *);
static void	pvaconn_evict(void *);
static void	pvaconn_free(struct pva_conn *);
static int	pvaconn_message(struct pva_conn *,
		    const struct pvamsg_frame *);
static int	pvaconn_create(struct pva_conn *, const uint8_t *, size_t,
		    int);
static int	pvaconn_destroy_chan(struct pva_conn *, const uint8_t *,
		    size_t, int);
static int	pvaconn_op(struct pva_conn *, uint8_t, const uint8_t *,
		    size_t, int);
static int	pvaconn_update(struct pva_conn *, struct pva_op *);
static int	pvaconn_send_update(struct pva_conn *, struct pva_op *,
		    const struct statuspv *, const struct pvamsg_buf *);
static int	pvaconn_encode(struct pva_front *, uint64_t, int,
		    struct statuspv *, struct pvamsg_buf *);
static struct pva_chan *pvaconn_chan(struct pva_conn *, uint32_t);

void
pvaconn_accept(struct pva_front *f, evutil_socket_t fd,
    const struct sockaddr *sa)
{
	static const char *const methods[] = { "anonymous", "ca" };
	struct pva_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->f = f;
	pvamsg_framer_init(&c->framer, PVACONN_MAX_MSG, PVACONN_MAX_MSG, 0);
	pvamsg_buf_init(&c->out);
	netaddr_text(sa, c->peer, sizeof(c->peer));
	c->bev = bufferevent_socket_new(f->app->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		pvaconn_free(c);
		return;
	}
	/* Admission may close older connections of this peer first. */
	if (f->app->guard != NULL && (c->gc = connguard_admit(f->app->guard,
	    sa, pvaconn_evict, c)) == NULL) {
		pvaconn_free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&f->conns, c, link);
	f->nconns++;
	c->linked = 1;
	bufferevent_setcb(c->bev, pvaconn_read, NULL, pvaconn_event, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0 ||
	    pvamsg_hello_build(&c->out, 0, 0x10000, 0x7fff, methods, 2) != 0 ||
	    pvaconn_send(c) != 0)
		pvaconn_close(c, "cannot greet");
}

/* The guard closes c (a cap or a deadline); it has let go of c->gc. */
static void
pvaconn_evict(void *arg)
{
	struct pva_conn *c = arg;

	c->gc = NULL;
	pvaconn_free(c);
}

static void
pvaconn_free(struct pva_conn *c)
{
	struct pva_wait *w;

	/* Requests in the pipeline answer into the void. */
	for (w = c->waits; w != NULL; w = w->next)
		w->c = NULL;
	if (c->gc != NULL)
		connguard_release(c->f->app->guard, c->gc);
	if (c->linked) {
		TAILQ_REMOVE(&c->f->conns, c, link);
		c->f->nconns--;
	}
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	pvamsg_framer_free(&c->framer);
	pvamsg_buf_free(&c->out);
	free(c->chans);
	free(c->ops);
	free(c);
}

/*
 * A line about what a client did wrong; under a flood of bad clients at
 * most PVACONN_LOG_LINES a window, then a count.
 */
void
pvaconn_log_cause(struct pva_front *f, const char *fmt, ...)
{
	int64_t now = (int64_t)time(NULL);
	char line[512];
	va_list ap;

	if (now - f->log_window >= PVACONN_LOG_WINDOW) {
		if (f->log_lines > PVACONN_LOG_LINES)
			log_info("PVA: %u more line(s) about clients' faults "
			    "in the last %d s", f->log_lines -
			    PVACONN_LOG_LINES, PVACONN_LOG_WINDOW);
		f->log_window = now;
		f->log_lines = 0;
	}
	if (++f->log_lines > PVACONN_LOG_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_info("PVA: %s", line);
}

/* Close for cause, with a (rate-limited) log line. */
void
pvaconn_close(struct pva_conn *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->f->dropped++;
	pvaconn_log_cause(c->f, "closing the connection from %s: %s",
	    c->peer, why);
	pvaconn_free(c);
}

int
pvaconn_send(struct pva_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int r = 0;

	if (c->out.err)
		r = -1;
	else if (evbuffer_get_length(out) + c->out.len > PVACONN_MAX_OUTPUT)
		r = -1;		/* the client does not read what it gets */
	else if (c->out.len > 0 &&
	    evbuffer_add(out, c->out.data, c->out.len) != 0)
		r = -1;
	pvamsg_buf_reset(&c->out);
	return r;
}

static void
pvaconn_event(struct bufferevent *bev, short what, void *arg)
{
	struct pva_conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		pvaconn_free(c);	/* the peer went: no cause to log */
}

static void
pvaconn_read(struct bufferevent *bev, void *arg)
{
	struct pva_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct pvamsg_frame fr;
	char err[256];
	size_t have, want;
	uint8_t *p;
	int r;

	if (c->gc != NULL)
		connguard_phase(c->f->app->guard, c->gc, c->validated ?
		    CONNGUARD_IDLE : CONNGUARD_WAITING);
	for (;;) {
		have = evbuffer_get_length(in);
		if (have == 0)
			return;
		want = have < PVAMSG_HDR_LEN ? have : PVAMSG_HDR_LEN;
		if ((p = evbuffer_pullup(in, (ev_ssize_t)want)) == NULL)
			return;
		r = pvamsg_frame(&c->framer, p, want, &fr, err, sizeof(err));
		if (r == PVAMSG_EAGAIN && fr.need <= have) {
			/* The whole message is here: frame it in one piece. */
			if ((p = evbuffer_pullup(in,
			    (ev_ssize_t)fr.need)) == NULL)
				return;
			r = pvamsg_frame(&c->framer, p, fr.need, &fr, err,
			    sizeof(err));
		}
		if (r == PVAMSG_EAGAIN)
			return;
		if (r != 0) {
			pvaconn_close(c, "%s", err);
			return;
		}
		if (fr.complete && pvaconn_message(c, &fr) != 0)
			return;		/* closed */
		evbuffer_drain(in, fr.consumed);
	}
}

/* One whole message.  0, or -1 after closing c. */
static int
pvaconn_message(struct pva_conn *c, const struct pvamsg_frame *fr)
{
	const struct pvamsg_header *h = &fr->hdr;
	struct pvamsg_validation v;
	char err[256];
	int be = PVAMSG_IS_BE(h), r = 0;

	if (PVAMSG_IS_CONTROL(h)) {
		r = pvamsg_control(h, &c->out, err, sizeof(err));
		goto sent;
	}
	if (!c->validated && h->command != PVAMSG_CONNECTION_VALIDATION &&
	    h->command != PVAMSG_ECHO) {
		pvaconn_close(c, "command 0x%02x before validation",
		    h->command);
		return -1;
	}
	switch (h->command) {
	case PVAMSG_CONNECTION_VALIDATION:
		if (c->validated) {
			pvaconn_close(c, "a second validation");
			return -1;
		}
		if ((r = pvamsg_validation_parse(fr->payload, fr->len, be, &v,
		    err, sizeof(err))) != 0)
			break;
		c->validated = 1;
		if (c->gc != NULL)
			connguard_phase(c->f->app->guard, c->gc,
			    CONNGUARD_IDLE);
		r = pvamsg_validated_build(&c->out, 0, PVAMSG_STATUS_OK, NULL);
		break;
	case PVAMSG_ECHO:
		r = pvamsg_echo_reply(h, fr->payload, fr->len, &c->out, err,
		    sizeof(err));
		break;
	case PVAMSG_SEARCH: {
		/* A name-server search over TCP (§5.3): port 0 = this one. */
		static struct pvasearch_req sreq;	/* large; loop only */

		if ((r = pvasearch_parse(fr->payload, fr->len, be, &sreq, err,
		    sizeof(err))) != 0)
			break;
		r = pvasearch_respond(&sreq, c->f->guid, NULL, 0,
		    pvacreate_serves, c->f->app, &c->out, NULL, err,
		    sizeof(err));
		break;
	}
	case PVAMSG_CREATE_CHANNEL:
		return pvaconn_create(c, fr->payload, fr->len, be);
	case PVAMSG_DESTROY_CHANNEL:
		return pvaconn_destroy_chan(c, fr->payload, fr->len, be);
	case PVAMSG_GET:
	case PVAMSG_GET_FIELD:
	case PVAMSG_MONITOR:
	case PVAMSG_PUT:
	case PVAMSG_PUT_GET:
	case PVAMSG_RPC:
	case PVAMSG_DESTROY_REQUEST:
	case PVAMSG_CANCEL_REQUEST:
		return pvaconn_op(c, h->command, fr->payload, fr->len, be);
	default:
		/* As PVXS: an unknown command is drained and ignored. */
		return 0;
	}
sent:
	if (r != 0) {
		pvaconn_close(c, "%s", err);
		return -1;
	}
	if (pvaconn_send(c) != 0) {
		pvaconn_close(c, "output over %d bytes", PVACONN_MAX_OUTPUT);
		return -1;
	}
	return 0;
}

static struct pva_chan *
pvaconn_chan(struct pva_conn *c, uint32_t sid)
{
	size_t i;

	for (i = 0; i < c->nchans; i++)
		if (c->chans[i].sid == sid)
			return &c->chans[i];
	return NULL;
}

/* CREATE_CHANNEL: a status PV name gets a channel, anything else not. */
static int
pvaconn_create(struct pva_conn *c, const uint8_t *p, size_t len, int be)
{
	struct pvamsg_create_req req;
	struct pva_chan *ch, *grown;
	char name[PVAMSG_MAX_NAME + 1], issuer[CERTID_ISSUER_LEN], err[256];
	uint64_t serial;
	size_t i;
	int r;

	if ((r = pvamsg_create_parse(p, len, be, &req, err,
	    sizeof(err))) != 0) {
		pvaconn_close(c, "%s", err);
		return -1;
	}
	for (i = 0; i < req.n; i++) {
		enum pvacreate_pv pv;

		memcpy(name, req.chan[i].name.ptr, req.chan[i].name.len);
		name[req.chan[i].name.len] = '\0';
		serial = 0;
		issuer[0] = '\0';
		if ((pv = pvacreate_pv_of(c->f->app, name)) ==
		    PVACREATE_PV_NONE || (pv == PVACREATE_PV_STATUS &&
		    certid_parse_status_pv(name, issuer, &serial, err,
		    sizeof(err)) != 0)) {
			r = pvamsg_create_reply_build(&c->out, 0,
			    req.chan[i].cid, PVAMSG_SID_NONE,
			    PVAMSG_STATUS_FATAL, "Refused to create Channel");
			continue;
		}
		if (c->nchans == PVACONN_MAX_CHANNELS) {
			pvaconn_close(c, "more than %d channels",
			    PVACONN_MAX_CHANNELS);
			return -1;
		}
		if ((grown = realloc(c->chans, (c->nchans + 1) *
		    sizeof(*grown))) == NULL) {
			pvaconn_close(c, "out of memory");
			return -1;
		}
		c->chans = grown;
		/* The ops point at channels: keep them right after realloc. */
		ch = &c->chans[c->nchans++];
		ch->cid = req.chan[i].cid;
		ch->sid = c->f->next_sid++;
		ch->pv = pv;
		ch->serial = serial;
		ch->ours = pv != PVACREATE_PV_STATUS ||
		    strcmp(issuer, ca_issuer_id(c->f->app->ca)) == 0;
		r = pvamsg_create_reply_build(&c->out, 0, ch->cid, ch->sid,
		    PVAMSG_STATUS_OK, NULL);
	}
	{
		size_t k;

		/* realloc may have moved the channels. */
		for (k = 0; k < c->nops; k++)
			c->ops[k].chan = pvaconn_chan(c, c->ops[k].sid);
	}
	if (r != 0 || pvaconn_send(c) != 0) {
		pvaconn_close(c, "cannot answer CREATE_CHANNEL");
		return -1;
	}
	return 0;
}

static int
pvaconn_destroy_chan(struct pva_conn *c, const uint8_t *p, size_t len,
    int be)
{
	struct pva_chan *ch;
	char err[256];
	uint32_t sid, cid;
	size_t i;

	if (pvamsg_destroy_chan_parse(p, len, be, &sid, &cid, err,
	    sizeof(err)) != 0) {
		pvaconn_close(c, "%s", err);
		return -1;
	}
	if ((ch = pvaconn_chan(c, sid)) == NULL)
		return 0;	/* raced with our own destroy: ignore */
	for (i = c->nops; i > 0; i--)
		if (c->ops[i - 1].sid == sid)
			pvaconn_drop_op(c, &c->ops[i - 1]);
	*ch = c->chans[--c->nchans];
	for (i = 0; i < c->nops; i++)
		c->ops[i].chan = pvaconn_chan(c, c->ops[i].sid);
	if (pvamsg_destroy_chan_build(&c->out, 0, sid, cid) != 0 ||
	    pvaconn_send(c) != 0) {
		pvaconn_close(c, "cannot answer DESTROY_CHANNEL");
		return -1;
	}
	return 0;
}

struct pva_op *
pvaconn_find_op(struct pva_conn *c, uint32_t ioid)
{
	size_t i;

	for (i = 0; i < c->nops; i++)
		if (c->ops[i].ioid == ioid)
			return &c->ops[i];
	return NULL;
}

void
pvaconn_drop_op(struct pva_conn *c, struct pva_op *op)
{
	*op = c->ops[--c->nops];
}

/*
 * An operation.  The reply to an INIT carries the status type; a GET's
 * EXEC and a started MONITOR carry the value (pvastatus.h encodes both).
 */
static int
pvaconn_op(struct pva_conn *c, uint8_t command, const uint8_t *p,
    size_t len, int be)
{
	struct pvamsg_op op;
	struct pva_op *o, *grown;
	struct pva_chan *ch;
	char err[256];
	uint32_t window = 0;
	int pipeline = 0, r;
	size_t at;

	if (command == PVAMSG_DESTROY_REQUEST ||
	    command == PVAMSG_CANCEL_REQUEST) {
		uint32_t sid, ioid;

		if (pvamsg_end_op_parse(p, len, be, &sid, &ioid, err,
		    sizeof(err)) != 0) {
			pvaconn_close(c, "%s", err);
			return -1;
		}
		if ((o = pvaconn_find_op(c, ioid)) != NULL)
			pvaconn_drop_op(c, o);
		return 0;	/* not acknowledged (§6.4) */
	}
	if (pvamsg_op_parse(command, p, len, be, &op, err,
	    sizeof(err)) != 0) {
		pvaconn_close(c, "%s", err);
		return -1;
	}
	if ((ch = pvaconn_chan(c, op.sid)) == NULL)
		return 0;	/* a channel we destroyed: ignore, as PVXS */
	o = pvaconn_find_op(c, op.ioid);
	if (ch->pv == PVACREATE_PV_CREATE)
		return pvarpc_create(c, command, &op, be, o, ch);
	if (ch->pv == PVACREATE_PV_ROOT || ch->pv == PVACREATE_PV_ISSUER)
		return pvarpc_ca(c, command, &op, be, o, ch);
	if (command == PVAMSG_GET_FIELD) {
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_GET_FIELD);
		r = pvastatus_put_u32(&c->out, op.ioid) != 0 ||
		    pvastatus_put_field_reply(&c->out) != 0 ||
		    pvamsg_end(&c->out, at) != 0;
		goto send;
	}
	if (command != PVAMSG_GET && command != PVAMSG_MONITOR) {
		/* PUT, RPC on a status PV: an honest error, not silence. */
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, command);
		pvastatus_put_u32(&c->out, op.ioid);
		pvamsg_buf_put(&c->out, &op.sub, 1);
		pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_ERROR,
		    "status PVs are read-only here");
		r = pvamsg_end(&c->out, at) != 0;
		goto send;
	}
	if (op.sub & PVAMSG_SUB_INIT) {
		if (o != NULL) {
			pvaconn_close(c, "a second INIT for ioid %u",
			    (unsigned)op.ioid);
			return -1;
		}
		if (pvastatus_read_request(op.body, op.bodylen, be,
		    command == PVAMSG_MONITOR && (op.sub & PVAMSG_SUB_PIPELINE),
		    &pipeline, &window, err, sizeof(err)) != 0) {
			pvaconn_close(c, "pvRequest: %s", err);
			return -1;
		}
		if (c->nops == PVACONN_MAX_OPS) {
			pvaconn_close(c, "more than %d operations",
			    PVACONN_MAX_OPS);
			return -1;
		}
		if ((grown = realloc(c->ops, (c->nops + 1) *
		    sizeof(*grown))) == NULL) {
			pvaconn_close(c, "out of memory");
			return -1;
		}
		c->ops = grown;
		o = &c->ops[c->nops++];
		memset(o, 0, sizeof(*o));
		o->ioid = op.ioid;
		o->sid = op.sid;
		o->kind = command == PVAMSG_GET ? OP_GET : OP_MONITOR;
		o->chan = ch;
		o->inited = 1;
		o->pipeline = pipeline;
		o->window = window;
		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, command);
		r = pvastatus_put_u32(&c->out, op.ioid) != 0 ||
		    pvastatus_put_init_reply(&c->out, op.sub) != 0 ||
		    pvamsg_end(&c->out, at) != 0;
		goto send;
	}
	if (o == NULL) {
		pvaconn_close(c, "ioid %u used before its INIT",
		    (unsigned)op.ioid);
		return -1;
	}
	if (command == PVAMSG_GET) {
		struct statuspv sv;
		int got = statuspv_get(c->f->app, ch->serial, ch->ours, &sv);

		at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_GET);
		r = pvastatus_put_u32(&c->out, op.ioid) != 0;
		pvamsg_buf_put(&c->out, &op.sub, 1);
		if (got != 0)
			pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_ERROR,
			    "the status cannot be read now; try again");
		else {
			pvamsg_status_put(&c->out, 0, PVAMSG_STATUS_OK, NULL);
			r = r || pvastatus_put_value(&c->out, &sv) != 0;
		}
		r = r || pvamsg_end(&c->out, at) != 0;
		if (op.sub & PVAMSG_SUB_DESTROY)
			pvaconn_drop_op(c, o);
		goto send;
	}
	/* MONITOR after INIT: acks, START, STOP, destroy. */
	if (op.has_ack)
		o->window += op.ack;
	if (op.sub & PVAMSG_SUB_DESTROY) {
		pvaconn_drop_op(c, o);
		return 0;
	}
	if ((op.sub & (PVAMSG_SUB_START_STOP | PVAMSG_SUB_GET)) ==
	    (PVAMSG_SUB_START_STOP | PVAMSG_SUB_GET)) {
		if (!o->started) {
			o->started = 1;
			return pvaconn_update(c, o);
		}
		return 0;
	}
	if (op.sub & PVAMSG_SUB_START_STOP)
		o->started = 0;
	return 0;
send:
	if (r != 0 || pvaconn_send(c) != 0) {
		pvaconn_close(c, "cannot answer command 0x%02x", command);
		return -1;
	}
	return 0;
}

/*
 * Send one monitor update: val is the encoded masked value (the same
 * bytes for every subscriber of a serial), sv what it says.  With a
 * pipeline, only while the window allows.  0, or -1 after closing c.
 */
static int
pvaconn_send_update(struct pva_conn *c, struct pva_op *o,
    const struct statuspv *sv, const struct pvamsg_buf *val)
{
	size_t at;
	int r;

	if (!o->started || (o->pipeline && o->window == 0))
		return 0;
	at = pvamsg_begin(&c->out, PVAMSG_F_SERVER, PVAMSG_MONITOR);
	r = pvastatus_put_u32(&c->out, o->ioid) != 0;
	pvamsg_buf_put(&c->out, "", 1);		/* sub-command 00 */
	pvamsg_buf_put(&c->out, val->data, val->len);
	r = r || pvastatus_put_empty_bits(&c->out) != 0 ||
	    pvamsg_end(&c->out, at) != 0;
	if (r != 0 || pvaconn_send(c) != 0) {
		pvaconn_close(c, "cannot send a monitor update");
		return -1;
	}
	o->posted_this_update = sv->this_update;
	o->posted_state = sv->state;
	if (o->pipeline)
		o->window--;
	return 0;
}

/*
 * The status of serial as it is now, encoded once into val (caller
 * frees with pvamsg_buf_free).  0, or -1 when there is no answer now:
 * the next change or refresh tries again, and no placeholder is ever
 * sent first (pvaccess.md §11.4).
 */
static int
pvaconn_encode(struct pva_front *f, uint64_t serial, int ours,
    struct statuspv *sv, struct pvamsg_buf *val)
{
	pvamsg_buf_init(val);
	if (statuspv_get(f->app, serial, ours, sv) != 0) {
		log_error("PVA: no status for serial %llu now",
		    (unsigned long long)serial);
		return -1;
	}
	if (pvastatus_put_value(val, sv) != 0) {
		pvamsg_buf_free(val);
		return -1;
	}
	return 0;
}

/* One subscriber's update with the status as it is now. */
static int
pvaconn_update(struct pva_conn *c, struct pva_op *o)
{
	struct statuspv sv;
	struct pvamsg_buf val;
	int r;

	if (!o->started || (o->pipeline && o->window == 0))
		return 0;
	if (pvaconn_encode(c->f, o->chan->serial, o->chan->ours, &sv,
	    &val) != 0)
		return 0;
	r = pvaconn_send_update(c, o, &sv, &val);
	pvamsg_buf_free(&val);
	return r;
}

void
pvaconn_post_serial(struct pva_front *f, uint64_t serial)
{
	struct pva_conn *c, *next;
	struct statuspv sv;
	struct pvamsg_buf val;
	int have = 0;
	size_t i;

	for (c = TAILQ_FIRST(&f->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		for (i = 0; i < c->nops; i++) {
			struct pva_op *o = &c->ops[i];

			if (o->kind != OP_MONITOR || !o->started ||
			    o->chan == NULL || o->chan->serial != serial ||
			    !o->chan->ours)
				continue;
			/* One read and one encoding for all subscribers. */
			if (!have && pvaconn_encode(f, serial, 1, &sv,
			    &val) != 0)
				return;
			have = 1;
			if (pvaconn_send_update(c, o, &sv, &val) != 0)
				break;	/* c is gone */
		}
	}
	if (have)
		pvamsg_buf_free(&val);
}

void
pvaconn_refresh(struct pva_front *f, int64_t now)
{
	struct pva_conn *c, *next;
	int64_t half = (int64_t)f->app->cfg->status_validity_mins * 30;
	size_t i;

	for (c = TAILQ_FIRST(&f->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		for (i = 0; i < c->nops; i++) {
			struct pva_op *o = &c->ops[i];

			if (o->kind != OP_MONITOR || !o->started ||
			    o->chan == NULL || !o->chan->ours ||
			    now - o->posted_this_update < half)
				continue;
			if (pvaconn_update(c, o) != 0)
				break;	/* c is gone */
		}
	}
}

void
pvaconn_close_all(struct pva_front *f)
{
	struct pva_conn *c;

	while ((c = TAILQ_FIRST(&f->conns)) != NULL)
		pvaconn_free(c);
}
