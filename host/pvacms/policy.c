/*
 * policy.c - the host's own checks on an identity a plugin allowed.  A
 * plugin can only name an identity; these limits it cannot widen.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

/* "" or why a subject field is unacceptable. */
static const char *
policy_name_problem(const char *value, size_t max, int required)
{
	const unsigned char *p;
	size_t len = strlen(value);

	if (len == 0)
		return required ? "is empty" : "";
	if (len > max)
		return max == 63 ? "is longer than 63 bytes" :
		    "is longer than 64 bytes";
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "holds a control character";
	return "";
}

static int
policy_refuse(struct policy_refusal *out, int http_status, int verdict,
    const char *code, const char *reason)
{
	out->http_status = http_status;
	out->verdict = verdict;
	out->code = code;
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
	return -1;
}

int
policy_check_identity(const struct pvacms_authn_result *r, int64_t now,
    struct policy_refusal *out)
{
	char reason[PVACMS_REASON_MAX];
	const char *why;

	if (*(why = policy_name_problem(r->cn, 63, 1)) != '\0') {
		snprintf(reason, sizeof(reason), "subject common name %s",
		    why);
		return policy_refuse(out, 403, PVACMS_DENY, "subject_invalid",
		    reason);
	}
	if (*(why = policy_name_problem(r->o, 64, 0)) != '\0' ||
	    *(why = policy_name_problem(r->ou, 64, 0)) != '\0') {
		snprintf(reason, sizeof(reason), "subject organization %s",
		    why);
		return policy_refuse(out, 403, PVACMS_DENY, "subject_invalid",
		    reason);
	}
	if (r->c[0] != '\0' && (strlen(r->c) != 2 ||
	    !isupper((unsigned char)r->c[0]) ||
	    !isupper((unsigned char)r->c[1])))
		return policy_refuse(out, 403, PVACMS_DENY, "subject_invalid",
		    "subject country must be two capital letters");
	if (r->not_after <= 0)
		return policy_refuse(out, 500, PVACMS_ERROR, "internal",
		    "authenticator gave no expiry time");
	if (r->not_after <= now)
		return policy_refuse(out, 401, PVACMS_DENY, "token_expired",
		    "the certificate would already be expired");
	return 0;
}
