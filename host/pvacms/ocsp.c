/*
 * ocsp.c - the RFC 6960 OCSP responder over HTTP (RFC 6960 appendix A,
 * RFC 5019): parse the request, look every serial up in the record, and
 * answer with a BasicOCSPResponse that the CA signs (ca.c).
 *
 * The common request (one CertID, no nonce) is answered from the cache,
 * so a busy certificate costs one signature per half validity period.
 * A request with a nonce must be signed afresh (the nonce is echoed), as
 * must one that asks about several certificates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "app.h"
#include "b64.h"
#include "ca.h"
#include "cert.h"
#include "conf.h"
#include "db.h"
#include "hosterr.h"
#include "ocsp.h"
#include "ocspbuild.h"
#include "ocspcache.h"
#include "reply.h"
#include "transition.h"

static struct ocspcache *ocsp_cache;	/* loop thread only */

/*
 * This CA's CertID (serial 0) per hash a client used: hashing the CA's
 * name and key once, not on every request.  Loop thread only.
 */
static struct {
	int md_nid;
	OCSP_CERTID *cid;
} ocsp_ours[8];

static int	ocsp_is_ours(struct app *app, OCSP_CERTID *cid);
static int	ocsp_nonce_ok(OCSP_REQUEST *oreq);

static enum ocspbuild_status ocsp_status_of(int state);
static void	ocsp_facts(const struct db_cert *rec, int64_t now,
		    int *state, int64_t *revoked_at, int *reason);
static int64_t	ocsp_validity(const struct app *app);
static unsigned char *ocsp_read_get(const char *get_path, size_t *len);
static void	ocsp_reply(struct evhttp_request *req, int http_code,
		    const unsigned char *der, size_t der_len,
		    int64_t max_age);
static void	ocsp_reply_error(struct evhttp_request *req, int http_code,
		    int ocsp_status);
static unsigned char *ocsp_answer_all(struct app *app, OCSP_REQUEST *oreq,
		    int64_t now, size_t *der_len, char *err, size_t errlen);

/* VALID is good and REVOKED revoked; every other state is unknown. */
static enum ocspbuild_status
ocsp_status_of(int state)
{
	if (state == STATE_VALID)
		return OCSPBUILD_GOOD;
	if (state == STATE_REVOKED)
		return OCSPBUILD_REVOKED;
	return OCSPBUILD_UNKNOWN;
}

static int64_t
ocsp_validity(const struct app *app)
{
	return (int64_t)app->cfg->status_validity_mins * 60;
}

/*
 * What rec says as of now: its effective state, and its revocation time
 * and reason when REVOKED (else 0).
 */
static void
ocsp_facts(const struct db_cert *rec, int64_t now, int *state,
    int64_t *revoked_at, int *reason)
{
	*state = transition_by_time(rec->state, rec->not_before,
	    rec->not_after, now);
	*revoked_at = *state == STATE_REVOKED ? rec->revoked_at : 0;
	*reason = *state == STATE_REVOKED ? rec->revocation_reason : 0;
}

