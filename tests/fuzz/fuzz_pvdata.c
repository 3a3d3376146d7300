/*
 * fuzz_pvdata.c - libFuzzer target for the pvData decoders of the
 * PVAccess front (host/pva/): the first byte picks the byte order and
 * whether a masked value follows; the rest is a type descriptor and a
 * value of it, as a client sends a pvRequest or an RPC argument.
 * Checks that a failure consumes nothing and that whatever decodes
 * re-encodes to bytes that decode to the same bytes again.  Replayed
 * over tests/fuzz/corpus/pvdata in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_pvdata_reencode(const struct pvtype *t, int be);

/* Type and value out, in again, out again: the two outputs agree. */
static void
fuzz_pvdata_reencode(const struct pvtype *t, int be)
{
	struct pvdata_buf b1, b2;
	struct pvdata_cur c;
	struct pvtype *t2 = NULL;
	char err[128];

	pvdata_buf_init(&b1, be, 0);
	pvdata_buf_init(&b2, be, 0);
	if (pvtype_encode(&b1, t) != 0 || pvvalue_encode(&b1, t) != 0)
		abort();
	pvdata_cur_init(&c, b1.data, b1.len, be);
	if (pvtype_decode(&c, NULL, &t2, err, sizeof(err)) != 0 ||
	    pvvalue_decode(&c, t2, err, sizeof(err)) != 0 ||
	    pvdata_cur_left(&c) != 0)
		abort();
	if (pvtype_encode(&b2, t2) != 0 || pvvalue_encode(&b2, t2) != 0 ||
	    b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	pvtype_free(t2);
	pvdata_buf_free(&b1);
	pvdata_buf_free(&b2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pvtype_cache cache;
	struct pvvalue_reqopts o;
	struct pvdata_bits bits;
	struct pvdata_cur c;
	struct pvtype *t = NULL;
	uint8_t *copy;
	size_t at;
	char err[256];
	int be, masked, r;

	if (size < 1)
		return 0;
	be = data[0] & 1;
	masked = (data[0] & 2) != 0;
	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((copy = malloc(size - 1 > 0 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	memset(&cache, 0, sizeof(cache));
	pvdata_cur_init(&c, copy, size - 1, be);

	r = pvtype_decode(&c, &cache, &t, err, sizeof(err));
	if (r != 0) {
		if (t != NULL || c.off != 0 || err[0] == '\0' ||
		    memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		goto out;
	}
	if (t == NULL)
		goto out;
	(void)pvtype_number(t);
	at = c.off;
	r = pvvalue_skip(&c, t, err, sizeof(err));
	if (r != 0 && c.off != at)
		abort();
	c.off = at;
	if (masked)
		r = pvvalue_decode_masked(&c, t, &bits, err, sizeof(err));
	else
		r = pvvalue_decode(&c, t, err, sizeof(err));
	if (r != 0 && c.off != at)
		abort();
	if (masked && r == 0)
		pvdata_bits_free(&bits);
	pvvalue_request_options(t, &o);
	fuzz_pvdata_reencode(t, be);
	/* A second descriptor may reuse the cache (FE). */
	pvtype_free(t);
	t = NULL;
	if (pvtype_decode(&c, &cache, &t, err, sizeof(err)) == 0 && t != NULL)
		fuzz_pvdata_reencode(t, !be);
out:
	pvtype_free(t);
	pvtype_cache_clear(&cache);
	free(copy);
	return 0;
}
