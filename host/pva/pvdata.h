/*
 * pvdata.h - the primitive layer of the pvData codec for the PVAccess
 * front (reference pvaccess.md §4): a growable write buffer with a hard
 * cap, a bounds-checked read cursor, Size, string, Status, scalars and
 * BitSet, each in either byte order (one flag per message).  No sockets
 * and no daemon state: a pure library, fuzzed through pvtype.c.
 *
 * Errors are values: every function returns PVDATA_OK or a negative
 * PVDATA_E* code (pvdata_strerror names it).  A failed read leaves the
 * cursor where the failing item began.  A failed write latches the
 * buffer (b->err); later writes are no-ops that return the same error,
 * so a long encoder may check once at the end.
 */
#ifndef PVACMS_PVDATA_H
#define PVACMS_PVDATA_H

#include <stddef.h>
#include <stdint.h>

#define PVDATA_OK		0
#define PVDATA_ETRUNC		-1	/* the input ends inside an item */
#define PVDATA_EBAD		-2	/* malformed: bad code, FF, selector */
#define PVDATA_ELIMIT		-3	/* a cap was exceeded */
#define PVDATA_ENOMEM		-4
#define PVDATA_EUNSUPP		-5	/* fixed/bounded types and the like */
#define PVDATA_EINVAL		-6	/* the caller's mistake: wrong type */
#define PVDATA_ENOTFOUND	-7	/* no such field or cache key */

/* No Size read from the wire may exceed this (counts and lengths). */
#define PVDATA_MAX_SIZE		(16u * 1024 * 1024)
/* Default and largest cap of a write buffer. */
#define PVDATA_BUF_MAX		(16u * 1024 * 1024)

/* Status codes (§4.1). */
#define PVDATA_STATUS_OK	0
#define PVDATA_STATUS_WARNING	1
#define PVDATA_STATUS_ERROR	2
#define PVDATA_STATUS_FATAL	3

/* A write buffer; data is NULL until the first write. */
struct pvdata_buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* hard cap on len */
	int		 be;		/* big-endian message */
	int		 err;		/* first write error, latched */
};

/* A read cursor over borrowed bytes; nothing is copied or freed. */
struct pvdata_cur {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 be;
};

/* A decoded Status; msg and stack point into the cursor's bytes. */
struct pvdata_status {
	int		 code;		/* PVDATA_STATUS_* */
	const char	*msg;		/* not NUL-terminated; "" when FF */
	size_t		 msg_len;
	const char	*stack;
	size_t		 stack_len;
};

/* A set of bit numbers below nbits; words[] is owned. */
struct pvdata_bits {
	uint64_t	*words;
	size_t		 nbits;
};

const char	*pvdata_strerror(int r);

/* Write buffer.  max 0 means PVDATA_BUF_MAX; larger is clamped. */
void		 pvdata_buf_init(struct pvdata_buf *b, int be, size_t max);
void		 pvdata_buf_free(struct pvdata_buf *b);
/* Hand the bytes over: the caller frees the result; b is left empty. */
uint8_t		*pvdata_buf_take(struct pvdata_buf *b, size_t *len);
int		 pvdata_put_bytes(struct pvdata_buf *b, const void *p,
		    size_t n);
int		 pvdata_put_u8(struct pvdata_buf *b, uint8_t v);
int		 pvdata_put_u16(struct pvdata_buf *b, uint16_t v);
int		 pvdata_put_u32(struct pvdata_buf *b, uint32_t v);
int		 pvdata_put_u64(struct pvdata_buf *b, uint64_t v);
int		 pvdata_put_f32(struct pvdata_buf *b, float v);
int		 pvdata_put_f64(struct pvdata_buf *b, double v);
int		 pvdata_put_size(struct pvdata_buf *b, size_t n);
int		 pvdata_put_null_size(struct pvdata_buf *b);
int		 pvdata_put_string(struct pvdata_buf *b, const char *s,
		    size_t len);
int		 pvdata_put_cstr(struct pvdata_buf *b, const char *s);
/* code OK with no texts is written as the single byte FF. */
int		 pvdata_put_status(struct pvdata_buf *b, int code,
		    const char *msg, const char *stack);

/* Read cursor. */
void		 pvdata_cur_init(struct pvdata_cur *c, const void *p,
		    size_t len, int be);
size_t		 pvdata_cur_left(const struct pvdata_cur *c);
/* *p points into the cursor's bytes. */
int		 pvdata_get_bytes(struct pvdata_cur *c, size_t n,
		    const uint8_t **p);
int		 pvdata_get_u8(struct pvdata_cur *c, uint8_t *v);
int		 pvdata_get_u16(struct pvdata_cur *c, uint16_t *v);
int		 pvdata_get_u32(struct pvdata_cur *c, uint32_t *v);
int		 pvdata_get_u64(struct pvdata_cur *c, uint64_t *v);
int		 pvdata_get_f32(struct pvdata_cur *c, float *v);
int		 pvdata_get_f64(struct pvdata_cur *c, double *v);
/*
 * A Size, capped at PVDATA_MAX_SIZE.  FF is accepted only when isnull
 * is not NULL (then *isnull = 1, *n = 0); elsewhere it is PVDATA_EBAD.
 */
int		 pvdata_get_size(struct pvdata_cur *c, uint32_t *n,
		    int *isnull);
/* A string (FF reads as ""); *s points into the cursor's bytes. */
int		 pvdata_get_string(struct pvdata_cur *c, const char **s,
		    size_t *len);
/* The same, copied with a NUL added; the caller frees *s. */
int		 pvdata_get_string_dup(struct pvdata_cur *c, char **s,
		    size_t *len);
int		 pvdata_get_status(struct pvdata_cur *c,
		    struct pvdata_status *st);

/* BitSet (§4.4). */
int		 pvdata_bits_init(struct pvdata_bits *bs, size_t nbits);
void		 pvdata_bits_free(struct pvdata_bits *bs);
int		 pvdata_bits_set(struct pvdata_bits *bs, size_t bit);
int		 pvdata_bits_test(const struct pvdata_bits *bs, size_t bit);
void		 pvdata_bits_clear_all(struct pvdata_bits *bs);
/* Trailing zero bytes are trimmed, as PVXS does. */
int		 pvdata_put_bits(struct pvdata_buf *b,
		    const struct pvdata_bits *bs);
/*
 * Read a BitSet into bs, whose nbits is the structure's node count
 * (already set by pvdata_bits_init); bits at or past nbits are read
 * and dropped, as PVXS does.
 */
int		 pvdata_get_bits(struct pvdata_cur *c,
		    struct pvdata_bits *bs);

#endif
