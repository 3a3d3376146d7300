/*
 * pvamsg.c - the PVAccess message layer of the pvacms front: header,
 * framing, control messages and the connection and channel bodies
 * (PVA §3, §6, §7.1).  Pure: bytes in, values or bytes out; sockets and
 * the event loop are the front's.  Every size read from the wire is
 * checked against what is left and against a cap before it is used, so
 * hostile input ends in an error value, never in an over-read; the
 * fuzz target tests/fuzz/fuzz_pvamsg.c holds it to that.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvamsg.h"
#include "pvawire.h"

static int	pvamsg_rd_end(const struct pvawire_rd *r, const char *what,
		    char *err, size_t errlen);
static int	pvamsg_seg_add(struct pvamsg_framer *f, const uint8_t *p,
		    size_t n, char *err, size_t errlen);
static int	pvamsg_ca_data(struct pvamsg_validation *v, int be);
static int	pvamsg_has_nul(const struct pvamsg_str *s);

/*
 * The end of a fixed layout: truncated if a read failed, malformed if
 * bytes are left over (a message PVXS would not send).
 */
static int
pvamsg_rd_end(const struct pvawire_rd *r, const char *what, char *err,
    size_t errlen)
{
	if (r->bad)
		return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
		    "%s: truncated", what);
	if (r->off != r->len)
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "%s: %zu trailing bytes", what, r->len - r->off);
	return PVAMSG_OK;
}

static int
pvamsg_has_nul(const struct pvamsg_str *s)
{
	return s->len > 0 && memchr(s->ptr, '\0', s->len) != NULL;
}

const char *
pvamsg_strerror(int code)
{
	switch (code) {
	case PVAMSG_OK:
		return "ok";
	case PVAMSG_EAGAIN:
		return "incomplete message";
	case PVAMSG_ETRUNC:
		return "truncated";
	case PVAMSG_EMALFORMED:
		return "malformed";
	case PVAMSG_ETOOBIG:
		return "too large";
	case PVAMSG_ESEQUENCE:
		return "out of sequence";
	case PVAMSG_ENOMEM:
		return "out of memory";
	case PVAMSG_EINVAL:
		return "invalid argument";
	}
	return "unknown error";
}

