/*
 * authnjwt_ccr.c - the CERT:CREATE request and reply in pvData (see
 * authnjwt_ccr.h).
 *
 * The request is laid out exactly as PVXS's CCRManager sends it (an
 * NTURI, the CCR in "query"), so the one parser pvacms has for PVXS
 * authenticators reads ours too; only "verifier" differs by type.  The
 * reply is read by field name, never by position, and every field's
 * type is checked before its value is used: the channel is plain TCP
 * and unauthenticated, so the reply is untrusted input until
 * authnjwt_answer.c has verified the certificate in it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "authnjwt_ccr.h"
#include "pvtype.h"
#include "pvvalue.h"

#define CCR_NTURI_ID	"epics:nt/NTURI:1.0"

static struct pvtype	*ccr_build(const struct authnjwt_ccr *req,
			    const char *pv, struct pvtype **tokenp);
static int	ccr_str(struct pvtype *parent, const char *name,
		    const char *value);
static int	ccr_uint(struct pvtype *parent, const char *name,
		    uint8_t code, uint64_t value);
static int	ccr_get_str(const struct pvtype *t, const char *name,
		    int required, char **out, char *err, size_t errlen);
static int	ccr_get_uint(const struct pvtype *t, const char *name,
		    int required, uint64_t *out, int *has, char *err,
		    size_t errlen);
static void	ccr_zero_free(struct pvtype *t, struct pvtype *token);

/* A string member of parent set to value.  0 or -1. */
static int
ccr_str(struct pvtype *parent, const char *name, const char *value)
{
	struct pvtype *t;

	if (value == NULL ||
	    (t = pvtype_add(parent, name, PVT_STRING, NULL)) == NULL)
		return -1;
	return pvvalue_set_string(t, value, strlen(value)) == 0 ? 0 : -1;
}

static int
ccr_uint(struct pvtype *parent, const char *name, uint8_t code,
    uint64_t value)
{
	struct pvtype *t;

	if ((t = pvtype_add(parent, name, code, NULL)) == NULL)
		return -1;
	return pvvalue_set_uint(t, value) == 0 ? 0 : -1;
}

/*
 * The argument tree with its values; the caller frees it with
 * ccr_zero_free.  *tokenp is the node that holds the token, so that it
 * can be wiped.  NULL when out of memory or a string is NULL.
 */
static struct pvtype *
ccr_build(const struct authnjwt_ccr *req, const char *pv,
    struct pvtype **tokenp)
{
	struct pvtype *root, *q, *v;

	*tokenp = NULL;
	if ((root = pvtype_new(PVT_STRUCT, CCR_NTURI_ID)) == NULL)
		return NULL;
	/* Field order is PVXS's CCR_PROTOTYPE (src/security.h). */
	if (ccr_str(root, "scheme", "") != 0 ||
	    ccr_str(root, "authority", "") != 0 ||
	    ccr_str(root, "path", pv) != 0 ||
	    (q = pvtype_add(root, "query", PVT_STRUCT, NULL)) == NULL ||
	    ccr_str(q, "type", req->type) != 0 ||
	    ccr_str(q, "name", req->name) != 0 ||
	    ccr_str(q, "country", req->country) != 0 ||
	    ccr_str(q, "organization", req->organization) != 0 ||
	    ccr_str(q, "organization_unit", req->organization_unit) != 0 ||
	    ccr_uint(q, "usage", PVT_UINT16, req->usage) != 0 ||
	    ccr_uint(q, "not_before", PVT_UINT64, req->not_before) != 0 ||
	    ccr_uint(q, "not_after", PVT_UINT64, req->not_after) != 0 ||
	    ccr_str(q, "pub_key", req->pub_key) != 0 ||
	    ccr_str(q, "config_uri_base", req->config_uri_base) != 0 ||
	    ccr_uint(q, "no_status", PVT_BOOL, req->no_status != 0) != 0 ||
	    (v = pvtype_add(q, "verifier", PVT_STRUCT, NULL)) == NULL ||
	    ccr_str(v, "token", req->token) != 0) {
		ccr_zero_free(root, pvtype_find(root, "query.verifier.token"));
		return NULL;
	}
	*tokenp = pvtype_find(root, "query.verifier.token");
	return root;
}

/* Free the tree, wiping the token's copy first. */
static void
ccr_zero_free(struct pvtype *t, struct pvtype *token)
{
	if (token != NULL && token->str != NULL)
		explicit_bzero(token->str, token->slen);
	pvtype_free(t);
}

int
authnjwt_ccr_encode(struct pvdata_buf *b, const struct authnjwt_ccr *req,
    const char *pv, char *err, size_t errlen)
{
	struct pvtype *t, *token;
	int r;

	if ((t = ccr_build(req, pv, &token)) == NULL) {
		snprintf(err, errlen, "cannot build the CERT:CREATE request");
		return -1;
	}
	if ((r = pvtype_encode(b, t)) == 0)
		r = pvvalue_encode(b, t);
	ccr_zero_free(t, token);
	if (r != 0 || b->err != 0) {
		snprintf(err, errlen, "cannot encode the CERT:CREATE request: "
		    "%s", pvdata_strerror(r != 0 ? r : b->err));
		return -1;
	}
	return 0;
}

