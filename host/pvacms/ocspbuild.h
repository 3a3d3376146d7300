/*
 * ocspbuild.h - the parts of an RFC 6960 answer that need no key: the
 * CertID of one of this CA's serials, whether a client's CertID names
 * this CA, and one SingleResponse.  ca.c signs what these build.
 */
#ifndef PVACMS_OCSPBUILD_H
#define PVACMS_OCSPBUILD_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

/* Status of one serial in an OCSP response. */
enum ocspbuild_status {
	OCSPBUILD_GOOD = 0, OCSPBUILD_REVOKED = 1, OCSPBUILD_UNKNOWN = 2
};

/*
 * The OCSP CertID of serial under the CA certificate ca_cert, its name
 * and key hashed with md.  Caller frees with OCSP_CERTID_free; NULL when
 * out of memory.
 */
OCSP_CERTID *ocspbuild_certid(X509 *ca_cert, const EVP_MD *md,
    uint64_t serial);

/* 1 if cid's issuer hashes are ca_cert's (in cid's own hash), else 0. */
int ocspbuild_issuer_match(X509 *ca_cert, const OCSP_CERTID *cid);

/*
 * Add one SingleResponse for cid to bs: GOOD, REVOKED (at revoked_at,
 * with RFC 5280 reason code reason) or UNKNOWN, with
 * thisUpdate/nextUpdate.  Returns 0 or -1.
 */
int ocspbuild_add_status(OCSP_BASICRESP *bs, OCSP_CERTID *cid,
    enum ocspbuild_status status, int64_t revoked_at, int reason,
    int64_t this_update, int64_t next_update);

#endif