void
pvamsg_buf_init(struct pvamsg_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
pvamsg_buf_reset(struct pvamsg_buf *b)
{
	b->len = 0;
	b->err = 0;
}

void
pvamsg_buf_free(struct pvamsg_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
pvamsg_buf_put(struct pvamsg_buf *b, const void *p, size_t n)
{
	size_t cap;
	uint8_t *d;

	if (b->err || n == 0)
		return;
	if (n > PVAMSG_BUF_MAX - b->len) {
		b->err = PVAMSG_ENOMEM;
		return;
	}
	if (b->len + n > b->cap) {
		cap = b->cap > 0 ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if (cap > PVAMSG_BUF_MAX)
			cap = PVAMSG_BUF_MAX;
		if ((d = realloc(b->data, cap)) == NULL) {
			b->err = PVAMSG_ENOMEM;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

int
pvamsg_header_parse(const uint8_t *p, size_t len, struct pvamsg_header *h,
    char *err, size_t errlen)
{
	struct pvawire_rd r;

	memset(h, 0, sizeof(*h));
	if (p == NULL || len < PVAMSG_HDR_LEN)
		return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
		    "header: %zu of 8 bytes", p == NULL ? 0 : len);
	if (p[0] != PVAMSG_MAGIC)
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "header: bad magic 0x%02x", p[0]);
	if (p[1] == 0)
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "header: protocol version 0");
	h->version = p[1];
	h->flags = p[2];
	h->command = p[3];
	pvawire_rd_init(&r, p + 4, 4, PVAMSG_IS_BE(h));
	h->size = pvawire_u32(&r);
	return PVAMSG_OK;
}

void
pvamsg_header_build(uint8_t out[PVAMSG_HDR_LEN], uint8_t flags,
    uint8_t command, uint32_t size)
{
	out[0] = PVAMSG_MAGIC;
	out[1] = PVAMSG_VERSION;
	out[2] = flags;
	out[3] = command;
	pvawire_enc_u32(out + 4, (flags & PVAMSG_F_BE) != 0, size);
}

size_t
pvamsg_begin(struct pvamsg_buf *b, uint8_t flags, uint8_t command)
{
	uint8_t h[PVAMSG_HDR_LEN];
	size_t at = b->len;

	pvamsg_header_build(h, flags, command, 0);
	pvamsg_buf_put(b, h, sizeof(h));
	return at;
}

int
pvamsg_end(struct pvamsg_buf *b, size_t at)
{
	size_t body;

	if (b->err)
		return PVAMSG_ENOMEM;
	if (at > b->len || b->len - at < PVAMSG_HDR_LEN)
		return PVAMSG_EINVAL;
	body = b->len - at - PVAMSG_HDR_LEN;
	/* PVAMSG_BUF_MAX keeps body far below 4 GiB. */
	pvawire_enc_u32(b->data + at + 4, (b->data[at + 2] & PVAMSG_F_BE) != 0,
	    (uint32_t)body);
	return PVAMSG_OK;
}

void
pvamsg_framer_init(struct pvamsg_framer *f, size_t max_payload,
    size_t max_total, int peer_is_server)
{
	memset(f, 0, sizeof(*f));
	f->max_payload = max_payload;
	f->max_total = max_total < max_payload ? max_payload : max_total;
	f->peer_is_server = peer_is_server != 0;
}

void
pvamsg_framer_free(struct pvamsg_framer *f)
{
	free(f->seg);
	f->seg = NULL;
	f->seglen = f->segcap = 0;
	f->inseg = 0;
}

/* Append a segment's payload to the reassembly buffer, within the cap. */
static int
pvamsg_seg_add(struct pvamsg_framer *f, const uint8_t *p, size_t n,
    char *err, size_t errlen)
{
	size_t cap;
	uint8_t *d;

	if (n > f->max_total - f->seglen)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "segmented message larger than %zu bytes", f->max_total);
	if (f->seglen + n > f->segcap) {
		cap = f->segcap > 0 ? f->segcap : 1024;
		while (cap < f->seglen + n)
			cap *= 2;
		if (cap > f->max_total)
			cap = f->max_total;
		if ((d = realloc(f->seg, cap)) == NULL)
			return pvawire_fail(PVAMSG_ENOMEM, err, errlen,
			    "segmented message: out of memory");
		f->seg = d;
		f->segcap = cap;
	}
	if (n > 0)
		memcpy(f->seg + f->seglen, p, n);
	f->seglen += n;
	return PVAMSG_OK;
}

int
pvamsg_frame(struct pvamsg_framer *f, const uint8_t *p, size_t len,
    struct pvamsg_frame *fr, char *err, size_t errlen)
{
	struct pvamsg_header h;
	int r, seg;

	memset(fr, 0, sizeof(*fr));
	if (p == NULL)
		len = 0;
	if (len < PVAMSG_HDR_LEN) {
		fr->need = PVAMSG_HDR_LEN;
		return pvawire_fail(PVAMSG_EAGAIN, err, errlen,
		    "need %d header bytes", PVAMSG_HDR_LEN);
	}
	if ((r = pvamsg_header_parse(p, len, &h, err, errlen)) != 0)
		return r;
	if (((h.flags & PVAMSG_F_SERVER) != 0) != f->peer_is_server)
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "header: direction bit %s on a %s message",
		    f->peer_is_server ? "clear" : "set",
		    f->peer_is_server ? "server" : "client");
	seg = PVAMSG_SEG(&h);
	if (PVAMSG_IS_CONTROL(&h)) {
		/* The size field is the control value; no payload. */
		if (seg != PVAMSG_SEG_NONE)
			return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
			    "control message with segment bits");
		fr->hdr = h;
		fr->consumed = PVAMSG_HDR_LEN;
		fr->complete = 1;
		return PVAMSG_OK;
	}
	if (h.size > f->max_payload)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "command 0x%02x: payload %lu bytes, cap %zu", h.command,
		    (unsigned long)h.size, f->max_payload);
	if (len - PVAMSG_HDR_LEN < h.size) {
		fr->need = PVAMSG_HDR_LEN + (size_t)h.size;
		return pvawire_fail(PVAMSG_EAGAIN, err, errlen,
		    "need %zu bytes", fr->need);
	}
	fr->consumed = PVAMSG_HDR_LEN + (size_t)h.size;
	if (seg == PVAMSG_SEG_NONE) {
		if (f->inseg)
			return pvawire_fail(PVAMSG_ESEQUENCE, err, errlen,
			    "unsegmented command 0x%02x inside a segmented "
			    "message", h.command);
		fr->hdr = h;
		fr->payload = p + PVAMSG_HDR_LEN;
		fr->len = h.size;
		fr->complete = 1;
		return PVAMSG_OK;
	}
	if (seg == PVAMSG_SEG_FIRST) {
		if (f->inseg)
			return pvawire_fail(PVAMSG_ESEQUENCE, err, errlen,
			    "first segment inside a segmented message");
		f->inseg = 1;
		f->seglen = 0;
		f->seghdr = h;
	} else if (!f->inseg)
		return pvawire_fail(PVAMSG_ESEQUENCE, err, errlen,
		    "%s segment without a first",
		    seg == PVAMSG_SEG_LAST ? "last" : "middle");
	else if (h.command != f->seghdr.command ||
	    PVAMSG_IS_BE(&h) != PVAMSG_IS_BE(&f->seghdr))
		return pvawire_fail(PVAMSG_ESEQUENCE, err, errlen,
		    "segment of command 0x%02x continues command 0x%02x",
		    h.command, f->seghdr.command);
	if ((r = pvamsg_seg_add(f, p + PVAMSG_HDR_LEN, h.size, err,
	    errlen)) != 0)
		return r;
	if (seg != PVAMSG_SEG_LAST)
		return PVAMSG_OK;
	f->inseg = 0;
	fr->hdr = f->seghdr;
	fr->hdr.flags &= (uint8_t)~PVAMSG_F_SEGMASK;
	fr->hdr.size = (uint32_t)f->seglen;
	fr->payload = f->seg;
	fr->len = f->seglen;
	fr->complete = 1;
	return PVAMSG_OK;
}

