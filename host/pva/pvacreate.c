/*
 * pvacreate.c - CERT:CREATE requests and the CA PVs (see pvacreate.h).
 *
 * PVXS authenticators send an NTURI whose `query` holds {type, name,
 * country, organization, organization_unit, usage, not_before,
 * not_after, pub_key, config_uri_base, no_status, verifier}.  Only the
 * verifier differs between authenticators, so every field is looked up
 * by name and checked for its kind (a string, an integer, a boolean)
 * rather than for the exact layout; what a client may send is bounded by
 * the framer (one message) and by the caps below.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "app.h"
#include "ca.h"
#include "cert.h"
#include "certid.h"
#include "csr.h"
#include "db.h"
#include "issue.h"
#include "plugin.h"
#include "pvacreate.h"
#include "pvamsg.h"
#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "statusval.h"

#define PVACREATE_EPICS_EPOCH	631152000	/* POSIX seconds of 1990 */
#define PVACREATE_BODY_MAX	(256 * 1024)
#define PVACREATE_JSON_DEPTH	8

static int	pvacreate_is_int(const struct pvtype *);
static int	pvacreate_string(const struct pvtype *, const char *, size_t,
		    int, char **, char *, size_t);
static int	pvacreate_int(const struct pvtype *, const char *, int64_t,
		    int64_t, int64_t *, char *, size_t);
static json_t	*pvacreate_json(const struct pvtype *, int);
static int	pvacreate_flush(struct pvamsg_buf *, struct pvdata_buf *);
static int	pvacreate_ca_fields(const struct app *, char *, size_t,
		    char *, size_t, char *, size_t);

static int
pvacreate_is_int(const struct pvtype *t)
{
	return t->code >= PVT_INT8 && t->code <= PVT_UINT64;
}

/*
 * Member `name` of q as an owned NUL-terminated string (NULL when it is
 * absent or empty and not required).  Refuses another kind, more than
 * max bytes, and NUL bytes inside.  0 or -1 with err set.
 */
