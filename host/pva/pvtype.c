/*
 * pvtype.c - pvData type descriptors (pvaccess.md §4.2): a small tree of
 * struct pvtype nodes, built by hand for what the front sends and
 * decoded, under caps, from what clients send.  Decoding accepts the
 * type-cache forms FD (define and use) and FE (reuse) that PVXS may send
 * but never emits them; it refuses fixed and bounded types (0x10), as
 * PVXS does, and anything nested deeper than PVTYPE_MAX_DEPTH.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvdata.h"
#include "pvtype.h"

struct pvtype_dec {
	struct pvdata_cur	*c;
	struct pvtype_cache	*cache;
	size_t			*nodes;
	char			*err;
	size_t			 errlen;
};

static int	pvtype_fail(struct pvtype_dec *d, int r, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int	pvtype_is_compound(uint8_t code);
static char	*pvtype_strdup(const char *s);
static int	pvtype_append(struct pvtype *parent, struct pvtype *kid);
static unsigned	pvtype_number_from(struct pvtype *t, unsigned next);
static size_t	pvtype_count(const struct pvtype *t);
static unsigned	pvtype_height(const struct pvtype *t);
static int	pvtype_dec_name(struct pvtype_dec *d, const char *what,
		    char **out);
static int	pvtype_dec_one(struct pvtype_dec *d, unsigned depth,
		    int top, struct pvtype **out);
static int	pvtype_dec_body(struct pvtype_dec *d, uint8_t code,
		    unsigned depth, struct pvtype **out);
static int	pvtype_cache_put(struct pvtype_dec *d, uint16_t key,
		    const struct pvtype *t);

/* Record the first reason in d->err; returns r. */
static int
pvtype_fail(struct pvtype_dec *d, int r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->err == NULL || d->errlen == 0 || d->err[0] != '\0')
		return r;
	n = snprintf(d->err, d->errlen, "type descriptor at byte %zu: ",
	    d->c->off);
	if (n >= 0 && (size_t)n < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return r;
}

int
pvtype_valid_code(uint8_t code)
{
	switch (code & ~PVT_ARRAY) {
	case PVT_BOOL:
	case PVT_INT8: case PVT_INT16: case PVT_INT32: case PVT_INT64:
	case PVT_UINT8: case PVT_UINT16: case PVT_UINT32: case PVT_UINT64:
	case PVT_FLOAT32: case PVT_FLOAT64:
	case PVT_STRING:
	case PVT_STRUCT: case PVT_UNION: case PVT_ANY:
		return 1;
	}
	return 0;
}

/* struct and union (not their arrays) have members and a type id. */
static int
pvtype_is_compound(uint8_t code)
{
	return code == PVT_STRUCT || code == PVT_UNION;
}

static char *
pvtype_strdup(const char *s)
{
	size_t n = strlen(s);
	char *p;

	if ((p = malloc(n + 1)) != NULL)
		memcpy(p, s, n + 1);
	return p;
}

/* Returns a node the caller frees with pvtype_free, or NULL. */
struct pvtype *
pvtype_new(uint8_t code, const char *id)
{
	struct pvtype *t;

	if (!pvtype_valid_code(code))
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->code = code;
	if (pvtype_is_compound(code) && id != NULL && *id != '\0' &&
	    (t->id = pvtype_strdup(id)) == NULL) {
		free(t);
		return NULL;
	}
	if (code == (PVT_STRUCT | PVT_ARRAY) ||
	    code == (PVT_UNION | PVT_ARRAY)) {
		if ((t->elem = pvtype_new(code & ~PVT_ARRAY, id)) == NULL) {
			pvtype_free(t);
			return NULL;
		}
	}
	return t;
}

static int
pvtype_append(struct pvtype *parent, struct pvtype *kid)
{
	struct pvtype **k;

	k = realloc(parent->kids, (parent->nkids + 1) * sizeof(*k));
	if (k == NULL)
		return PVDATA_ENOMEM;
	parent->kids = k;
	parent->kids[parent->nkids++] = kid;
	return PVDATA_OK;
}

/* The new member belongs to parent (freed with it). */
struct pvtype *
pvtype_add(struct pvtype *parent, const char *name, uint8_t code,
    const char *id)
{
	struct pvtype *t;

	if (parent == NULL || name == NULL ||
	    !pvtype_is_compound(parent->code))
		return NULL;
	if ((t = pvtype_new(code, id)) == NULL)
		return NULL;
	if ((t->name = pvtype_strdup(name)) == NULL ||
	    pvtype_append(parent, t) != 0) {
		pvtype_free(t);
		return NULL;
	}
	return t;
}

