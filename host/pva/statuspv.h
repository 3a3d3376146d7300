/*
 * statuspv.h - what CERT:STATUS:<issuer_id>:<serial> holds right now
 * (pvaccess.md §8): the certificate's state, the dates and bytes of the
 * same CA-signed OCSP answer the HTTP responder serves (ocsp.c's cache),
 * or, for a name this CA cannot vouch for (another issuer, a serial
 * never issued), the "uncertified" value PVACMS sends (§8.7), which no
 * agent takes for good.  The PVAccess front encodes what this returns.
 * Event-loop thread only.
 */
#ifndef PVACMS_STATUSPV_H
#define PVACMS_STATUSPV_H

#include <stddef.h>
#include <stdint.h>

struct app;

#define STATUSPV_DATE_LEN 32	/* "Fri Dec 04 22:21:12 2026 UTC" + NUL */

struct statuspv {
	int certified;		/* 0: uncertified, the fields below empty */
	uint64_t serial;
	int state;		/* enum cert_state: value.index */
	int ocsp_index;		/* 0 good, 1 revoked, 2 unknown */
	int64_t this_update, next_update, revoked_at;
	char status_date[STATUSPV_DATE_LEN];
	char certified_until[STATUSPV_DATE_LEN];
	char revocation_date[STATUSPV_DATE_LEN];
	const unsigned char *ocsp;	/* DER OCSPResponse; borrowed */
	size_t ocsp_len;
};

/*
 * The status of the certificate a status PV name names, as of now.  0
 * with *out filled (out->ocsp is borrowed from the OCSP cache: valid
 * until the next OCSP answer is made, so encode it at once); a name of
 * another issuer or an unknown serial gives 0 with out->certified 0.
 * A negative HOSTERR_* code when the database or signing failed.
 */
int statuspv_get(struct app *app, uint64_t serial, int ours,
    struct statuspv *out);

/*
 * Whether name (len bytes, NUL-terminated) is a status PV name the
 * front serves: CERT:STATUS:<issuer_id>:<serial>, any issuer (another
 * issuer's gets the uncertified value), serial padded or not.  For
 * pvasearch_respond; arg is unused.
 */
int statuspv_serves(void *arg, const char *name, size_t len);

#endif
