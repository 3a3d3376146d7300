/*
 * ocspbuild.c - building the unsigned parts of OCSP answers (see
 * ocspbuild.h).  The signature is ca.c's.
 */
#include "config.h"

#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ocspbuild.h"

OCSP_CERTID *
ocspbuild_certid(X509 *ca_cert, const EVP_MD *md, uint64_t serial)
{
	ASN1_INTEGER *sn;
	OCSP_CERTID *cid = NULL;

	if ((sn = ASN1_INTEGER_new()) != NULL &&
	    ASN1_INTEGER_set_uint64(sn, serial))
		cid = OCSP_cert_id_new(md, X509_get_subject_name(ca_cert),
		    X509_get0_pubkey_bitstr(ca_cert), sn);
	ASN1_INTEGER_free(sn);
	return cid;
}

int
ocspbuild_issuer_match(X509 *ca_cert, const OCSP_CERTID *cid)
{
	ASN1_OBJECT *md_oid = NULL;
	const EVP_MD *md;
	OCSP_CERTID *ours;
	int match;

	if (OCSP_id_get0_info(NULL, &md_oid, NULL, NULL,
	    (OCSP_CERTID *)cid) != 1 ||
	    (md = EVP_get_digestbyobj(md_oid)) == NULL)
		return 0;
	/* Hash our name and key the way the client did, then compare. */
	if ((ours = ocspbuild_certid(ca_cert, md, 0)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	match = OCSP_id_issuer_cmp(ours, cid) == 0;
	OCSP_CERTID_free(ours);
	return match;
}

int
ocspbuild_add_status(OCSP_BASICRESP *bs, OCSP_CERTID *cid,
    enum ocspbuild_status status, int64_t revoked_at, int reason,
    int64_t this_update, int64_t next_update)
{
	ASN1_TIME *thisupd = NULL, *nextupd = NULL, *revtime = NULL;
	int st, r = -1;

	switch (status) {
	case OCSPBUILD_GOOD:
		st = V_OCSP_CERTSTATUS_GOOD;
		reason = OCSP_REVOKED_STATUS_NOSTATUS;
		break;
	case OCSPBUILD_REVOKED:
		/* Always with a reason, unspecified (0) by default: the
		 * status contract promises a revocation's time and reason. */
		st = V_OCSP_CERTSTATUS_REVOKED;
		if (reason < OCSP_REVOKED_STATUS_UNSPECIFIED ||
		    reason > OCSP_REVOKED_STATUS_AACOMPROMISE)
			return -1;
		break;
	case OCSPBUILD_UNKNOWN:
		st = V_OCSP_CERTSTATUS_UNKNOWN;
		reason = OCSP_REVOKED_STATUS_NOSTATUS;
		break;
	default:
		return -1;
	}
	if ((thisupd = ASN1_TIME_set(NULL, (time_t)this_update)) != NULL &&
	    (nextupd = ASN1_TIME_set(NULL, (time_t)next_update)) != NULL &&
	    (st != V_OCSP_CERTSTATUS_REVOKED ||
	    (revtime = ASN1_TIME_set(NULL, (time_t)revoked_at)) != NULL) &&
	    OCSP_basic_add1_status(bs, cid, st, reason, revtime, thisupd,
	    nextupd) != NULL)
		r = 0;
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	return r;
}