int
pvamsg_control(const struct pvamsg_header *h, struct pvamsg_buf *out,
    char *err, size_t errlen)
{
	uint8_t m[PVAMSG_HDR_LEN];

	if (!PVAMSG_IS_CONTROL(h))
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "not a control message");
	if (h->command != PVAMSG_CTL_ECHO_REQ)
		return PVAMSG_OK;
	pvamsg_header_build(m, PVAMSG_F_CONTROL | PVAMSG_F_SERVER |
	    (h->flags & PVAMSG_F_BE), PVAMSG_CTL_ECHO_RESP, h->size);
	pvamsg_buf_put(out, m, sizeof(m));
	return out->err ? pvawire_fail(PVAMSG_ENOMEM, err, errlen,
	    "echo response: out of memory") : PVAMSG_OK;
}

int
pvamsg_set_endian_build(struct pvamsg_buf *out, int be)
{
	uint8_t m[PVAMSG_HDR_LEN];

	pvamsg_header_build(m, PVAMSG_F_CONTROL | PVAMSG_F_SERVER |
	    (be ? PVAMSG_F_BE : 0), PVAMSG_CTL_SET_ENDIAN, 0);
	pvamsg_buf_put(out, m, sizeof(m));
	return out->err ? PVAMSG_ENOMEM : PVAMSG_OK;
}

int
pvamsg_echo_reply(const struct pvamsg_header *h, const uint8_t *body,
    size_t len, struct pvamsg_buf *out, char *err, size_t errlen)
{
	size_t at;

	if (PVAMSG_IS_CONTROL(h) || h->command != PVAMSG_ECHO)
		return pvawire_fail(PVAMSG_EINVAL, err, errlen,
		    "not an ECHO message");
	if (len > PVAMSG_MAX_ECHO)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "ECHO body of %zu bytes, cap %d", len, PVAMSG_MAX_ECHO);
	at = pvamsg_begin(out, PVAMSG_F_SERVER | (h->flags & PVAMSG_F_BE),
	    PVAMSG_ECHO);
	if (len > 0)
		pvamsg_buf_put(out, body, len);
	if (pvamsg_end(out, at) != 0)
		return pvawire_fail(PVAMSG_ENOMEM, err, errlen,
		    "ECHO reply: out of memory");
	return PVAMSG_OK;
}