static int
pvacreate_string(const struct pvtype *q, const char *name, size_t max,
    int required, char **out, char *err, size_t errlen)
{
	const struct pvtype *t = pvtype_find(q, name);

	*out = NULL;
	if (t == NULL) {
		if (!required)
			return 0;
		snprintf(err, errlen, "creation request has no field '%s'",
		    name);
		return -1;
	}
	if (t->code != PVT_STRING) {
		snprintf(err, errlen, "creation request field '%s' is not a "
		    "string", name);
		return -1;
	}
	if (t->slen > max) {
		snprintf(err, errlen, "creation request field '%s' is longer "
		    "than %zu bytes", name, max);
		return -1;
	}
	if (t->slen > 0 && memchr(t->str, '\0', t->slen) != NULL) {
		snprintf(err, errlen, "creation request field '%s' holds a "
		    "NUL byte", name);
		return -1;
	}
	if (t->slen == 0 && !required)
		return 0;
	if ((*out = strndup(t->slen > 0 ? t->str : "", t->slen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Integer member `name` in [lo, hi]; absent gives 0.  0 or -1. */
static int
pvacreate_int(const struct pvtype *q, const char *name, int64_t lo,
    int64_t hi, int64_t *out, char *err, size_t errlen)
{
	const struct pvtype *t = pvtype_find(q, name);
	int unsigned_code;

	*out = 0;
	if (t == NULL)
		return 0;
	if (!pvacreate_is_int(t)) {
		snprintf(err, errlen, "creation request field '%s' is not an "
		    "integer", name);
		return -1;
	}
	unsigned_code = t->code >= PVT_UINT8;
	if ((unsigned_code && t->num.u > (uint64_t)hi) ||
	    (!unsigned_code && (t->num.i < lo || t->num.i > hi))) {
		snprintf(err, errlen, "creation request field '%s' is out of "
		    "range", name);
		return -1;
	}
	*out = unsigned_code ? (int64_t)t->num.u : t->num.i;
	if (*out < lo) {
		snprintf(err, errlen, "creation request field '%s' is out of "
		    "range", name);
		return -1;
	}
	return 0;
}

/*
 * A verifier structure as JSON: members by name, strings, integers,
 * booleans, doubles and nested structures; anything else (arrays,
 * unions, any) becomes null.  New reference; NULL when out of memory.
 */
static json_t *
pvacreate_json(const struct pvtype *t, int depth)
{
	json_t *o;
	size_t i;

	switch (t->code) {
	case PVT_STRUCT:
		if (depth >= PVACREATE_JSON_DEPTH || (o = json_object()) ==
		    NULL)
			return depth >= PVACREATE_JSON_DEPTH ? json_null() :
			    NULL;
		for (i = 0; i < t->nkids; i++) {
			json_t *v = pvacreate_json(t->kids[i], depth + 1);

			if (v == NULL || json_object_set_new(o,
			    t->kids[i]->name, v) != 0) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	case PVT_STRING:
		return json_stringn(t->slen > 0 ? t->str : "", t->slen);
	case PVT_BOOL:
		return json_boolean(t->num.i != 0);
	case PVT_FLOAT32:
	case PVT_FLOAT64:
		return json_real(t->num.f);
	default:
		if (pvacreate_is_int(t))
			return json_integer(t->code >= PVT_UINT8 ?
			    (json_int_t)(t->num.u > INT64_MAX ? INT64_MAX :
			    t->num.u) : (json_int_t)t->num.i);
		return json_null();
	}
}

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

/* The type names this pvacms serves, for a refusal's reason. */
static void
pvacreate_types(const struct app *app, char *buf, size_t len)
{
	size_t i, at = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < app->nplugins && at < len; i++) {
		n = snprintf(buf + at, len - at, "%s%s", i > 0 ? " " : "",
		    plugin_api(app->plugins[i])->name);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

int
pvacreate_parse(const struct app *app, const uint8_t *p, size_t len,
    int be, enum pvacreate_kind *kind, struct issue_order *order,
    char *err, size_t errlen)
{
	struct pvdata_cur c;
	struct pvtype *arg = NULL;
	const struct pvtype *q, *t;
	char *type = NULL, *pub_key = NULL, served[256];
	int64_t v;
	size_t i;
	int r = -1;

	memset(order, 0, sizeof(*order));
	*kind = PVACREATE_CERT;
	pvdata_cur_init(&c, p, len, be);
	if (pvtype_decode(&c, NULL, &arg, err, errlen) != PVDATA_OK)
		goto out;
	if (arg == NULL || arg->code != PVT_STRUCT) {
		snprintf(err, errlen, "creation request is not a structure");
		goto out;
	}
	if (pvvalue_decode(&c, arg, err, errlen) != PVDATA_OK)
		goto out;
	if (pvdata_cur_left(&c) != 0) {
		snprintf(err, errlen, "%zu bytes after the creation request",
		    pvdata_cur_left(&c));
		goto out;
	}
	/* PVXS wraps the request in an NTURI's query (ccrmanager.cpp). */
	q = pvtype_find(arg, "query");
	if (q == NULL)
		q = arg;
	else if (q->code != PVT_STRUCT) {
		snprintf(err, errlen, "creation request's 'query' is not a "
		    "structure");
		goto out;
	}
	if (pvacreate_string(q, "pub_key", CSR_MAX, 0, &pub_key, err,
	    errlen) != 0)
		goto out;
	if (pub_key == NULL) {
		/* Checked first, as PVACMS does: `authnstd -a` sends every
		 * other field empty. */
		*kind = PVACREATE_TRUST_ANCHOR;
		r = 0;
		goto out;
	}
	if (pvacreate_string(q, "type", PVACREATE_TYPE_MAX, 1, &type, err,
	    errlen) != 0)
		goto out;
	order->type_index = -1;
	for (i = 0; i < app->nplugins; i++)
		if (strcmp(plugin_api(app->plugins[i])->name, type) == 0)
			order->type_index = (int)i;
	if (order->type_index < 0) {
		pvacreate_types(app, served, sizeof(served));
		snprintf(err, errlen, "unknown authenticator type '%.64s' "
		    "(this pvacms serves: %s)", type, served);
		goto out;
	}
	if (pvacreate_int(q, "usage", 0, 0xffff, &v, err, errlen) != 0)
		goto out;
	if (!cert_usage_requestable((int)v)) {
		snprintf(err, errlen, "creation request usage %lld is not "
		    "client (1), server (2) or ioc (3)", (long long)v);
		goto out;
	}
	order->usage = (int)v;
	if (pvacreate_int(q, "not_before", 0, INT64_MAX, &order->not_before,
	    err, errlen) != 0 ||
	    pvacreate_int(q, "not_after", 0, INT64_MAX, &order->not_after,
	    err, errlen) != 0)
		goto out;
	if ((t = pvtype_find(q, "no_status")) != NULL) {
		if (t->code != PVT_BOOL) {
			snprintf(err, errlen, "creation request field "
			    "'no_status' is not a boolean");
			goto out;
		}
		order->no_status = t->num.i != 0;
	}
	if (pvacreate_string(q, "name", PVACREATE_FIELD_MAX, 0, &order->name,
	    err, errlen) != 0 ||
	    pvacreate_string(q, "organization", PVACREATE_FIELD_MAX, 0,
	    &order->organization, err, errlen) != 0 ||
	    pvacreate_string(q, "organization_unit", PVACREATE_FIELD_MAX, 0,
	    &order->organization_unit, err, errlen) != 0 ||
	    pvacreate_string(q, "country", PVACREATE_FIELD_MAX, 0,
	    &order->country, err, errlen) != 0)
		goto out;
	if ((t = pvtype_find(q, "verifier")) != NULL) {
		const struct pvtype *tok;
		json_t *j;

		if (t->code != PVT_STRUCT) {
			snprintf(err, errlen, "creation request's 'verifier' "
			    "is not a structure");
			goto out;
		}
		/* The one credential the host keys its replay rule on. */
		if ((tok = pvtype_find(t, "token")) != NULL) {
			if (pvacreate_string(t, "token", 16 * 1024, 0,
			    &order->credential, err, errlen) != 0)
				goto out;
			if (order->credential != NULL)
				order->credential_len =
				    strlen(order->credential);
		}
		if ((j = pvacreate_json(t, 0)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		order->verifier_json = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (order->verifier_json == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (strlen(order->verifier_json) > PVACREATE_VERIFIER_MAX) {
			snprintf(err, errlen, "creation request's verifier is "
			    "larger than %d bytes", PVACREATE_VERIFIER_MAX);
			goto out;
		}
	} else if ((order->verifier_json = strdup("{}")) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	order->front = "pva";
	order->pubkey = pub_key;
	order->pubkey_len = strlen(pub_key);
	pub_key = NULL;
	r = 0;
out:
	if (r != 0)
		issue_order_clear(order);
	free(type);
	free(pub_key);
	pvtype_free(arg);
	return r;
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
