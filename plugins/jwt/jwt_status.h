/*
 * jwt_status.h - the outcomes of checking a JWT, and what each one means
 * to the host: a stable machine code, a verdict and an HTTP status.
 * Every check in the jwt plugin returns one of these, so that the
 * mapping to the plugin ABI lives in one table (jwt_status.c).
 */
#ifndef PVACMS_JWT_STATUS_H
#define PVACMS_JWT_STATUS_H

#include <stddef.h>

enum jwt_status {
	JWT_OK = 0,
	JWT_MALFORMED,		/* token_malformed */
	JWT_EXPIRED,		/* token_expired */
	JWT_NOT_YET_VALID,	/* token_not_yet_valid */
	JWT_SUBJECT_INVALID,	/* subject_invalid */
	JWT_ISSUER_MISMATCH,	/* issuer_mismatch */
	JWT_REJECTED,		/* token_rejected: the validator said no */
	JWT_VALIDATOR_ERROR,	/* validator_error */
	JWT_UNREACHABLE,	/* validator_unreachable */
	JWT_TIMEOUT,		/* validator_timeout */
	JWT_INTERNAL,		/* internal */
	JWT_SCRIPT_DENIED,	/* script_denied: a site hook said no */
	JWT_SCRIPT_ERROR,	/* script_error: a hook failed or lied */
	/* Local verification (issue #4). */
	JWT_ALG_NOT_ALLOWED,	/* alg_not_allowed */
	JWT_KID_UNKNOWN,	/* kid_unknown */
	JWT_BAD_SIGNATURE,	/* bad_signature */
	JWT_AUDIENCE_MISMATCH,	/* audience_mismatch */
	JWT_REPLAY,		/* replay: a jti seen before */
	JWT_JWKS_UNREACHABLE,	/* jwks_unreachable: no usable key set */
	/*
	 * jwks_refresh_pending: the kid is not in the keys held and the
	 * unknown-kid cooldown forbids a refetch now; retry later (503).
	 */
	JWT_JWKS_REFRESH_PENDING,
	/*
	 * key_mismatch: the token is bound (cnf, RFC 7800) to another key
	 * than the one to certify, or in a way pvacms cannot check.
	 */
	JWT_KEY_MISMATCH,
	/* token_inactive: the introspection endpoint says active false. */
	JWT_INACTIVE,
	/*
	 * validator_auth_failed: the validator or introspection endpoint
	 * refused pvacms's own credentials (401/403): the site's problem.
	 */
	JWT_VALIDATOR_AUTH,
	/* token_type_not_allowed: typ is not in EPICS_AUTH_JWT_TYPES. */
	JWT_TYPE_NOT_ALLOWED
};

/* The stable machine code, e.g. "token_expired". */
const char *jwt_status_code(int status);

/* The pvacms_verdict: PVACMS_ALLOW, PVACMS_DENY or PVACMS_ERROR. */
int jwt_status_verdict(int status);

/*
 * The honest HTTP status for the answer: 401, 403, 409, 502, 503, 504,
 * 500.
 */
int jwt_status_http(int status);

/*
 * Copy untrusted text (a claim, a validator's answer) into dst for a
 * reason or an audit field: bytes outside printable ASCII become '?',
 * and text longer than max bytes is cut and ends in "...".  dst is
 * always NUL-terminated when dstlen > 0.
 */
void jwt_status_sanitize(char *dst, size_t dstlen, const char *src,
    size_t max);

#endif
