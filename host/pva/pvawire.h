/*
 * pvawire.h - private pvData primitives for the message layer: a bounds-
 * checked reader over a byte range and the matching writers onto a
 * struct pvamsg_buf, both in either byte order.  Only what message
 * bodies need: u8/u16/u32, Size (PVA §4.1), string, Status.  Static
 * inline so that pvamsg.c and pvasearch.c share them without exporting
 * anything.  To be replaced by the shared codec in host/pva/pvdata.h
 * when both land; nothing outside host/pva/pvamsg.c and pvasearch.c may
 * include this file.
 */
#ifndef PVACMS_PVAWIRE_H
#define PVACMS_PVAWIRE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pvamsg.h"

/*
 * A reader.  Every read checks the bytes left first; the first failure
 * latches bad, later reads return zeros, so a parser may read a whole
 * fixed layout and check once.  Nothing is ever read past p + len.
 */
struct pvawire_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int be;
	int bad;
};

static inline void
pvawire_rd_init(struct pvawire_rd *r, const uint8_t *p, size_t len, int be)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
	r->be = be;
	r->bad = 0;
}

static inline size_t
pvawire_left(const struct pvawire_rd *r)
{
	return r->bad ? 0 : r->len - r->off;
}

/* n bytes, or NULL (and bad) when fewer are left. */
static inline const uint8_t *
pvawire_take(struct pvawire_rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline uint8_t
pvawire_u8(struct pvawire_rd *r)
{
	const uint8_t *q = pvawire_take(r, 1);

	return q != NULL ? q[0] : 0;
}

static inline uint16_t
pvawire_u16(struct pvawire_rd *r)
{
	const uint8_t *q = pvawire_take(r, 2);

	if (q == NULL)
		return 0;
	return r->be ? (uint16_t)(q[0] << 8 | q[1]) :
	    (uint16_t)(q[1] << 8 | q[0]);
}

static inline uint32_t
pvawire_u32(struct pvawire_rd *r)
{
	const uint8_t *q = pvawire_take(r, 4);

	if (q == NULL)
		return 0;
	if (r->be)
		return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		    (uint32_t)q[2] << 8 | q[3];
	return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
	    (uint32_t)q[1] << 8 | q[0];
}

/*
 * A Size (PVA §4.1).  The null marker FF is accepted only when nullok
 * (where a string is read) and reads as 0; elsewhere it is an error, as
 * in PVXS.  FE + u32 may announce anything, so callers cap the value
 * against what is left before using it.
 */
static inline uint32_t
pvawire_size(struct pvawire_rd *r, int nullok)
{
	uint8_t b = pvawire_u8(r);

	if (r->bad)
		return 0;
	if (b < 0xfe)
		return b;
	if (b == 0xfe)
		return pvawire_u32(r);
	if (!nullok)
		r->bad = 1;
	return 0;
}

/*
 * A string as a view into the input (no copy, no terminator); at most
 * max bytes.  Returns 0, or -1 with bad set (truncated) or *toolong set
 * (longer than max).
 */
static inline int
pvawire_str(struct pvawire_rd *r, size_t max, struct pvamsg_str *s,
    int *toolong)
{
	uint32_t n = pvawire_size(r, 1);
	const uint8_t *q;

	s->ptr = NULL;
	s->len = 0;
	if (r->bad)
		return -1;
	if (n > max) {
		if (toolong != NULL)
			*toolong = 1;
		r->bad = 1;
		return -1;
	}
	if ((q = pvawire_take(r, n)) == NULL)
		return -1;
	s->ptr = (const char *)q;
	s->len = n;
	return 0;
}

/* Fill err (one line) and return code: how every parser fails. */
static inline int
pvawire_fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int
pvawire_fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Writers: append to b in byte order be; errors latch in b. */
static inline void
pvawire_put_u8(struct pvamsg_buf *b, uint8_t v)
{
	pvamsg_buf_put(b, &v, 1);
}

static inline void
pvawire_put_u16(struct pvamsg_buf *b, int be, uint16_t v)
{
	uint8_t q[2];

	if (be) {
		q[0] = (uint8_t)(v >> 8);
		q[1] = (uint8_t)v;
	} else {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
	}
	pvamsg_buf_put(b, q, 2);
}

static inline void
pvawire_enc_u32(uint8_t *q, int be, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		q[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static inline void
pvawire_put_u32(struct pvamsg_buf *b, int be, uint32_t v)
{
	uint8_t q[4];

	pvawire_enc_u32(q, be, v);
	pvamsg_buf_put(b, q, 4);
}

static inline void
pvawire_put_size(struct pvamsg_buf *b, int be, size_t n)
{
	if (n < 0xfe) {
		pvawire_put_u8(b, (uint8_t)n);
		return;
	}
	pvawire_put_u8(b, 0xfe);
	pvawire_put_u32(b, be, (uint32_t)n);
}

static inline void
pvawire_put_str(struct pvamsg_buf *b, int be, const char *s, size_t n)
{
	pvawire_put_size(b, be, n);
	pvamsg_buf_put(b, s, n);
}

#endif
