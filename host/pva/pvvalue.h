/*
 * pvvalue.h - values of the pvData structures described by pvtype.h
 * (pvaccess.md §4.3-§4.6): setters, full values, masked values (BitSet
 * plus the set fields in bit order), a checker that steps past a value
 * without keeping it (for the pvRequest a client sends), and the two
 * pvRequest options the front honours.  Values live in the pvtype nodes
 * and are freed with the tree (pvtype_free).
 */
#ifndef PVACMS_PVVALUE_H
#define PVACMS_PVVALUE_H

#include <stddef.h>
#include <stdint.h>

#include "pvdata.h"
#include "pvtype.h"

/* What the front reads from a pvRequest (§4.6, §7.4). */
struct pvvalue_reqopts {
	int		  pipeline;	/* record._options.pipeline true */
	uint32_t	  queue_size;	/* ...queueSize; 0 = unset */
};

/* Values: copied in; PVDATA_EINVAL if the node's type does not fit. */
int		 pvvalue_set_int(struct pvtype *t, int64_t v);
int		 pvvalue_set_uint(struct pvtype *t, uint64_t v);
int		 pvvalue_set_double(struct pvtype *t, double v);
int		 pvvalue_set_string(struct pvtype *t, const char *s,
		    size_t len);
int		 pvvalue_set_bytes(struct pvtype *t, const void *p,
		    size_t n);
int		 pvvalue_set_strings(struct pvtype *t,
		    const char *const *v, size_t n);
/* Drop the values of t and everything below it. */
void		 pvvalue_clear(struct pvtype *t);

/* Full values (§4.3). */
int		 pvvalue_encode(struct pvdata_buf *b,
		    const struct pvtype *t);
/* Read a full value into t's nodes (replacing theirs). */
int		 pvvalue_decode(struct pvdata_cur *c, struct pvtype *t,
		    char *err, size_t errlen);
/* Check a full value of type t and step past it; t is not changed. */
int		 pvvalue_skip(struct pvdata_cur *c,
		    const struct pvtype *t, char *err, size_t errlen);

/*
 * Masked values (§4.5): the BitSet, then the value of every set node
 * in bit order, a set struct standing for its whole subtree.  The tree
 * must be numbered and bits sized to its node count.
 */
int		 pvvalue_encode_masked(struct pvdata_buf *b,
		    const struct pvtype *t, const struct pvdata_bits *bits);
/* Read a masked value into t; *bits (caller frees) gets the BitSet. */
int		 pvvalue_decode_masked(struct pvdata_cur *c, struct pvtype *t,
		    struct pvdata_bits *bits, char *err, size_t errlen);

/*
 * Read "record._options.pipeline" and "queueSize" from a decoded
 * pvRequest with its value.  Absent options leave the defaults (0);
 * strings "true"/"1" and decimal numbers are understood, as PVXS does.
 */
void		 pvvalue_request_options(const struct pvtype *req,
		    struct pvvalue_reqopts *o);

#endif
