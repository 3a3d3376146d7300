/*
 * ocspcheck.c - the proof behind a status answer.  pvacms serves status
 * over plain HTTP on purpose, so nothing in the JSON is believed until
 * the embedded OCSPResponse verifies here: a successful BasicOCSPResponse
 * whose signer chains to the caller's trust anchors and speaks for the
 * issuer, holding a single response for our issuer + serial that is
 * current within OCSPCHECK_SKEW seconds and has a nextUpdate.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "ocspcheck.h"
#include "sslerr.h"
#include "timefmt.h"

static int	ocspcheck_find(OCSP_BASICRESP *bs, X509 *issuer,
		    uint64_t serial, OCSP_SINGLERESP **out, char *err,
		    size_t errlen);

/*
 * Find the one single response about issuer + serial.  The responder
 * chose the hash of its CertID, so we build ours with the same one.
 */
static int
ocspcheck_find(OCSP_BASICRESP *bs, X509 *issuer, uint64_t serial,
    OCSP_SINGLERESP **out, char *err, size_t errlen)
{
	OCSP_SINGLERESP *single, *found = NULL;
	OCSP_CERTID *want;
	const OCSP_CERTID *have;
	ASN1_OBJECT *md_obj = NULL;
	ASN1_INTEGER *sn;
	const EVP_MD *md;
	int i, n, matches = 0;

	n = OCSP_resp_count(bs);
	if (n < 1) {
		snprintf(err, errlen, "OCSP response holds no status");
		return -1;
	}
	if ((sn = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(sn, serial) != 1) {
		ASN1_INTEGER_free(sn);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		single = OCSP_resp_get0(bs, i);
		have = OCSP_SINGLERESP_get0_id(single);
		if (OCSP_id_get0_info(NULL, &md_obj, NULL, NULL,
		    (OCSP_CERTID *)have) != 1)
			continue;
		md = EVP_get_digestbyobj(md_obj);
		if (md == NULL)
			continue;
		want = OCSP_cert_id_new(md, X509_get_subject_name(issuer),
		    X509_get0_pubkey_bitstr(issuer), sn);
		if (want == NULL)
			continue;
		if (OCSP_id_cmp(want, have) == 0) {
			found = single;
			matches++;
		}
		OCSP_CERTID_free(want);
	}
	ASN1_INTEGER_free(sn);
	ERR_clear_error();
	if (matches != 1) {
		snprintf(err, errlen, matches == 0 ?
		    "OCSP response is not about this certificate" :
		    "OCSP response holds the certificate twice");
		return -1;
	}
	*out = found;
	return 0;
}

int
ocspcheck_verify(const unsigned char *der, size_t len, X509_STORE *trust,
    STACK_OF(X509) *untrusted, X509 *issuer, uint64_t serial,
    struct ocspcheck_result *res, char *err, size_t errlen)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_SINGLERESP *single;
	ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL, *nextupd = NULL;
	int reason, st, r = -1;

	memset(res, 0, sizeof(*res));
	if (der == NULL || len == 0 || len > 64 * 1024) {
		snprintf(err, errlen, "OCSP response missing or too large");
		return -1;
	}
	if (trust == NULL || issuer == NULL) {
		snprintf(err, errlen, "no trust anchor to verify against");
		return -1;
	}
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		sslerr_line(err, errlen, "OCSP response is not DER");
		goto out;
	}
	if ((st = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(err, errlen, "OCSP responder answered %s",
		    OCSP_response_status_str(st));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		sslerr_line(err, errlen, "not a BasicOCSPResponse");
		goto out;
	}
	if (OCSP_basic_verify(bs, untrusted, trust, 0) != 1) {
		sslerr_line(err, errlen, "OCSP signature not trusted");
		goto out;
	}
	if (ocspcheck_find(bs, issuer, serial, &single, err, errlen) != 0)
		goto out;
	st = OCSP_single_get0_status(single, &reason, &revtime, &thisupd,
	    &nextupd);
	if (st < 0) {
		sslerr_line(err, errlen, "unreadable OCSP status");
		goto out;
	}
	if (thisupd == NULL || nextupd == NULL) {
		snprintf(err, errlen, "OCSP response has no nextUpdate");
		goto out;
	}
	if (OCSP_check_validity(thisupd, nextupd, OCSPCHECK_SKEW, -1) != 1) {
		sslerr_line(err, errlen, "OCSP response is not current");
		goto out;
	}
	if (timefmt_from_asn1(thisupd, &res->this_update) != 0 ||
	    timefmt_from_asn1(nextupd, &res->next_update) != 0) {
		snprintf(err, errlen, "bad OCSP update times");
		goto out;
	}
	if (st == V_OCSP_CERTSTATUS_REVOKED) {
		if (revtime == NULL ||
		    timefmt_from_asn1(revtime, &res->revocation_time) != 0) {
			snprintf(err, errlen, "bad OCSP revocation time");
			goto out;
		}
	}
	res->status = st;
	r = 0;
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return r;
}

int
ocspcheck_status_of_state(const char *state)
{
	static const char *const others[] = {
		"UNKNOWN", "PENDING", "PENDING_APPROVAL", "PENDING_RENEWAL",
		"EXPIRED", NULL
	};
	size_t i;

	if (state == NULL)
		return -1;
	if (strcmp(state, "VALID") == 0)
		return V_OCSP_CERTSTATUS_GOOD;
	if (strcmp(state, "REVOKED") == 0)
		return V_OCSP_CERTSTATUS_REVOKED;
	for (i = 0; others[i] != NULL; i++)
		if (strcmp(state, others[i]) == 0)
			return V_OCSP_CERTSTATUS_UNKNOWN;
	return -1;
}

const char *
ocspcheck_status_name(int status)
{
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		return "good";
	case V_OCSP_CERTSTATUS_REVOKED:
		return "revoked";
	default:
		return "unknown";
	}
}
