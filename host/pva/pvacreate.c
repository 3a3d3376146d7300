/*
 * pvacreate.c - CERT:CREATE requests and the CA PVs (see pvacreate.h):
 * which PV a name is, the request read with the loaded plugins' names
 * (the reader itself is pvacreq.c, apart so that it can be fuzzed), and
 * the replies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "app.h"
#include "ca.h"
#include "certid.h"
#include "db.h"
#include "plugin.h"
#include "pvacreate.h"
#include "pvamsg.h"
#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "statusval.h"

#define PVACREATE_EPICS_EPOCH	631152000	/* POSIX seconds of 1990 */
#define PVACREATE_BODY_MAX	(256 * 1024)

static int	pvacreate_flush(struct pvamsg_buf *, struct pvdata_buf *);
static int	pvacreate_ca_fields(const struct app *, char *, size_t,
		    char *, size_t, char *, size_t);

/* name is prefix alone, or prefix ":" our issuer id. */
static int
pvacreate_ours(const struct app *app, const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(name, prefix, n) != 0)
		return 0;
	if (name[n] == '\0')
		return 1;
	return name[n] == ':' && strcmp(name + n + 1,
	    ca_issuer_id(app->ca)) == 0;
}

enum pvacreate_pv
pvacreate_pv_of(const struct app *app, const char *name)
{
	char issuer[CERTID_ISSUER_LEN], err[128];
	uint64_t serial;

	if (certid_parse_status_pv(name, issuer, &serial, err,
	    sizeof(err)) == 0)
		return PVACREATE_PV_STATUS;
	if (pvacreate_ours(app, name, "CERT:CREATE"))
		return PVACREATE_PV_CREATE;
	if (pvacreate_ours(app, name, "CERT:ROOT"))
		return PVACREATE_PV_ROOT;
	if (pvacreate_ours(app, name, "CERT:ISSUER"))
		return PVACREATE_PV_ISSUER;
	return PVACREATE_PV_NONE;
}

int
pvacreate_serves(void *arg, const char *name, size_t len)
{
	(void)len;
	return pvacreate_pv_of(arg, name) != PVACREATE_PV_NONE;
}

/* The served type names are the loaded plugins', in their order. */
int
pvacreate_parse(const struct app *app, const uint8_t *p, size_t len,
    int be, enum pvacreate_kind *kind, struct issue_order *order,
    char *err, size_t errlen)
{
	const char *types[APP_MAX_PLUGINS];
	size_t i, n = app->nplugins;

	if (n > APP_MAX_PLUGINS)
		n = APP_MAX_PLUGINS;
	for (i = 0; i < n; i++)
		types[i] = plugin_api(app->plugins[i])->name;
	return pvacreate_read(types, n, p, len, be, kind, order, err,
	    errlen);
}

/* Append d's bytes to out and free d.  0 or -1. */
static int
pvacreate_flush(struct pvamsg_buf *out, struct pvdata_buf *d)
{
	int r = d->err != 0 ? -1 : 0;

	if (r == 0)
		pvamsg_buf_put(out, d->data, d->len);
	pvdata_buf_free(d);
	return r != 0 || out->err ? -1 : 0;
}

/* The reply type of CERT:CREATE (PVACMS getCreatePrototype). */
static struct pvtype *
pvacreate_reply_type(void)
{
	struct pvtype *t;
	int ok;

	if ((t = pvtype_new(PVT_STRUCT, "epics:nt/NTEnum:1.0")) == NULL)
		return NULL;
	ok = statusval_add_ntenum(t) == PVDATA_OK;
	ok &= pvtype_add(t, "issuer", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "serial", PVT_UINT64, NULL) != NULL;
	ok &= pvtype_add(t, "state", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "cert_id", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "status_pv", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "renew_by", PVT_UINT64, NULL) != NULL;
	ok &= pvtype_add(t, "expiration", PVT_UINT64, NULL) != NULL;
	ok &= pvtype_add(t, "cert", PVT_STRING, NULL) != NULL;
	if (!ok) {
		pvtype_free(t);
		return NULL;
	}
	pvtype_number(t);
	return t;
}

