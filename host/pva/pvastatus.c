/*
 * pvastatus.c - the status PV's type and values in pvData (see
 * pvastatus.h).  The type is PVACMS's (pvaccess.md §8.1), built once as
 * a pvtype tree; a value fills that tree's nodes and goes out masked,
 * with the bits PVACMS sets (§8.5).  An agent reads value.index and the
 * four ocsp_* fields by name; pvxcert reads state; the rest is for
 * display.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "pvamsg.h"
#include "pvastatus.h"
#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "statuspv.h"

#define PVASTATUS_NT_ENUM	"epics:nt/NTEnum:1.0"
#define PVASTATUS_EPICS_EPOCH	631152000	/* POSIX seconds of 1990 */
#define PVASTATUS_BODY_MAX	(64 * 1024)

static struct pvtype *pvastatus_type;	/* numbered; loop thread only */

static const char *const pvastatus_states[] = {
	"UNKNOWN", "VALID", "PENDING", "PENDING_APPROVAL", "PENDING_RENEWAL",
	"EXPIRED", "REVOKED"
};
static const char *const pvastatus_ocsp[] = {
	"OCSP_CERTSTATUS_GOOD", "OCSP_CERTSTATUS_REVOKED",
	"OCSP_CERTSTATUS_UNKNOWN"
};

static void	pvastatus_nt_members(struct pvtype *t);
static struct pvtype *pvastatus_build(void);
static int	pvastatus_flush(struct pvamsg_buf *, struct pvdata_buf *);

/* value, alarm, timeStamp, display: the members NTEnum has here. */
static void
pvastatus_nt_members(struct pvtype *t)
{
	struct pvtype *v, *a, *ts, *d;

	v = pvtype_add(t, "value", PVT_STRUCT, "enum_t");
	pvtype_add(v, "index", PVT_INT32, NULL);
	pvtype_add(v, "choices", PVT_STRING | PVT_ARRAY, NULL);
	a = pvtype_add(t, "alarm", PVT_STRUCT, "alarm_t");
	pvtype_add(a, "severity", PVT_INT32, NULL);
	pvtype_add(a, "status", PVT_INT32, NULL);
	pvtype_add(a, "message", PVT_STRING, NULL);
	ts = pvtype_add(t, "timeStamp", PVT_STRUCT, "time_t");
	pvtype_add(ts, "secondsPastEpoch", PVT_INT64, NULL);
	pvtype_add(ts, "nanoseconds", PVT_INT32, NULL);
	pvtype_add(ts, "userTag", PVT_INT32, NULL);
	d = pvtype_add(t, "display", PVT_STRUCT, NULL);
	pvtype_add(d, "description", PVT_STRING, NULL);
}

/* PVACMS's status type (§8.1, §8.2); NULL when out of memory. */
static struct pvtype *
pvastatus_build(void)
{
	struct pvtype *t, *o;

	if ((t = pvtype_new(PVT_STRUCT, PVASTATUS_NT_ENUM)) == NULL)
		return NULL;
	pvastatus_nt_members(t);
	pvtype_add(t, "serial", PVT_UINT64, NULL);
	pvtype_add(t, "state", PVT_STRING, NULL);
	pvtype_add(t, "renew_by", PVT_UINT64, NULL);
	pvtype_add(t, "renewal_due", PVT_BOOL, NULL);
	o = pvtype_add(t, "ocsp_status", PVT_STRUCT, PVASTATUS_NT_ENUM);
	pvastatus_nt_members(o);
	pvtype_add(t, "ocsp_state", PVT_STRING, NULL);
	pvtype_add(t, "ocsp_status_date", PVT_STRING, NULL);
	pvtype_add(t, "ocsp_certified_until", PVT_STRING, NULL);
	pvtype_add(t, "ocsp_revocation_date", PVT_STRING, NULL);
	if (pvtype_add(t, "ocsp_response", PVT_UINT8 | PVT_ARRAY, NULL) ==
	    NULL || pvtype_find(t, "ocsp_status.display.description") ==
	    NULL) {
		pvtype_free(t);
		return NULL;
	}
	(void)pvtype_number(t);
	return t;
}

/* Append the body in d to out; frees d.  0 or -1. */
static int
pvastatus_flush(struct pvamsg_buf *out, struct pvdata_buf *d)
{
	int r = d->err != 0 ? -1 : 0;

	if (r == 0)
		pvamsg_buf_put(out, d->data, d->len);
	pvdata_buf_free(d);
	return r != 0 || out->err ? -1 : 0;
}

int
pvastatus_put_u32(struct pvamsg_buf *out, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	pvamsg_buf_put(out, b, sizeof(b));
	return out->err ? -1 : 0;
}

int
pvastatus_put_field_reply(struct pvamsg_buf *out)
{
	struct pvdata_buf d;

	if (pvastatus_type == NULL &&
	    (pvastatus_type = pvastatus_build()) == NULL)
		return -1;
	pvdata_buf_init(&d, 0, PVASTATUS_BODY_MAX);
	pvdata_put_status(&d, PVDATA_STATUS_OK, NULL, NULL);
	pvtype_encode(&d, pvastatus_type);
	return pvastatus_flush(out, &d);
}

int
pvastatus_put_init_reply(struct pvamsg_buf *out, uint8_t sub)
{
	pvamsg_buf_put(out, &sub, 1);
	return pvastatus_put_field_reply(out);
}

