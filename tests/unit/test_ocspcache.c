/*
 * test_ocspcache.c - the signed-response cache reuses an answer only
 * while it is younger than the refresh age and was signed for the state
 * the certificate has now; memory stays bounded when clients ask about
 * more serials than it holds.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ocspcache.h"
#include "tap.h"

#define SHA1 64		/* NID_sha1 */
#define SHA256 672	/* NID_sha256 */
#define VALID 1
#define REVOKED 6

/* A DER stand-in the cache may own: OPENSSL_malloc'ed, tagged. */
static unsigned char *
der(unsigned char tag, size_t *len)
{
	unsigned char *p = OPENSSL_malloc(8);

	memset(p, tag, 8);
	*len = 8;
	return p;
}

static const struct ocspcache_entry *
put(struct ocspcache *c, uint64_t serial, int md, int state,
    int64_t revoked_at, int64_t t, unsigned char tag)
{
	size_t len;
	unsigned char *p = der(tag, &len);

	return ocspcache_put(c, serial, md, state, revoked_at, t, t + 1800, p,
	    len);
}

int
main(void)
{
	struct ocspcache *c = ocspcache_new(4);
	const struct ocspcache_entry *e;
	struct ocspcache_stats st;
	uint64_t s;
	int kept;

	tap_plan(22);
	ok(c != NULL, "a cache of 4 sets");
	ocspcache_stats(c, &st);
	is_int((long long)st.slots, 8, "4 sets of 2 ways: 8 slots");

	ok(ocspcache_get(c, 7, SHA1, VALID, 0, 1000, 900) == NULL,
	    "empty: a miss");
	put(c, 7, SHA1, VALID, 0, 1000, 0xaa);
	e = ocspcache_get(c, 7, SHA1, VALID, 0, 1000, 900);
	ok(e != NULL && e->der[0] == 0xaa, "the same second: a hit");
	ok(e != NULL && e->this_update == 1000 && e->next_update == 2800,
	    "the entry keeps its dates");
	ok(ocspcache_get(c, 7, SHA1, VALID, 0, 1899, 900) != NULL,
	    "just under the refresh age: a hit");
	ok(ocspcache_get(c, 7, SHA1, VALID, 0, 1900, 900) == NULL,
	    "at the refresh age (half the validity): a miss, sign again");
	ok(ocspcache_get(c, 7, SHA1, VALID, 0, 999, 900) == NULL,
	    "a clock that went back: a miss");
	ok(ocspcache_get(c, 7, SHA1, REVOKED, 1500, 1500, 900) == NULL,
	    "revoked since: a miss, never the cached good");
	ok(ocspcache_get(c, 7, SHA256, VALID, 0, 1000, 900) == NULL,
	    "another CertID hash: a miss");
	ok(ocspcache_get(c, 8, SHA1, VALID, 0, 1000, 900) == NULL,
	    "another serial: a miss");

	/* Replacing the same key keeps one entry. */
	put(c, 7, SHA1, REVOKED, 1500, 1500, 0xbb);
	e = ocspcache_get(c, 7, SHA1, REVOKED, 1500, 1500, 900);
	ok(e != NULL && e->der[0] == 0xbb, "re-signed for REVOKED: a hit");
	ok(ocspcache_get(c, 7, SHA1, REVOKED, 1600, 1500, 900) == NULL,
	    "another revocation time: a miss");
	ocspcache_stats(c, &st);
	is_int((long long)st.entries, 1, "one entry for one key");

	/* Far more serials than slots: bounded, the newest kept. */
	for (s = 100; s < 1100; s++)
		put(c, s, SHA1, VALID, 0, 2000, (unsigned char)s);
	ocspcache_stats(c, &st);
	is_int((long long)st.entries, 8, "1000 serials: at most 8 entries");
	ok(st.evictions >= 1000 - 8, "the rest were evicted");
	kept = 0;
	for (s = 100; s < 1100; s++)
		if (ocspcache_get(c, s, SHA1, VALID, 0, 2000, 900) != NULL)
			kept++;
	ok(kept > 0 && kept <= 8, "between 1 and 8 of them still hit (%d)",
	    kept);
	ok(ocspcache_get(c, 1099, SHA1, VALID, 0, 2000, 900) != NULL,
	    "the last one stored hits");

	/* Two ways: the one used less recently goes first. */
	ocspcache_free(c);
	c = ocspcache_new(1);
	put(c, 1, SHA1, VALID, 0, 10, 1);
	put(c, 2, SHA1, VALID, 0, 10, 2);
	ok(ocspcache_get(c, 1, SHA1, VALID, 0, 10, 900) != NULL,
	    "one set: 1 used again");
	put(c, 3, SHA1, VALID, 0, 10, 3);
	ok(ocspcache_get(c, 1, SHA1, VALID, 0, 10, 900) != NULL,
	    "the recently used 1 stays");
	ok(ocspcache_get(c, 2, SHA1, VALID, 0, 10, 900) == NULL,
	    "the least recently used 2 was evicted");
	ocspcache_free(c);
	ocspcache_free(NULL);
	ok(1, "free of NULL is harmless");
	return tap_done();
}
