/*
 * ocspcache.h - signed OCSP responses kept for reuse.  A busy certificate
 * should cost one signature per half validity period, not one per
 * request (issue 5).  An entry is reused while it is younger than the
 * refresh age and was signed for the state the record has now, so a
 * revocation is never hidden behind a cached "good".
 *
 * Two-way set associative with a fixed number of sets: memory is bounded
 * whatever serials clients ask about.  Event-loop thread only.
 */
#ifndef PVACMS_OCSPCACHE_H
#define PVACMS_OCSPCACHE_H

#include <stddef.h>
#include <stdint.h>

struct ocspcache;

struct ocspcache_entry {
	uint64_t serial;
	int md_nid;		/* hash of the CertID it answers (SHA-1 ...) */
	int state;		/* the record's state when signed */
	int64_t revoked_at;
	int64_t this_update, next_update;
	unsigned char *der;	/* OCSPResponse, owned by the cache */
	size_t der_len;
	uint64_t used;		/* last use, for choosing the way to evict */
};

struct ocspcache_stats {
	uint64_t hits, misses, stores, evictions;
	size_t entries, slots;
};

/* nsets rounded up to a power of two (2 entries each).  NULL if no memory. */
struct ocspcache *ocspcache_new(size_t nsets);
void ocspcache_free(struct ocspcache *cache);

/*
 * The entry for (serial, md_nid) if it was signed for state and
 * revoked_at, this_update <= now and now - this_update < refresh_age;
 * else NULL (a miss).  The pointer is borrowed: valid until the next
 * ocspcache_put or ocspcache_free.
 */
const struct ocspcache_entry *ocspcache_get(struct ocspcache *cache,
    uint64_t serial, int md_nid, int state, int64_t revoked_at, int64_t now,
    int64_t refresh_age);

/*
 * Store a response, taking ownership of der (freed with OPENSSL_free on
 * replacement or ocspcache_free).  Replaces the entry for the same key,
 * else the least recently used way of its set.  Returns the stored entry
 * (borrowed, as for ocspcache_get).
 */
const struct ocspcache_entry *ocspcache_put(struct ocspcache *cache,
    uint64_t serial, int md_nid, int state, int64_t revoked_at,
    int64_t this_update, int64_t next_update, unsigned char *der,
    size_t der_len);

void ocspcache_stats(const struct ocspcache *cache,
    struct ocspcache_stats *out);

#endif
