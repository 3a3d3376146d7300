/*
 * request.h - the body of POST /v1/certs, read and checked without any
 * daemon state: {"type":..., "usage":..., "csr":..., "data":{"token":...}}.
 * A pure function so that it can be unit-tested and fuzzed on its own;
 * issue.c maps its return codes to HTTP answers.  The CSR is only
 * extracted here; its signature (proof of possession) is checked by ca.c.
 */
#ifndef PVACMS_REQUEST_H
#define PVACMS_REQUEST_H

#include <stddef.h>

#include "hosterr.h"

#define REQUEST_MAX_BODY (64 * 1024)	/* same cap as API_MAX_BODY */
#define REQUEST_MAX_TOKEN (16 * 1024)	/* bytes of data.token accepted */
#define REQUEST_TYPE_MAX 64		/* longest plugin name */

/* Return codes of request_parse, in the daemon's vocabulary. */
#define REQUEST_OK		0
#define REQUEST_BAD		HOSTERR_MALFORMED	/* 400 bad_request */
#define REQUEST_TOO_LARGE	HOSTERR_TOO_LARGE	/* 413 too_large */
#define REQUEST_NOMEM		HOSTERR_NOMEM		/* 500 internal */

struct cert_request {
	char type[REQUEST_TYPE_MAX + 1];
	int type_index;			/* index into types, or -1 */
	int usage;			/* enum cert_usage: requestable */
	int no_status;			/* "no_status": true: no status PV */
	char *csr;			/* owned, NUL-terminated PEM */
	size_t csr_len;
	char *token;			/* owned; wiped by request_clear */
	size_t token_len;
};

/*
 * Parse body[0..len).  types is a NULL-terminated list of the request
 * types that are loaded (the first match sets type_index), or NULL to
 * accept any type.  On REQUEST_OK *out is filled and the caller releases
 * it with request_clear (or takes csr/token over and sets them to NULL).
 * On any other return *out is empty and err holds a one-line reason that
 * never quotes the token.
 */
int request_parse(const char *body, size_t len, const char *const *types,
    struct cert_request *out, char *err, size_t errlen);

/* Wipe the token, free what request_parse allocated; safe when empty. */
void request_clear(struct cert_request *req);

#endif
