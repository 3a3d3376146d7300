/*
 * jwt_remote.h - ask the trusted validator about a token, through the
 * host's http_fetch, and judge its answer (DESIGN §7).
 */
#ifndef PVACMS_JWT_REMOTE_H
#define PVACMS_JWT_REMOTE_H

#include <stddef.h>

#include "pvacms/authn.h"

#include "jwt_config.h"

#define JWT_KID_MAX 128

/*
 * Call the validator for token[0..toklen) (already parsed, so made of
 * base64url characters and dots) with kid from its header (or NULL), and
 * judge the answer.  Returns JWT_OK when the validator accepts the token,
 * else a jwt_status with a one-line reason in err that never holds the
 * token: JWT_REJECTED, JWT_VALIDATOR_ERROR, JWT_UNREACHABLE, JWT_TIMEOUT,
 * JWT_MALFORMED (unsafe kid) or JWT_INTERNAL.
 */
int jwt_remote_verify(const struct pvacms_host_services *svc,
    const struct jwt_config *cfg, const char *token, size_t toklen,
    const char *kid, char *err, size_t errlen);

/*
 * The first half of jwt_remote_verify: build and send the request.
 * Returns JWT_OK with *resp filled (release it with svc->http_free), or
 * a jwt_status as above with *resp empty and a reason in err.  The
 * answer is not judged: a 500 is JWT_OK here.
 */
int jwt_remote_fetch(const struct pvacms_host_services *svc,
    const struct jwt_config *cfg, const char *token, size_t toklen,
    const char *kid, struct pvacms_http_response *resp, char *err,
    size_t errlen);

/*
 * Substitute #token# and #kid# in fmt; with urlencode set, the
 * substituted values are percent-encoded (RFC 3986 unreserved kept).
 * Returns a string the caller frees, or NULL on allocation failure.
 */
char *jwt_remote_format(const char *fmt, const char *token, size_t toklen,
    const char *kid, int urlencode);

/* Whether kid is 1..128 bytes of A-Z a-z 0-9 . _ : - */
int jwt_remote_kid_ok(const char *kid);

/*
 * Build the request for cfg: *url (GET: trusted URI plus query; POST:
 * the trusted URI) and *body (POST only, else NULL), both for the
 * caller to free, and the Content-Type in *ctype (static): a POST
 * format "name=..." is a form, its values url-encoded.  Returns 0,
 * or -1 on allocation failure.
 */
int jwt_remote_build(const struct jwt_config *cfg, const char *token,
    size_t toklen, const char *kid, char **url, char **body,
    const char **ctype);

/*
 * Judge an answer: JWT_OK, JWT_REJECTED (4xx, non-200 with
 * use_response_code, pattern says no) or JWT_VALIDATOR_ERROR (5xx,
 * redirects, no status), with a reason in err.
 */
int jwt_remote_judge(const struct jwt_config *cfg, long status,
    const char *body, size_t len, char *err, size_t errlen);

#endif
