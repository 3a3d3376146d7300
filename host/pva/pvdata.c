/*
 * pvdata.c - the primitive layer of the pvData codec (pvaccess.md §3.2,
 * §4.1, §4.4): a capped write buffer, a bounds-checked read cursor, and
 * Size, string, Status, scalars and BitSet in either byte order.  Every
 * read checks the bytes left before touching them, and every Size read
 * from the wire is capped, so a hostile peer gets an error value and
 * never an over-read or a huge allocation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pvdata.h"

static int	pvdata_grow(struct pvdata_buf *b, size_t n);
static int	pvdata_put_uint(struct pvdata_buf *b, uint64_t v, size_t n);
static int	pvdata_get_uint(struct pvdata_cur *c, uint64_t *v, size_t n);

const char *
pvdata_strerror(int r)
{
	switch (r) {
	case PVDATA_OK:
		return "success";
	case PVDATA_ETRUNC:
		return "input ends inside an item";
	case PVDATA_EBAD:
		return "malformed input";
	case PVDATA_ELIMIT:
		return "a size or nesting limit was exceeded";
	case PVDATA_ENOMEM:
		return "out of memory";
	case PVDATA_EUNSUPP:
		return "unsupported type";
	case PVDATA_EINVAL:
		return "invalid argument";
	case PVDATA_ENOTFOUND:
		return "not found";
	}
	return "unknown error";
}

void
pvdata_buf_init(struct pvdata_buf *b, int be, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->be = be != 0;
	b->max = (max == 0 || max > PVDATA_BUF_MAX) ? PVDATA_BUF_MAX : max;
}

void
pvdata_buf_free(struct pvdata_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Returns the bytes (the caller frees them), or NULL after an error. */
uint8_t *
pvdata_buf_take(struct pvdata_buf *b, size_t *len)
{
	uint8_t *p;

	if (b->err != 0) {
		pvdata_buf_free(b);
		*len = 0;
		return NULL;
	}
	/* An empty buffer still yields something the caller can free. */
	if (b->data == NULL && (b->data = malloc(1)) == NULL) {
		*len = 0;
		return NULL;
	}
	p = b->data;
	*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* Make room for n more bytes, doubling, never past b->max. */
static int
pvdata_grow(struct pvdata_buf *b, size_t n)
{
	size_t want, ncap;
	uint8_t *p;

	if (b->err != 0)
		return b->err;
	if (n > b->max - b->len)
		return b->err = PVDATA_ELIMIT;
	want = b->len + n;
	if (want <= b->cap)
		return PVDATA_OK;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < want)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if ((p = realloc(b->data, ncap)) == NULL)
		return b->err = PVDATA_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return PVDATA_OK;
}