/* Set a string member; a missing member or ENOMEM fails. */
#define PVACREATE_SET_STR(t, path, s) \
	(pvvalue_set_string(pvtype_find(t, path), s, strlen(s)) == PVDATA_OK)
#define PVACREATE_SET_UINT(t, path, v) \
	(pvvalue_set_uint(pvtype_find(t, path), v) == PVDATA_OK)
#define PVACREATE_SET_INT(t, path, v) \
	(pvvalue_set_int(pvtype_find(t, path), v) == PVDATA_OK)

int
pvacreate_put_reply(struct pvamsg_buf *out, const struct app *app,
    const struct db_cert *rec, int state)
{
	const char *choices[STATUSVAL_NSTATES];
	struct pvdata_buf d;
	struct pvtype *t;
	char cert_id[CERTID_MAX], status_pv[CERTID_STATUS_PV_MAX];
	char *chain = NULL;
	const char *issuer = ca_issuer_id(app->ca);
	uint64_t serial = 0;
	int64_t expiration = 0;
	size_t n;
	int i, ok;

	if ((t = pvacreate_reply_type()) == NULL)
		return -1;
	for (i = 0; i < STATUSVAL_NSTATES; i++)
		choices[i] = statusval_state_name(i);
	status_pv[0] = '\0';
	if (rec != NULL) {
		serial = rec->serial;
		expiration = rec->not_after;
		/* PVACMS pads the serial in both (getCertId). */
		certid_status_pv(rec->issuer_id, serial, status_pv,
		    sizeof(status_pv));
		snprintf(cert_id, sizeof(cert_id), "%s:%020llu",
		    rec->issuer_id, (unsigned long long)serial);
		n = strlen(rec->pem) + strlen(app->ca_pem) + 1;
		if ((chain = malloc(n)) != NULL)
			snprintf(chain, n, "%s%s", rec->pem, app->ca_pem);
	} else {
		X509 *ca = ca_cert(app->ca);
		const ASN1_TIME *na = X509_get0_notAfter(ca);
		struct tm tm;

		state = STATUSVAL_VALID;
		if (certid_serial_u64(ca, &serial) != 0)
			serial = 0;
		if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1)
			expiration = (int64_t)timegm(&tm);
		snprintf(cert_id, sizeof(cert_id), "%s:%020llu", issuer,
		    (unsigned long long)serial);
		chain = strdup(app->ca_pem);
	}
	ok = chain != NULL;
	ok = ok && PVACREATE_SET_INT(t, "value.index", state);
	ok = ok && pvvalue_set_strings(pvtype_find(t, "value.choices"),
	    choices, STATUSVAL_NSTATES) == PVDATA_OK;
	ok = ok && PVACREATE_SET_INT(t, "timeStamp.secondsPastEpoch",
	    (int64_t)time(NULL) - PVACREATE_EPICS_EPOCH);
	ok = ok && PVACREATE_SET_STR(t, "issuer", issuer);
	ok = ok && PVACREATE_SET_UINT(t, "serial", serial);
	ok = ok && PVACREATE_SET_STR(t, "state", statusval_state_name(state));
	ok = ok && PVACREATE_SET_STR(t, "cert_id", cert_id);
	ok = ok && PVACREATE_SET_STR(t, "status_pv", status_pv);
	ok = ok && PVACREATE_SET_UINT(t, "expiration", (uint64_t)expiration);
	ok = ok && PVACREATE_SET_STR(t, "cert", chain);
	free(chain);
	if (!ok) {
		pvtype_free(t);
		return -1;
	}
	pvdata_buf_init(&d, 0, PVACREATE_BODY_MAX);
	pvtype_encode(&d, t);
	pvvalue_encode(&d, t);
	pvtype_free(t);
	return pvacreate_flush(out, &d);
}

