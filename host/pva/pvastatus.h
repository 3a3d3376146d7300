/*
 * pvastatus.h - the bodies of the front's replies about a status PV, in
 * the pvData encoding (pvaccess.md §7, §8): the type descriptor PVACMS
 * sends (its 497 bytes), the value of one status as a masked value, and
 * the client's pvRequest read and checked.  What the front always sends
 * is little-endian; what it reads may be either order.  Bodies are
 * appended to a struct pvamsg_buf (the caller's message).
 */
#ifndef PVACMS_PVASTATUS_H
#define PVACMS_PVASTATUS_H

#include <stddef.h>
#include <stdint.h>

struct pvamsg_buf;
struct statuspv;

/* A little-endian u32 (ioid). 0 or -1. */
int pvastatus_put_u32(struct pvamsg_buf *out, uint32_t v);

/* GET_FIELD reply after the ioid: Status OK and the type.  0 or -1. */
int pvastatus_put_field_reply(struct pvamsg_buf *out);

/* INIT reply after the ioid: sub, Status OK and the type.  0 or -1. */
int pvastatus_put_init_reply(struct pvamsg_buf *out, uint8_t sub);

/*
 * The value of sv as a masked value: the BitSet of the fields set (as
 * PVACMS marks them, §8.5) and their values.  For a name this CA cannot
 * vouch for (sv->certified 0), the uncertified value of §8.7.  0 or -1.
 */
int pvastatus_put_value(struct pvamsg_buf *out, const struct statuspv *sv);

/* The empty overrun BitSet that ends a monitor update (§7.4). */
int pvastatus_put_empty_bits(struct pvamsg_buf *out);

/*
 * Read and check a pvRequest (type + full value, in byte order be) at
 * p[0..len); with_window: a MONITOR INIT with the pipeline bit, a u32
 * window follows it.  *pipeline and *window (0: none) say what the
 * client asked.  0, or -1 with err set.
 */
int pvastatus_read_request(const uint8_t *p, size_t len, int be,
    int with_window, int *pipeline, uint32_t *window, char *err,
    size_t errlen);

#endif
