/*
 * fuzz_pvamsg.c - libFuzzer target for the PVAccess message layer
 * (host/pva/pvamsg.c, pvasearch.c).  The same bytes go in twice: as a
 * client's TCP stream through the framer, each whole message handed to
 * the parser of its command in its byte order; and as a UDP datagram
 * through the search reader, answered and forwarded when it holds a
 * SEARCH.  Checks that every view a parser returns lies inside its
 * input, that counts stay within their caps, that what the builders
 * make parses back, and that every failure carries a reason.
 * Replayed over tests/fuzz/corpus/pvamsg in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvamsg.h"
#include "pvasearch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_within(const void *v, size_t n, const uint8_t *p,
		    size_t len);
static void	fuzz_failed(int r, const char *err);
static void	fuzz_message(const struct pvamsg_frame *fr);
static void	fuzz_tcp(const uint8_t *d, size_t size, size_t step);
static void	fuzz_udp(const uint8_t *d, size_t size);
static int	fuzz_serves(void *arg, const char *name, size_t len);

/* A view must lie inside [p, p + len). */
static void
fuzz_within(const void *v, size_t n, const uint8_t *p, size_t len)
{
	const uint8_t *q = v;

	if (n == 0)
		return;
	if (q == NULL || q < p || n > len || q - p > (ptrdiff_t)(len - n))
		abort();
}

static void
fuzz_failed(int r, const char *err)
{
	if (r >= 0 || r < PVAMSG_EINVAL || err[0] == '\0' ||
	    strlen(err) >= 256)
		abort();
}

static void
fuzz_message(const struct pvamsg_frame *fr)
{
	const uint8_t *p = fr->payload;
	size_t len = fr->len, i;
	int be = PVAMSG_IS_BE(&fr->hdr), r;
	struct pvamsg_validation v;
	struct pvamsg_create_req cr;
	struct pvamsg_op op;
	struct pvamsg_buf out;
	static struct pvasearch_req req;
	uint32_t a, b;
	char err[256];

	pvamsg_buf_init(&out);
	err[0] = '\0';
	if (PVAMSG_IS_CONTROL(&fr->hdr)) {
		if (pvamsg_control(&fr->hdr, &out, err, sizeof(err)) != 0)
			abort();
		if (out.len != 0 && out.len != PVAMSG_HDR_LEN)
			abort();
		pvamsg_buf_free(&out);
		return;
	}
	switch (fr->hdr.command) {
	case PVAMSG_CONNECTION_VALIDATION:
		r = pvamsg_validation_parse(p, len, be, &v, err, sizeof(err));
		if (r == 0) {
			fuzz_within(v.method.ptr, v.method.len, p, len);
			fuzz_within(v.data, v.datalen, p, len);
			fuzz_within(v.user.ptr, v.user.len, p, len);
			fuzz_within(v.host.ptr, v.host.len, p, len);
			if (v.method.len > PVAMSG_MAX_METHOD ||
			    v.datalen == 0 ||
			    v.datalen > PVAMSG_MAX_AUTHDATA)
				abort();
			if (!v.has_ca && (v.user.len || v.host.len))
				abort();
		} else
			fuzz_failed(r, err);
		break;
	case PVAMSG_ECHO:
		r = pvamsg_echo_reply(&fr->hdr, p, len, &out, err,
		    sizeof(err));
		if (r == 0 && (out.len != PVAMSG_HDR_LEN + len ||
		    (len > 0 && memcmp(out.data + 8, p, len) != 0)))
			abort();
		if (r != 0)
			fuzz_failed(r, err);
		break;
	case PVAMSG_SEARCH:
		r = pvasearch_parse(p, len, be, &req, err, sizeof(err));
		if (r == 0) {
			if (req.nchan > PVASEARCH_MAX_CHANNELS)
				abort();
			for (i = 0; i < req.nchan; i++)
				fuzz_within(req.chan[i].name.ptr,
				    req.chan[i].name.len, p, len);
		} else
			fuzz_failed(r, err);
		break;
	case PVAMSG_CREATE_CHANNEL:
		r = pvamsg_create_parse(p, len, be, &cr, err, sizeof(err));
		if (r == 0) {
			if (cr.n == 0 || cr.n > PVAMSG_MAX_CREATE)
				abort();
			for (i = 0; i < cr.n; i++) {
				fuzz_within(cr.chan[i].name.ptr,
				    cr.chan[i].name.len, p, len);
				if (cr.chan[i].name.len == 0 ||
				    cr.chan[i].name.len > PVAMSG_MAX_NAME ||
				    memchr(cr.chan[i].name.ptr, '\0',
				    cr.chan[i].name.len) != NULL)
					abort();
				if (pvamsg_create_reply_build(&out, be,
				    cr.chan[i].cid, (uint32_t)i,
				    PVAMSG_STATUS_OK, NULL) != 0)
					abort();
			}
		} else if (cr.n != 0)
			abort();
		else
			fuzz_failed(r, err);
		break;
	case PVAMSG_DESTROY_CHANNEL:
		r = pvamsg_destroy_chan_parse(p, len, be, &a, &b, err,
		    sizeof(err));
		if (r == 0 && len != 8)
			abort();
		if (r != 0)
			fuzz_failed(r, err);
		break;
	case PVAMSG_DESTROY_REQUEST:
	case PVAMSG_CANCEL_REQUEST:
		r = pvamsg_end_op_parse(p, len, be, &a, &b, err, sizeof(err));
		if (r == 0 && len != 8)
			abort();
		if (r != 0)
			fuzz_failed(r, err);
		break;
	default:
		r = pvamsg_op_parse(fr->hdr.command, p, len, be, &op, err,
		    sizeof(err));
		if (r == 0) {
			fuzz_within(op.body, op.bodylen, p, len);
			fuzz_within(op.subfield.ptr, op.subfield.len, p, len);
			if (op.bodylen > len)
				abort();
		} else
			fuzz_failed(r, err);
		break;
	}
	pvamsg_buf_free(&out);
}

