/*
 * test_jwt_iss.c - the issuer rule (DESIGN §7) and the URL parser under
 * it: same scheme, host and port, whole-segment path prefix, and the
 * tricks that must not get through.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "jwt_iss.h"
#include "jwt_url.h"

#define TRUSTED "http://localhost:8080/default/verify"

static int	trusts(const char *trusted, const char *iss);

static int
trusts(const char *trusted, const char *iss)
{
	struct jwt_url t;
	char err[512];

	if (jwt_url_parse(trusted, 0, &t, err, sizeof(err)) != 0)
		return -2;
	return jwt_iss_check(iss, &t, trusted, err, sizeof(err)) == 0;
}

int
main(void)
{
	static const char *good[] = {
		"http://localhost:8080/default",
		"http://localhost:8080/default/",
		"http://localhost:8080/default/verify",
		"http://localhost:8080/default/verify/",
		"http://LOCALHOST:8080/default",
		"HTTP://localhost:8080/default",
		"http://localhost:8080",
		"http://localhost:8080/",
		NULL
	};
	static const char *bad[] = {
		"http://localhost:8080/def",
		"http://localhost:8080/default.evil",
		"http://localhost:8080/defaultx/verify",
		"http://localhost:8080/default/verify/more",
		"http://localhost:8080/Default",
		"http://localhost:8081/default",
		"http://localhost/default",
		"https://localhost:8080/default",
		"http://localhost.evil:8080/default",
		"http://evil.localhost:8080/default",
		"http://127.0.0.1:8080/default",
		"http://localhost:8080@evil/default",
		"http://evil@localhost:8080/default",
		"http://localhost:8080/%64efault",
		"http://localhost:8080/default/../default",
		"http://localhost:8080/./default",
		"http://localhost:8080//default",
		"http://localhost:8080/default?x=1",
		"http://localhost:8080/default#frag",
		"http://localhost:8080\\default",
		"http://localhost:8080/default ",
		" http://localhost:8080/default",
		"http://localhost:8080/def\nault",
		"http://localhost:8080/d\xc3\xa9" "fault",
		"http://localhost:08080x/default",
		"http://localhost:/default",
		"http://localhost:0/default",
		"http://localhost:65536/default",
		"http://:8080/default",
		"http://local..host:8080/default",
		"http:/localhost:8080/default",
		"localhost:8080/default",
		"ftp://localhost:8080/default",
		"",
		"default",
		NULL
	};
	struct jwt_url u, t;
	char err[512];
	size_t i;
	char longiss[400];

	for (i = 0; good[i] != NULL; i++)
		ok(trusts(TRUSTED, good[i]) == 1, "trusted: %s", good[i]);
	for (i = 0; bad[i] != NULL; i++) {
		char name[128];
		size_t k;

		/* Keep the TAP line one line. */
		snprintf(name, sizeof(name), "%s", bad[i]);
		for (k = 0; name[k] != '\0'; k++)
			if ((unsigned char)name[k] < 0x20 ||
			    (unsigned char)name[k] >= 0x7f)
				name[k] = '?';
		ok(trusts(TRUSTED, bad[i]) == 0, "not trusted: '%s'", name);
	}
	ok(trusts(TRUSTED, NULL) == 1, "no iss: checked against the URI");

	/* Default ports and https. */
	ok(trusts("https://idp.example/realms/a/verify",
	    "https://idp.example:443/realms/a") == 1, "explicit 443");
	ok(trusts("https://idp.example:443/realms/a/verify",
	    "https://idp.example/realms/a") == 1, "implicit 443");
	ok(trusts("http://idp.example/v", "http://idp.example:80") == 1,
	    "explicit 80");
	ok(trusts("https://idp.example/v", "https://idp.example:80/v") == 0,
	    "https on 80 is another port");
	ok(trusts("http://h/default/verify/", "http://h/default") == 1,
	    "trailing slash on the trusted URI");
	ok(trusts("http://h/default/verify?realm=x", "http://h/default") == 1,
	    "query on the trusted URI is ignored for the rule");
	ok(trusts("http://h/", "http://h/a") == 0,
	    "iss deeper than the trusted URI");

	/* IPv6. */
	ok(trusts("http://[::1]:8080/v", "http://[::1]:8080") == 1,
	    "IPv6 literal");
	ok(trusts("http://[::1]:8080/v", "http://[::2]:8080") == 0,
	    "other IPv6 literal");
	ok(jwt_url_parse("http://[::1]:8080/v", 1, &u, err, sizeof(err)) == 0 &&
	    strcmp(u.host, "::1") == 0 && u.ipv6 && u.port == 8080,
	    "IPv6 host without brackets");
	ok(jwt_url_parse("http://[::1", 0, &u, err, sizeof(err)) != 0,
	    "unterminated IPv6");
	ok(jwt_url_parse("http://[]/", 0, &u, err, sizeof(err)) != 0,
	    "empty IPv6");
	ok(jwt_url_parse("http://[::1]x/", 0, &u, err, sizeof(err)) != 0,
	    "junk after IPv6");
	ok(jwt_url_parse("http://[g::1]/", 0, &u, err, sizeof(err)) != 0,
	    "bad IPv6 characters");

	/* Parser details. */
	ok(jwt_url_parse("HTTPS://Example.COM:8443", 0, &u, err,
	    sizeof(err)) == 0 && strcmp(u.scheme, "https") == 0 &&
	    strcmp(u.host, "example.com") == 0 && u.port == 8443 &&
	    strcmp(u.path, "/") == 0, "lower-cased, path defaults to /");
	ok(jwt_url_parse("http://h/a?b=%20", 0, &u, err, sizeof(err)) == 0 &&
	    u.has_query && strcmp(u.path, "/a") == 0,
	    "non-strict: query and percent allowed");
	ok(jwt_url_parse("http://h/a?b", 1, &u, err, sizeof(err)) != 0,
	    "strict: query refused");
	ok(jwt_url_parse("http://h/a%2f", 1, &u, err, sizeof(err)) != 0,
	    "strict: percent refused");
	ok(jwt_url_path_covers("/default", "/default/verify"), "covers");
	ok(!jwt_url_path_covers("/def", "/default/verify"), "def");
	ok(jwt_url_path_covers("/", "/x"), "root covers");
	ok(jwt_url_path_covers("/default//", "/default"), "slashes");

	/* The reason. */
	jwt_url_parse(TRUSTED, 0, &t, err, sizeof(err));
	ok(jwt_iss_check("http://localhost:8080/def", &t, TRUSTED, err,
	    sizeof(err)) != 0, "def refused");
	is_str(err, "issuer 'http://localhost:8080/def' is not trusted by "
	    TRUSTED, "reason");
	memset(longiss, 'a', sizeof(longiss) - 1);
	longiss[sizeof(longiss) - 1] = '\0';
	memcpy(longiss, "http://x/\n\x01", 11);
	ok(jwt_iss_check(longiss, &t, TRUSTED, err, sizeof(err)) != 0 &&
	    strlen(err) < 300 && strchr(err, '\n') == NULL &&
	    strchr(err, '\x01') == NULL, "hostile iss is cut and sanitized");

	tap_plan(tap_n);
	return tap_done();
}
