/*
 * pvacreate.h - the certificate creation request of PVAccess (CERT:CREATE
 * RPC, pvaccess.md §7.5, §12) read into the pipeline's order (issue.h)
 * by the reader of pvacreq.h, and the replies PVXS tools expect: the
 * creation reply (an NTEnum with the certificate) and the CERT:ROOT /
 * CERT:ISSUER value.  No sockets here: pvaconn.c moves the bytes.
 */
#ifndef PVACMS_PVACREATE_H
#define PVACMS_PVACREATE_H

#include <stddef.h>
#include <stdint.h>

#include "pvacreq.h"

struct app;
struct db_cert;
struct issue_order;
struct pvamsg_buf;

/* What a PV name names on this front. */
enum pvacreate_pv {
	PVACREATE_PV_NONE = 0,
	PVACREATE_PV_STATUS,	/* CERT:STATUS:<issuer>:<serial> */
	PVACREATE_PV_CREATE,	/* CERT:CREATE[:<our issuer>] (RPC) */
	PVACREATE_PV_ROOT,	/* CERT:ROOT[:<our issuer>] (GET) */
	PVACREATE_PV_ISSUER	/* CERT:ISSUER[:<our issuer>] (GET) */
};

/*
 * Which PV name (NUL-terminated) is: the status PVs of any issuer (the
 * others' get the uncertified value), the rest only without an issuer
 * or with this CA's, so that another CMS on the network keeps its own.
 */
enum pvacreate_pv pvacreate_pv_of(const struct app *app, const char *name);

/* pvasearch_serves_fn over pvacreate_pv_of; arg is the app. */
int pvacreate_serves(void *arg, const char *name, size_t len);

/*
 * pvacreate_read (pvacreq.h) with the loaded plugins' names as the
 * types served, so that order->type_index indexes app->plugins.
 */
int pvacreate_parse(const struct app *app, const uint8_t *p, size_t len,
    int be, enum pvacreate_kind *kind, struct issue_order *order,
    char *err, size_t errlen);

/*
 * Append the creation reply's type and value (an NTEnum as PVACMS sends
 * it) for certificate rec in state `state`, its PEM followed by the CA
 * chain; rec NULL gives the trust-anchor reply (the CA certificate).
 * 0, or -1 when out of memory.
 */
int pvacreate_put_reply(struct pvamsg_buf *out, const struct app *app,
    const struct db_cert *rec, int state);

/* CERT:ROOT (issuer 0) and CERT:ISSUER (1): the type (INIT, GET_FIELD),
 * or the masked value of a GET.  0, or -1 when out of memory. */
int pvacreate_put_ca_type(struct pvamsg_buf *out);
int pvacreate_put_ca_value(struct pvamsg_buf *out, const struct app *app,
    int issuer);

#endif
