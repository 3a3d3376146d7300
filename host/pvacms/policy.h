/*
 * policy.h - what the host requires of an identity before it signs,
 * whatever the authenticator (and any site script behind it) returned.
 * One function, used by the live path (issue.c) and the dry run
 * (dryrun.c), so both say the same thing.
 */
#ifndef PVACMS_POLICY_H
#define PVACMS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "pvacms/authn.h"

struct policy_refusal {
	int http_status;	/* 403, 401 or 500 */
	int verdict;		/* PVACMS_DENY or PVACMS_ERROR */
	const char *code;	/* static: subject_invalid, token_expired, internal */
	char reason[PVACMS_REASON_MAX];
};

/*
 * 0 when r (an ALLOW) may be signed at time now: cn 1..63 bytes, o and ou
 * at most 64, c empty or two capital letters, no control characters, an
 * expiry in the future.  Else -1 with *out filled.
 */
int policy_check_identity(const struct pvacms_authn_result *r, int64_t now,
    struct policy_refusal *out);

#endif