int
pvamsg_hello_build(struct pvamsg_buf *out, int be, uint32_t bufsize,
    uint16_t regsize, const char *const *methods, size_t n)
{
	uint8_t fl = PVAMSG_F_SERVER | (be ? PVAMSG_F_BE : 0);
	size_t at, i;

	if (n > 0 && methods == NULL)
		return PVAMSG_EINVAL;
	for (i = 0; i < n; i++)
		if (methods[i] == NULL ||
		    strlen(methods[i]) > PVAMSG_MAX_METHOD)
			return PVAMSG_EINVAL;
	(void)pvamsg_set_endian_build(out, be);
	at = pvamsg_begin(out, fl, PVAMSG_CONNECTION_VALIDATION);
	pvawire_put_u32(out, be, bufsize);
	pvawire_put_u16(out, be, regsize);
	pvawire_put_size(out, be, n);
	for (i = 0; i < n; i++)
		pvawire_put_str(out, be, methods[i], strlen(methods[i]));
	return pvamsg_end(out, at);
}

/*
 * The method data: a type descriptor and its value.  Two forms are read
 * here, the ones PVXS, pvAccessCPP and pvAccessJava send: the null type
 * FF (anonymous, x509), exactly one byte; and a structure whose fields
 * are all strings (80, type id, Size n, n x (name, 60), n strings: "ca"
 * with user and host).  Returns 1 for the structure, 0 for the null type
 * or any other form (kept raw for the codec: other types, the type
 * cache), -1 when a known form is truncated or followed by bytes.
 */
static int
pvamsg_ca_data(struct pvamsg_validation *v, int be)
{
	struct pvamsg_str names[8], id, val;
	struct pvawire_rd r;
	uint32_t n, i;
	uint8_t t;

	pvawire_rd_init(&r, v->data, v->datalen, be);
	t = pvawire_u8(&r);
	if (t == 0xff)
		return v->datalen == 1 ? 0 : -1;
	if (t != 0x80)
		return 0;
	if (pvawire_str(&r, PVAMSG_MAX_AUTHSTR, &id, NULL) != 0)
		return -1;
	n = pvawire_size(&r, 0);
	if (r.bad)
		return -1;
	if (n > 8)
		return 0;
	for (i = 0; i < n; i++) {
		if (pvawire_str(&r, PVAMSG_MAX_AUTHSTR, &names[i], NULL) != 0)
			return -1;
		t = pvawire_u8(&r);
		if (r.bad)
			return -1;
		if (t != 0x60)
			return 0;
	}
	v->user.ptr = v->host.ptr = "";
	v->user.len = v->host.len = 0;
	for (i = 0; i < n; i++) {
		if (pvawire_str(&r, PVAMSG_MAX_AUTHSTR, &val, NULL) != 0)
			break;
		if (names[i].len == 4 && memcmp(names[i].ptr, "user", 4) == 0)
			v->user = val;
		else if (names[i].len == 4 &&
		    memcmp(names[i].ptr, "host", 4) == 0)
			v->host = val;
	}
	if (r.bad || r.off != r.len) {
		v->user.ptr = v->host.ptr = NULL;
		v->user.len = v->host.len = 0;
		return -1;
	}
	v->has_ca = 1;
	return 1;
}

int
pvamsg_validation_parse(const uint8_t *p, size_t len, int be,
    struct pvamsg_validation *v, char *err, size_t errlen)
{
	struct pvawire_rd r;
	int toolong = 0;

