/*
 * pvastatus.c - the status PV's replies in pvData (see pvastatus.h):
 * the codec's statusval.c makes the type (PVACMS's, pvaccess.md §8.1)
 * and the value, masked with the bits PVACMS sets (§8.5); this file puts
 * the front's facts (statuspv.h) into it and reads what clients send.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pvamsg.h"
#include "pvastatus.h"
#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "statuspv.h"
#include "statusval.h"

#define PVASTATUS_EPICS_EPOCH	631152000	/* POSIX seconds of 1990 */
#define PVASTATUS_BODY_MAX	(64 * 1024)

static int	pvastatus_flush(struct pvamsg_buf *, struct pvdata_buf *);

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

	pvdata_buf_init(&d, 0, PVASTATUS_BODY_MAX);
	pvdata_put_status(&d, PVDATA_STATUS_OK, NULL, NULL);
	statusval_encode_type(&d);
	return pvastatus_flush(out, &d);
}

int
pvastatus_put_init_reply(struct pvamsg_buf *out, uint8_t sub)
{
	pvamsg_buf_put(out, &sub, 1);
	return pvastatus_put_field_reply(out);
}

int
pvastatus_put_value(struct pvamsg_buf *out, const struct statuspv *sv)
{
	struct statusval_in in;
	struct pvdata_buf d;

	memset(&in, 0, sizeof(in));
	in.serial = sv->serial;
	/* No renew-by date: what PVACMS sends then (§8.1). */
	in.renew_by = (uint64_t)0 - (uint64_t)PVASTATUS_EPICS_EPOCH;
	if (sv->certified) {
		in.state = sv->state;
		in.stamp = sv->this_update - PVASTATUS_EPICS_EPOCH;
		in.status_date = sv->status_date;
		in.certified_until = sv->certified_until;
		in.revocation_date = sv->revocation_date;
		in.ocsp = sv->ocsp;
		in.ocsp_len = sv->ocsp_len;
	} else
		in.state = STATUSVAL_UNKNOWN;	/* uncertified: no OCSP */
	pvdata_buf_init(&d, 0, PVASTATUS_BODY_MAX);
	statusval_encode_update(&d, &in, STATUSVAL_PVACMS);
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
