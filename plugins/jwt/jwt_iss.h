/*
 * jwt_iss.h - the issuer rule of the jwt plugin (DESIGN §7): a token's
 * iss must name the trusted validator URI's own issuer.
 */
#ifndef PVACMS_JWT_ISS_H
#define PVACMS_JWT_ISS_H

#include <stddef.h>

#include "jwt_url.h"

/*
 * Check iss against the parsed trusted URI: same scheme and host (case-
 * insensitive), same effective port, and the iss path a whole-segment
 * prefix of the trusted path.  iss is parsed strictly (no '%', '?',
 * userinfo, ...).  A NULL iss is accepted: the token is then checked
 * against the trusted URI itself.  Returns 0 when trusted, or -1 with
 * "issuer '<iss>' is not trusted by <uri>" (iss sanitized) in err; the
 * caller reports code issuer_mismatch.
 */
int jwt_iss_check(const char *iss, const struct jwt_url *trusted,
    const char *trusted_uri, char *err, size_t errlen);

#endif