	memset(v, 0, sizeof(*v));
	pvawire_rd_init(&r, p, len, be);
	v->bufsize = pvawire_u32(&r);
	v->regsize = pvawire_u16(&r);
	v->qos = pvawire_u16(&r);
	if (pvawire_str(&r, PVAMSG_MAX_METHOD, &v->method, &toolong) != 0)
		return toolong ? pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "CONNECTION_VALIDATION: method name over %d bytes",
		    PVAMSG_MAX_METHOD) : pvawire_fail(PVAMSG_ETRUNC, err,
		    errlen, "CONNECTION_VALIDATION: truncated");
	if (pvawire_left(&r) > PVAMSG_MAX_AUTHDATA)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "CONNECTION_VALIDATION: %zu bytes of method data, cap %d",
		    pvawire_left(&r), PVAMSG_MAX_AUTHDATA);
	if (pvawire_left(&r) == 0)
		return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
		    "CONNECTION_VALIDATION: no method data");
	v->data = r.p + r.off;
	v->datalen = pvawire_left(&r);
	if (pvamsg_ca_data(v, be) < 0) {
		memset(v, 0, sizeof(*v));
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "CONNECTION_VALIDATION: method data truncated or "
		    "followed by bytes");
	}
	return PVAMSG_OK;
}

void
pvamsg_status_put(struct pvamsg_buf *out, int be, int code, const char *msg)
{
	if (code == PVAMSG_STATUS_OK && (msg == NULL || *msg == '\0')) {
		pvawire_put_u8(out, 0xff);
		return;
	}
	pvawire_put_u8(out, (uint8_t)code);
	if (msg == NULL)
		msg = "";
	pvawire_put_str(out, be, msg, strlen(msg));
	pvawire_put_size(out, be, 0);	/* call stack */
}

int
pvamsg_validated_build(struct pvamsg_buf *out, int be, int code,
    const char *msg)
{
	size_t at;

	if (code < PVAMSG_STATUS_OK || code > PVAMSG_STATUS_FATAL)
		return PVAMSG_EINVAL;
	at = pvamsg_begin(out, PVAMSG_F_SERVER | (be ? PVAMSG_F_BE : 0),
	    PVAMSG_CONNECTION_VALIDATED);
	pvamsg_status_put(out, be, code, msg);
	return pvamsg_end(out, at);
}

int
pvamsg_create_parse(const uint8_t *p, size_t len, int be,
    struct pvamsg_create_req *cr, char *err, size_t errlen)
{
	struct pvawire_rd r;
	size_t i;
	uint16_t n;
	int toolong = 0;

	memset(cr, 0, sizeof(*cr));
	pvawire_rd_init(&r, p, len, be);
	n = pvawire_u16(&r);
	if (r.bad)
		return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
		    "CREATE_CHANNEL: truncated");
	if (n == 0)
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "CREATE_CHANNEL: no channels");
	if (n > PVAMSG_MAX_CREATE)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "CREATE_CHANNEL: %u channels, cap %d", n,
		    PVAMSG_MAX_CREATE);
	for (i = 0; i < n; i++) {
		cr->chan[i].cid = pvawire_u32(&r);
		if (pvawire_str(&r, PVAMSG_MAX_NAME, &cr->chan[i].name,
		    &toolong) != 0) {
			memset(cr, 0, sizeof(*cr));
			return toolong ? pvawire_fail(PVAMSG_ETOOBIG, err,
			    errlen, "CREATE_CHANNEL: name over %d bytes",
			    PVAMSG_MAX_NAME) : pvawire_fail(PVAMSG_ETRUNC,
			    err, errlen, "CREATE_CHANNEL: truncated");
		}
		if (cr->chan[i].name.len == 0 ||
		    pvamsg_has_nul(&cr->chan[i].name)) {
			memset(cr, 0, sizeof(*cr));
			return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
			    "CREATE_CHANNEL: empty name or name with NUL");
		}
	}
	cr->n = n;
	if (r.off != r.len) {
		memset(cr, 0, sizeof(*cr));
		return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
		    "CREATE_CHANNEL: %zu trailing bytes", r.len - r.off);
	}
	return PVAMSG_OK;
}

int
pvamsg_create_reply_build(struct pvamsg_buf *out, int be, uint32_t cid,
    uint32_t sid, int code, const char *msg)
{
	size_t at;

	if (code < PVAMSG_STATUS_OK || code > PVAMSG_STATUS_FATAL)
		return PVAMSG_EINVAL;
	at = pvamsg_begin(out, PVAMSG_F_SERVER | (be ? PVAMSG_F_BE : 0),
	    PVAMSG_CREATE_CHANNEL);
	pvawire_put_u32(out, be, cid);
	pvawire_put_u32(out, be, sid);
	pvamsg_status_put(out, be, code, msg);
	return pvamsg_end(out, at);
}

