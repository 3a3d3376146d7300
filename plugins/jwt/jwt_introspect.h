/*
 * jwt_introspect.h - RFC 7662 token introspection as a mode of its own
 * (EPICS_AUTH_JWT_MODE=introspect): pvacms POSTs the token to the
 * issuer's introspection endpoint with its own client credentials, and
 * "active" decides.  For an opaque token the answer is also the identity:
 * sub, else username, else client_id; exp, nbf, iss and aud are checked
 * as for a JWT.  Every answer that is not a clear yes or no is the
 * site's problem (5xx codes), never the user's.
 */
#ifndef PVACMS_JWT_INTROSPECT_H
#define PVACMS_JWT_INTROSPECT_H

#include <stddef.h>

#include <jansson.h>

#include "pvacms/authn.h"

#include "jwt_cred.h"
#include "jwt_token.h"

/*
 * Ask url about token[0..toklen), presenting cred (may be NULL).
 * Returns JWT_OK with *answer the decoded answer (an object whose
 * "active" is true; release with json_decref), or with *answer NULL:
 *   JWT_INACTIVE		active is false (with error_description,
 *				when the answer gave one, in err)
 *   JWT_VALIDATOR_AUTH		HTTP 401 or 403: pvacms's credentials
 *   JWT_VALIDATOR_ERROR	another status, not JSON, no boolean
 *				active, an answer too large
 *   JWT_UNREACHABLE, JWT_TIMEOUT, JWT_INTERNAL
 * The reason in err names the endpoint's status and, for errors, a
 * capped and cleaned excerpt of its answer; never the token.
 */
int jwt_introspect_call(const struct pvacms_host_services *svc,
    const char *url, const struct jwt_cred *cred, long timeout_ms,
    const char *token, size_t toklen, json_t **answer, char *err,
    size_t errlen);

/*
 * Make *t describe an opaque token from its introspection answer: an
 * empty header, the answer as its claims (a new reference), sub from
 * sub, else username, else client_id; iss, jti, aud, exp, nbf, iat as
 * in a JWT.  Returns JWT_OK (release *t with jwt_token_free), or
 * JWT_VALIDATOR_ERROR with a reason when a member has the wrong type.
 */
int jwt_introspect_token(json_t *answer, struct jwt_token *t, char *err,
    size_t errlen);

/*
 * Whether tok[0..len) looks like a compact JWS (two dots, three
 * non-empty parts); anything else is treated as an opaque token.
 */
int jwt_introspect_is_jwt(const char *tok, size_t len);

struct jwt_config;

/*
 * The introspection step of a request in introspect mode: ask issuer
 * ipick's endpoint (cfg->introspect_uris[ipick], presenting cred) about
 * p[0..len); offline, judge the saved answer instead, or skip for a JWT.
 * For an opaque token (is_jwt 0) *tok is made from the answer; for a JWT
 * the answer must name the same subject.  Then the answer's token_type
 * (an access token's), iss (the issuer's) and the token's aud
 * (cfg->audiences) are checked.  Returns JWT_OK, or a jwt_status with
 * the reason in why; on JWT_OK offline, why says what became of it.
 */
int jwt_introspect_step(const struct pvacms_host_services *svc,
    const struct jwt_config *cfg, const struct jwt_cred *cred, size_t ipick,
    const char *p, size_t len, int is_jwt, int offline,
    const struct pvacms_http_response *saved, struct jwt_token *tok,
    char *why, size_t whylen);

/*
 * An opaque token: 1..JWT_TOKEN_MAX bytes of printable ASCII without
 * spaces.  Returns JWT_OK, or JWT_MALFORMED with a reason in why.
 */
int jwt_introspect_opaque_ok(const char *p, size_t len, char *why,
    size_t whylen);

#endif
