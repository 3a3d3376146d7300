/*
 * fuzz_request.c - libFuzzer target for the certificate request body
 * parser (host/pvacms/request.c): any bytes go in as the body of
 * POST /v1/certs.  Checks that a success carries a usage of the three,
 * a loaded type, a terminated CSR and a non-empty token within the cap,
 * and that every failure leaves the request empty with a reason.
 * Replayed over tests/fuzz/corpus/request in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "jwt", "krb", NULL };
	struct cert_request req;
	char err[256], *body;
	int r;

	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((body = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(body, data, size);

	err[0] = '\0';
	r = request_parse(body, size, types, &req, err, sizeof(err));
	if (r == REQUEST_OK) {
		if (req.type_index < 0 || req.type_index > 1 ||
		    strcmp(req.type, types[req.type_index]) != 0 ||
		    !cert_usage_requestable(req.usage) ||
		    req.csr == NULL || strlen(req.csr) != req.csr_len ||
		    req.token == NULL || req.token_len == 0 ||
		    req.token_len > REQUEST_MAX_TOKEN ||
		    strlen(req.token) != req.token_len)
			abort();
	} else {
		if (r != REQUEST_BAD && r != REQUEST_TOO_LARGE &&
		    r != REQUEST_NOMEM)
			abort();
		if (req.csr != NULL || req.token != NULL ||
		    memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			abort();
	}
	request_clear(&req);
	request_clear(&req);	/* twice is harmless */

	/* The same body with any type accepted. */
	r = request_parse(body, size, NULL, &req, err, sizeof(err));
	if (r == REQUEST_OK && (req.type_index != -1 || req.token == NULL))
		abort();
	request_clear(&req);
	free(body);
	return 0;
}
