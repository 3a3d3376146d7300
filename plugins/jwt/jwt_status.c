/*
 * jwt_status.c - the table that maps the outcome of a JWT check to the
 * plugin ABI (code, verdict, HTTP status), and the one helper that makes
 * untrusted text safe to put into a reason or an audit record.
 */
#include "config.h"

#include <string.h>

#include "pvacms/authn.h"

#include "jwt_status.h"

static const struct {
	const char *code;
	int verdict;
	int http;
} jwt_status_table[] = {
	[JWT_OK] = { "ok", PVACMS_ALLOW, 0 },
	[JWT_MALFORMED] = { "token_malformed", PVACMS_DENY, 401 },
	[JWT_EXPIRED] = { "token_expired", PVACMS_DENY, 401 },
	[JWT_NOT_YET_VALID] = { "token_not_yet_valid", PVACMS_DENY, 401 },
	[JWT_SUBJECT_INVALID] = { "subject_invalid", PVACMS_DENY, 401 },
	[JWT_ISSUER_MISMATCH] = { "issuer_mismatch", PVACMS_DENY, 401 },
	[JWT_REJECTED] = { "token_rejected", PVACMS_DENY, 401 },
	[JWT_VALIDATOR_ERROR] = { "validator_error", PVACMS_ERROR, 502 },
	[JWT_UNREACHABLE] = { "validator_unreachable", PVACMS_ERROR, 503 },
	[JWT_TIMEOUT] = { "validator_timeout", PVACMS_ERROR, 504 },
	[JWT_INTERNAL] = { "internal", PVACMS_ERROR, 500 },
	/*
	 * A hook that fails (error, limit, bad return) refuses the request
	 * like a hook that says no: fail closed, 403, told apart by code.
	 */
	[JWT_SCRIPT_DENIED] = { "script_denied", PVACMS_DENY, 403 },
	[JWT_SCRIPT_ERROR] = { "script_error", PVACMS_DENY, 403 },
	[JWT_ALG_NOT_ALLOWED] = { "alg_not_allowed", PVACMS_DENY, 401 },
	[JWT_KID_UNKNOWN] = { "kid_unknown", PVACMS_DENY, 401 },
	[JWT_BAD_SIGNATURE] = { "bad_signature", PVACMS_DENY, 401 },
	[JWT_AUDIENCE_MISMATCH] = { "audience_mismatch", PVACMS_DENY, 401 },
	[JWT_REPLAY] = { "replay", PVACMS_DENY, 409 },
	/* No key set to check with: like an unreachable validator. */
	[JWT_JWKS_UNREACHABLE] = { "jwks_unreachable", PVACMS_ERROR, 503 },
	/*
	 * A kid we may not look for yet: not a bad token (it may carry a
	 * key published since the last fetch), so a retryable 503.
	 */
	[JWT_JWKS_REFRESH_PENDING] = { "jwks_refresh_pending", PVACMS_ERROR,
	    503 },
	/* A genuine token, but not for this key: policy, not the token. */
	[JWT_KEY_MISMATCH] = { "key_mismatch", PVACMS_DENY, 403 },
	[JWT_INACTIVE] = { "token_inactive", PVACMS_DENY, 401 },
	/* pvacms's own credentials refused: the site's fault, not the user's. */
	[JWT_VALIDATOR_AUTH] = { "validator_auth_failed", PVACMS_ERROR, 502 },
	[JWT_TYPE_NOT_ALLOWED] = { "token_type_not_allowed", PVACMS_DENY,
	    401 },
};

#define JWT_NSTATUS \
	(sizeof(jwt_status_table) / sizeof(jwt_status_table[0]))

const char *
jwt_status_code(int status)
{
	if (status < 0 || (size_t)status >= JWT_NSTATUS)
		status = JWT_INTERNAL;
	return jwt_status_table[status].code;
}

int
jwt_status_verdict(int status)
{
	if (status < 0 || (size_t)status >= JWT_NSTATUS)
		status = JWT_INTERNAL;
	return jwt_status_table[status].verdict;
}

int
jwt_status_http(int status)
{
	if (status < 0 || (size_t)status >= JWT_NSTATUS)
		status = JWT_INTERNAL;
	return jwt_status_table[status].http;
}

void
jwt_status_sanitize(char *dst, size_t dstlen, const char *src, size_t max)
{
	size_t i, n, len;
	int cut = 0;

	if (dstlen == 0)
		return;
	if (src == NULL)
		src = "";
	len = strlen(src);
	if (max > dstlen - 1)
		max = dstlen - 1;
	if (len > max) {
		cut = 1;
		len = max >= 3 ? max - 3 : 0;
	}
	for (i = n = 0; i < len; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (cut)
		while (n < max && n < dstlen - 1)
			dst[n++] = '.';
	dst[n] = '\0';
}
