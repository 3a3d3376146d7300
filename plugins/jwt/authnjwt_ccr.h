/*
 * authnjwt_ccr.h - the CERT:CREATE request and reply of authnjwt in
 * pvData (reference pvaccess.md §12, DESIGN §10): the RPC argument is an
 * NTURI whose "query" is the certificate creation request (CCR) that
 * PVXS's authenticators send, of type "jwt" with the token in
 * "verifier"; the reply is PVACMS's NTEnum-shaped structure, read by
 * field name.  Built and read with the project's codec
 * (host/pva/pvtype.h, pvvalue.h); no sockets, so it is unit-tested on
 * its own.  authnjwt_pva.c carries the bytes.
 */
#ifndef PVACMS_AUTHNJWT_CCR_H
#define PVACMS_AUTHNJWT_CCR_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "pvdata.h"

#define AUTHNJWT_CCR_PV		"CERT:CREATE"

/* The request: borrowed strings, none NULL ("" for unset). */
struct authnjwt_ccr {
	const char	*type;		/* "jwt" */
	const char	*name;		/* subject asked for; jwt: "" */
	const char	*country;
	const char	*organization;
	const char	*organization_unit;
	uint16_t	 usage;		/* 1 client, 2 server, 3 ioc */
	uint64_t	 not_before;	/* POSIX seconds; 0: from the token */
	uint64_t	 not_after;
	const char	*pub_key;	/* PEM SubjectPublicKeyInfo */
	const char	*config_uri_base;
	int		 no_status;
	const char	*token;		/* verifier.token */
};

/*
 * The reply fields authnjwt uses; every string is owned (NUL-ended, ""
 * when the field is absent) and freed by authnjwt_ccr_reply_free.
 */
struct authnjwt_ccr_reply {
	char		*state;		/* "VALID", "PENDING", ... */
	char		*issuer;	/* 8 hex digits */
	uint64_t	 serial;
	int		 has_serial;
	char		*cert_id;	/* PVXS pads the serial to 20 digits */
	uint64_t	 expiration;	/* notAfter, POSIX seconds */
	char		*cert;		/* PEM: leaf, then CAs up to the root */
};

/*
 * The RPC argument (type descriptor + full value) appended to b, for
 * the PV pv.  Returns 0, or -1 with a reason in err.  b may hold the
 * token afterwards: the caller zeroes it before freeing.
 */
int	 authnjwt_ccr_encode(struct pvdata_buf *b,
	    const struct authnjwt_ccr *req, const char *pv, char *err,
	    size_t errlen);

/* The pvRequest PVXS sends (`field()`, §4.6), appended to b.  0 or -1. */
int	 authnjwt_ccr_pvrequest(struct pvdata_buf *b);

/*
 * Read the reply value: p/len are the bytes after the EXEC reply's
 * Status (type descriptor + full value), be their byte order.  The
 * value must be a structure with a non-empty string "cert" and an
 * unsigned "expiration"; "state", "issuer", "serial" and "cert_id" are
 * read when present and must then have their types; bytes after the
 * value are an error.  On failure *r is left empty and err names the
 * problem.  0 or -1.
 */
int	 authnjwt_ccr_reply_decode(const uint8_t *p, size_t len, int be,
	    struct authnjwt_ccr_reply *r, char *err, size_t errlen);
void	 authnjwt_ccr_reply_free(struct authnjwt_ccr_reply *r);

/* PEM SubjectPublicKeyInfo of key; the caller frees it.  NULL on error. */
char	*authnjwt_ccr_pubkey_pem(EVP_PKEY *key);

#endif
