/*
 * jwt_url.h - a deliberately small parser for the http(s) URLs the jwt
 * plugin has to reason about: the trusted validator URI and a token's
 * iss claim.  It understands scheme://host[:port][/path][?query], lower-
 * cases scheme and host, strips IPv6 brackets, fills in the default port
 * and refuses everything that could make two URLs look alike while
 * meaning different things: userinfo, fragments, backslashes, white
 * space, control or non-ASCII bytes, "." and ".." segments, empty
 * segments, and (strict mode) percent-escapes and queries.
 */
#ifndef PVACMS_JWT_URL_H
#define PVACMS_JWT_URL_H

#include <stddef.h>

#define JWT_URL_MAX 2048

struct jwt_url {
	char scheme[8];			/* "http" or "https" */
	char host[256];			/* lower case, no IPv6 brackets */
	int ipv6;			/* host was a bracketed literal */
	unsigned int port;		/* effective port: explicit or 80/443 */
	char path[JWT_URL_MAX + 1];	/* "/" when the URL had none */
	int has_query;			/* a '?' followed the path */
};

/*
 * Parse url into *u.  With strict set, '%' and '?' are refused too (for
 * iss).  Returns 0, or -1 with a one-line reason in err that does not
 * quote the URL.
 */
int jwt_url_parse(const char *url, int strict, struct jwt_url *u,
    char *err, size_t errlen);

/*
 * Whether prefix is a whole-segment prefix of path: "/a" covers "/a" and
 * "/a/b" but not "/ab"; a trailing '/' on prefix is ignored; "/" covers
 * everything.  Returns 1 or 0.
 */
int jwt_url_path_covers(const char *prefix, const char *path);

/*
 * Copy s[0..len) into out (or only measure, with out NULL), with encode
 * set percent-encoding every byte but RFC 3986's unreserved ones, as
 * URL queries and forms (RFC 6749 §2.3.1) want.  No NUL is added.
 * Returns the length written (or needed).
 */
size_t jwt_url_encode(char *out, const char *s, size_t len, int encode);

#endif