void
pvtype_free_value(struct pvtype *t)
{
	char **sv;
	size_t i;

	if (t->code == (PVT_STRING | PVT_ARRAY) && t->arr != NULL) {
		sv = t->arr;
		for (i = 0; i < t->count; i++)
			free(sv[i]);
	}
	free(t->arr);
	free(t->str);
	t->arr = NULL;
	t->str = NULL;
	t->count = t->slen = 0;
	memset(&t->num, 0, sizeof(t->num));
}

void
pvtype_free(struct pvtype *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nkids; i++)
		pvtype_free(t->kids[i]);
	free(t->kids);
	pvtype_free(t->elem);
	pvtype_free_value(t);
	free(t->name);
	free(t->id);
	free(t);
}

/* Returns a copy without values; the caller frees it with pvtype_free. */
struct pvtype *
pvtype_copy(const struct pvtype *t)
{
	struct pvtype *n, *k;
	size_t i;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->code = t->code;
	n->bit = t->bit;
	n->nbits = t->nbits;
	if ((t->name != NULL && (n->name = pvtype_strdup(t->name)) == NULL) ||
	    (t->id != NULL && (n->id = pvtype_strdup(t->id)) == NULL) ||
	    (t->elem != NULL && (n->elem = pvtype_copy(t->elem)) == NULL))
		goto fail;
	if (t->nkids > 0 &&
	    (n->kids = calloc(t->nkids, sizeof(*n->kids))) == NULL)
		goto fail;
	for (i = 0; i < t->nkids; i++) {
		if ((k = pvtype_copy(t->kids[i])) == NULL)
			goto fail;
		n->kids[n->nkids++] = k;
	}
	return n;
fail:
	pvtype_free(n);
	return NULL;
}

struct pvtype *
pvtype_find(const struct pvtype *t, const char *path)
{
	const char *dot;
	size_t len, i;

	while (t != NULL && path != NULL && *path != '\0') {
		dot = strchr(path, '.');
		len = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (t->code != PVT_STRUCT)
			return NULL;
		for (i = 0; i < t->nkids; i++)
			if (strncmp(t->kids[i]->name, path, len) == 0 &&
			    t->kids[i]->name[len] == '\0')
				break;
		if (i == t->nkids)
			return NULL;
		t = t->kids[i];
		path = dot != NULL ? dot + 1 : NULL;
	}
	return (struct pvtype *)t;
}

/*
 * Depth-first pre-order over the struct's nodes (§4.4): a sub-structure
 * has a bit of its own before its members'.  A union, any or array is
 * one node.
 */
static unsigned
pvtype_number_from(struct pvtype *t, unsigned next)
{
	size_t i;

	t->bit = next++;
	if (t->code == PVT_STRUCT)
		for (i = 0; i < t->nkids; i++)
			next = pvtype_number_from(t->kids[i], next);
	t->nbits = next - t->bit;
	return next;
}

unsigned
pvtype_number(struct pvtype *t)
{
	return t != NULL ? pvtype_number_from(t, 0) : 0;
}

struct pvtype *
pvtype_at(struct pvtype *t, unsigned bit)
{
	size_t i;

	while (t != NULL && t->bit != bit) {
		if (bit < t->bit || bit >= t->bit + t->nbits)
			return NULL;
		for (i = 0; i < t->nkids; i++)
			if (bit >= t->kids[i]->bit &&
			    bit < t->kids[i]->bit + t->kids[i]->nbits)
				break;
		t = i < t->nkids ? t->kids[i] : NULL;
	}
	return t;
}

int
pvtype_encode(struct pvdata_buf *b, const struct pvtype *t)
{
	size_t i;
	int r;

	if (t == NULL)
		return pvdata_put_u8(b, PVT_NULL);
	if ((r = pvdata_put_u8(b, t->code)) != 0)
		return r;
	if (t->elem != NULL)
		return pvtype_encode(b, t->elem);
	if (!pvtype_is_compound(t->code))
		return PVDATA_OK;
	if ((r = pvdata_put_cstr(b, t->id)) != 0 ||
	    (r = pvdata_put_size(b, t->nkids)) != 0)
		return r;
	for (i = 0; i < t->nkids; i++)
		if ((r = pvdata_put_cstr(b, t->kids[i]->name)) != 0 ||
		    (r = pvtype_encode(b, t->kids[i])) != 0)
			return r;
	return PVDATA_OK;
}

static size_t
pvtype_count(const struct pvtype *t)
{
	size_t i, n = 1;

	for (i = 0; i < t->nkids; i++)
		n += pvtype_count(t->kids[i]);
	if (t->elem != NULL)
		n += pvtype_count(t->elem);
	return n;
}

