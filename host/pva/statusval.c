/*
 * statusval.c - the CERT:STATUS value (pvaccess.md §8).  The type is
 * rebuilt member by member in PVACMS's order (CertStatus::
 * getStatusPrototype), so that its descriptor matches §8.2 byte for
 * byte; tests/unit/test_pva_data.c holds the reference bytes.  The OCSP
 * status is derived from the certificate state rather than taken as an
 * input, because agents reject an update where the two disagree (§9.1
 * step 7).
 */
#include "config.h"

#include <string.h>

#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "statusval.h"



static const char *const statusval_states[STATUSVAL_NSTATES] = {
	"UNKNOWN", "VALID", "PENDING", "PENDING_APPROVAL",
	"PENDING_RENEWAL", "EXPIRED", "REVOKED",
};

static const char *const statusval_ocsp[3] = {
	"OCSP_CERTSTATUS_GOOD", "OCSP_CERTSTATUS_REVOKED",
	"OCSP_CERTSTATUS_UNKNOWN",
};

/* Bits PVACMS sets in its first update of a status (§8.5). */
static const unsigned statusval_pvacms_bits[] = {
	2, 3, 9, 14, 15, 16, 21, 27, 32, 33, 34, 35, 36,
};

const char *
statusval_state_name(int state)
{
	if (state < 0 || state >= STATUSVAL_NSTATES)
		return NULL;
	return statusval_states[state];
}

int
statusval_ocsp_index(int state)
{
	if (state == STATUSVAL_VALID)
		return 0;
	if (state == STATUSVAL_REVOKED)
		return 1;
	return 2;
}

/* The NTEnum members value, alarm, timeStamp and display (§4.7). */
int
statusval_add_ntenum(struct pvtype *t)
{
	struct pvtype *s;
	int ok = 1;

	s = pvtype_add(t, "value", PVT_STRUCT, "enum_t");
	ok &= pvtype_add(s, "index", PVT_INT32, NULL) != NULL;
	ok &= pvtype_add(s, "choices", PVT_STRING | PVT_ARRAY, NULL) != NULL;
	s = pvtype_add(t, "alarm", PVT_STRUCT, "alarm_t");
	ok &= pvtype_add(s, "severity", PVT_INT32, NULL) != NULL;
	ok &= pvtype_add(s, "status", PVT_INT32, NULL) != NULL;
	ok &= pvtype_add(s, "message", PVT_STRING, NULL) != NULL;
	s = pvtype_add(t, "timeStamp", PVT_STRUCT, "time_t");
	ok &= pvtype_add(s, "secondsPastEpoch", PVT_INT64, NULL) != NULL;
	ok &= pvtype_add(s, "nanoseconds", PVT_INT32, NULL) != NULL;
	ok &= pvtype_add(s, "userTag", PVT_INT32, NULL) != NULL;
	s = pvtype_add(t, "display", PVT_STRUCT, NULL);
	ok &= pvtype_add(s, "description", PVT_STRING, NULL) != NULL;
	return ok ? PVDATA_OK : PVDATA_ENOMEM;
}

/* Returns a numbered tree; the caller frees it with pvtype_free. */
struct pvtype *
statusval_type(void)
{
	struct pvtype *t, *o;
	int ok;

	if ((t = pvtype_new(PVT_STRUCT, "epics:nt/NTEnum:1.0")) == NULL)
		return NULL;
	ok = statusval_add_ntenum(t) == 0;
	ok &= pvtype_add(t, "serial", PVT_UINT64, NULL) != NULL;
	ok &= pvtype_add(t, "state", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "renew_by", PVT_UINT64, NULL) != NULL;
	ok &= pvtype_add(t, "renewal_due", PVT_BOOL, NULL) != NULL;
	o = pvtype_add(t, "ocsp_status", PVT_STRUCT, "epics:nt/NTEnum:1.0");
	ok &= o != NULL && statusval_add_ntenum(o) == 0;
	ok &= pvtype_add(t, "ocsp_state", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "ocsp_status_date", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "ocsp_certified_until", PVT_STRING, NULL) !=
	    NULL;
	ok &= pvtype_add(t, "ocsp_revocation_date", PVT_STRING, NULL) !=
	    NULL;
	ok &= pvtype_add(t, "ocsp_response", PVT_UINT8 | PVT_ARRAY, NULL) !=
	    NULL;
	if (!ok || pvtype_number(t) != STATUSVAL_NBITS) {
		pvtype_free(t);
		return NULL;
	}
	return t;
}