/* The stream offered step bytes more at a time, as a socket would. */
static void
fuzz_tcp(const uint8_t *d, size_t size, size_t step)
{
	struct pvamsg_framer f;
	struct pvamsg_frame fr;
	size_t off = 0, have = 0;
	char err[256];
	int r;

	pvamsg_framer_init(&f, 4096, 16384, 0);
	while (off < size) {
		have = have + step > size - off ? size - off : have + step;
		err[0] = '\0';
		r = pvamsg_frame(&f, d + off, have, &fr, err, sizeof(err));
		if (r == PVAMSG_EAGAIN) {
			if (fr.need <= have || fr.need > 8 + 4096)
				abort();
			if (have == size - off)
				break;
			continue;
		}
		if (r != 0) {
			fuzz_failed(r, err);
			break;
		}
		if (fr.consumed < PVAMSG_HDR_LEN || fr.consumed > have)
			abort();
		if (fr.complete) {
			if (fr.len > 16384)
				abort();
			if (!PVAMSG_IS_CONTROL(&fr.hdr) &&
			    fr.payload != f.seg)
				fuzz_within(fr.payload, fr.len, d + off, have);
			fuzz_message(&fr);
		}
		off += fr.consumed;
		have -= fr.consumed;
	}
	pvamsg_framer_free(&f);
}

static int
fuzz_serves(void *arg, const char *name, size_t len)
{
	if (strlen(name) != len)
		abort();
	return len >= 5 && memcmp(name, "CERT:", 5) == 0;
}

static void
fuzz_udp(const uint8_t *d, size_t size)
{
	static struct pvasearch_dgram dg, back;
	static const uint8_t guid[PVASEARCH_GUID_LEN];
	uint8_t dest[PVASEARCH_ADDR_LEN], src[PVASEARCH_ADDR_LEN];
	struct pvamsg_buf out, fwd;
	size_t i, nfound;
	char err[256];
	int r;

	err[0] = '\0';
	r = pvasearch_datagram(d, size, &dg, err, sizeof(err));
	if (r != 0) {
		fuzz_failed(r, err);
		if (dg.has_search || dg.has_origin)
			abort();
		return;
	}
	if (!dg.has_search)
		return;
	fuzz_within(dg.search, dg.search_len, d, size);
	for (i = 0; i < dg.req.nchan; i++)
		fuzz_within(dg.req.chan[i].name.ptr, dg.req.chan[i].name.len,
		    d, size);
	pvamsg_buf_init(&out);
	pvamsg_buf_init(&fwd);
	if (pvasearch_respond(&dg.req, guid, NULL, 5075, fuzz_serves, NULL,
	    &out, &nfound, err, sizeof(err)) != 0 || nfound > dg.req.nchan)
		abort();
	/* Header, 41 fixed bytes, a cid per name found. */
	if (out.len != 0 && out.len != 8 + 41 + 4 * nfound)
		abort();
	memset(dest, 1, sizeof(dest));
	memset(src, 2, sizeof(src));
	if (pvasearch_forward_build(dg.search, dg.search_len, dest, src,
	    &fwd, err, sizeof(err)) != 0)
		abort();
	/* The forwarded datagram reads back as the same search. */
	if (pvasearch_datagram(fwd.data, fwd.len, &back, err,
	    sizeof(err)) != 0 || !back.has_origin || !back.has_search ||
	    back.req.nchan != dg.req.nchan || back.req.seq != dg.req.seq ||
	    (back.req.flags & PVASEARCH_F_UNICAST) != 0 ||
	    memcmp(back.origin, dest, sizeof(dest)) != 0)
		abort();
	pvamsg_buf_free(&out);
	pvamsg_buf_free(&fwd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d;

	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((d = calloc(1, size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(d, data, size);
	fuzz_tcp(d, size, size);
	fuzz_tcp(d, size, size > 0 ? (size_t)(d[size - 1] % 13) + 1 : 1);
	fuzz_udp(d, size);
	free(d);
	return 0;
}