static unsigned
pvtype_height(const struct pvtype *t)
{
	unsigned h = 0, k;
	size_t i;

	for (i = 0; i < t->nkids; i++)
		if ((k = pvtype_height(t->kids[i])) > h)
			h = k;
	if (t->elem != NULL && (k = pvtype_height(t->elem)) > h)
		h = k;
	return h + 1;
}

/* A member name or type id; *out (NUL-terminated) the caller frees. */
static int
pvtype_dec_name(struct pvtype_dec *d, const char *what, char **out)
{
	const char *s;
	size_t len;
	int r;

	*out = NULL;
	if ((r = pvdata_get_string(d->c, &s, &len)) != 0)
		return pvtype_fail(d, r, "cannot read a %s", what);
	if (len > PVTYPE_MAX_NAME)
		return pvtype_fail(d, PVDATA_ELIMIT, "%s of %zu bytes", what,
		    len);
	if (memchr(s, '\0', len) != NULL)
		return pvtype_fail(d, PVDATA_EBAD, "NUL inside a %s", what);
	if ((*out = malloc(len + 1)) == NULL)
		return pvtype_fail(d, PVDATA_ENOMEM, "out of memory");
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return PVDATA_OK;
}

/* Keep a copy of t under key, replacing an older definition. */
static int
pvtype_cache_put(struct pvtype_dec *d, uint16_t key, const struct pvtype *t)
{
	struct pvtype *copy;
	size_t i;

	for (i = 0; i < d->cache->n; i++)
		if (d->cache->key[i] == key)
			break;
	if (i == PVTYPE_CACHE_SLOTS)
		return pvtype_fail(d, PVDATA_ELIMIT, "more than %d cached"
		    " types", PVTYPE_CACHE_SLOTS);
	if ((copy = pvtype_copy(t)) == NULL)
		return pvtype_fail(d, PVDATA_ENOMEM, "out of memory");
	/* A cached type is stored without the member name it came with. */
	free(copy->name);
	copy->name = NULL;
	if (i < d->cache->n)
		pvtype_free(d->cache->type[i]);
	else
		d->cache->n++;
	d->cache->key[i] = key;
	d->cache->type[i] = copy;
	return PVDATA_OK;
}

void
pvtype_cache_clear(struct pvtype_cache *cache)
{
	size_t i;

	if (cache == NULL)
		return;
	for (i = 0; i < cache->n; i++)
		pvtype_free(cache->type[i]);
	memset(cache, 0, sizeof(*cache));
}

/*
 * One descriptor at nesting depth.  top allows the null type FF.  The
 * cache forms wrap a real descriptor; that one may not be a cache form
 * again, so FD FD FD ... cannot recurse without limit.
 */
static int
pvtype_dec_one(struct pvtype_dec *d, unsigned depth, int top,
    struct pvtype **out)
{
	struct pvtype *t = NULL;
	const struct pvtype *hit;
	uint16_t key;
	uint8_t code;
	size_t i, n;
	int r;

	*out = NULL;
	if ((r = pvdata_get_u8(d->c, &code)) != 0)
		return pvtype_fail(d, r, "cannot read a type code");
	/* The null type adds no level: an empty "any" may sit anywhere. */
	if (code == PVT_NULL) {
		if (top)
			return PVDATA_OK;
		return pvtype_fail(d, PVDATA_EBAD, "null type as a member");
	}
	if (depth > PVTYPE_MAX_DEPTH)
		return pvtype_fail(d, PVDATA_ELIMIT, "nested deeper than %d",
		    PVTYPE_MAX_DEPTH);
	if (code != 0xfd && code != 0xfe)
		return pvtype_dec_body(d, code, depth, out);

	if ((r = pvdata_get_u16(d->c, &key)) != 0)
		return pvtype_fail(d, r, "cannot read a type cache key");
	if (code == 0xfd) {
		if ((r = pvdata_get_u8(d->c, &code)) != 0)
			return pvtype_fail(d, r, "cannot read a type code");
		if (code == 0xfd || code == 0xfe || code == PVT_NULL)
			return pvtype_fail(d, PVDATA_EBAD, "type cache entry"
			    " that is not a type (%02x)", code);
		if ((r = pvtype_dec_body(d, code, depth, &t)) != 0)
			return r;
		if ((r = pvtype_cache_put(d, key, t)) != 0) {
			pvtype_free(t);
			return r;
		}
		*out = t;
		return PVDATA_OK;
	}
	for (i = 0, hit = NULL; i < d->cache->n; i++)
		if (d->cache->key[i] == key)
			hit = d->cache->type[i];
	if (hit == NULL)
		return pvtype_fail(d, PVDATA_ENOTFOUND, "type cache key %u"
		    " was never defined", key);
	/* A reused type counts against the caps as if sent in full. */
	n = pvtype_count(hit);
	if (n > PVTYPE_MAX_NODES - *d->nodes)
		return pvtype_fail(d, PVDATA_ELIMIT, "more than %d nodes",
		    PVTYPE_MAX_NODES);
	if (depth + pvtype_height(hit) > PVTYPE_MAX_DEPTH + 1)
		return pvtype_fail(d, PVDATA_ELIMIT, "nested deeper than %d",
		    PVTYPE_MAX_DEPTH);
	if ((*out = pvtype_copy(hit)) == NULL)
		return pvtype_fail(d, PVDATA_ENOMEM, "out of memory");
	*d->nodes += n;
	return PVDATA_OK;
}

