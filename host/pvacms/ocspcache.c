/*
 * ocspcache.c - a bounded cache of signed OCSP responses (see
 * ocspcache.h for the rules of reuse).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ocspcache.h"

#define OCSPCACHE_WAYS 2

struct ocspcache {
	struct ocspcache_entry *slots;	/* nsets * OCSPCACHE_WAYS */
	size_t nsets;			/* a power of two */
	uint64_t clock;			/* use counter for LRU */
	struct ocspcache_stats stats;
};

/* splitmix64's finalizer: serials are random already, md_nid is not. */
static size_t
ocspcache_set_of(const struct ocspcache *c, uint64_t serial, int md_nid)
{
	uint64_t x = serial ^ ((uint64_t)(unsigned)md_nid << 56);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)(x & (c->nsets - 1));
}

struct ocspcache *
ocspcache_new(size_t nsets)
{
	struct ocspcache *c;
	size_t n = 1;

	while (n < nsets && n < ((size_t)1 << 24))
		n <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slots = calloc(n * OCSPCACHE_WAYS,
	    sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	c->nsets = n;
	c->stats.slots = n * OCSPCACHE_WAYS;
	return c;
}

void
ocspcache_free(struct ocspcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsets * OCSPCACHE_WAYS; i++)
		OPENSSL_free(c->slots[i].der);
	free(c->slots);
	free(c);
}

const struct ocspcache_entry *
ocspcache_get(struct ocspcache *c, uint64_t serial, int md_nid, int state,
    int64_t revoked_at, int64_t now, int64_t refresh_age)
{
	struct ocspcache_entry *set, *e;
	size_t w;

	set = &c->slots[ocspcache_set_of(c, serial, md_nid) * OCSPCACHE_WAYS];
	for (w = 0; w < OCSPCACHE_WAYS; w++) {
		e = &set[w];
		if (e->der == NULL || e->serial != serial ||
		    e->md_nid != md_nid)
			continue;
		/*
		 * A state change, a clock that went back, or half the
		 * validity gone: sign again.
		 */
		if (e->state != state || e->revoked_at != revoked_at ||
		    now < e->this_update ||
		    now - e->this_update >= refresh_age)
			break;
		e->used = ++c->clock;
		c->stats.hits++;
		return e;
	}
	c->stats.misses++;
	return NULL;
}

const struct ocspcache_entry *
ocspcache_put(struct ocspcache *c, uint64_t serial, int md_nid, int state,
    int64_t revoked_at, int64_t this_update, int64_t next_update,
    unsigned char *der, size_t der_len)
{
	struct ocspcache_entry *set, *e = NULL;
	size_t w;

	set = &c->slots[ocspcache_set_of(c, serial, md_nid) * OCSPCACHE_WAYS];
	for (w = 0; w < OCSPCACHE_WAYS && e == NULL; w++)
		if (set[w].der != NULL && set[w].serial == serial &&
		    set[w].md_nid == md_nid)
			e = &set[w];
	for (w = 0; w < OCSPCACHE_WAYS && e == NULL; w++)
		if (set[w].der == NULL)
			e = &set[w];
	if (e == NULL) {
		e = &set[0];
		for (w = 1; w < OCSPCACHE_WAYS; w++)
			if (set[w].used < e->used)
				e = &set[w];
		c->stats.evictions++;
	}
	if (e->der != NULL)
		OPENSSL_free(e->der);
	else
		c->stats.entries++;
	e->serial = serial;
	e->md_nid = md_nid;
	e->state = state;
	e->revoked_at = revoked_at;
	e->this_update = this_update;
	e->next_update = next_update;
	e->der = der;
	e->der_len = der_len;
	e->used = ++c->clock;
	c->stats.stores++;
	return e;
}

void
ocspcache_stats(const struct ocspcache *c, struct ocspcache_stats *out)
{
	*out = c->stats;
}
