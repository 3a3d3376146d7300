/*
 * issue_order.h - one certificate request as a front read it: what
 * the fronts fill (issue_http.c for HTTPS, host/pva/pvacreq.c for
 * PVAccess) and the pipeline (issue.h) takes over.  Apart from issue.h
 * so that a reader builds, and is fuzzed, without the rest of the
 * daemon.
 */
#ifndef PVACMS_ISSUE_ORDER_H
#define PVACMS_ISSUE_ORDER_H

#include <stddef.h>
#include <stdint.h>

/*
 * One request as a front read it.  The owned members are taken over by
 * issue_submit (set to NULL in the caller's struct), whatever it returns.
 */
struct issue_order {
	const char *front;		/* "https" or "pva"; static */
	int type_index;			/* into app->plugins */
	int usage;			/* enum cert_usage: requestable */
	int no_status;			/* asks for no status extension */
	char *csr;			/* owned PEM CSR: proof of possession */
	size_t csr_len;
	char *pubkey;			/* owned PEM public key (no proof) */
	size_t pubkey_len;		/* exactly one of csr, pubkey is set */
	char *credential;		/* owned; wiped before it is freed */
	size_t credential_len;
	char *verifier_json;		/* owned, or NULL */
	char *name, *organization;	/* owned requested subject, or NULL */
	char *organization_unit, *country;
	int64_t not_before, not_after;	/* requested validity, or 0 */
	int want_json;			/* build the HTTPS JSON answer */
	char peer[64];
};

/* Free (and wipe) what an order owns; safe on a cleared order. */
void issue_order_clear(struct issue_order *order);

#endif