int
pvdata_put_bytes(struct pvdata_buf *b, const void *p, size_t n)
{
	int r;

	if ((r = pvdata_grow(b, n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return PVDATA_OK;
}

/* n bytes of v in the buffer's byte order. */
static int
pvdata_put_uint(struct pvdata_buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	size_t i;

	for (i = 0; i < n; i++)
		tmp[b->be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
	return pvdata_put_bytes(b, tmp, n);
}

int
pvdata_put_u8(struct pvdata_buf *b, uint8_t v)
{
	return pvdata_put_bytes(b, &v, 1);
}

int
pvdata_put_u16(struct pvdata_buf *b, uint16_t v)
{
	return pvdata_put_uint(b, v, 2);
}

int
pvdata_put_u32(struct pvdata_buf *b, uint32_t v)
{
	return pvdata_put_uint(b, v, 4);
}

int
pvdata_put_u64(struct pvdata_buf *b, uint64_t v)
{
	return pvdata_put_uint(b, v, 8);
}

int
pvdata_put_f32(struct pvdata_buf *b, float v)
{
	uint32_t u;

	memcpy(&u, &v, sizeof(u));
	return pvdata_put_uint(b, u, 4);
}

int
pvdata_put_f64(struct pvdata_buf *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return pvdata_put_uint(b, u, 8);
}

int
pvdata_put_size(struct pvdata_buf *b, size_t n)
{
	int r;

	if (n < 254)
		return pvdata_put_u8(b, (uint8_t)n);
	/* Nothing this large could be read back (PVDATA_MAX_SIZE). */
	if (n > PVDATA_MAX_SIZE)
		return b->err != 0 ? b->err : (b->err = PVDATA_ELIMIT);
	if ((r = pvdata_put_u8(b, 0xfe)) != 0)
		return r;
	return pvdata_put_u32(b, (uint32_t)n);
}

int
pvdata_put_null_size(struct pvdata_buf *b)
{
	return pvdata_put_u8(b, 0xff);
}

int
pvdata_put_string(struct pvdata_buf *b, const char *s, size_t len)
{
	int r;

	if (s == NULL)
		len = 0;
	if ((r = pvdata_put_size(b, len)) != 0)
		return r;
	return pvdata_put_bytes(b, s, len);
}

int
pvdata_put_cstr(struct pvdata_buf *b, const char *s)
{
	return pvdata_put_string(b, s, s != NULL ? strlen(s) : 0);
}

int
pvdata_put_status(struct pvdata_buf *b, int code, const char *msg,
    const char *stack)
{
	int r;

	if (code < PVDATA_STATUS_OK || code > PVDATA_STATUS_FATAL)
		return b->err != 0 ? b->err : (b->err = PVDATA_EINVAL);
	if (code == PVDATA_STATUS_OK && (msg == NULL || *msg == '\0') &&
	    (stack == NULL || *stack == '\0'))
		return pvdata_put_u8(b, 0xff);
	if ((r = pvdata_put_u8(b, (uint8_t)code)) != 0 ||
	    (r = pvdata_put_cstr(b, msg)) != 0)
		return r;
	return pvdata_put_cstr(b, stack);
}

void
pvdata_cur_init(struct pvdata_cur *c, const void *p, size_t len, int be)
{
	c->p = p;
	c->len = p != NULL ? len : 0;
	c->off = 0;
	c->be = be != 0;
}

size_t
pvdata_cur_left(const struct pvdata_cur *c)
{
	return c->len - c->off;
}

int
pvdata_get_bytes(struct pvdata_cur *c, size_t n, const uint8_t **p)
{
	if (n > c->len - c->off)
		return PVDATA_ETRUNC;
	*p = c->p + c->off;
	c->off += n;
	return PVDATA_OK;
}

static int
pvdata_get_uint(struct pvdata_cur *c, uint64_t *v, size_t n)
{
	const uint8_t *p;
	uint64_t x = 0;
	size_t i;
	int r;

	if ((r = pvdata_get_bytes(c, n, &p)) != 0)
		return r;
	for (i = 0; i < n; i++)
		x |= (uint64_t)p[c->be ? n - 1 - i : i] << (8 * i);
	*v = x;
	return PVDATA_OK;
}

int
pvdata_get_u8(struct pvdata_cur *c, uint8_t *v)
{
	uint64_t x;
	int r;

	if ((r = pvdata_get_uint(c, &x, 1)) == 0)
		*v = (uint8_t)x;
	return r;
}

int
pvdata_get_u16(struct pvdata_cur *c, uint16_t *v)
{
	uint64_t x;
	int r;

	if ((r = pvdata_get_uint(c, &x, 2)) == 0)
		*v = (uint16_t)x;
	return r;
}

int
pvdata_get_u32(struct pvdata_cur *c, uint32_t *v)
{
	uint64_t x;
	int r;

	if ((r = pvdata_get_uint(c, &x, 4)) == 0)
		*v = (uint32_t)x;
	return r;
}

int
pvdata_get_u64(struct pvdata_cur *c, uint64_t *v)
{
	return pvdata_get_uint(c, v, 8);
}

int
pvdata_get_f32(struct pvdata_cur *c, float *v)
{
	uint32_t u;
	int r;

	if ((r = pvdata_get_u32(c, &u)) == 0)
		memcpy(v, &u, sizeof(*v));
	return r;
}

int
pvdata_get_f64(struct pvdata_cur *c, double *v)
{
	uint64_t u;
	int r;

	if ((r = pvdata_get_u64(c, &u)) == 0)
		memcpy(v, &u, sizeof(*v));
	return r;
}

int
pvdata_get_size(struct pvdata_cur *c, uint32_t *n, int *isnull)
{
	size_t start = c->off;
	uint8_t b0;
	uint32_t v;
	int r;

	if (isnull != NULL)
		*isnull = 0;
	if ((r = pvdata_get_u8(c, &b0)) != 0)
		return r;
	if (b0 < 0xfe) {
		*n = b0;
		return PVDATA_OK;
	}
	if (b0 == 0xff) {
		if (isnull == NULL) {
			c->off = start;
			return PVDATA_EBAD;
		}
		*isnull = 1;
		*n = 0;
		return PVDATA_OK;
	}
	if ((r = pvdata_get_u32(c, &v)) != 0) {
		c->off = start;
		return r;
	}
	if (v > PVDATA_MAX_SIZE) {
		c->off = start;
		return PVDATA_ELIMIT;
	}
	*n = v;
	return PVDATA_OK;
}

int
pvdata_get_string(struct pvdata_cur *c, const char **s, size_t *len)
{
	size_t start = c->off;
	const uint8_t *p;
	uint32_t n;
	int isnull, r;

	if ((r = pvdata_get_size(c, &n, &isnull)) != 0)
		return r;
	if ((r = pvdata_get_bytes(c, n, &p)) != 0) {
		c->off = start;
		return r;
	}
	*s = n > 0 ? (const char *)p : "";
	*len = n;
	return PVDATA_OK;
}

/* *s is NUL-terminated and the caller frees it. */
int
pvdata_get_string_dup(struct pvdata_cur *c, char **s, size_t *len)
{
	size_t start = c->off, n;
	const char *p;
	int r;

	*s = NULL;
	if ((r = pvdata_get_string(c, &p, &n)) != 0)
		return r;
	if ((*s = malloc(n + 1)) == NULL) {
		c->off = start;
		return PVDATA_ENOMEM;
	}
	memcpy(*s, p, n);
	(*s)[n] = '\0';
	if (len != NULL)
		*len = n;
	return PVDATA_OK;
}

int
pvdata_get_status(struct pvdata_cur *c, struct pvdata_status *st)
{
	size_t start = c->off;
	uint8_t code;
	int r;

	memset(st, 0, sizeof(*st));
	st->msg = st->stack = "";
	if ((r = pvdata_get_u8(c, &code)) != 0)
		return r;
	if (code == 0xff)
		return PVDATA_OK;
	if (code > PVDATA_STATUS_FATAL) {
		c->off = start;
		return PVDATA_EBAD;
	}
	st->code = code;
	if ((r = pvdata_get_string(c, &st->msg, &st->msg_len)) != 0 ||
	    (r = pvdata_get_string(c, &st->stack, &st->stack_len)) != 0) {
		c->off = start;
		memset(st, 0, sizeof(*st));
		st->msg = st->stack = "";
		return r;
	}
	return PVDATA_OK;
}

/* bs->words is allocated here; pvdata_bits_free releases it. */
int
pvdata_bits_init(struct pvdata_bits *bs, size_t nbits)
{
	size_t nw = (nbits + 63) / 64;

	bs->nbits = nbits;
	bs->words = calloc(nw > 0 ? nw : 1, sizeof(uint64_t));
	if (bs->words == NULL) {
		bs->nbits = 0;
		return PVDATA_ENOMEM;
	}
	return PVDATA_OK;
}

void
pvdata_bits_free(struct pvdata_bits *bs)
{
	free(bs->words);
	bs->words = NULL;
	bs->nbits = 0;
}

int
pvdata_bits_set(struct pvdata_bits *bs, size_t bit)
{
	if (bit >= bs->nbits)
		return PVDATA_EINVAL;
	bs->words[bit / 64] |= (uint64_t)1 << (bit % 64);
	return PVDATA_OK;
}

int
pvdata_bits_test(const struct pvdata_bits *bs, size_t bit)
{
	if (bit >= bs->nbits)
		return 0;
	return (bs->words[bit / 64] >> (bit % 64)) & 1;
}

void
pvdata_bits_clear_all(struct pvdata_bits *bs)
{
	if (bs->words != NULL)
		memset(bs->words, 0, (bs->nbits + 63) / 64 * sizeof(uint64_t));
}

/*
 * Bit i lives in byte i/8 as bit i%8.  In a big-endian message each
 * whole group of 8 bytes is one 64-bit word in big-endian order; the
 * trailing bytes that make no whole word stay least-significant first
 * (PVXS's from_wire/to_wire for BitMask).
 */
int
pvdata_put_bits(struct pvdata_buf *b, const struct pvdata_bits *bs)
{
	size_t nbytes, i;
	uint64_t w;
	uint8_t byte;
	int r;

	nbytes = (bs->nbits + 7) / 8;
	while (nbytes > 0) {
		i = nbytes - 1;
		if ((bs->words[i / 8] >> (8 * (i % 8))) & 0xff)
			break;
		nbytes--;
	}
	if ((r = pvdata_put_size(b, nbytes)) != 0)
		return r;
	for (i = 0; i + 8 <= nbytes; i += 8) {
		w = bs->words[i / 8];
		if ((r = pvdata_put_u64(b, w)) != 0)
			return r;
	}
	for (; i < nbytes; i++) {
		byte = (uint8_t)(bs->words[i / 8] >> (8 * (i % 8)));
		if ((r = pvdata_put_u8(b, byte)) != 0)
			return r;
	}
	return PVDATA_OK;
}

int
pvdata_get_bits(struct pvdata_cur *c, struct pvdata_bits *bs)
{
	size_t start = c->off, i, bit;
	uint32_t n;
	uint64_t w;
	uint8_t byte;
	int r, k;

	pvdata_bits_clear_all(bs);
	if ((r = pvdata_get_size(c, &n, NULL)) != 0)
		return r;
	if (n > pvdata_cur_left(c)) {
		c->off = start;
		return PVDATA_ETRUNC;
	}
	for (i = 0; i + 8 <= n; i += 8) {
		(void)pvdata_get_u64(c, &w);	/* length checked above */
		for (k = 0; k < 64; k++)
			if ((w >> k) & 1) {
				bit = i * 8 + (size_t)k;
				if (bit < bs->nbits)
					bs->words[bit / 64] |=
					    (uint64_t)1 << (bit % 64);
			}
	}
	for (; i < n; i++) {
		(void)pvdata_get_u8(c, &byte);
		for (k = 0; k < 8; k++)
			if ((byte >> k) & 1) {
				bit = i * 8 + (size_t)k;
				if (bit < bs->nbits)
					bs->words[bit / 64] |=
					    (uint64_t)1 << (bit % 64);
			}
	}
	return PVDATA_OK;
}