/* Set a named node of the tree; the names are ours, so never fails. */
#define PVASTATUS_SET(kind, path, ...) \
	(void)pvvalue_set_##kind(pvtype_find(t, path), __VA_ARGS__)

int
pvastatus_put_value(struct pvamsg_buf *out, const struct statuspv *sv)
{
	static const char *const marked[] = {
		"value.index", "value.choices", "timeStamp.secondsPastEpoch",
		"serial", "state", "renew_by", "ocsp_status.value.index",
		"ocsp_status.timeStamp.secondsPastEpoch", "ocsp_state",
		"ocsp_status_date", "ocsp_certified_until",
		"ocsp_revocation_date", "ocsp_response", NULL
	};
	struct pvtype *t;
	struct pvdata_bits bits;
	struct pvdata_buf d;
	int64_t posted = sv->certified ? sv->this_update : 0;
	const char *state;
	char ocsp_state[64];
	size_t i;
	int r;

	if (pvastatus_type == NULL &&
	    (pvastatus_type = pvastatus_build()) == NULL)
		return -1;
	t = pvastatus_type;
	pvvalue_clear(t);
	state = sv->certified ? cert_state_name(sv->state) : "UNKNOWN";
	snprintf(ocsp_state, sizeof(ocsp_state), "%s%s",
	    sv->certified ? "" : "**UNCERTIFIED**: ",
	    pvastatus_ocsp[sv->certified ? sv->ocsp_index : 2]);
	PVASTATUS_SET(int, "value.index", sv->certified ? sv->state : 0);
	PVASTATUS_SET(strings, "value.choices", pvastatus_states, 7);
	PVASTATUS_SET(int, "timeStamp.secondsPastEpoch",
	    posted > 0 ? posted - PVASTATUS_EPICS_EPOCH : 0);
	PVASTATUS_SET(uint, "serial", sv->serial);
	PVASTATUS_SET(string, "state", state, strlen(state));
	/* No renew-by date: what PVACMS sends then (§8.1). */
	PVASTATUS_SET(uint, "renew_by",
	    (uint64_t)0 - (uint64_t)PVASTATUS_EPICS_EPOCH);
	PVASTATUS_SET(int, "ocsp_status.value.index",
	    sv->certified ? sv->ocsp_index : 2);
	PVASTATUS_SET(strings, "ocsp_status.value.choices", pvastatus_ocsp,
	    3);
	PVASTATUS_SET(int, "ocsp_status.timeStamp.secondsPastEpoch",
	    posted > 0 ? posted - PVASTATUS_EPICS_EPOCH : 0);
	PVASTATUS_SET(string, "ocsp_state", ocsp_state, strlen(ocsp_state));
	PVASTATUS_SET(string, "ocsp_status_date", sv->status_date,
	    strlen(sv->status_date));
	PVASTATUS_SET(string, "ocsp_certified_until", sv->certified_until,
	    strlen(sv->certified_until));
	PVASTATUS_SET(string, "ocsp_revocation_date", sv->revocation_date,
	    strlen(sv->revocation_date));
	PVASTATUS_SET(bytes, "ocsp_response", sv->ocsp, sv->ocsp_len);
	if (pvdata_bits_init(&bits, t->nbits) != PVDATA_OK)
		return -1;
	for (i = 0; marked[i] != NULL; i++)
		(void)pvdata_bits_set(&bits, pvtype_find(t, marked[i])->bit);
	pvdata_buf_init(&d, 0, PVASTATUS_BODY_MAX);
	r = pvvalue_encode_masked(&d, t, &bits);
	pvdata_bits_free(&bits);
	pvvalue_clear(t);	/* borrowed OCSP bytes: not kept */
	if (r != PVDATA_OK) {
		pvdata_buf_free(&d);
		return -1;
	}
	return pvastatus_flush(out, &d);
}

int
pvastatus_put_empty_bits(struct pvamsg_buf *out)
{
	pvamsg_buf_put(out, "", 1);	/* Size 0: no bytes */
	return out->err ? -1 : 0;
}

int
pvastatus_read_request(const uint8_t *p, size_t len, int be,
    int with_window, int *pipeline, uint32_t *window, char *err,
    size_t errlen)
{
	struct pvvalue_reqopts o;
	struct pvdata_cur c;
	struct pvtype *req = NULL;
	int r;

	*pipeline = 0;
	*window = 0;
	pvdata_cur_init(&c, p, len, be);
	if ((r = pvtype_decode(&c, NULL, &req, err, errlen)) != PVDATA_OK)
		return -1;
	if (req != NULL && (r = pvvalue_decode(&c, req, err,
	    errlen)) != PVDATA_OK) {
		pvtype_free(req);
		return -1;
	}
	memset(&o, 0, sizeof(o));
	if (req != NULL)
		pvvalue_request_options(req, &o);
	pvtype_free(req);
	if (with_window && pvdata_get_u32(&c, window) != PVDATA_OK) {
		snprintf(err, errlen, "no pipeline window after the pvRequest");
		return -1;
	}
	*pipeline = o.pipeline && with_window;
	if (pvdata_cur_left(&c) != 0) {
		snprintf(err, errlen, "%zu bytes after the pvRequest",
		    pvdata_cur_left(&c));
		return -1;
	}
	return 0;
}

void
pvastatus_shutdown(void)
{
	pvtype_free(pvastatus_type);
	pvastatus_type = NULL;
}