int
pvamsg_destroy_chan_parse(const uint8_t *p, size_t len, int be,
    uint32_t *sid, uint32_t *cid, char *err, size_t errlen)
{
	struct pvawire_rd r;

	pvawire_rd_init(&r, p, len, be);
	*sid = pvawire_u32(&r);
	*cid = pvawire_u32(&r);
	return pvamsg_rd_end(&r, "DESTROY_CHANNEL", err, errlen);
}

int
pvamsg_destroy_chan_build(struct pvamsg_buf *out, int be, uint32_t sid,
    uint32_t cid)
{
	size_t at;

	at = pvamsg_begin(out, PVAMSG_F_SERVER | (be ? PVAMSG_F_BE : 0),
	    PVAMSG_DESTROY_CHANNEL);
	pvawire_put_u32(out, be, sid);
	pvawire_put_u32(out, be, cid);
	return pvamsg_end(out, at);
}

int
pvamsg_end_op_parse(const uint8_t *p, size_t len, int be, uint32_t *sid,
    uint32_t *ioid, char *err, size_t errlen)
{
	struct pvawire_rd r;

	pvawire_rd_init(&r, p, len, be);
	*sid = pvawire_u32(&r);
	*ioid = pvawire_u32(&r);
	return pvamsg_rd_end(&r, "DESTROY_REQUEST/CANCEL_REQUEST", err,
	    errlen);
}

int
pvamsg_op_parse(uint8_t command, const uint8_t *p, size_t len, int be,
    struct pvamsg_op *op, char *err, size_t errlen)
{
	struct pvawire_rd r;
	int toolong = 0;

	memset(op, 0, sizeof(*op));
	switch (command) {
	case PVAMSG_GET:
	case PVAMSG_PUT:
	case PVAMSG_PUT_GET:
	case PVAMSG_MONITOR:
	case PVAMSG_ARRAY:
	case PVAMSG_PROCESS:
	case PVAMSG_RPC:
	case PVAMSG_GET_FIELD:
		break;
	default:
		return pvawire_fail(PVAMSG_EINVAL, err, errlen,
		    "command 0x%02x is not an operation", command);
	}
	op->command = command;
	pvawire_rd_init(&r, p, len, be);
	op->sid = pvawire_u32(&r);
	op->ioid = pvawire_u32(&r);
	if (command == PVAMSG_GET_FIELD) {
		if (pvawire_str(&r, PVAMSG_MAX_SUBFIELD, &op->subfield,
		    &toolong) != 0)
			goto bad;
	} else {
		op->sub = pvawire_u8(&r);
		if (command == PVAMSG_MONITOR &&
		    (op->sub & PVAMSG_SUB_PIPELINE) != 0 &&
		    (op->sub & PVAMSG_SUB_INIT) == 0) {
			op->ack = pvawire_u32(&r);
			op->has_ack = 1;
		}
	}
	if (r.bad)
		goto bad;
	op->body = r.p + r.off;
	op->bodylen = pvawire_left(&r);
	return PVAMSG_OK;
bad:
	memset(op, 0, sizeof(*op));
	if (toolong)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "GET_FIELD: sub-field over %d bytes", PVAMSG_MAX_SUBFIELD);
	return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
	    "command 0x%02x: truncated operation header", command);
}

int
pvamsg_message_build(struct pvamsg_buf *out, int be, uint32_t ioid,
    uint8_t type, const char *text)
{
	size_t at;

	if (type > 3)
		return PVAMSG_EINVAL;
	if (text == NULL)
		text = "";
	at = pvamsg_begin(out, PVAMSG_F_SERVER | (be ? PVAMSG_F_BE : 0),
	    PVAMSG_MESSAGE);
	pvawire_put_u32(out, be, ioid);
	pvawire_put_u8(out, type);
	pvawire_put_str(out, be, text, strlen(text));
	return pvamsg_end(out, at);
}
