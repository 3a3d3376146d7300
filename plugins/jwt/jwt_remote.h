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
#define JWT_EXCERPT_MAX 160	/* bytes of a validator's answer in a reason */

struct jwt_cred;

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
 * Send a prepared request to a validator or introspection endpoint,
 * presenting keychain (a PKCS#12 path, or NULL) for mutual TLS through
 * the host's http_fetch_tls (ABI 1.5).  token[0..toklen) is only used to
 * keep it out of err.  Returns JWT_OK with *resp filled (release with
 * svc->http_free; any status), or JWT_UNREACHABLE, JWT_TIMEOUT,
 * JWT_VALIDATOR_ERROR (an answer over req->max_response) or
 * JWT_INTERNAL with *resp empty and a one-line reason in err.
 */
int jwt_remote_call(const struct pvacms_host_services *svc,
    const struct pvacms_http_request *req, const char *keychain,
    const char *token, size_t toklen, struct pvacms_http_response *resp,
    char *err, size_t errlen);

/*
 * A capped, cleaned excerpt of a validator's answer for a reason or a
 * log line: at most JWT_EXCERPT_MAX bytes on one line, printable ASCII
 * only, the token cut out should the answer echo it.
 */
void jwt_remote_excerpt(char *dst, size_t dstlen, const char *body,
    size_t len, const char *token, size_t toklen);

/* Whether cfg->cred holds a credential pvacms presents. */
int jwt_remote_has_cred(const struct jwt_config *cfg);

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
 * Judge an answer: JWT_OK, JWT_VALIDATOR_AUTH (401 or 403 when pvacms
 * presented a credential: its own was refused), JWT_REJECTED (other
 * 4xx, non-200 with use_response_code, pattern says no) or
 * JWT_VALIDATOR_ERROR (5xx, redirects, no status), with a reason in err.
 */
int jwt_remote_judge(const struct jwt_config *cfg, long status,
    const char *body, size_t len, char *err, size_t errlen);

#endif