/* The CA PVs' type (PVACMS createCertificateValue: no type id). */
static struct pvtype *
pvacreate_ca_type(void)
{
	struct pvtype *t, *s;
	int ok;

	if ((t = pvtype_new(PVT_STRUCT, NULL)) == NULL)
		return NULL;
	ok = pvtype_add(t, "issuer", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "serial", PVT_UINT64, NULL) != NULL;
	ok &= pvtype_add(t, "name", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "org", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "org_unit", PVT_STRING, NULL) != NULL;
	ok &= pvtype_add(t, "cert", PVT_STRING, NULL) != NULL;
	s = pvtype_add(t, "alarm", PVT_STRUCT, "alarm_t");
	ok &= pvtype_add(s, "severity", PVT_INT32, NULL) != NULL;
	ok &= pvtype_add(s, "status", PVT_INT32, NULL) != NULL;
	ok &= pvtype_add(s, "message", PVT_STRING, NULL) != NULL;
	if (!ok) {
		pvtype_free(t);
		return NULL;
	}
	pvtype_number(t);
	return t;
}

int
pvacreate_put_ca_type(struct pvamsg_buf *out)
{
	struct pvdata_buf d;
	struct pvtype *t;

	if ((t = pvacreate_ca_type()) == NULL)
		return -1;
	pvdata_buf_init(&d, 0, PVACREATE_BODY_MAX);
	pvtype_encode(&d, t);
	pvtype_free(t);
	return pvacreate_flush(out, &d);
}

/* CN, O and OU of the CA's subject ("" when absent).  0 or -1. */
static int
pvacreate_ca_fields(const struct app *app, char *cn, size_t cnlen,
    char *o, size_t olen, char *ou, size_t oulen)
{
	const X509_NAME *name = X509_get_subject_name(ca_cert(app->ca));

	cn[0] = o[0] = ou[0] = '\0';
	if (name == NULL)
		return -1;
	X509_NAME_get_text_by_NID((X509_NAME *)name, NID_commonName, cn,
	    (int)cnlen);
	X509_NAME_get_text_by_NID((X509_NAME *)name, NID_organizationName, o,
	    (int)olen);
	X509_NAME_get_text_by_NID((X509_NAME *)name,
	    NID_organizationalUnitName, ou, (int)oulen);
	return 0;
}

int
pvacreate_put_ca_value(struct pvamsg_buf *out, const struct app *app,
    int issuer)
{
	struct pvdata_bits bits = { NULL, 0 };
	struct pvdata_buf d;
	struct pvtype *t;
	char cn[256], o[256], ou[256];
	uint64_t serial = 0;
	int ok;

	(void)issuer;	/* one self-signed CA: root and issuer are one */
	if ((t = pvacreate_ca_type()) == NULL)
		return -1;
	if (certid_serial_u64(ca_cert(app->ca), &serial) != 0)
		serial = 0;
	ok = pvacreate_ca_fields(app, cn, sizeof(cn), o, sizeof(o), ou,
	    sizeof(ou)) == 0;
	ok = ok && PVACREATE_SET_STR(t, "issuer", ca_issuer_id(app->ca));
	ok = ok && PVACREATE_SET_UINT(t, "serial", serial);
	ok = ok && PVACREATE_SET_STR(t, "name", cn);
	ok = ok && PVACREATE_SET_STR(t, "org", o);
	ok = ok && PVACREATE_SET_STR(t, "org_unit", ou);
	ok = ok && PVACREATE_SET_STR(t, "cert", app->ca_pem);
	if (!ok) {
		pvtype_free(t);
		return -1;
	}
	/* A GET answers with a masked value: bit 0, the whole of it. */
	pvdata_buf_init(&d, 0, PVACREATE_BODY_MAX);
	if (pvdata_bits_init(&bits, pvtype_number(t)) != PVDATA_OK ||
	    pvdata_bits_set(&bits, 0) != PVDATA_OK)
		d.err = PVDATA_ENOMEM;
	else
		pvvalue_encode_masked(&d, t, &bits);
	pvdata_bits_free(&bits);
	pvtype_free(t);
	return pvacreate_flush(out, &d);
}
