/*
 * test_jwt_pattern.c - the response pattern (EPICS_AUTH_JWT_RESPONSE_
 * FORMAT): the seed's examples, truthy words, white space, optional
 * quotes, hostile bodies that try to smuggle a verdict, and bounds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "jwt_pattern.h"

#define SEED_PAT "{ *, \"valid\": \"#response#\" }"
#define SEED_BODY "{\"claims\":{\"aud\":\"default\",\"exp\":1755150736," \
	"\"iat\":1755147136,\"iss\":\"http://localhost:8080/default\"," \
	"\"jti\":\"c40d1fc2-40f2-4bf9-a84a-fff5fadea38a\",\"nbf\":1755147136," \
	"\"sub\":\"softioc\"},\"header\":{\"alg\":\"RS256\",\"kid\":" \
	"\"demo-key-1\",\"typ\":\"JWT\"},\"valid\":true}"

static int	valid(const char *pat, const char *body);
static const char *value(const char *pat, const char *body);

static int
valid(const char *pat, const char *body)
{
	char err[256];

	return jwt_pattern_valid(pat, body, strlen(body), err, sizeof(err));
}

/* Returns a static buffer, or "(nomatch)". */
static const char *
value(const char *pat, const char *body)
{
	static char v[64];
	char err[256];

	if (jwt_pattern_extract(pat, body, strlen(body), v, sizeof(v), err,
	    sizeof(err)) != 0)
		return "(nomatch)";
	return v;
}

