/*
 * pvacreq.c - the creation request reader (see pvacreq.h).
 *
 * PVXS authenticators send an NTURI whose `query` holds {type, name,
 * country, organization, organization_unit, usage, not_before,
 * not_after, pub_key, config_uri_base, no_status, verifier}.  Only the
 * verifier differs between authenticators, so every field is looked up
 * by name and checked for its kind (a string, an integer, a boolean)
 * rather than for the exact layout; what a client may send is bounded by
 * the framer (one message) and by the caps below.  The verifier goes on
 * as JSON, for the plugin.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cert.h"
#include "csr.h"
#include "issue_order.h"
#include "pvacreq.h"
#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"

#define PVACREATE_JSON_DEPTH	8

static int	pvacreate_is_int(const struct pvtype *);
static int	pvacreate_string(const struct pvtype *, const char *, size_t,
		    int, char **, char *, size_t);
static int	pvacreate_int(const struct pvtype *, const char *, int64_t,
		    int64_t, int64_t *, char *, size_t);
static int	pvacreate_utf8(const char *, size_t);
static json_t	*pvacreate_json(const struct pvtype *, int, char *, size_t);
static void	pvacreate_types(const char *const *, size_t, char *, size_t);

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
 * Whether str[0..n) is UTF-8 as JSON text carries it: no overlong forms,
 * no surrogates, nothing past U+10FFFF (what jansson accepts).
 */
static int
pvacreate_utf8(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, more;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			more = 1;
		else if ((s[i] & 0xf0) == 0xe0)
			more = 2;
		else if ((s[i] & 0xf8) == 0xf0)
			more = 3;
		else
			return 0;
		cp = s[i] & (0x3fu >> more);
		min = more == 1 ? 0x80 : more == 2 ? 0x800 : 0x10000;
		if (n - i - 1 < more)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += more + 1;
	}
	return 1;
}

/*
 * A verifier structure as JSON: members by name, strings, integers,
 * booleans, doubles and nested structures; anything else (arrays,
 * unions, any) becomes null.  Refuses what the JSON text could not
 * carry as it is, for a plugin's json_loads: a NUL byte or bytes that
 * are not UTF-8 in a string or a member name, a double that is not
 * finite.  New reference, or NULL with err set.
 */
static json_t *
pvacreate_json(const struct pvtype *t, int depth, char *err, size_t errlen)
{
	json_t *o, *v = NULL;
	size_t i;

	switch (t->code) {
	case PVT_STRUCT:
		if (depth >= PVACREATE_JSON_DEPTH)
			return json_null();
		if ((o = json_object()) == NULL)
			break;
		for (i = 0; i < t->nkids; i++) {
			if (!pvacreate_utf8(t->kids[i]->name,
			    strlen(t->kids[i]->name))) {
				snprintf(err, errlen, "creation request's "
				    "verifier has a member name that is not "
				    "UTF-8");
				json_decref(o);
				return NULL;
			}
			if ((v = pvacreate_json(t->kids[i], depth + 1, err,
			    errlen)) == NULL) {
				json_decref(o);
				return NULL;
			}
			if (json_object_set_new(o, t->kids[i]->name, v) != 0) {
				json_decref(o);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
		}
		return o;
	case PVT_STRING:
		if (t->slen > 0 && memchr(t->str, '\0', t->slen) != NULL) {
			snprintf(err, errlen, "creation request's verifier "
			    "member '%.64s' holds a NUL byte", t->name);
			return NULL;
		}
		if (!pvacreate_utf8(t->slen > 0 ? t->str : "", t->slen)) {
			snprintf(err, errlen, "creation request's verifier "
			    "member '%.64s' is not UTF-8", t->name);
			return NULL;
		}
		v = json_stringn(t->slen > 0 ? t->str : "", t->slen);
		break;
	case PVT_BOOL:
		return json_boolean(t->num.i != 0);
	case PVT_FLOAT32:
	case PVT_FLOAT64:
		if (!isfinite(t->num.f)) {
			snprintf(err, errlen, "creation request's verifier "
			    "member '%.64s' is not a finite number", t->name);
			return NULL;
		}
		v = json_real(t->num.f);
		break;
	default:
		if (!pvacreate_is_int(t))
			return json_null();
		v = json_integer(t->code >= PVT_UINT8 ?
		    (json_int_t)(t->num.u > INT64_MAX ? INT64_MAX :
		    t->num.u) : (json_int_t)t->num.i);
		break;
	}
	if (v == NULL)
		snprintf(err, errlen, "out of memory");
	return v;
}

/* The type names served, space-separated, for a refusal's reason. */
static void
pvacreate_types(const char *const *types, size_t ntypes, char *buf,
    size_t len)
{
	size_t i, at = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < ntypes && at < len; i++) {
		n = snprintf(buf + at, len - at, "%s%s", i > 0 ? " " : "",
		    types[i]);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

int
pvacreate_read(const char *const *types, size_t ntypes, const uint8_t *p,
    size_t len, int be, enum pvacreate_kind *kind, struct issue_order *order,
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
	for (i = 0; i < ntypes; i++)
		if (strcmp(types[i], type) == 0)
			order->type_index = (int)i;
	if (order->type_index < 0) {
		pvacreate_types(types, ntypes, served, sizeof(served));
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
		if ((j = pvacreate_json(t, 0, err, errlen)) == NULL)
			goto out;
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
