/*
 * jwt_hooks.c - call the site's Lua hooks (extract_claims,
 * interpret_response) through the host's services table, and hold what
 * they return to the limits the C side always enforces: a script may
 * rename the subject and narrow the validity, never widen it past the
 * token's own window; a script's failure refuses the one request
 * (script_error), its "no" refuses it with its reason (script_denied).
 * The host type-checks the returns and runs the scripts sandboxed; this
 * file trusts neither and checks again what it relies on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jwt_hooks.h"
#include "jwt_pattern.h"
#include "jwt_remote.h"
#include "jwt_status.h"

#define JWT_HOOK_FIELD_MAX 64	/* o and ou, as the host re-checks */

static int	jwt_hooks_text_ok(const char *s, size_t max);
static int	jwt_hooks_status(int verdict);
static int	jwt_hooks_have_code(const struct pvacms_host_services *svc);
static int	jwt_hooks_code(const char *code, char *err, size_t errlen);

int
jwt_hooks_available(const struct pvacms_host_services *svc)
{
	size_t need = offsetof(struct pvacms_host_services,
	    hook_interpret_response) + sizeof(svc->hook_interpret_response);

	if (svc == NULL || PVACMS_AUTHN_ABI_GET_MAJOR(svc->version) !=
	    PVACMS_AUTHN_ABI_MAJOR ||
	    PVACMS_AUTHN_ABI_GET_MINOR(svc->version) < 1 || svc->size < need)
		return 0;
	return svc->hook_load != NULL && svc->hook_extract_claims != NULL &&
	    svc->hook_interpret_response != NULL;
}

void
jwt_hooks_reason(char *err, size_t errlen, const char *hook,
    const char *reason)
{
	char line[PVACMS_REASON_MAX];
	size_t hl = strlen(hook);

	if (reason == NULL || *reason == '\0')
		reason = "no reason given";
	jwt_status_sanitize(line, sizeof(line), reason, sizeof(line) - 1);
	if (strncmp(line, hook, hl) == 0 && line[hl] == ':')
		snprintf(err, errlen, "%s", line);
	else
		snprintf(err, errlen, "%s: %s", hook, line);
}

/* A hook's verdict as a jwt_status. */
static int
jwt_hooks_status(int verdict)
{
	switch (verdict) {
	case PVACMS_ALLOW:
		return JWT_OK;
	case PVACMS_DENY:
		return JWT_SCRIPT_DENIED;
	default:
		return JWT_SCRIPT_ERROR;
	}
}