int
ocsp_single(struct app *app, const struct db_cert *rec, const EVP_MD *md,
    int64_t now, const struct ocspcache_entry **out, char *err,
    size_t errlen)
{
	const struct ocspcache_entry *e;
	int64_t revoked_at, validity = ocsp_validity(app);
	unsigned char *der;
	size_t der_len;
	int state, reason;

	ocsp_facts(rec, now, &state, &revoked_at, &reason);
	if (ocsp_cache == NULL &&
	    (ocsp_cache = ocspcache_new(OCSP_CACHE_SETS)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HOSTERR_NOMEM;
	}
	/* Re-signed lazily once half the validity has passed.  The key
	 * (state, revocation time) also covers the reason: both are written
	 * once, in the one transaction that revokes. */
	e = ocspcache_get(ocsp_cache, rec->serial, EVP_MD_get_type(md), state,
	    revoked_at, now, validity / 2 > 0 ? validity / 2 : 1);
	if (e == NULL) {
		OCSP_CERTID *cid = ocspbuild_certid(ca_cert(app->ca), md, rec->serial);
		OCSP_BASICRESP *bs = OCSP_BASICRESP_new();

		der = NULL;
		if (cid == NULL || bs == NULL ||
		    ocspbuild_add_status(bs, cid, ocsp_status_of(state),
		    revoked_at, reason, now, now + validity) != 0)
			snprintf(err, errlen, "cannot build OCSP response");
		else
			der = ca_ocsp_sign(app->ca, bs, &der_len, err,
			    errlen);
		OCSP_BASICRESP_free(bs);
		OCSP_CERTID_free(cid);
		if (der == NULL)
			return HOSTERR_CRYPTO;
		e = ocspcache_put(ocsp_cache, rec->serial, EVP_MD_get_type(md),
		    state, revoked_at, now, now + validity, der, der_len);
	}
	*out = e;
	return 0;
}

void
ocsp_shutdown(void)
{
	size_t i;

	ocspcache_free(ocsp_cache);
	ocsp_cache = NULL;
	for (i = 0; i < sizeof(ocsp_ours) / sizeof(ocsp_ours[0]); i++) {
		OCSP_CERTID_free(ocsp_ours[i].cid);
		ocsp_ours[i].cid = NULL;
		ocsp_ours[i].md_nid = 0;
	}
}

/* 1 if cid's issuer name and key hashes are this CA's, else 0. */
static int
ocsp_is_ours(struct app *app, OCSP_CERTID *cid)
{
	ASN1_OBJECT *md_oid = NULL;
	const EVP_MD *md;
	size_t i, n = sizeof(ocsp_ours) / sizeof(ocsp_ours[0]);
	int nid;

	if (OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, cid) != 1 ||
	    (nid = OBJ_obj2nid(md_oid)) == NID_undef)
		return 0;
	for (i = 0; i < n && ocsp_ours[i].cid != NULL; i++)
		if (ocsp_ours[i].md_nid == nid)
			return OCSP_id_issuer_cmp(ocsp_ours[i].cid, cid) == 0;
	if ((md = EVP_get_digestbynid(nid)) == NULL)
		return 0;
	if (i == n)		/* a table full of odd hashes: no memo */
		return ocspbuild_issuer_match(ca_cert(app->ca), cid);
	if ((ocsp_ours[i].cid = ocspbuild_certid(ca_cert(app->ca), md, 0)) == NULL)
		return 0;
	ocsp_ours[i].md_nid = nid;
	return OCSP_id_issuer_cmp(ocsp_ours[i].cid, cid) == 0;
}

/*
 * The DER request of the GET form: URL-decoded, then base64 (padding
 * restored when a client left it off).  Caller frees with free(); NULL
 * when malformed or larger than OCSP_MAX_REQUEST.
 */
static unsigned char *
ocsp_read_get(const char *get_path, size_t *len)
{
	char *text, *padded = NULL;
	size_t tlen;
	unsigned char *der = NULL;

	if (strlen(get_path) > OCSP_MAX_REQUEST * 2)
		return NULL;
	if ((text = evhttp_uridecode(get_path, 0, &tlen)) == NULL)
		return NULL;
	if (tlen % 4 == 1)
		goto out;
	if (tlen % 4 != 0) {
		if ((padded = malloc(tlen + 3)) == NULL)
			goto out;
		memcpy(padded, text, tlen);
		while (tlen % 4 != 0)
			padded[tlen++] = '=';
	}
	der = b64_decode(padded != NULL ? padded : text, tlen, 0, len);
	if (der != NULL && *len > OCSP_MAX_REQUEST) {
		free(der);
		der = NULL;
	}
out:
	free(padded);
	free(text);
	return der;
}

