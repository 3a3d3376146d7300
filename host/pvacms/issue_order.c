/*
 * issue_order.c - releasing a certificate request (issue_order.h).  The
 * credential, and the verifier JSON that holds it too, are wiped before
 * they are freed.  Needs libcrypto alone, for OPENSSL_cleanse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "issue_order.h"

void
issue_order_clear(struct issue_order *o)
{
	if (o->credential != NULL) {
		OPENSSL_cleanse(o->credential, o->credential_len);
		free(o->credential);
	}
	if (o->verifier_json != NULL) {
		/* It holds the credential too (the verifier's token). */
		OPENSSL_cleanse(o->verifier_json, strlen(o->verifier_json));
		free(o->verifier_json);
	}
	free(o->csr);
	free(o->pubkey);
	free(o->name);
	free(o->organization);
	free(o->organization_unit);
	free(o->country);
	o->credential = o->verifier_json = o->csr = o->pubkey = NULL;
	o->name = o->organization = o->organization_unit = o->country = NULL;
	o->credential_len = o->csr_len = o->pubkey_len = 0;
}