int
jwt_hooks_judge(const struct pvacms_host_services *svc,
    struct pvacms_hook *hook, const struct jwt_config *cfg,
    const struct pvacms_http_response *resp, char *err, size_t errlen)
{
	const char *headers[2] = { NULL, NULL };
	char reason[PVACMS_REASON_MAX], code[PVACMS_CODE_MAX], *ct = NULL;
	const char *body = resp->body != NULL ? resp->body : "";
	size_t len = resp->body != NULL ? resp->body_len : 0, n;
	long status = resp->status;
	int v;

	if (len > JWT_BODY_MAX) {
		snprintf(err, errlen, "validator error: answer larger than %d"
		    " bytes", JWT_BODY_MAX);
		return JWT_VALIDATOR_ERROR;
	}
	/* The answers that are errors whatever a script would say. */
	if (hook == NULL || status <= 0 || status >= 500 ||
	    (status >= 300 && status < 400) || ((status == 401 ||
	    status == 403) && jwt_remote_has_cred(cfg)))
		return jwt_remote_judge(cfg, status, body, len, err, errlen);

	if (resp->content_type != NULL && *resp->content_type != '\0') {
		n = strlen("Content-Type: ") + strlen(resp->content_type) + 1;
		if ((ct = malloc(n)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return JWT_INTERNAL;
		}
		snprintf(ct, n, "Content-Type: %s", resp->content_type);
		headers[0] = ct;
	}
	reason[0] = code[0] = '\0';
	if (jwt_hooks_have_code(svc))
		v = svc->hook_interpret_response_code(hook, status, body, len,
		    headers, code, sizeof(code), reason, sizeof(reason));
	else
		v = svc->hook_interpret_response(hook, status, body, len,
		    headers, reason, sizeof(reason));
	free(ct);
	reason[sizeof(reason) - 1] = '\0';
	code[sizeof(code) - 1] = '\0';
	if (v == PVACMS_ALLOW) {
		if (status >= 200 && status < 300)
			return JWT_OK;
		snprintf(err, errlen, "validator rejected the token (HTTP %ld;"
		    " " JWT_HOOK_RESPONSE " accepted it, but a non-2xx answer"
		    " is never valid)", status);
		return JWT_REJECTED;
	}
	jwt_hooks_reason(err, errlen, JWT_HOOK_RESPONSE, reason);
	if (v == PVACMS_DENY && code[0] != '\0')
		return jwt_hooks_code(code, err, errlen);
	return jwt_hooks_status(v);
}

/* Whether the host has hook_interpret_response_code (ABI 1.5). */
static int
jwt_hooks_have_code(const struct pvacms_host_services *svc)
{
	return PVACMS_AUTHN_ABI_GET_MINOR(svc->version) >= 5 &&
	    svc->size >= offsetof(struct pvacms_host_services,
	    hook_interpret_response_code) +
	    sizeof(svc->hook_interpret_response_code) &&
	    svc->hook_interpret_response_code != NULL;
}

/*
 * The reason code an interpret_response script gave with false: one of
 * the documented set (pvacms-lua(5)) becomes that outcome; any other is
 * a script error, since a code the plugin does not know cannot be
 * answered honestly.
 */
static int
jwt_hooks_code(const char *code, char *err, size_t errlen)
{
	static const int allowed[] = {
		JWT_REJECTED, JWT_INACTIVE, JWT_EXPIRED, JWT_NOT_YET_VALID,
		JWT_AUDIENCE_MISMATCH, JWT_ISSUER_MISMATCH,
		JWT_TYPE_NOT_ALLOWED, JWT_SUBJECT_INVALID, JWT_SCRIPT_DENIED,
		JWT_VALIDATOR_AUTH, JWT_VALIDATOR_ERROR,
	};
	char safe[PVACMS_CODE_MAX];
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(code, jwt_status_code(allowed[i])) == 0)
			return allowed[i];
	jwt_status_sanitize(safe, sizeof(safe), code, sizeof(safe) - 1);
	snprintf(err, errlen, JWT_HOOK_RESPONSE ": unknown reason code '%s'"
	    " (pvacms-lua(5) lists the codes it may give)", safe);
	return JWT_SCRIPT_ERROR;
}