int
statusval_encode_type(struct pvdata_buf *b)
{
	struct pvtype *t;
	int r;

	if ((t = statusval_type()) == NULL)
		return b->err != 0 ? b->err : (b->err = PVDATA_ENOMEM);
	r = pvtype_encode(b, t);
	pvtype_free(t);
	return r;
}

/* A string member by path; a missing one means t is not our type. */
#define STATUSVAL_SET(fn, path, ...)					\
	do {								\
		if (r == 0 && (r = fn(pvtype_find(t, path),		\
		    __VA_ARGS__)) != 0)					\
			goto out;					\
	} while (0)

int
statusval_fill(struct pvtype *t, const struct statusval_in *in)
{
	const char *ocsp_state, *rev;
	int r = 0, oi;

	if (t == NULL || in == NULL || statusval_state_name(in->state) ==
	    NULL)
		return PVDATA_EINVAL;
	oi = statusval_ocsp_index(in->state);
	/* PVACMS's wording for a status it cannot certify (§8.1, §8.7). */
	ocsp_state = in->ocsp_len > 0 ? statusval_ocsp[oi] :
	    "**UNCERTIFIED**: OCSP_CERTSTATUS_UNKNOWN";
	rev = in->revocation_date != NULL ? in->revocation_date :
	    STATUSVAL_EPOCH_1970;

	STATUSVAL_SET(pvvalue_set_int, "value.index", in->state);
	STATUSVAL_SET(pvvalue_set_strings, "value.choices", statusval_states,
	    STATUSVAL_NSTATES);
	STATUSVAL_SET(pvvalue_set_int, "timeStamp.secondsPastEpoch",
	    in->stamp);
	STATUSVAL_SET(pvvalue_set_uint, "serial", in->serial);
	STATUSVAL_SET(pvvalue_set_string, "state",
	    statusval_states[in->state], strlen(statusval_states[in->state]));
	STATUSVAL_SET(pvvalue_set_uint, "renew_by", in->renew_by);
	STATUSVAL_SET(pvvalue_set_int, "renewal_due", in->renewal_due != 0);
	STATUSVAL_SET(pvvalue_set_int, "ocsp_status.value.index", oi);
	STATUSVAL_SET(pvvalue_set_strings, "ocsp_status.value.choices",
	    statusval_ocsp, 3);
	STATUSVAL_SET(pvvalue_set_int, "ocsp_status.timeStamp."
	    "secondsPastEpoch", in->stamp);
	STATUSVAL_SET(pvvalue_set_string, "ocsp_state", ocsp_state,
	    strlen(ocsp_state));
	STATUSVAL_SET(pvvalue_set_string, "ocsp_status_date",
	    in->status_date, in->status_date != NULL ?
	    strlen(in->status_date) : 0);
	STATUSVAL_SET(pvvalue_set_string, "ocsp_certified_until",
	    in->certified_until, in->certified_until != NULL ?
	    strlen(in->certified_until) : 0);
	STATUSVAL_SET(pvvalue_set_string, "ocsp_revocation_date", rev,
	    strlen(rev));
	STATUSVAL_SET(pvvalue_set_bytes, "ocsp_response", in->ocsp,
	    in->ocsp_len);
out:
	return r;
}

int
statusval_encode_update(struct pvdata_buf *b, const struct statusval_in *in,
    int mode)
{
	struct pvdata_bits bits = { NULL, 0 };
	struct pvtype *t;
	size_t i;
	int r;

	if (mode != STATUSVAL_PVACMS && mode != STATUSVAL_FULL)
		return b->err != 0 ? b->err : (b->err = PVDATA_EINVAL);
	if ((t = statusval_type()) == NULL)
		return b->err != 0 ? b->err : (b->err = PVDATA_ENOMEM);
	if ((r = statusval_fill(t, in)) != 0 ||
	    (r = pvdata_bits_init(&bits, STATUSVAL_NBITS)) != 0)
		goto out;
	if (mode == STATUSVAL_FULL)
		(void)pvdata_bits_set(&bits, 0);
	else
		for (i = 0; i < sizeof(statusval_pvacms_bits) /
		    sizeof(statusval_pvacms_bits[0]); i++)
			(void)pvdata_bits_set(&bits, statusval_pvacms_bits[i]);
	r = pvvalue_encode_masked(b, t, &bits);
out:
	pvdata_bits_free(&bits);
	pvtype_free(t);
	if (r != 0 && b->err == 0)
		b->err = r;
	return r;
}
