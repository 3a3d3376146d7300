/*
 * jwt_introspect.c - RFC 7662 introspection: one POST of
 * "token=...&token_type_hint=access_token" with pvacms's own client
 * authentication, and a strict reading of the answer.  RFC 7662 §2.2
 * makes "active" the only required member, and a literal JSON true the
 * only yes; §2.3 answers a caller it does not accept with 401.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_introspect.h"
#include "jwt_remote.h"
#include "jwt_status.h"

#define JWT_INTROSPECT_BODY_MAX (64 * 1024)

int
jwt_introspect_is_jwt(const char *tok, size_t len)
{
	const char *d1, *d2;

	if ((d1 = memchr(tok, '.', len)) == NULL || d1 == tok)
		return 0;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok));
	return d2 != NULL && d2 > d1 + 1 && d2 + 1 < tok + len &&
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)) == NULL;
}

/* The request body: the token form-encoded, then the credential's part. */
static char *
jwt_introspect_body(const char *token, size_t toklen, const char *cform)
{
	static const char hint[] = "&token_type_hint=access_token";
	char *tokpart, *body;
	size_t n;

	if ((tokpart = jwt_remote_format("token=#token#", token, toklen, NULL,
	    1)) == NULL)
		return NULL;
	n = strlen(tokpart) + sizeof(hint) + (cform != NULL ?
	    strlen(cform) + 1 : 0);
	if ((body = malloc(n)) != NULL)
		snprintf(body, n, "%s%s%s%s", tokpart, hint,
		    cform != NULL ? "&" : "", cform != NULL ? cform : "");
	jwt_cred_wipe(tokpart);
	return body;
}

int
jwt_introspect_call(const struct pvacms_host_services *svc, const char *url,
    const struct jwt_cred *cred, long timeout_ms, const char *token,
    size_t toklen, json_t **answer, char *err, size_t errlen)
{
	struct pvacms_http_request req;
	struct pvacms_http_response resp;
	const char *headers[4];
	char *cauth = NULL, *cform = NULL, *body = NULL;
	char excerpt[JWT_EXCERPT_MAX + 8], desc[128];
	json_t *doc = NULL, *active;
	json_error_t jerr;
	size_t nh = 0;
	int rc;

	*answer = NULL;
	if (jwt_cred_request(cred, &cauth, &cform) != 0 ||
	    (body = jwt_introspect_body(token, toklen, cform)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = JWT_INTERNAL;
		goto out;
	}
	headers[nh++] = "Accept: application/json";
	headers[nh++] = "Content-Type: application/x-www-form-urlencoded";
	if (cauth != NULL)
		headers[nh++] = cauth;
	headers[nh] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = timeout_ms;
	req.max_response = JWT_INTROSPECT_BODY_MAX;
	if ((rc = jwt_remote_call(svc, &req, cred != NULL ? cred->keychain :
	    NULL, token, toklen, &resp, err, errlen)) != JWT_OK) {
		/* jwt_remote_call says "validator"; this one introspects. */
		goto out;
	}
	jwt_remote_excerpt(excerpt, sizeof(excerpt), resp.body,
	    resp.body_len, token, toklen);
	if (resp.status == 401 || resp.status == 403) {
		snprintf(err, errlen, "introspection endpoint refused pvacms's"
		    " own credentials (HTTP %ld%s): '%s'", resp.status,
		    cred == NULL || (cred->client_id == NULL &&
		    cred->bearer == NULL) ? "; none are configured, see"
		    " EPICS_AUTH_JWT_CLIENT_ID" : "", excerpt);
		rc = JWT_VALIDATOR_AUTH;
	} else if (resp.status != 200) {
		snprintf(err, errlen, "introspection endpoint error: HTTP %ld:"
		    " '%s'", resp.status, excerpt);
		rc = JWT_VALIDATOR_ERROR;
	} else if ((doc = json_loadb(resp.body != NULL ? resp.body : "",
	    resp.body_len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(doc)) {
		snprintf(err, errlen, "introspection endpoint error: its answer"
		    " is not a JSON object: '%s'", excerpt);
		rc = JWT_VALIDATOR_ERROR;
	} else if (!json_is_boolean(active = json_object_get(doc,
	    "active"))) {
		snprintf(err, errlen, "introspection endpoint error: its answer"
		    " has no boolean active: '%s'", excerpt);
		rc = JWT_VALIDATOR_ERROR;
	} else if (!json_is_true(active)) {
		jwt_status_sanitize(desc, sizeof(desc), json_string_value(
		    json_object_get(doc, "error_description")), 100);
		snprintf(err, errlen, "token is not active (introspection"
		    " answered active false%s%s)", desc[0] != '\0' ? ": " : "",
		    desc);
		rc = JWT_INACTIVE;
	} else {
		*answer = doc;
		doc = NULL;
		rc = JWT_OK;
	}
	svc->http_free(&resp);
out:
	json_decref(doc);
	jwt_cred_wipe(cauth);
	jwt_cred_wipe(cform);
	jwt_cred_wipe(body);
	return rc;
}

int
jwt_introspect_token(json_t *answer, struct jwt_token *t, char *err,
    size_t errlen)
{
	static const char *const names[] = { "sub", "username", "client_id" };
	char why[PVACMS_REASON_MAX - 64];
	size_t i;

	memset(t, 0, sizeof(*t));
	if ((t->header = json_object()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return JWT_INTERNAL;
	}
	t->claims = json_incref(answer);
	if (jwt_token_claims(t, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "introspection answer: %s", why);
		jwt_token_free(t);
		return JWT_VALIDATOR_ERROR;
	}
	/* RFC 7662 §2.2: sub, else the human username, else the client. */
	t->sub = NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *v = json_object_get(answer, names[i]);

		if (v == NULL)
			continue;
		if (!json_is_string(v)) {
			snprintf(err, errlen, "introspection answer: %s is not"
			    " a string", names[i]);
			jwt_token_free(t);
			return JWT_VALIDATOR_ERROR;
		}
		t->sub = json_string_value(v);
		break;
	}
	return JWT_OK;
}