static void
ocsp_reply(struct evhttp_request *req, int http_code,
    const unsigned char *der, size_t der_len, int64_t max_age)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char cc[96];

	evhttp_add_header(out, "Content-Type", "application/ocsp-response");
	/* RFC 5019 §6.2: a GET answer may be cached, until we re-sign. */
	if (max_age > 0) {
		snprintf(cc, sizeof(cc), "max-age=%lld, public, no-transform,"
		    " must-revalidate", (long long)max_age);
		evhttp_add_header(out, "Cache-Control", cc);
	} else
		evhttp_add_header(out, "Cache-Control", "no-store");
	if (buf != NULL)
		evbuffer_add(buf, der, der_len);
	evhttp_send_reply(req, http_code, NULL, buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

/* An unsigned OCSPResponse with an error status (RFC 6960 §2.3). */
static void
ocsp_reply_error(struct evhttp_request *req, int http_code, int ocsp_status)
{
	OCSP_RESPONSE *resp = OCSP_response_create(ocsp_status, NULL);
	unsigned char *der = NULL;
	int n;

	if (resp == NULL || (n = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		OCSP_RESPONSE_free(resp);
		reply_error(req, HOSTERR_CRYPTO, "cannot encode OCSP "
		    "response");
		return;
	}
	ocsp_reply(req, http_code, der, (size_t)n, 0);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
}

/*
 * One signed response for every CertID in oreq, with its nonce echoed.
 * A CertID of another issuer, or with a serial we never issued, is
 * unknown.  Returns DER the caller frees with OPENSSL_free, or NULL.
 */
static unsigned char *
ocsp_answer_all(struct app *app, OCSP_REQUEST *oreq, int64_t now,
    size_t *der_len, char *err, size_t errlen)
{
	struct db_cert rec;
	OCSP_BASICRESP *bs;
	OCSP_CERTID *cid;
	ASN1_INTEGER *sn;
	unsigned char *der = NULL;
	int64_t revoked_at, validity = ocsp_validity(app);
	uint64_t serial;
	int i, n, state, found, reason;

	memset(&rec, 0, sizeof(rec));
	if ((bs = OCSP_BASICRESP_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = OCSP_request_onereq_count(oreq);
	for (i = 0; i < n; i++) {
		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(oreq, i));
		state = STATE_UNKNOWN;
		revoked_at = 0;
		reason = 0;
		sn = NULL;
		if (ocsp_is_ours(app, cid) &&
		    OCSP_id_get0_info(NULL, NULL, NULL, &sn, cid) == 1 &&
		    ASN1_INTEGER_get_uint64(&serial, sn) == 1) {
			found = db_get(app->db, serial, &rec, err, errlen);
			if (found < 0)
				goto out;
			if (found == 1)
				ocsp_facts(&rec, now, &state, &revoked_at,
				    &reason);
			db_cert_clear(&rec);
		}
		ERR_clear_error();
		if (ocspbuild_add_status(bs, cid, ocsp_status_of(state),
		    revoked_at, reason, now, now + validity) != 0) {
			snprintf(err, errlen, "cannot build OCSP response");
			goto out;
		}
	}
	if (OCSP_copy_nonce(bs, oreq) <= 0) {
		snprintf(err, errlen, "cannot copy the nonce");
		goto out;
	}
	der = ca_ocsp_sign(app->ca, bs, der_len, err, errlen);
out:
	OCSP_BASICRESP_free(bs);
	return der;
}

/*
 * Whether the request's nonce, if any, is one we echo: a single Nonce
 * extension of 1 to OCSP_MAX_NONCE bytes.  RFC 9654 has a responder
 * refuse the others with malformedRequest, and it keeps a client from
 * making us sign kilobytes of its choosing.  The value is normally an
 * OCTET STRING inside extnValue; older clients put the bytes there bare.
 */
static int
ocsp_nonce_ok(OCSP_REQUEST *oreq)
{
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *value, *inner;
	const unsigned char *p;
	long len;
	int idx;

	idx = OCSP_REQUEST_get_ext_by_NID(oreq, NID_id_pkix_OCSP_Nonce, -1);
	if (idx < 0)
		return 1;
	if (OCSP_REQUEST_get_ext_by_NID(oreq, NID_id_pkix_OCSP_Nonce,
	    idx) >= 0 || (ext = OCSP_REQUEST_get_ext(oreq, idx)) == NULL ||
	    (value = X509_EXTENSION_get_data(ext)) == NULL)
		return 0;
	p = ASN1_STRING_get0_data(value);
	len = ASN1_STRING_length(value);
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p, len)) != NULL &&
	    p == ASN1_STRING_get0_data(value) + len)
		len = ASN1_STRING_length(inner);
	ASN1_OCTET_STRING_free(inner);
	ERR_clear_error();
	return len >= 1 && len <= OCSP_MAX_NONCE;
}

