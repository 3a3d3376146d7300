/*
 * statusval.h - the value of a CERT:STATUS:<issuer_id>:<serial> PV as
 * PVACMS serves it (pvaccess.md §8): its type, whose descriptor is the
 * 497 bytes of §8.2, and the update an agent reads (§8.5, §9.3), built
 * from plain C inputs.  Which status to report, and the signing of the
 * OCSP bytes, belong to the caller.
 */
#ifndef PVACMS_STATUSVAL_H
#define PVACMS_STATUSVAL_H

#include <stddef.h>
#include <stdint.h>

#include "pvdata.h"
#include "pvtype.h"

/* Certificate states: value.index and the order of value.choices. */
#define STATUSVAL_UNKNOWN		0
#define STATUSVAL_VALID			1
#define STATUSVAL_PENDING		2
#define STATUSVAL_PENDING_APPROVAL	3
#define STATUSVAL_PENDING_RENEWAL	4
#define STATUSVAL_EXPIRED		5
#define STATUSVAL_REVOKED		6
#define STATUSVAL_NSTATES		7

#define STATUSVAL_NBITS		37	/* nodes of the type (§8.1) */
#define STATUSVAL_TYPE_LEN	497	/* bytes of its descriptor (§8.2) */
#define STATUSVAL_EPOCH_1970	"Thu Jan 01 00:00:00 1970 UTC"

/* Update modes. */
#define STATUSVAL_PVACMS	0	/* the fields PVACMS marks (§8.5) */
#define STATUSVAL_FULL		1	/* bitset 01 01 and every field */

struct statusval_in {
	int		 state;		/* STATUSVAL_*; picks the OCSP index */
	uint64_t	 serial;
	uint64_t	 renew_by;	/* EPICS-epoch seconds, as PVACMS */
	int		 renewal_due;
	int64_t		 stamp;		/* timeStamp, EPICS-epoch seconds */
	/* The §8.4 strings; they must equal the OCSP times to the second.
	 * NULL reads as "" for the first two, STATUSVAL_EPOCH_1970 for the
	 * revocation date. */
	const char	*status_date;	/* thisUpdate */
	const char	*certified_until; /* nextUpdate */
	const char	*revocation_date;
	const uint8_t	*ocsp;		/* DER OCSPResponse; may be empty */
	size_t		 ocsp_len;
};

/* The CERT:STATUS type with no values; caller frees with pvtype_free. */
struct pvtype	*statusval_type(void);
/*
 * Add the NTEnum members value{index, choices}, alarm, timeStamp and
 * display to struct t, as PVACMS lays them out (also the head of the
 * CERT:CREATE reply).  PVDATA_OK or PVDATA_ENOMEM.
 */
int		 statusval_add_ntenum(struct pvtype *t);
/* Write the type descriptor (STATUSVAL_TYPE_LEN bytes). */
int		 statusval_encode_type(struct pvdata_buf *b);
/* Set the values of a tree from statusval_type. */
int		 statusval_fill(struct pvtype *t,
		    const struct statusval_in *in);
/*
 * Write one update's masked value (§7.4 "update" minus ioid, sub-command
 * and the overrun BitSet): PVACMS's BitSet 05 0c c2 21 08 1f and its
 * fields, or with STATUSVAL_FULL the BitSet 01 01 and the full value.
 */
int		 statusval_encode_update(struct pvdata_buf *b,
		    const struct statusval_in *in, int mode);
/* "VALID" etc., or NULL outside 0..6. */
const char	*statusval_state_name(int state);
/* The OCSP status index that must go with a state: 0 good, 1 revoked,
 * 2 unknown (§8.3). */
int		 statusval_ocsp_index(int state);

#endif
