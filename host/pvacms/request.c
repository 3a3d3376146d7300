/*
 * request.c - read the JSON body of a certificate request (DESIGN §4,
 * POST /v1/certs) into a struct cert_request.  Strict: one JSON object
 * without duplicate members, string type, usage and csr, an object data
 * holding a non-empty string token of at most REQUEST_MAX_TOKEN bytes.
 * The checks run in a fixed order so that a request with several faults
 * always gets the same answer.  No daemon state is touched, so the
 * function is fuzzed as it is (tests/fuzz/fuzz_request.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cert.h"
#include "request.h"

static int	request_type(const char *type, const char *const *types,
		    struct cert_request *out, char *err, size_t errlen);
static char	*request_dup(const char *s, size_t *lenp);
static void	request_wipe(char *p, size_t len);

/* Match type against the loaded types; fills out->type and type_index. */
static int
request_type(const char *type, const char *const *types,
    struct cert_request *out, char *err, size_t errlen)
{
	size_t i;

	out->type_index = -1;
	if (strlen(type) <= REQUEST_TYPE_MAX) {
		if (types == NULL) {
			snprintf(out->type, sizeof(out->type), "%s", type);
			return 0;
		}
		for (i = 0; types[i] != NULL; i++)
			if (strcmp(types[i], type) == 0) {
				out->type_index = (int)i;
				snprintf(out->type, sizeof(out->type), "%s",
				    type);
				return 0;
			}
	}
	snprintf(err, errlen, "no authenticator of type '%.32s' is loaded",
	    type);
	return -1;
}

/*
 * A copy of s up to its first NUL (a JSON string may hold "\u0000"), or
 * NULL when out of memory.  The caller frees it.
 */
static char *
request_dup(const char *s, size_t *lenp)
{
	size_t len = strlen(s);
	char *p;

	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len + 1);
	*lenp = len;
	return p;
}

/* Overwrite a secret in a way the compiler may not drop. */
static void
request_wipe(char *p, size_t len)
{
	volatile char *v = p;

	while (len-- > 0)
		*v++ = '\0';
}

int
request_parse(const char *body, size_t len, const char *const *types,
    struct cert_request *out, char *err, size_t errlen)
{
	const char *type, *usage, *csr, *token;
	json_t *root = NULL, *data;
	json_error_t jerr;
	int r = REQUEST_BAD;

	memset(out, 0, sizeof(*out));
	out->type_index = -1;
	if (body == NULL)
		len = 0;
	if (len > REQUEST_MAX_BODY) {
		snprintf(err, errlen, "request body larger than %d bytes",
		    REQUEST_MAX_BODY);
		return REQUEST_TOO_LARGE;
	}
	root = json_loadb(body != NULL ? body : "", len,
	    JSON_REJECT_DUPLICATES, &jerr);
	/*
	 * jansson's jerr.text quotes the text near the error, which may be
	 * part of a token: name only the place.
	 */
	if (root == NULL) {
		snprintf(err, errlen, "request body is not valid JSON (%s at"
		    " byte %d)", json_error_code(&jerr) ==
		    json_error_duplicate_key ? "duplicate member" :
		    "syntax error", jerr.position);
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "request body is not a JSON object");
		goto out;
	}
	type = json_string_value(json_object_get(root, "type"));
	usage = json_string_value(json_object_get(root, "usage"));
	csr = json_string_value(json_object_get(root, "csr"));
	data = json_object_get(root, "data");
	if (type == NULL || usage == NULL || csr == NULL ||
	    !json_is_object(data)) {
		snprintf(err, errlen, "request needs string fields type, "
		    "usage, csr and an object data");
		goto out;
	}
	out->usage = cert_usage_of(usage);
	if (!cert_usage_requestable(out->usage)) {
		snprintf(err, errlen, "usage must be client, server or ioc");
		goto out;
	}
	if (request_type(type, types, out, err, errlen) != 0)
		goto out;
	if (json_object_get(root, "no_status") != NULL) {
		if (!json_is_boolean(json_object_get(root, "no_status"))) {
			snprintf(err, errlen, "no_status must be true or "
			    "false");
			goto out;
		}
		out->no_status = json_is_true(json_object_get(root,
		    "no_status"));
	}
	token = json_string_value(json_object_get(data, "token"));
	if (token == NULL || *token == '\0') {
		snprintf(err, errlen, "data.token must be a non-empty string");
		goto out;
	}
	if (strlen(token) > REQUEST_MAX_TOKEN) {
		snprintf(err, errlen, "token larger than %d bytes",
		    REQUEST_MAX_TOKEN);
		r = REQUEST_TOO_LARGE;
		goto out;
	}
	if ((out->csr = request_dup(csr, &out->csr_len)) == NULL ||
	    (out->token = request_dup(token, &out->token_len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		r = REQUEST_NOMEM;
		goto out;
	}
	r = REQUEST_OK;
out:
	json_decref(root);
	if (r != REQUEST_OK)
		request_clear(out);
	return r;
}

void
request_clear(struct cert_request *req)
{
	if (req == NULL)
		return;
	if (req->token != NULL) {
		request_wipe(req->token, req->token_len);
		free(req->token);
	}
	free(req->csr);
	memset(req, 0, sizeof(*req));
	req->type_index = -1;
}
