/*
 * ocspcheck.h - verify a DER OCSPResponse (RFC 6960) about one
 * certificate: signed by a responder that chains to our trust anchors
 * and is (or is delegated by) the certificate's issuer, current, and
 * about exactly the issuer + serial we asked for.  The status JSON of
 * pvacms is only believed where this proof agrees with it.
 */
#ifndef PVACMS_OCSPCHECK_H
#define PVACMS_OCSPCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

/* Allowed clock skew for thisUpdate/nextUpdate, seconds. */
#define OCSPCHECK_SKEW 300

struct ocspcheck_result {
	int status;		/* V_OCSP_CERTSTATUS_GOOD, _REVOKED, _UNKNOWN */
	int64_t this_update;
	int64_t next_update;
	int64_t revocation_time;	/* when status is REVOKED */
};

/*
 * Verify der (len bytes).  trust holds the trust anchors; untrusted may
 * hold more certificates to build the responder's chain (or be NULL);
 * issuer is the CA that issued the certificate with this serial.
 * 0 with *res filled, or -1 with a one-line reason in err.
 */
int ocspcheck_verify(const unsigned char *der, size_t len,
    X509_STORE *trust, STACK_OF(X509) *untrusted, X509 *issuer,
    uint64_t serial, struct ocspcheck_result *res, char *err, size_t errlen);

/* The OCSP status a pvacms state name must come with: VALID -> good,
 * REVOKED -> revoked, any other state -> unknown.  -1 for a name that is
 * not a pvacms state. */
int ocspcheck_status_of_state(const char *state);

/* "good", "revoked", "unknown" (static strings). */
const char *ocspcheck_status_name(int status);

#endif
