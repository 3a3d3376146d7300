/*
 * jwt_url.c - parse the small subset of http(s) URLs that the jwt plugin
 * compares (see jwt_url.h).  Refusing odd URLs outright is the point: an
 * issuer check is only as good as the parser underneath it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jwt_url.h"

static int	jwt_url_host(const char *s, size_t len, struct jwt_url *u,
		    char *err, size_t errlen);
static int	jwt_url_port(const char *s, size_t len, unsigned int *port);
static int	jwt_url_path(const char *s, size_t len, char *err,
		    size_t errlen);

static int
jwt_url_port(const char *s, size_t len, unsigned int *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

static int
jwt_url_host(const char *s, size_t len, struct jwt_url *u, char *err,
    size_t errlen)
{
	const char *end = s + len, *h, *colon = NULL;
	size_t hlen, i;

	if (len > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (rb == NULL) {
			snprintf(err, errlen, "unterminated IPv6 literal");
			return -1;
		}
		h = s + 1;
		hlen = (size_t)(rb - h);
		if (hlen == 0 || memchr(h, ':', hlen) == NULL) {
			snprintf(err, errlen, "bad IPv6 literal");
			return -1;
		}
		for (i = 0; i < hlen; i++)
			if (strchr("0123456789abcdefABCDEF:.", h[i]) == NULL) {
				snprintf(err, errlen, "bad IPv6 literal");
				return -1;
			}
		if (rb + 1 < end) {
			if (rb[1] != ':') {
				snprintf(err, errlen,
				    "junk after IPv6 literal");
				return -1;
			}
			colon = rb + 1;
		}
		u->ipv6 = 1;
	} else {
		h = s;
		colon = memchr(s, ':', len);
		hlen = colon != NULL ? (size_t)(colon - s) : len;
		if (hlen == 0) {
			snprintf(err, errlen, "empty host");
			return -1;
		}
		for (i = 0; i < hlen; i++) {
			char ch = h[i];

			if (!((ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '.' || ch == '_')) {
				snprintf(err, errlen, "bad character in host");
				return -1;
			}
			if (ch == '.' && (i == 0 || h[i - 1] == '.')) {
				snprintf(err, errlen, "empty label in host");
				return -1;
			}
		}
	}
	if (hlen >= sizeof(u->host)) {
		snprintf(err, errlen, "host name too long");
		return -1;
	}
	for (i = 0; i < hlen; i++) {
		char ch = h[i];

		u->host[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	u->host[hlen] = '\0';
	if (colon != NULL &&
	    jwt_url_port(colon + 1, (size_t)(end - colon - 1), &u->port) != 0) {
		snprintf(err, errlen, "bad port");
		return -1;
	}
	return 0;
}

static int
jwt_url_path(const char *s, size_t len, char *err, size_t errlen)
{
	size_t i = 0, start, seg;

	/* s[0] is '/'; look at each segment between slashes. */
	while (i < len) {
		start = ++i;
		while (i < len && s[i] != '/')
			i++;
		seg = i - start;
		if (seg == 0 && i < len) {
			snprintf(err, errlen, "empty path segment");
			return -1;
		}
		if ((seg == 1 && s[start] == '.') ||
		    (seg == 2 && s[start] == '.' && s[start + 1] == '.')) {
			snprintf(err, errlen, "dot segment in path");
			return -1;
		}
	}
	return 0;
}

int
jwt_url_parse(const char *url, int strict, struct jwt_url *u, char *err,
    size_t errlen)
{
	const char *p, *auth, *path, *q;
	size_t len, i, plen;

	memset(u, 0, sizeof(*u));
	len = strlen(url);
	if (len == 0) {
		snprintf(err, errlen, "empty URL");
		return -1;
	}
	if (len > JWT_URL_MAX) {
		snprintf(err, errlen, "URL longer than %d bytes", JWT_URL_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)url[i];

		if (ch <= 0x20 || ch >= 0x7f) {
			snprintf(err, errlen, "URL holds white space,"
			    " control or non-ASCII bytes");
			return -1;
		}
		if (ch == '\\' || ch == '#' || ch == '@') {
			snprintf(err, errlen, "URL holds a '%c'", ch);
			return -1;
		}
		if (strict && (ch == '%' || ch == '?')) {
			snprintf(err, errlen, "URL holds a '%c'", ch);
			return -1;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		strcpy(u->scheme, "https");
		u->port = 443;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		strcpy(u->scheme, "http");
		u->port = 80;
		auth = url + 7;
	} else {
		snprintf(err, errlen, "not an http:// or https:// URL");
		return -1;
	}
	for (p = auth; *p != '\0' && *p != '/' && *p != '?'; p++)
		;
	if (jwt_url_host(auth, (size_t)(p - auth), u, err, errlen) != 0)
		return -1;
	path = p;
	q = strchr(path, '?');
	plen = q != NULL ? (size_t)(q - path) : strlen(path);
	u->has_query = q != NULL;
	if (plen == 0) {
		strcpy(u->path, "/");
		return 0;
	}
	if (jwt_url_path(path, plen, err, errlen) != 0)
		return -1;
	memcpy(u->path, path, plen);
	u->path[plen] = '\0';
	return 0;
}

int
jwt_url_path_covers(const char *prefix, const char *path)
{
	size_t plen = strlen(prefix);

	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	if (plen == 0)
		return 1;
	if (strncmp(prefix, path, plen) != 0)
		return 0;
	return path[plen] == '\0' || path[plen] == '/';
}

size_t
jwt_url_encode(char *out, const char *s, size_t len, int encode)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		int plain = !encode ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~';

		if (plain) {
			if (out != NULL)
				out[n] = (char)ch;
			n++;
		} else {
			if (out != NULL) {
				out[n] = '%';
				out[n + 1] = hex[ch >> 4];
				out[n + 2] = hex[ch & 15];
			}
			n += 3;
		}
	}
	return n;
}
