/*
 * pvasearch.c - UDP name search for the pvacms front (PVA §5, §2.6):
 * SEARCH parsing, SEARCH_RESPONSE building, ORIGIN_TAG reading and the
 * forwarded datagram of a shared port.  Pure, like pvamsg.c: a datagram
 * from anywhere on the network goes through pvasearch_datagram, so every
 * count and length is checked against what is left and a cap first.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pvamsg.h"
#include "pvasearch.h"
#include "pvawire.h"

/* Offsets in a SEARCH body (§5.1). */
#define SEARCH_FLAGS_OFF	4
#define SEARCH_ADDR_OFF		8

static int	pvasearch_is_zero(const uint8_t *p, size_t n);

static const uint8_t pvasearch_any_v4[PVASEARCH_ADDR_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0
};

static int
pvasearch_is_zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

void
pvasearch_addr_v4(uint8_t out[PVASEARCH_ADDR_LEN], const uint8_t v4[4])
{
	memcpy(out, pvasearch_any_v4, PVASEARCH_ADDR_LEN);
	memcpy(out + 12, v4, 4);
}

int
pvasearch_parse(const uint8_t *p, size_t len, int be,
    struct pvasearch_req *req, char *err, size_t errlen)
{
	struct pvawire_rd r;
	struct pvamsg_str s;
	const uint8_t *q;
	uint32_t nproto, i;
	uint16_t nchan;
	int toolong = 0;

	memset(req, 0, sizeof(*req));
	req->be = be != 0;
	pvawire_rd_init(&r, p, len, be);
	req->seq = pvawire_u32(&r);
	req->flags = pvawire_u8(&r);
	(void)pvawire_take(&r, 3);		/* reserved */
	if ((q = pvawire_take(&r, PVASEARCH_ADDR_LEN)) != NULL)
		memcpy(req->addr, q, PVASEARCH_ADDR_LEN);
	req->port = pvawire_u16(&r);
	nproto = pvawire_size(&r, 0);
	if (r.bad)
		goto trunc;
	if (nproto > PVASEARCH_MAX_PROTOCOLS) {
		memset(req, 0, sizeof(*req));
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "SEARCH: %lu protocols, cap %d", (unsigned long)nproto,
		    PVASEARCH_MAX_PROTOCOLS);
	}
	for (i = 0; i < nproto; i++) {
		if (pvawire_str(&r, PVASEARCH_MAX_PROTO_LEN, &s,
		    &toolong) != 0)
			goto bad;
		if (s.len == 3 && memcmp(s.ptr, "tcp", 3) == 0)
			req->tcp = 1;
		else if (s.len == 3 && memcmp(s.ptr, "tls", 3) == 0)
			req->tls = 1;
	}
	nchan = pvawire_u16(&r);
	if (r.bad)
		goto trunc;
	if (nchan > PVASEARCH_MAX_CHANNELS) {
		memset(req, 0, sizeof(*req));
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "SEARCH: %u names, cap %d", nchan,
		    PVASEARCH_MAX_CHANNELS);
	}
	for (i = 0; i < nchan; i++) {
		req->chan[i].cid = pvawire_u32(&r);
		if (pvawire_str(&r, PVAMSG_MAX_NAME, &req->chan[i].name,
		    &toolong) != 0)
			goto bad;
		if (req->chan[i].name.len > 0 &&
		    memchr(req->chan[i].name.ptr, '\0',
		    req->chan[i].name.len) != NULL) {
			memset(req, 0, sizeof(*req));
			return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
			    "SEARCH: a name holds NUL");
		}
	}
	req->nchan = nchan;
	return PVAMSG_OK;
bad:
	if (toolong) {
		memset(req, 0, sizeof(*req));
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "SEARCH: protocol or name too long");
	}
trunc:
	memset(req, 0, sizeof(*req));
	return pvawire_fail(PVAMSG_ETRUNC, err, errlen, "SEARCH: truncated");
}

int
pvasearch_datagram(const uint8_t *d, size_t len, struct pvasearch_dgram *dg,
    char *err, size_t errlen)
{
	struct pvamsg_header h;
	size_t off = 0, body;
	int r;

	memset(dg, 0, sizeof(*dg));
	if (d == NULL)
		len = 0;
	if (len > PVASEARCH_MAX_DGRAM)
		return pvawire_fail(PVAMSG_ETOOBIG, err, errlen,
		    "datagram of %zu bytes", len);
	if (len == 0)
		return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
		    "empty datagram");
	while (off < len) {
		if ((r = pvamsg_header_parse(d + off, len - off, &h, err,
		    errlen)) != 0) {
			memset(dg, 0, sizeof(*dg));
			return r;
		}
		if ((h.flags & (PVAMSG_F_CONTROL | PVAMSG_F_SEGMASK)) != 0) {
			memset(dg, 0, sizeof(*dg));
			return pvawire_fail(PVAMSG_EMALFORMED, err, errlen,
			    "datagram: control or segmented message");
		}
		body = off + PVAMSG_HDR_LEN;
		if (h.size > len - body) {
			memset(dg, 0, sizeof(*dg));
			return pvawire_fail(PVAMSG_ETRUNC, err, errlen,
			    "datagram: command 0x%02x of %lu bytes, %zu left",
			    h.command, (unsigned long)h.size, len - body);
		}
		if (h.command == PVAMSG_ORIGIN_TAG) {
			if (h.size != PVASEARCH_ADDR_LEN) {
				memset(dg, 0, sizeof(*dg));
				return pvawire_fail(PVAMSG_EMALFORMED, err,
				    errlen, "ORIGIN_TAG of %lu bytes, not 16",
				    (unsigned long)h.size);
			}
			memcpy(dg->origin, d + body, PVASEARCH_ADDR_LEN);
			dg->has_origin = 1;
		} else if (h.command == PVAMSG_SEARCH) {
			if ((r = pvasearch_parse(d + body, h.size,
			    PVAMSG_IS_BE(&h), &dg->req, err, errlen)) != 0) {
				memset(dg, 0, sizeof(*dg));
				return r;
			}
			dg->has_search = 1;
			dg->search = d + off;
			dg->search_len = PVAMSG_HDR_LEN + (size_t)h.size;
			return PVAMSG_OK;
		}
		/* BEACON, SEARCH_RESPONSE, anything else: skipped. */
		off = body + h.size;
	}
	return PVAMSG_OK;
}

