/*
 * authnjwt_answer.h - what authnjwt got back from pvacms, whichever way
 * it asked (HTTPS or PVAccess), and the checks it must pass before the
 * keychain is written: a certificate for our key, chaining through CA
 * certificates to a self-signed root, usable for the usage asked for,
 * and named by the id pvacms gave.  Over PVAccess, where the channel
 * proves nothing, it must also verify against the operator's CA file.
 */
#ifndef PVACMS_AUTHNJWT_ANSWER_H
#define PVACMS_AUTHNJWT_ANSWER_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "authnjwt_ccr.h"
#include "certid.h"

/* Owned members; authnjwt_answer_clear frees them.  Start zeroed. */
struct authnjwt_answer {
	X509		*leaf;
	STACK_OF(X509)	*chain;			/* CAs, the leaf's issuer first */
	char		 cert_id[CERTID_MAX];	/* "<issuer>:<serial>" unpadded */
};

/*
 * HTTPS: leaf_pem holds exactly the certificate, chain_pem its CA chain
 * (1 to 8 certificates).  0, or -1 with a reason in err.
 */
int	authnjwt_answer_certs(struct authnjwt_answer *an,
	    const char *leaf_pem, const char *chain_pem, char *err,
	    size_t errlen);

/*
 * PVAccess: the CERT:CREATE reply.  Its "cert" is one PEM text, the
 * certificate first, then 1 to 8 CA certificates; its id is issuer and
 * serial, else cert_id (whose serial PVXS pads), and they must agree
 * when all are there.  0, or -1 with a reason in err.
 */
int	authnjwt_answer_reply(struct authnjwt_answer *an,
	    const struct authnjwt_ccr_reply *rep, char *err, size_t errlen);

/* The id pvacms named, "<issuer>:<serial>" (a padded serial too). */
int	authnjwt_answer_id(struct authnjwt_answer *an, const char *id,
	    char *err, size_t errlen);

/*
 * The checks of both paths: the certificate is for key, every chain
 * member is a CA, the chain ends in a self-signed root and verifies,
 * the certificate is usable for usage ("client", "server", "ioc"), and
 * its id is an->cert_id.  0, or -1 with a reason in err.
 */
int	authnjwt_answer_check(struct authnjwt_answer *an, EVP_PKEY *key,
	    const char *usage, char *err, size_t errlen);

/*
 * PVAccess: the certificate verifies with the CA certificates of
 * ca_file as the only trust anchors (the chain from pvacms serves only
 * as intermediates); then an->chain becomes the verified path above the
 * leaf, so the keychain holds nothing that only the server vouched
 * for.  0, or -1 with a reason in err.
 */
int	authnjwt_answer_anchor(struct authnjwt_answer *an,
	    const char *ca_file, char *err, size_t errlen);

void	authnjwt_answer_clear(struct authnjwt_answer *an);

#endif
