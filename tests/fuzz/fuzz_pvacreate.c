/*
 * fuzz_pvacreate.c - libFuzzer target for the CERT:CREATE request reader
 * (host/pva/pvacreq.c).  The first byte chooses the byte order (bit 0:
 * big-endian); the rest is the RPC argument, type descriptor and value,
 * as a client sends it.  The types served are "jwt" and "std".  Checks
 * that a request read is within every cap the pipeline relies on and
 * that its verifier JSON loads back as an object; that a refusal carries
 * its own reason (never "out of memory": allocations do not fail here,
 * so that reason would misreport the input) and leaves the order owning
 * nothing; and (under ASan) that nothing leaks once the order is
 * cleared.  Replayed over tests/fuzz/corpus/pvacreate in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cert.h"
#include "csr.h"
#include "issue_order.h"
#include "pvacreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_field(const char *s, size_t max);
static void	fuzz_empty(const struct issue_order *o);
static void	fuzz_order(const struct issue_order *o, size_t ntypes);

static const char *const fuzz_types[] = { "jwt", "std" };

/* An owned string: NULL, or non-empty and at most max bytes. */
static void
fuzz_field(const char *s, size_t max)
{
	if (s != NULL && (s[0] == '\0' || strlen(s) > max))
		abort();
}

static void
fuzz_empty(const struct issue_order *o)
{
	if (o->csr != NULL || o->pubkey != NULL || o->credential != NULL ||
	    o->verifier_json != NULL || o->name != NULL ||
	    o->organization != NULL || o->organization_unit != NULL ||
	    o->country != NULL)
		abort();
}

static void
fuzz_order(const struct issue_order *o, size_t ntypes)
{
	json_t *j;

	if (o->front == NULL || strcmp(o->front, "pva") != 0 ||
	    o->type_index < 0 || (size_t)o->type_index >= ntypes ||
	    !cert_usage_requestable(o->usage) || o->not_before < 0 ||
	    o->not_after < 0 || o->csr != NULL || o->csr_len != 0)
		abort();
	if (o->pubkey == NULL || o->pubkey_len == 0 ||
	    o->pubkey_len > CSR_MAX || strlen(o->pubkey) != o->pubkey_len)
		abort();
	if ((o->credential == NULL) != (o->credential_len == 0) ||
	    (o->credential != NULL &&
	    strlen(o->credential) != o->credential_len))
		abort();
	fuzz_field(o->name, PVACREATE_FIELD_MAX);
	fuzz_field(o->organization, PVACREATE_FIELD_MAX);
	fuzz_field(o->organization_unit, PVACREATE_FIELD_MAX);
	fuzz_field(o->country, PVACREATE_FIELD_MAX);
	/* The verifier reaches the plugin as a JSON object. */
	if (o->verifier_json == NULL ||
	    strlen(o->verifier_json) > PVACREATE_VERIFIER_MAX ||
	    (j = json_loads(o->verifier_json, 0, NULL)) == NULL)
		abort();
	if (!json_is_object(j))
		abort();
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct issue_order order;
	enum pvacreate_kind kind;
	const size_t ntypes = sizeof(fuzz_types) / sizeof(fuzz_types[0]);
	uint8_t *d;
	char err[512];
	int r;

	if (size == 0)
		return 0;
	/* An exact-size copy of the argument, so that ASan sees any read
	 * past its end. */
	if ((d = malloc(size > 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(d, data + 1, size - 1);
	err[0] = '\0';
	memset(&order, 0xa5, sizeof(order));
	r = pvacreate_read(fuzz_types, ntypes, d, size - 1, data[0] & 1,
	    &kind, &order, err, sizeof(err));
	if (r == 0 && kind == PVACREATE_CERT)
		fuzz_order(&order, ntypes);
	else if (r == 0 && kind == PVACREATE_TRUST_ANCHOR)
		fuzz_empty(&order);
	else if (r != -1 || err[0] == '\0' || strlen(err) >= sizeof(err) ||
	    strcmp(err, "out of memory") == 0)
		abort();
	else
		fuzz_empty(&order);
	issue_order_clear(&order);
	fuzz_empty(&order);
	free(d);
	return 0;
}