void
ocsp_handle(struct app *app, struct evhttp_request *req, const char *get_path)
{
	struct db_cert rec;
	const struct ocspcache_entry *e;
	const unsigned char *p;
	unsigned char *get_der = NULL, *der = NULL;
	OCSP_REQUEST *oreq = NULL;
	OCSP_CERTID *cid;
	ASN1_OBJECT *md_oid = NULL;
	ASN1_INTEGER *sn = NULL;
	const EVP_MD *md;
	int64_t now = (int64_t)time(NULL), max_age;
	uint64_t serial;
	size_t len, der_len;
	char err[256];
	int i, n, ours = 0, r;

	memset(&rec, 0, sizeof(rec));
	if (get_path != NULL) {
		if ((get_der = ocsp_read_get(get_path, &len)) == NULL) {
			ocsp_reply_error(req, 400,
			    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
			return;
		}
		p = get_der;
	} else if ((p = (const unsigned char *)reply_body(req, OCSP_MAX_REQUEST,
	    &len)) == NULL) {
		ocsp_reply_error(req, 413,
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		return;
	}
	/* The whole body must be one request, with 1..16 CertIDs. */
	{
		const unsigned char *q = p;

		oreq = d2i_OCSP_REQUEST(NULL, &q, (long)len);
		if (oreq != NULL && q != p + len) {
			OCSP_REQUEST_free(oreq);
			oreq = NULL;
		}
	}
	ERR_clear_error();
	n = oreq != NULL ? OCSP_request_onereq_count(oreq) : 0;
	if (n < 1 || n > OCSP_MAX_CERTIDS || !ocsp_nonce_ok(oreq)) {
		ocsp_reply_error(req, 400,
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (ocsp_is_ours(app, OCSP_onereq_get0_id(
		    OCSP_request_onereq_get0(oreq, i))))
			ours++;
	if (ours == 0) {
		/* RFC 5019 §2.2.3: not a CA we answer for. */
		ocsp_reply_error(req, 200, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
		goto out;
	}

	/* The common case, from the cache: one CertID of ours, no nonce. */
	cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(oreq, 0));
	if (n == 1 && OCSP_REQUEST_get_ext_by_NID(oreq,
	    NID_id_pkix_OCSP_Nonce, -1) < 0 &&
	    OCSP_id_get0_info(NULL, &md_oid, NULL, &sn, cid) == 1 &&
	    (md = EVP_get_digestbyobj(md_oid)) != NULL &&
	    ASN1_INTEGER_get_uint64(&serial, sn) == 1) {
		/* One read of the row serves the whole answer. */
		r = db_get(app->db, serial, &rec, err, sizeof(err));
		if (r == 1 && ocsp_single(app, &rec, md, now, &e, err,
		    sizeof(err)) != 0)
			r = -1;
		db_cert_clear(&rec);
		if (r < 0) {
			ocsp_reply_error(req, 500,
			    OCSP_RESPONSE_STATUS_INTERNALERROR);
			goto out;
		}
		if (r == 1) {
			max_age = e->this_update +
			    ocsp_validity(app) / 2 - now;
			ocsp_reply(req, 200, e->der, e->der_len,
			    get_path != NULL ? max_age : 0);
			goto out;
		}
		/* Not a serial of ours: signed unknown, below, uncached. */
	}
	ERR_clear_error();
	if ((der = ocsp_answer_all(app, oreq, now, &der_len, err,
	    sizeof(err))) == NULL) {
		ocsp_reply_error(req, 500, OCSP_RESPONSE_STATUS_INTERNALERROR);
		goto out;
	}
	ocsp_reply(req, 200, der, der_len, 0);
out:
	ERR_clear_error();
	OPENSSL_free(der);
	OCSP_REQUEST_free(oreq);
	free(get_der);
}
