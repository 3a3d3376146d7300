/*
 * pvacreq.h - the creation request reader: the argument of a CERT:CREATE
 * RPC (pvaccess.md §7.5, §12), hostile bytes from the network, read into
 * the pipeline's order (issue_order.h).  Pure: it knows nothing of the
 * daemon but the names of the types it serves, so the fuzz target
 * (tests/fuzz/fuzz_pvacreate.c) links it alone; pvacreate.c is the
 * daemon's side.
 */
#ifndef PVACMS_PVACREQ_H
#define PVACMS_PVACREQ_H

#include <stddef.h>
#include <stdint.h>

struct issue_order;

#define PVACREATE_FIELD_MAX	256	/* bytes of a subject field */
#define PVACREATE_TYPE_MAX	64	/* bytes of the type name */
#define PVACREATE_VERIFIER_MAX	(16 * 1024)	/* verifier as JSON */

enum pvacreate_kind {
	PVACREATE_CERT,		/* a certificate for a public key */
	PVACREATE_TRUST_ANCHOR	/* empty pub_key: the CA certificate alone */
};

/*
 * Read the RPC argument (type descriptor and full value, p[0..len) in
 * byte order be): an NTURI whose `query` holds the request, or the
 * request structure itself.  Fields are found by name and checked for
 * type and size.  types[0..ntypes) are the authenticator types served;
 * the request's type must be one of them, and order->type_index is its
 * index there.  On 0 *kind says what was asked; for PVACREATE_CERT,
 * *order is filled (front "pva"; the caller sets peer) and the caller
 * owns it (issue_submit or issue_order_clear); for a trust anchor it
 * owns nothing.  On -1 err holds a one-line reason naming the field, and
 * *order owns nothing.
 */
int pvacreate_read(const char *const *types, size_t ntypes,
    const uint8_t *p, size_t len, int be, enum pvacreate_kind *kind,
    struct issue_order *order, char *err, size_t errlen);

#endif