/* The descriptor after its code byte. */
static int
pvtype_dec_body(struct pvtype_dec *d, uint8_t code, unsigned depth,
    struct pvtype **out)
{
	struct pvtype *t, *kid;
	uint32_t n, i, j;
	char *name;
	int r;

	*out = NULL;
	if ((code & 0x10) != 0 && pvtype_valid_code(code & ~0x18))
		return pvtype_fail(d, PVDATA_EUNSUPP, "fixed or bounded type"
		    " %02x", code);
	if (!pvtype_valid_code(code))
		return pvtype_fail(d, PVDATA_EBAD, "unknown type code %02x",
		    code);
	if (*d->nodes >= PVTYPE_MAX_NODES)
		return pvtype_fail(d, PVDATA_ELIMIT, "more than %d nodes",
		    PVTYPE_MAX_NODES);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return pvtype_fail(d, PVDATA_ENOMEM, "out of memory");
	(*d->nodes)++;
	t->code = code;
	if (code == (PVT_STRUCT | PVT_ARRAY) ||
	    code == (PVT_UNION | PVT_ARRAY)) {
		if ((r = pvtype_dec_one(d, depth + 1, 0, &t->elem)) != 0)
			goto fail;
		if (t->elem->code != (code & ~PVT_ARRAY)) {
			r = pvtype_fail(d, PVDATA_EBAD, "array of %02x holds"
			    " %02x", code, t->elem->code);
			goto fail;
		}
	}
	if (!pvtype_is_compound(code)) {
		*out = t;
		return PVDATA_OK;
	}
	if ((r = pvtype_dec_name(d, "type id", &t->id)) != 0)
		goto fail;
	if (t->id[0] == '\0') {
		free(t->id);
		t->id = NULL;
	}
	if ((r = pvdata_get_size(d->c, &n, NULL)) != 0) {
		r = pvtype_fail(d, r, "cannot read a member count");
		goto fail;
	}
	/* Each member takes two bytes at least: a name and a code. */
	if (n > PVTYPE_MAX_MEMBERS || n > pvdata_cur_left(d->c) / 2) {
		r = pvtype_fail(d, n > PVTYPE_MAX_MEMBERS ? PVDATA_ELIMIT :
		    PVDATA_ETRUNC, "%u members", (unsigned)n);
		goto fail;
	}
	if (n > 0 && (t->kids = calloc(n, sizeof(*t->kids))) == NULL) {
		r = pvtype_fail(d, PVDATA_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if ((r = pvtype_dec_name(d, "member name", &name)) != 0)
			goto fail;
		for (j = 0; j < i; j++)
			if (strcmp(t->kids[j]->name, name) == 0)
				break;
		if (j < i) {
			r = pvtype_fail(d, PVDATA_EBAD, "member '%.64s' twice",
			    name);
			free(name);
			goto fail;
		}
		if ((r = pvtype_dec_one(d, depth + 1, 0, &kid)) != 0) {
			free(name);
			goto fail;
		}
		free(kid->name);
		kid->name = name;
		t->kids[t->nkids++] = kid;
	}
	*out = t;
	return PVDATA_OK;
fail:
	pvtype_free(t);
	return r;
}

int
pvtype_decode_at(struct pvdata_cur *c, struct pvtype_cache *cache,
    unsigned depth, size_t *nodes, struct pvtype **out, char *err,
    size_t errlen)
{
	struct pvtype_cache local;
	struct pvtype_dec d;
	size_t start = c->off;
	int r;

	memset(&local, 0, sizeof(local));
	d.c = c;
	d.cache = cache != NULL ? cache : &local;
	d.nodes = nodes;
	d.err = err;
	d.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	r = pvtype_dec_one(&d, depth, 1, out);
	pvtype_cache_clear(&local);
	if (r != 0) {
		*out = NULL;
		c->off = start;
	}
	return r;
}

/* *out (NULL for the null type) the caller frees with pvtype_free. */
int
pvtype_decode(struct pvdata_cur *c, struct pvtype_cache *cache,
    struct pvtype **out, char *err, size_t errlen)
{
	size_t nodes = 0;

	return pvtype_decode_at(c, cache, 0, &nodes, out, err, errlen);
}