int
pvasearch_respond(const struct pvasearch_req *req,
    const uint8_t guid[PVASEARCH_GUID_LEN], const uint8_t *addr,
    uint16_t port, pvasearch_serves_fn serves, void *arg,
    struct pvamsg_buf *out, size_t *nfound, char *err, size_t errlen)
{
	uint32_t cids[PVASEARCH_MAX_CHANNELS];
	char name[PVAMSG_MAX_NAME + 1];
	size_t i, n = 0, at;
	int be;

	if (nfound != NULL)
		*nfound = 0;
	if (req == NULL || guid == NULL || serves == NULL || out == NULL ||
	    req->nchan > PVASEARCH_MAX_CHANNELS)
		return pvawire_fail(PVAMSG_EINVAL, err, errlen,
		    "pvasearch_respond: bad arguments");
	if (req->tcp)
		for (i = 0; i < req->nchan; i++) {
			if (req->chan[i].name.len > PVAMSG_MAX_NAME)
				continue;
			memcpy(name, req->chan[i].name.ptr,
			    req->chan[i].name.len);
			name[req->chan[i].name.len] = '\0';
			if (serves(arg, name, req->chan[i].name.len))
				cids[n++] = req->chan[i].cid;
		}
	if (n == 0 && (req->flags & PVASEARCH_F_MUST_REPLY) == 0)
		return PVAMSG_OK;
	be = req->be;
	at = pvamsg_begin(out, PVAMSG_F_SERVER | (be ? PVAMSG_F_BE : 0),
	    PVAMSG_SEARCH_RESPONSE);
	pvamsg_buf_put(out, guid, PVASEARCH_GUID_LEN);
	pvawire_put_u32(out, be, req->seq);
	pvamsg_buf_put(out, addr != NULL ? addr : pvasearch_any_v4,
	    PVASEARCH_ADDR_LEN);
	pvawire_put_u16(out, be, port);
	pvawire_put_str(out, be, "tcp", 3);
	pvawire_put_u8(out, n > 0 ? 1 : 0);
	pvawire_put_u16(out, be, (uint16_t)n);
	for (i = 0; i < n; i++)
		pvawire_put_u32(out, be, cids[i]);
	if (pvamsg_end(out, at) != 0)
		return pvawire_fail(PVAMSG_ENOMEM, err, errlen,
		    "SEARCH_RESPONSE: out of memory");
	if (nfound != NULL)
		*nfound = n;
	return PVAMSG_OK;
}

int
pvasearch_forward_build(const uint8_t *msg, size_t msglen,
    const uint8_t dest[PVASEARCH_ADDR_LEN],
    const uint8_t src[PVASEARCH_ADDR_LEN], struct pvamsg_buf *out,
    char *err, size_t errlen)
{
	struct pvasearch_dgram dg;
	uint8_t h[PVAMSG_HDR_LEN], *body;
	size_t at;
	int r;

	if (dest == NULL || src == NULL || out == NULL)
		return pvawire_fail(PVAMSG_EINVAL, err, errlen,
		    "pvasearch_forward_build: bad arguments");
	if ((r = pvasearch_datagram(msg, msglen, &dg, err, errlen)) != 0)
		return r;
	if (!dg.has_search || dg.has_origin || dg.search != msg ||
	    dg.search_len != msglen)
		return pvawire_fail(PVAMSG_EINVAL, err, errlen,
		    "forward: not exactly one SEARCH message");
	pvamsg_header_build(h, msg[2] & PVAMSG_F_BE, PVAMSG_ORIGIN_TAG,
	    PVASEARCH_ADDR_LEN);
	pvamsg_buf_put(out, h, sizeof(h));
	pvamsg_buf_put(out, dest, PVASEARCH_ADDR_LEN);
	at = out->len;
	pvamsg_buf_put(out, msg, msglen);
	if (out->err)
		return pvawire_fail(PVAMSG_ENOMEM, err, errlen,
		    "forward: out of memory");
	/* Parsing succeeded, so the fixed fields are there. */
	body = out->data + at + PVAMSG_HDR_LEN;
	body[SEARCH_FLAGS_OFF] &= (uint8_t)~PVASEARCH_F_UNICAST;
	if (pvasearch_is_zero(body + SEARCH_ADDR_OFF, PVASEARCH_ADDR_LEN))
		memcpy(body + SEARCH_ADDR_OFF, src, PVASEARCH_ADDR_LEN);
	return PVAMSG_OK;
}
