/*
 * pvvalue.c - values of pvData structures (pvaccess.md §4.3-§4.6).  The
 * values sit in the pvtype nodes; this file sets them, writes them as a
 * full or a masked value, and reads them back.  Reading is bounded by
 * the type tree (itself capped by pvtype.c) and by the bytes left: a
 * count is refused before anything is allocated for it when the input
 * cannot hold that many elements.  Union, any and struct[] values are
 * checked and stepped over, never kept: the front sends none, and a
 * client's pvRequest is parsed only for two options.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"

struct pvvalue_dec {
	struct pvdata_cur	*c;
	size_t			 nodes;	/* of types met inside "any" values */
	char			*err;
	size_t			 errlen;
};

static int	pvvalue_fail(struct pvvalue_dec *d, int r, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static size_t	pvvalue_esize(uint8_t code);
static int	pvvalue_is_int(uint8_t code);
static int	pvvalue_put_elem(struct pvdata_buf *b, uint8_t code,
		    const uint8_t *p);
static int	pvvalue_dec(struct pvvalue_dec *d, struct pvtype *t,
		    unsigned depth, int store);
static int	pvvalue_dec_array(struct pvvalue_dec *d, struct pvtype *t,
		    unsigned depth, int store);
static int	pvvalue_enc_masked(struct pvdata_buf *b,
		    const struct pvtype *t, const struct pvdata_bits *bits);
static int	pvvalue_dec_masked(struct pvvalue_dec *d, struct pvtype *t,
		    const struct pvdata_bits *bits);

static int
pvvalue_fail(struct pvvalue_dec *d, int r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->err == NULL || d->errlen == 0 || d->err[0] != '\0')
		return r;
	n = snprintf(d->err, d->errlen, "value at byte %zu: ", d->c->off);
	if (n >= 0 && (size_t)n < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Bytes of one scalar of code on the wire (and in t->arr); 0 if none. */
static size_t
pvvalue_esize(uint8_t code)
{
	switch (code & ~PVT_ARRAY) {
	case PVT_BOOL: case PVT_INT8: case PVT_UINT8:
		return 1;
	case PVT_INT16: case PVT_UINT16:
		return 2;
	case PVT_INT32: case PVT_UINT32: case PVT_FLOAT32:
		return 4;
	case PVT_INT64: case PVT_UINT64: case PVT_FLOAT64:
		return 8;
	}
	return 0;
}

static int
pvvalue_is_int(uint8_t code)
{
	return code == PVT_BOOL || (code >= PVT_INT8 && code <= PVT_UINT64);
}

int
pvvalue_set_int(struct pvtype *t, int64_t v)
{
	if (t == NULL || !pvvalue_is_int(t->code))
		return PVDATA_EINVAL;
	t->num.i = t->code == PVT_BOOL ? v != 0 : v;
	return PVDATA_OK;
}

int
pvvalue_set_uint(struct pvtype *t, uint64_t v)
{
	if (t == NULL || !pvvalue_is_int(t->code))
		return PVDATA_EINVAL;
	t->num.u = t->code == PVT_BOOL ? v != 0 : v;
	return PVDATA_OK;
}

int
pvvalue_set_double(struct pvtype *t, double v)
{
	if (t == NULL || (t->code != PVT_FLOAT32 && t->code != PVT_FLOAT64))
		return PVDATA_EINVAL;
	t->num.f = v;
	return PVDATA_OK;
}

/* Copies s[0..len) and adds a NUL. */
int
pvvalue_set_string(struct pvtype *t, const char *s, size_t len)
{
	char *p;

	if (t == NULL || t->code != PVT_STRING || (s == NULL && len > 0) ||
	    len > PVDATA_MAX_SIZE)
		return PVDATA_EINVAL;
	if ((p = malloc(len + 1)) == NULL)
		return PVDATA_ENOMEM;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	free(t->str);
	t->str = p;
	t->slen = len;
	return PVDATA_OK;
}

/* For bool[], int8[] and uint8[]: copies n bytes. */
int
pvvalue_set_bytes(struct pvtype *t, const void *p, size_t n)
{
	void *copy;

	if (t == NULL || (t->code != (PVT_UINT8 | PVT_ARRAY) &&
	    t->code != (PVT_INT8 | PVT_ARRAY) &&
	    t->code != (PVT_BOOL | PVT_ARRAY)) || (p == NULL && n > 0) ||
	    n > PVDATA_MAX_SIZE)
		return PVDATA_EINVAL;
	if ((copy = malloc(n > 0 ? n : 1)) == NULL)
		return PVDATA_ENOMEM;
	if (n > 0)
		memcpy(copy, p, n);
	pvtype_free_value(t);
	t->arr = copy;
	t->count = n;
	return PVDATA_OK;
}

/* Copies the n strings (NULL reads as ""). */
int
pvvalue_set_strings(struct pvtype *t, const char *const *v, size_t n)
{
	char **sv;
	size_t i, len;

	if (t == NULL || t->code != (PVT_STRING | PVT_ARRAY) ||
	    (v == NULL && n > 0) || n > PVDATA_MAX_SIZE)
		return PVDATA_EINVAL;
	if ((sv = calloc(n > 0 ? n : 1, sizeof(*sv))) == NULL)
		return PVDATA_ENOMEM;
	for (i = 0; i < n; i++) {
		len = v[i] != NULL ? strlen(v[i]) : 0;
		if ((sv[i] = malloc(len + 1)) == NULL) {
			while (i-- > 0)
				free(sv[i]);
			free(sv);
			return PVDATA_ENOMEM;
		}
		if (len > 0)
			memcpy(sv[i], v[i], len);
		sv[i][len] = '\0';
	}
	pvtype_free_value(t);
	t->arr = sv;
	t->count = n;
	return PVDATA_OK;
}

void
pvvalue_clear(struct pvtype *t)
{
	size_t i;

	if (t == NULL)
		return;
	pvtype_free_value(t);
	for (i = 0; i < t->nkids; i++)
		pvvalue_clear(t->kids[i]);
}

/* One element of a scalar array, stored in host order at p. */
static int
pvvalue_put_elem(struct pvdata_buf *b, uint8_t code, const uint8_t *p)
{
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (pvvalue_esize(code)) {
	case 1:
		return pvdata_put_u8(b, *p);
	case 2:
		memcpy(&u16, p, 2);
		return pvdata_put_u16(b, u16);
	case 4:
		memcpy(&u32, p, 4);
		return pvdata_put_u32(b, u32);
	default:
		memcpy(&u64, p, 8);
		return pvdata_put_u64(b, u64);
	}
}

/*
 * The full value of t.  Unions encode as empty (FF), any as the null
 * type, struct[] and union[] as no elements: the tree keeps no values
 * for them.
 */
int
pvvalue_encode(struct pvdata_buf *b, const struct pvtype *t)
{
	const char *const *sv;
	size_t i, es;
	int r;

	switch (t->code) {
	case PVT_BOOL:
		return pvdata_put_u8(b, t->num.i != 0);
	case PVT_INT8: case PVT_UINT8:
		return pvdata_put_u8(b, (uint8_t)t->num.u);
	case PVT_INT16: case PVT_UINT16:
		return pvdata_put_u16(b, (uint16_t)t->num.u);
	case PVT_INT32: case PVT_UINT32:
		return pvdata_put_u32(b, (uint32_t)t->num.u);
	case PVT_INT64: case PVT_UINT64:
		return pvdata_put_u64(b, t->num.u);
	case PVT_FLOAT32:
		return pvdata_put_f32(b, (float)t->num.f);
	case PVT_FLOAT64:
		return pvdata_put_f64(b, t->num.f);
	case PVT_STRING:
		return pvdata_put_string(b, t->str, t->slen);
	case PVT_STRUCT:
		for (i = 0; i < t->nkids; i++)
			if ((r = pvvalue_encode(b, t->kids[i])) != 0)
				return r;
		return PVDATA_OK;
	case PVT_UNION:
		return pvdata_put_null_size(b);
	case PVT_ANY:
		return pvdata_put_u8(b, PVT_NULL);
	case PVT_STRING | PVT_ARRAY:
		sv = (const char *const *)t->arr;
		if ((r = pvdata_put_size(b, t->count)) != 0)
			return r;
		for (i = 0; i < t->count; i++)
			if ((r = pvdata_put_cstr(b, sv[i])) != 0)
				return r;
		return PVDATA_OK;
	case PVT_STRUCT | PVT_ARRAY:
	case PVT_UNION | PVT_ARRAY:
	case PVT_ANY | PVT_ARRAY:
		return pvdata_put_size(b, 0);
	}
	/* A scalar array. */
	if ((r = pvdata_put_size(b, t->count)) != 0)
		return r;
	es = pvvalue_esize(t->code);
	if (es == 1)
		return pvdata_put_bytes(b, t->arr, t->count);
	for (i = 0; i < t->count; i++)
		if ((r = pvvalue_put_elem(b, t->code,
		    (const uint8_t *)t->arr + i * es)) != 0)
			return r;
	return PVDATA_OK;
}

/* A value of t at nesting depth; store keeps it in t. */
static int
pvvalue_dec(struct pvvalue_dec *d, struct pvtype *t, unsigned depth,
    int store)
{
	struct pvtype *any;
	uint64_t u;
	uint32_t sel;
	size_t i;
	char *s;
	int isnull, r;
	float f32;
	double f64;

	if (depth > 2 * PVTYPE_MAX_DEPTH + 2)
		return pvvalue_fail(d, PVDATA_ELIMIT, "nested too deep");
	if ((t->code & PVT_ARRAY) != 0)
		return pvvalue_dec_array(d, t, depth, store);
	switch (t->code) {
	case PVT_BOOL:
	case PVT_INT8: case PVT_INT16: case PVT_INT32: case PVT_INT64:
	case PVT_UINT8: case PVT_UINT16: case PVT_UINT32: case PVT_UINT64:
		switch (pvvalue_esize(t->code)) {
		case 1: {
			uint8_t v;

			r = pvdata_get_u8(d->c, &v);
			/* Any non-zero byte is true, as in PVXS. */
			u = t->code == PVT_BOOL ? v != 0 : v;
			if (t->code == PVT_INT8)
				u = (uint64_t)(int64_t)(int8_t)v;
			break;
		}
		case 2: {
			uint16_t v;

			r = pvdata_get_u16(d->c, &v);
			u = t->code == PVT_INT16 ?
			    (uint64_t)(int64_t)(int16_t)v : v;
			break;
		}
		case 4: {
			uint32_t v;

			r = pvdata_get_u32(d->c, &v);
			u = t->code == PVT_INT32 ?
			    (uint64_t)(int64_t)(int32_t)v : v;
			break;
		}
		default:
			r = pvdata_get_u64(d->c, &u);
			break;
		}
		if (r != 0)
			return pvvalue_fail(d, r, "'%.64s' cut short",
			    t->name != NULL ? t->name : "");
		if (store)
			t->num.u = u;
		return PVDATA_OK;
	case PVT_FLOAT32:
		if ((r = pvdata_get_f32(d->c, &f32)) != 0)
			return pvvalue_fail(d, r, "float cut short");
		if (store)
			t->num.f = f32;
		return PVDATA_OK;
	case PVT_FLOAT64:
		if ((r = pvdata_get_f64(d->c, &f64)) != 0)
			return pvvalue_fail(d, r, "double cut short");
		if (store)
			t->num.f = f64;
		return PVDATA_OK;
	case PVT_STRING:
		if (!store) {
			const char *p;

			if ((r = pvdata_get_string(d->c, &p, &i)) != 0)
				return pvvalue_fail(d, r, "bad string");
			return PVDATA_OK;
		}
		if ((r = pvdata_get_string_dup(d->c, &s, &i)) != 0)
			return pvvalue_fail(d, r, "bad string");
		free(t->str);
		t->str = s;
		t->slen = i;
		return PVDATA_OK;
	case PVT_STRUCT:
		for (i = 0; i < t->nkids; i++)
			if ((r = pvvalue_dec(d, t->kids[i], depth + 1,
			    store)) != 0)
				return r;
		return PVDATA_OK;
	case PVT_UNION:
		if ((r = pvdata_get_size(d->c, &sel, &isnull)) != 0)
			return pvvalue_fail(d, r, "bad union selector");
		if (isnull)
			return PVDATA_OK;
		if (sel >= t->nkids)
			return pvvalue_fail(d, PVDATA_EBAD, "union selector"
			    " %u of %zu", (unsigned)sel, t->nkids);
		return pvvalue_dec(d, t->kids[sel], depth + 1, 0);
	case PVT_ANY:
		if ((r = pvtype_decode_at(d->c, NULL, depth + 1, &d->nodes,
		    &any, NULL, 0)) != 0)
			return pvvalue_fail(d, r, "bad type in an any: %s",
			    pvdata_strerror(r));
		if (any == NULL)
			return PVDATA_OK;
		r = pvvalue_dec(d, any, depth + 1, 0);
		pvtype_free(any);
		return r;
	}
	return pvvalue_fail(d, PVDATA_EINVAL, "type %02x", t->code);
}

static int
pvvalue_dec_array(struct pvvalue_dec *d, struct pvtype *t, unsigned depth,
    int store)
{
	struct pvtype anyt;
	const uint8_t *p;
	const char *sp;
	uint32_t n, i;
	uint8_t present;
	size_t es, j, len;
	char **sv;
	int r;

	if ((r = pvdata_get_size(d->c, &n, NULL)) != 0)
		return pvvalue_fail(d, r, "bad array count");
	/* Every element takes one byte at least. */
	if (n > pvdata_cur_left(d->c))
		return pvvalue_fail(d, PVDATA_ETRUNC, "%u elements in %zu"
		    " bytes", (unsigned)n, pvdata_cur_left(d->c));
	switch (t->code) {
	case PVT_STRING | PVT_ARRAY:
		sv = NULL;
		if (store && (sv = calloc(n > 0 ? n : 1, sizeof(*sv))) ==
		    NULL)
			return pvvalue_fail(d, PVDATA_ENOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			if (store)
				r = pvdata_get_string_dup(d->c, &sv[i], &len);
			else
				r = pvdata_get_string(d->c, &sp, &len);
			if (r != 0)
				break;
		}
		if (r != 0) {
			for (j = 0; sv != NULL && j < n; j++)
				free(sv[j]);
			free(sv);
			return pvvalue_fail(d, r, "bad string in an array");
		}
		if (store) {
			pvtype_free_value(t);
			t->arr = sv;
			t->count = n;
		}
		return PVDATA_OK;
	case PVT_STRUCT | PVT_ARRAY:
	case PVT_UNION | PVT_ARRAY:
	case PVT_ANY | PVT_ARRAY:
		memset(&anyt, 0, sizeof(anyt));
		anyt.code = PVT_ANY;
		/* Each element: 00 null, or 01 and the element's value. */
		for (i = 0; i < n; i++) {
			if ((r = pvdata_get_u8(d->c, &present)) != 0)
				return pvvalue_fail(d, r, "array cut short");
			if (present > 1)
				return pvvalue_fail(d, PVDATA_EBAD, "element"
				    " marker %02x", present);
			if (present && (r = pvvalue_dec(d, t->elem != NULL ?
			    t->elem : &anyt, depth + 1, 0)) != 0)
				return r;
		}
		return PVDATA_OK;
	}
	es = pvvalue_esize(t->code);
	if (n > pvdata_cur_left(d->c) / es)
		return pvvalue_fail(d, PVDATA_ETRUNC, "%u elements of %zu"
		    " bytes", (unsigned)n, es);
	(void)pvdata_get_bytes(d->c, (size_t)n * es, &p);
	if (!store)
		return PVDATA_OK;
	pvtype_free_value(t);
	if ((t->arr = malloc(n > 0 ? (size_t)n * es : 1)) == NULL)
		return pvvalue_fail(d, PVDATA_ENOMEM, "out of memory");
	t->count = n;
	for (j = 0; j < n; j++) {
		uint8_t *dst = (uint8_t *)t->arr + j * es;
		uint64_t v = 0;
		size_t k;

		/* Assemble the element from the wire order, store it in
		 * host order. */
		for (k = 0; k < es; k++)
			v |= (uint64_t)p[j * es + (d->c->be ? es - 1 - k : k)]
			    << (8 * k);
		if (es == 1)
			*dst = (uint8_t)v;
		else if (es == 2) {
			uint16_t v16 = (uint16_t)v;
			memcpy(dst, &v16, 2);
		} else if (es == 4) {
			uint32_t v32 = (uint32_t)v;
			memcpy(dst, &v32, 4);
		} else
			memcpy(dst, &v, 8);
	}
	return PVDATA_OK;
}

int
pvvalue_decode(struct pvdata_cur *c, struct pvtype *t, char *err,
    size_t errlen)
{
	struct pvvalue_dec d = { c, 0, err, errlen };
	size_t start = c->off;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (t == NULL)
		return PVDATA_OK;	/* the null type has no value */
	if ((r = pvvalue_dec(&d, t, 0, 1)) != 0)
		c->off = start;
	return r;
}

int
pvvalue_skip(struct pvdata_cur *c, const struct pvtype *t, char *err,
    size_t errlen)
{
	struct pvvalue_dec d = { c, 0, err, errlen };
	size_t start = c->off;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (t == NULL)
		return PVDATA_OK;
	/* store is 0, so the tree is only read. */
	if ((r = pvvalue_dec(&d, (struct pvtype *)t, 0, 0)) != 0)
		c->off = start;
	return r;
}

static int
pvvalue_enc_masked(struct pvdata_buf *b, const struct pvtype *t,
    const struct pvdata_bits *bits)
{
	size_t i;
	int r;

	if (pvdata_bits_test(bits, t->bit))
		return pvvalue_encode(b, t);
	if (t->code == PVT_STRUCT)
		for (i = 0; i < t->nkids; i++)
			if ((r = pvvalue_enc_masked(b, t->kids[i], bits)) != 0)
				return r;
	return PVDATA_OK;
}

int
pvvalue_encode_masked(struct pvdata_buf *b, const struct pvtype *t,
    const struct pvdata_bits *bits)
{
	int r;

	if (t == NULL || bits == NULL || t->nbits == 0 || t->bit != 0)
		return b->err != 0 ? b->err : (b->err = PVDATA_EINVAL);
	if ((r = pvdata_put_bits(b, bits)) != 0)
		return r;
	return pvvalue_enc_masked(b, t, bits);
}

static int
pvvalue_dec_masked(struct pvvalue_dec *d, struct pvtype *t,
    const struct pvdata_bits *bits)
{
	size_t i;
	int r;

	if (pvdata_bits_test(bits, t->bit))
		return pvvalue_dec(d, t, 0, 1);
	if (t->code == PVT_STRUCT)
		for (i = 0; i < t->nkids; i++)
			if ((r = pvvalue_dec_masked(d, t->kids[i], bits)) != 0)
				return r;
	return PVDATA_OK;
}

/* bits is initialised here; the caller frees it with pvdata_bits_free. */
int
pvvalue_decode_masked(struct pvdata_cur *c, struct pvtype *t,
    struct pvdata_bits *bits, char *err, size_t errlen)
{
	struct pvvalue_dec d = { c, 0, err, errlen };
	size_t start = c->off;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(bits, 0, sizeof(*bits));
	if (t == NULL)
		return PVDATA_EINVAL;
	if ((r = pvdata_bits_init(bits, pvtype_number(t))) != 0)
		return r;
	if ((r = pvdata_get_bits(c, bits)) != 0)
		r = pvvalue_fail(&d, r, "bad BitSet");
	else
		r = pvvalue_dec_masked(&d, t, bits);
	if (r != 0) {
		c->off = start;
		pvdata_bits_free(bits);
	}
	return r;
}

void
pvvalue_request_options(const struct pvtype *req, struct pvvalue_reqopts *o)
{
	const struct pvtype *t;
	unsigned long long v;
	char *end;

	memset(o, 0, sizeof(*o));
	if ((t = pvtype_find(req, "record._options.pipeline")) != NULL) {
		if (t->code == PVT_STRING && t->str != NULL)
			o->pipeline = strcasecmp(t->str, "true") == 0 ||
			    strcmp(t->str, "1") == 0;
		else if (pvvalue_is_int(t->code))
			o->pipeline = t->num.u != 0;
	}
	if ((t = pvtype_find(req, "record._options.queueSize")) != NULL) {
		v = 0;
		if (t->code == PVT_STRING && t->str != NULL &&
		    t->str[0] >= '0' && t->str[0] <= '9') {
			v = strtoull(t->str, &end, 10);
			if (*end != '\0')
				v = 0;
		} else if (pvvalue_is_int(t->code) &&
		    (t->code >= PVT_UINT8 || t->num.i > 0))
			v = t->num.u;
		o->queue_size = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
}
