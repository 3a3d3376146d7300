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
#include <strings.h>

#include "jwt_claims.h"
#include "jwt_config.h"
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

/*
 * An introspection answer's token_type (RFC 7662 §2.2; may be NULL):
 * absent, or an access token's type (bearer, DPoP, access_token).
 * Returns 1, or 0 with a reason in why.
 */
static int
jwt_introspect_access_type(json_t *type, char *why, size_t whylen)
{
	static const char *const ok[] = { "bearer", "dpop", "access_token",
	    "urn:ietf:params:oauth:token-type:access_token" };
	const char *t = json_string_value(type);
	char safe[64];
	size_t i;

	if (type == NULL)
		return 1;
	for (i = 0; t != NULL && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasecmp(t, ok[i]) == 0)
			return 1;
	jwt_status_sanitize(safe, sizeof(safe), t != NULL ? t : "(not a"
	    " string)", 40);
	snprintf(why, whylen, "introspection says the token is of type '%s',"
	    " not an access token", safe);
	return 0;
}

int
jwt_introspect_step(const struct pvacms_host_services *svc,
    const struct jwt_config *cfg, const struct jwt_cred *cred, size_t ipick,
    const char *p, size_t len, int is_jwt, int offline,
    const struct pvacms_http_response *saved, struct jwt_token *tok,
    char *why, size_t whylen)
{
	json_t *answer = NULL;
	json_error_t jerr;
	const char *said, *sub;
	int status;

	if (offline && saved == NULL) {
		if (!is_jwt) {
			snprintf(why, whylen, "an opaque token can be judged"
			    " only with its introspection answer (--response)");
			return JWT_MALFORMED;
		}
		snprintf(why, whylen, "introspection skipped: no --response"
		    " given");
		return JWT_OK;
	}
	if (offline) {
		answer = json_loadb(saved->body != NULL ? saved->body : "",
		    saved->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (answer == NULL || !json_is_object(answer) ||
		    !json_is_boolean(json_object_get(answer, "active"))) {
			json_decref(answer);
			snprintf(why, whylen, "introspection answer is not a"
			    " JSON object with a boolean active");
			return JWT_VALIDATOR_ERROR;
		}
		if (!json_is_true(json_object_get(answer, "active"))) {
			json_decref(answer);
			snprintf(why, whylen, "token is not active");
			return JWT_INACTIVE;
		}
	} else if ((status = jwt_introspect_call(svc,
	    cfg->introspect_uris[ipick], cred, cfg->timeout_ms, p, len,
	    &answer, why, whylen)) != JWT_OK)
		return status;
	/*
	 * Some endpoints answer active for a refresh token too (the hint
	 * says access_token, but RFC 7662 lets them look further): only an
	 * access token is a credential for a certificate.
	 */
	if (!jwt_introspect_access_type(json_object_get(answer, "token_type"),
	    why, whylen)) {
		json_decref(answer);
		return JWT_TYPE_NOT_ALLOWED;
	}
	said = json_string_value(json_object_get(answer, "iss"));
	if (json_object_get(answer, "iss") != NULL && (said == NULL ||
	    strcmp(said, cfg->issuers[ipick]) != 0)) {
		json_decref(answer);
		snprintf(why, whylen, "introspection answer names another"
		    " issuer than %s", cfg->issuers[ipick]);
		return JWT_ISSUER_MISMATCH;
	}
	if (!is_jwt) {
		status = jwt_introspect_token(answer, tok, why, whylen);
		json_decref(answer);
		if (status != JWT_OK)
			return status;
	} else {
		sub = json_string_value(json_object_get(answer, "sub"));
		if (sub != NULL && tok->sub != NULL &&
		    strcmp(sub, tok->sub) != 0) {
			json_decref(answer);
			snprintf(why, whylen, "introspection answer names another"
			    " subject than the token");
			return JWT_VALIDATOR_ERROR;
		}
		json_decref(answer);
	}
	if (!jwt_claims_aud_ok(cfg->audiences, cfg->naudiences, tok->aud)) {
		snprintf(why, whylen, tok->aud == NULL ? "token has no aud" :
		    "token aud names none of EPICS_AUTH_JWT_AUDIENCE");
		return JWT_AUDIENCE_MISMATCH;
	}
	snprintf(why, whylen, "introspection: active");
	return JWT_OK;
}

int
jwt_introspect_opaque_ok(const char *p, size_t len, char *why,
    size_t whylen)
{
	size_t i;

	if (len == 0 || len > JWT_TOKEN_MAX) {
		snprintf(why, whylen, len == 0 ? "token is empty" :
		    "token is longer than %d bytes", JWT_TOKEN_MAX);
		return JWT_MALFORMED;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f) {
			snprintf(why, whylen, "opaque token holds a byte that"
			    " is not printable ASCII");
			return JWT_MALFORMED;
		}
	return JWT_OK;
}
