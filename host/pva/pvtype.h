/*
 * pvtype.h - pvData structure descriptions and their values for the
 * PVAccess front (pvaccess.md §4.2-§4.6).  One tree of struct pvtype
 * nodes describes a type; each node also holds its value, so one tree
 * serves to encode a type descriptor, a full value and a masked value,
 * and to decode what a client sends (pvRequest, RPC arguments).
 *
 * Ownership: a tree is freed whole with pvtype_free on its root.  A node
 * made by pvtype_add belongs to its parent.  Setters copy what they are
 * given.  Decoding caps depth, members, name length and total nodes, so
 * any input gives a tree of bounded size or an error value.
 */
#ifndef PVACMS_PVTYPE_H
#define PVACMS_PVTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "pvdata.h"

/* Type codes (§4.2). */
#define PVT_BOOL	0x00
#define PVT_INT8	0x20
#define PVT_INT16	0x21
#define PVT_INT32	0x22
#define PVT_INT64	0x23
#define PVT_UINT8	0x24
#define PVT_UINT16	0x25
#define PVT_UINT32	0x26
#define PVT_UINT64	0x27
#define PVT_FLOAT32	0x42
#define PVT_FLOAT64	0x43
#define PVT_STRING	0x60
#define PVT_STRUCT	0x80
#define PVT_UNION	0x81
#define PVT_ANY		0x82
#define PVT_ARRAY	0x08		/* or-ed into any of the above */
#define PVT_NULL	0xff		/* "no type": only at the top */

/* Decoding caps. */
#define PVTYPE_MAX_DEPTH	20	/* as PVXS */
#define PVTYPE_MAX_MEMBERS	1024	/* members of one struct/union */
#define PVTYPE_MAX_NAME		256	/* bytes of a name or type id */
#define PVTYPE_MAX_NODES	4096	/* nodes of one decoded tree */
#define PVTYPE_CACHE_SLOTS	64	/* FD definitions kept per cache */

struct pvtype {
	uint8_t		  code;
	char		 *name;		/* member name; NULL at the top */
	char		 *id;		/* struct/union type id; NULL = "" */
	struct pvtype	**kids;		/* struct/union members, in order */
	size_t		  nkids;
	struct pvtype	 *elem;		/* element of struct[]/union[] */
	unsigned	  bit;		/* pre-order number (pvtype_number) */
	unsigned	  nbits;	/* nodes in this subtree, itself too */
	/* The value.  Compound values (union, any, struct[]) are not kept:
	 * they encode as empty and decode as validated and skipped. */
	union {
		int64_t	  i;		/* bool, int8..int64 */
		uint64_t  u;		/* uint8..uint64 */
		double	  f;		/* float32, float64 */
	} num;
	char		 *str;		/* string: NUL added, may hold NULs */
	size_t		  slen;
	void		 *arr;		/* scalar array, host order; */
	size_t		  count;	/* string[]: char ** of NUL-ended */
};

/* The FD/FE type cache of one connection direction (§4.2). */
struct pvtype_cache {
	uint16_t	  key[PVTYPE_CACHE_SLOTS];
	struct pvtype	 *type[PVTYPE_CACHE_SLOTS];
	size_t		  n;
};

/* Building.  A new node: caller frees with pvtype_free; NULL on ENOMEM. */
struct pvtype	*pvtype_new(uint8_t code, const char *id);
/*
 * Add a member to a struct/union; the new node belongs to parent and is
 * returned, or NULL (bad code, parent not a struct, ENOMEM).  For
 * struct[]/union[] pass code with PVT_ARRAY; the element node is made
 * from id and reached as ->elem.  A NULL parent gives NULL, so builders
 * may chain and check the result once.
 */
struct pvtype	*pvtype_add(struct pvtype *parent, const char *name,
		    uint8_t code, const char *id);
void		 pvtype_free(struct pvtype *t);
/* A deep copy of the type (no values); caller frees; NULL on ENOMEM. */
struct pvtype	*pvtype_copy(const struct pvtype *t);
/* The member at a dotted path ("value.index"), or NULL. */
struct pvtype	*pvtype_find(const struct pvtype *t, const char *path);
/* Number the nodes depth-first pre-order from 0; returns the count. */
unsigned	 pvtype_number(struct pvtype *t);
/* The node with pre-order number bit (after pvtype_number), or NULL. */
struct pvtype	*pvtype_at(struct pvtype *t, unsigned bit);

/* Type descriptors.  t NULL encodes the null type FF. */
int		 pvtype_encode(struct pvdata_buf *b, const struct pvtype *t);
/*
 * Decode a type descriptor into *out (caller frees with pvtype_free);
 * the null type FF gives *out = NULL and PVDATA_OK.  cache holds FD
 * definitions across messages; NULL uses one for this call only.  On
 * error *out is NULL and err (if not NULL) says where.
 */
int		 pvtype_decode(struct pvdata_cur *c,
		    struct pvtype_cache *cache, struct pvtype **out,
		    char *err, size_t errlen);
void		 pvtype_cache_clear(struct pvtype_cache *cache);
/*
 * For pvvalue.c (an "any" value carries its own type): decode at the
 * given nesting depth, adding to *nodes and failing past the caps.
 */
int		 pvtype_decode_at(struct pvdata_cur *c,
		    struct pvtype_cache *cache, unsigned depth, size_t *nodes,
		    struct pvtype **out, char *err, size_t errlen);
/* Release the values held in t alone (not its members). */
void		 pvtype_free_value(struct pvtype *t);
/* Whether code is a type code this codec knows (fixed/bounded: no). */
int		 pvtype_valid_code(uint8_t code);

#endif