int
main(void)
{
	static const char *yes[] = { "valid", "ok", "true", "t", "yes", "y",
	    "1", "TRUE", "Ok", "YES", NULL };
	static const char *no[] = { "false", "0", "no", "n", "f", "truee",
	    "2", "null", "", "tru", NULL };
	char err[256], buf[128], *big;
	size_t i;
	clock_t t0;

	/* The seed's own example. */
	ok(valid(SEED_PAT, SEED_BODY), "seed body is valid");
	is_str(value(SEED_PAT, SEED_BODY), "true", "seed value is true");
	ok(valid(SEED_PAT, "{\"a\":1,\"valid\":\"true\"}"),
	    "quoted true is valid");
	is_str(value(SEED_PAT, "{\"a\":1,\"valid\":\"true\"}"), "true",
	    "quotes are not part of the value");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":false}"), "false is not");
	is_str(value(SEED_PAT, "{\"a\":1,\"valid\":false}"), "false",
	    "value false");
	/* What the seed's flask validator says on failure (sorted keys). */
	ok(!valid(SEED_PAT,
	    "{\"error\":\"Signature has expired\",\"valid\":false}"),
	    "flask failure answer is not valid");
	ok(!jwt_pattern_valid(SEED_PAT, "{\"a\":1,\"valid\":false}", 21,
	    err, sizeof(err)) && strcmp(err,
	    "validator answered 'false'") == 0, "reason names the value");
	ok(!valid(SEED_PAT, "{\"valid\":true}"),
	    "the pattern's literal comma is required");
	ok(valid("{\"valid\":#response#}", "{\"valid\":true}"),
	    "star-free pattern");
	ok(!valid("{\"valid\":#response#}", "{\"valid\":true,\"x\":1}"),
	    "star-free pattern must match the whole body");

	/* White space and case. */
	ok(valid(SEED_PAT, "{\n  \"claims\": { \"sub\": \"a b\" },\n"
	    "  \"valid\" :\ttrue\r\n}\n"), "pretty-printed body");
	ok(valid("{*,\"valid\":\"#response#\"}", SEED_BODY),
	    "pattern without white space");
	ok(valid(SEED_PAT, "{\"a\":1,\"valid\":TRUE}"), "TRUE lower-cased");
	is_str(value(SEED_PAT, "{\"a\":1,\"valid\":TRUE}"), "TRUE",
	    "extract keeps case");

	/* Truthy words. */
	for (i = 0; yes[i] != NULL; i++) {
		snprintf(buf, sizeof(buf), "{\"a\":1,\"valid\":\"%s\"}",
		    yes[i]);
		ok(valid(SEED_PAT, buf), "'%s' is valid", yes[i]);
	}
	for (i = 0; no[i] != NULL; i++) {
		snprintf(buf, sizeof(buf), "{\"a\":1,\"valid\":\"%s\"}",
		    no[i]);
		ok(!valid(SEED_PAT, buf), "'%s' is not valid", no[i]);
	}

	/* Default pattern: the whole body. */
	ok(valid("#response#", "true"), "default: true");
	ok(valid("#response#", "  OK \n"), "default: OK with white space");
	ok(valid("#response#", "1"), "default: 1");
	ok(!valid("#response#", "{\"valid\":true}"), "default: JSON is not");
	ok(!valid("#response#", "true false"), "default: two words are not");
	ok(!valid("#response#", ""), "default: empty body is not");
	ok(!valid("#response#", "\"true\""),
	    "default: quotes are not optional without them in the pattern");
	ok(valid("\"#response#\"", "true"), "quoted default: bare true");
	ok(valid("\"#response#\"", "\"true\""), "quoted default: \"true\"");

	/* A star after the value. */
	ok(valid("{*,\"valid\":#response#,*}",
	    "{\"a\":1,\"valid\":true,\"b\":{\"c\":2}}"),
	    "value followed by more members");
	is_str(value("{*,\"valid\":#response#,*}",
	    "{\"a\":1,\"valid\":true,\"b\":{\"c\":2}}"), "true",
	    "value stops at the comma");
	ok(valid("{\"payload\":{*},\"valid\":#response#}",
	    "{\"payload\": {\"x\": {\"y\": 1}}, \"valid\": yes}"),
	    "the seed table's payload example");

	/* Hostile bodies: a verdict must be a scalar token. */
	ok(!valid(SEED_PAT, "{\"valid\":false,\"x\":\"\\\"valid\\\":true\"}"),
	    "escaped quotes inside a string cannot vote");
	ok(!valid(SEED_PAT, "{\"valid\":false,\"x\":\",\\\"valid\\\":true\"}"),
	    "escaped key with comma inside a string cannot vote");
	ok(!valid(SEED_PAT,
	    "{\"valid\":false,\"claims\":{\"a\":1,\"valid\":true}}"),
	    "nested valid:true with outer false is not valid");
	is_str(value(SEED_PAT,
	    "{\"valid\":false,\"claims\":{\"a\":1,\"valid\":true}}"),
	    "(nomatch)", "nested: no scalar value at the end");
	ok(!valid(SEED_PAT,
	    "{\"claims\":{\"x\":1,\"valid\":true},\"valid\":false}"),
	    "last member wins");
	ok(!valid(SEED_PAT,
	    "{\"claims\":{\"sub\":\"a,\\\"valid\\\":true\"},\"valid\":false}"),
	    "injection through sub is not valid");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":\"true,false\"}"),
	    "value with a comma is not a scalar");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":[true]}"),
	    "list is not a scalar");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":{\"v\":true}}"),
	    "object is not a scalar");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":\"tr\\\"ue\"}"),
	    "value with an escape is not a scalar");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":\"true\"} trailing"),
	    "trailing junk does not match");
	ok(!jwt_pattern_valid(SEED_PAT, "{\"a\":1,\"valid\":true}\0x", 23,
	    err, sizeof(err)), "NUL and junk after the body do not match");
	ok(!valid(SEED_PAT, "{\"a\":1,\"valid\":tr\001ue}"),
	    "control character in the value");
	ok(!valid("#response#", "tr\xc3\xbc" "e"), "non-ASCII value");

	/* Pattern checks. */
	ok(jwt_pattern_check("#response#", err, sizeof(err)) == 0,
	    "default pattern is fine");
	ok(jwt_pattern_check("{*}", err, sizeof(err)) != 0,
	    "pattern without #response# refused");
	ok(jwt_pattern_check("#response##response#", err, sizeof(err)) != 0,
	    "pattern with two #response# refused");
	ok(jwt_pattern_check("#res ponse#x#response#", err, sizeof(err)) != 0,
	    "two #response# once white space is gone");
	ok(jwt_pattern_check("{ \"v\": # response # }", err, sizeof(err)) ==
	    0, "#response# spread by white space still counts");
	big = malloc(JWT_PATTERN_MAX + 32);
	memset(big, 'a', JWT_PATTERN_MAX + 20);
	memcpy(big, "#response#", 10);
	big[JWT_PATTERN_MAX + 20] = '\0';
	ok(jwt_pattern_check(big, err, sizeof(err)) != 0,
	    "pattern too long refused");
	free(big);

	/* Bounds: size cap and no blow-up on many stars. */
	big = malloc(JWT_BODY_MAX + 2);
	memset(big, 'a', JWT_BODY_MAX + 1);
	big[JWT_BODY_MAX + 1] = '\0';
	ok(!jwt_pattern_valid("#response#", big, JWT_BODY_MAX + 1, err,
	    sizeof(err)) && strstr(err, "larger than") != NULL,
	    "body over 64 KiB refused");
	{
		char pat[600];
		size_t n = 0;

		for (i = 0; i < 100; i++) {
			pat[n++] = '*';
			pat[n++] = 'a';
		}
		memcpy(pat + n, "*b#response#*b*", 16);
		t0 = clock();
		ok(!jwt_pattern_valid(pat, big, JWT_BODY_MAX, err,
		    sizeof(err)), "100 stars over 64 KiB of 'a'");
		n = 0;
		for (i = 0; i < 100; i++) {
			memcpy(pat + n, "*aa", 3);
			n += 3;
		}
		memcpy(pat + n, "#response#", 11);
		big[JWT_BODY_MAX - 1] = 'z';
		ok(!jwt_pattern_valid(pat, big, JWT_BODY_MAX, err,
		    sizeof(err)), "stars and a long scalar run");
		ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0,
		    "hostile patterns finish fast");
	}
	for (i = 0; i + 10 < JWT_BODY_MAX; i += 10)
		memcpy(big + i, ",\"valid\":", 9), big[i + 9] = 'x';
	big[i] = '\0';
	t0 = clock();
	ok(!jwt_pattern_valid(SEED_PAT, big, i, err, sizeof(err)),
	    "64 KiB of repeated keys");
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0,
	    "repeated keys finish fast");
	free(big);

	tap_plan(tap_n);
	return tap_done();
}
