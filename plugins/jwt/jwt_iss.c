/*
 * jwt_iss.c - decide whether a token's iss belongs to the trusted
 * validator URI.  The rule is structural (scheme, host, port, whole path
 * segments) rather than a string prefix, so that "http://idp/def" does
 * not trust "http://idp/default/verify" and "http://idp.evil" does not
 * trust "http://idp".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jwt_iss.h"
#include "jwt_status.h"

static void	jwt_iss_deny(const char *iss, const char *trusted_uri,
		    const char *why, char *err, size_t errlen);

static void
jwt_iss_deny(const char *iss, const char *trusted_uri, const char *why,
    char *err, size_t errlen)
{
	char safe[160];

	jwt_status_sanitize(safe, sizeof(safe), iss, 128);
	snprintf(err, errlen, "issuer '%s' is not trusted by %s%s%s", safe,
	    trusted_uri, why != NULL ? ": " : "", why != NULL ? why : "");
}

int
jwt_iss_check(const char *iss, const struct jwt_url *trusted,
    const char *trusted_uri, char *err, size_t errlen)
{
	struct jwt_url u;
	char why[128];

	if (iss == NULL)
		return 0;
	if (jwt_url_parse(iss, 1, &u, why, sizeof(why)) != 0) {
		jwt_iss_deny(iss, trusted_uri, why, err, errlen);
		return -1;
	}
	if (strcmp(u.scheme, trusted->scheme) != 0 ||
	    strcmp(u.host, trusted->host) != 0 || u.port != trusted->port ||
	    !jwt_url_path_covers(u.path, trusted->path)) {
		jwt_iss_deny(iss, trusted_uri, NULL, err, errlen);
		return -1;
	}
	return 0;
}