int
authnjwt_ccr_pvrequest(struct pvdata_buf *b)
{
	struct pvtype *t;
	int r = -1;

	/* struct { struct {} field }, whose full value is no bytes. */
	if ((t = pvtype_new(PVT_STRUCT, NULL)) != NULL &&
	    pvtype_add(t, "field", PVT_STRUCT, NULL) != NULL &&
	    pvtype_encode(b, t) == 0 && pvvalue_encode(b, t) == 0)
		r = 0;
	pvtype_free(t);
	return r;
}

/*
 * The string member name of t into *out (the caller frees it); absent
 * and not required gives "".  0 or -1.
 */
static int
ccr_get_str(const struct pvtype *t, const char *name, int required,
    char **out, char *err, size_t errlen)
{
	const struct pvtype *f = pvtype_find(t, name);
	const char *s = "";

	*out = NULL;
	if (f == NULL && required) {
		snprintf(err, errlen, "pvacms reply has no '%s'", name);
		return -1;
	}
	if (f != NULL) {
		if (f->code != PVT_STRING) {
			snprintf(err, errlen, "pvacms reply field '%s' is not "
			    "a string", name);
			return -1;
		}
		s = f->str != NULL ? f->str : "";
		/* A NUL inside would cut what is checked from what is used. */
		if (strlen(s) != f->slen) {
			snprintf(err, errlen, "pvacms reply field '%s' holds a "
			    "NUL byte", name);
			return -1;
		}
	}
	if ((*out = strdup(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* An integer member that must not be negative.  0 or -1. */
static int
ccr_get_uint(const struct pvtype *t, const char *name, int required,
    uint64_t *out, int *has, char *err, size_t errlen)
{
	const struct pvtype *f = pvtype_find(t, name);

	*out = 0;
	if (has != NULL)
		*has = 0;
	if (f == NULL) {
		if (!required)
			return 0;
		snprintf(err, errlen, "pvacms reply has no '%s'", name);
		return -1;
	}
	if (f->code < PVT_INT8 || f->code > PVT_UINT64) {
		snprintf(err, errlen, "pvacms reply field '%s' is not an "
		    "integer", name);
		return -1;
	}
	if (f->code <= PVT_INT64 && f->num.i < 0) {
		snprintf(err, errlen, "pvacms reply field '%s' is negative",
		    name);
		return -1;
	}
	*out = f->num.u;
	if (has != NULL)
		*has = 1;
	return 0;
}

int
authnjwt_ccr_reply_decode(const uint8_t *p, size_t len, int be,
    struct authnjwt_ccr_reply *r, char *err, size_t errlen)
{
	struct pvdata_cur c;
	struct pvtype *t = NULL;
	char derr[160];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	pvdata_cur_init(&c, p, len, be);
	derr[0] = '\0';
	if (pvtype_decode(&c, NULL, &t, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "pvacms reply has a bad type: %s", derr);
		goto out;
	}
	if (t == NULL) {
		snprintf(err, errlen, "pvacms reply carries no value");
		goto out;
	}
	if (t->code != PVT_STRUCT) {
		snprintf(err, errlen, "pvacms reply is not a structure");
		goto out;
	}
	if (pvvalue_decode(&c, t, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "pvacms reply has a bad value: %s",
		    derr);
		goto out;
	}
	if (pvdata_cur_left(&c) != 0) {
		snprintf(err, errlen, "pvacms reply has %zu bytes after its "
		    "value", pvdata_cur_left(&c));
		goto out;
	}
	if (ccr_get_str(t, "cert", 1, &r->cert, err, errlen) != 0 ||
	    ccr_get_uint(t, "expiration", 1, &r->expiration, NULL, err,
	    errlen) != 0 ||
	    ccr_get_str(t, "state", 0, &r->state, err, errlen) != 0 ||
	    ccr_get_str(t, "issuer", 0, &r->issuer, err, errlen) != 0 ||
	    ccr_get_uint(t, "serial", 0, &r->serial, &r->has_serial, err,
	    errlen) != 0 ||
	    ccr_get_str(t, "cert_id", 0, &r->cert_id, err, errlen) != 0)
		goto out;
	if (r->cert[0] == '\0') {
		snprintf(err, errlen, "pvacms reply holds no certificate");
		goto out;
	}
	rc = 0;
out:
	pvtype_free(t);
	if (rc != 0)
		authnjwt_ccr_reply_free(r);
	return rc;
}

void
authnjwt_ccr_reply_free(struct authnjwt_ccr_reply *r)
{
	free(r->state);
	free(r->issuer);
	free(r->cert_id);
	free(r->cert);
	memset(r, 0, sizeof(*r));
}

/* Returns the PEM text; the caller frees it. */
char *
authnjwt_ccr_pubkey_pem(EVP_PKEY *key)
{
	BIO *bio;
	BUF_MEM *mem;
	char *pem = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_PUBKEY(bio, key) == 1) {
		BIO_get_mem_ptr(bio, &mem);
		pem = strndup(mem->data, mem->length);
	}
	BIO_free(bio);
	return pem;
}