/* Whether s is at most max bytes without C0 or DEL characters. */
static int
jwt_hooks_text_ok(const char *s, size_t max)
{
	size_t i, len = strnlen(s, PVACMS_NAME_MAX);

	if (len >= PVACMS_NAME_MAX || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
jwt_hooks_merge(const struct pvacms_claims *c, struct jwt_identity *id,
    int *approval, char *err, size_t errlen)
{
	int64_t lo = id->not_before, hi = id->not_after, nb, na;

	if ((c->set & PVACMS_CLAIMS_CN) && (memchr(c->cn, '\0',
	    sizeof(c->cn)) == NULL || !jwt_claims_subject_ok(c->cn))) {
		snprintf(err, errlen, JWT_HOOK_CLAIMS ": field cn: expected 1"
		    " to %d bytes of UTF-8 without control characters",
		    JWT_SUB_MAX);
		return JWT_SCRIPT_ERROR;
	}
	if ((c->set & PVACMS_CLAIMS_O) &&
	    !jwt_hooks_text_ok(c->o, JWT_HOOK_FIELD_MAX)) {
		snprintf(err, errlen, JWT_HOOK_CLAIMS ": field o: expected at"
		    " most %d bytes without control characters",
		    JWT_HOOK_FIELD_MAX);
		return JWT_SCRIPT_ERROR;
	}
	if ((c->set & PVACMS_CLAIMS_OU) &&
	    !jwt_hooks_text_ok(c->ou, JWT_HOOK_FIELD_MAX)) {
		snprintf(err, errlen, JWT_HOOK_CLAIMS ": field ou: expected at"
		    " most %d bytes without control characters",
		    JWT_HOOK_FIELD_MAX);
		return JWT_SCRIPT_ERROR;
	}
	if ((c->set & PVACMS_CLAIMS_C) && c->c[0] != '\0' &&
	    !(c->c[0] >= 'A' && c->c[0] <= 'Z' && c->c[1] >= 'A' &&
	    c->c[1] <= 'Z' && c->c[2] == '\0')) {
		snprintf(err, errlen, JWT_HOOK_CLAIMS ": field c: expected two"
		    " capital letters");
		return JWT_SCRIPT_ERROR;
	}

	/* A script may narrow the token's window, never widen it. */
	nb = lo;
	na = hi;
	if ((c->set & PVACMS_CLAIMS_NOT_BEFORE) && c->not_before > nb)
		nb = c->not_before;
	if ((c->set & PVACMS_CLAIMS_NOT_AFTER) && c->not_after < na)
		na = c->not_after;
	if (nb >= na) {
		snprintf(err, errlen, JWT_HOOK_CLAIMS ": script returned an"
		    " empty validity window");
		return JWT_SCRIPT_ERROR;
	}

	if (c->set & PVACMS_CLAIMS_CN)
		snprintf(id->cn, sizeof(id->cn), "%s", c->cn);
	if (c->set & PVACMS_CLAIMS_O)
		snprintf(id->o, sizeof(id->o), "%s", c->o);
	if (c->set & PVACMS_CLAIMS_OU)
		snprintf(id->ou, sizeof(id->ou), "%s", c->ou);
	if (c->set & PVACMS_CLAIMS_C)
		snprintf(id->c, sizeof(id->c), "%s", c->c);
	id->not_before = nb;
	id->not_after = na;
	if (c->set & PVACMS_CLAIMS_APPROVAL)
		*approval = c->approval != 0;
	/* Administration is the site's explicit grant, never a default. */
	id->admin = (c->set & PVACMS_CLAIMS_ADMIN) != 0 && c->admin != 0;
	return JWT_OK;
}

int
jwt_hooks_claims(const struct pvacms_host_services *svc,
    struct pvacms_hook *hook, const struct jwt_token *t, int usage,
    struct jwt_identity *id, int *approval, char *err, size_t errlen)
{
	struct pvacms_claims *c;
	char reason[PVACMS_REASON_MAX], *hdr = NULL, *cl = NULL;
	int v, rc;

	hdr = json_dumps(t->header, JSON_COMPACT);
	cl = json_dumps(t->claims, JSON_COMPACT);
	/* The claims are large (4 subject buffers): not on the stack. */
	c = calloc(1, sizeof(*c));
	if (hdr == NULL || cl == NULL || c == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = JWT_INTERNAL;
		goto out;
	}
	reason[0] = '\0';
	v = svc->hook_extract_claims(hook, hdr, cl, usage, c, reason,
	    sizeof(reason));
	reason[sizeof(reason) - 1] = '\0';
	if (v != PVACMS_ALLOW) {
		jwt_hooks_reason(err, errlen, JWT_HOOK_CLAIMS, reason);
		rc = jwt_hooks_status(v);
		goto out;
	}
	rc = jwt_hooks_merge(c, id, approval, err, errlen);
out:
	free(hdr);
	free(cl);
	free(c);
	return rc;
}
