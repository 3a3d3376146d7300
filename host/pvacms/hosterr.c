/*
 * hosterr.c - the table from the daemon's error codes to HTTP statuses
 * and machine codes.  The machine codes are part of the HTTP API
 * (pvacms(8) lists them); keep them stable.
 */
#include "config.h"

#include <stddef.h>

#include "hosterr.h"

static const struct {
	int status;
	const char *code;
	const char *str;
} hosterr_table[] = {
	[-HOSTERR_OK] = { 200, "ok", "success" },
	[-HOSTERR_NOMEM] = { 500, "internal", "out of memory" },
	[-HOSTERR_INTERNAL] = { 500, "internal", "internal error" },
	[-HOSTERR_MALFORMED] = { 400, "bad_request", "malformed request" },
	[-HOSTERR_TOO_LARGE] = { 413, "too_large", "request too large" },
	[-HOSTERR_NOT_FOUND] = { 404, "not_found", "not found" },
	[-HOSTERR_METHOD] = { 405, "method_not_allowed",
	    "method not allowed" },
	[-HOSTERR_HTTPS_REQUIRED] = { 403, "https_required",
	    "served on the HTTPS listener only" },
	[-HOSTERR_FORBIDDEN] = { 403, "forbidden", "forbidden" },
	[-HOSTERR_POLICY] = { 403, "policy_denied", "refused by policy" },
	[-HOSTERR_TRANSITION] = { 409, "invalid_transition",
	    "not allowed from the certificate's state" },
	[-HOSTERR_REPLAY] = { 409, "replay", "credential already used" },
	[-HOSTERR_CRYPTO] = { 500, "crypto_error",
	    "cryptographic operation failed" },
	[-HOSTERR_DB] = { 500, "database_error", "database error" },
	[-HOSTERR_BUSY] = { 503, "busy", "busy; try again" },
	[-HOSTERR_STOPPING] = { 503, "stopping", "shutting down" },
	[-HOSTERR_AUDIT] = { 500, "audit_error",
	    "cannot write the audit log" },
};

static int
hosterr_index(int code)
{
	if (code > 0 || code < HOSTERR_LAST)
		return -HOSTERR_INTERNAL;
	return -code;
}

int
hosterr_status(int code)
{
	return hosterr_table[hosterr_index(code)].status;
}

const char *
hosterr_code(int code)
{
	return hosterr_table[hosterr_index(code)].code;
}

const char *
hosterr_str(int code)
{
	return hosterr_table[hosterr_index(code)].str;
}
