/*
 * test_jwt_claims.c - local claim checks (exp, nbf with leeway; sub
 * shape) and the default identity (CN = sub, O = host of iss).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_jwt_util.h"
#include "jwt_claims.h"
#include "jwt_status.h"

#define NOW 1755147136LL
#define TRUSTED "http://localhost:8080/default/verify"

static int	check(const char *payload, long leeway, char *err,
		    size_t errlen);
static int	ident(const char *payload, struct jwt_identity *id);

static int
check(const char *payload, long leeway, char *err, size_t errlen)
{
	struct jwt_token t;
	char *tok = tj_token(TJ_HDR, payload, TJ_SIG);
	int rc;

	err[0] = '\0';
	if (jwt_token_parse(tok, strlen(tok), &t, err, errlen) != 0)
		rc = -1;
	else
		rc = jwt_claims_check(&t, NOW, leeway, err, errlen);
	jwt_token_free(&t);
	free(tok);
	return rc;
}

static int
ident(const char *payload, struct jwt_identity *id)
{
	struct jwt_token t;
	char *tok = tj_token(TJ_HDR, payload, TJ_SIG), err[256];
	int rc = -1;

	if (jwt_token_parse(tok, strlen(tok), &t, err, sizeof(err)) == 0)
		rc = jwt_claims_identity(&t, TRUSTED, NOW, id, err,
		    sizeof(err));
	jwt_token_free(&t);
	free(tok);
	return rc;
}

int
main(void)
{
	struct jwt_identity id;
	char err[256], p[512], sub[80];

	/* exp with leeway 60. */
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld}", NOW + 3600);
	ok(check(p, 60, err, sizeof(err)) == JWT_OK, "future exp");
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld}", NOW - 59);
	ok(check(p, 60, err, sizeof(err)) == JWT_OK, "exp 59 s ago, leeway 60");
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld}", NOW - 60);
	ok(check(p, 60, err, sizeof(err)) == JWT_EXPIRED,
	    "exp 60 s ago, leeway 60: expired");
	is_str(err, "token expired", "expired: reason");
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld}", NOW);
	ok(check(p, 0, err, sizeof(err)) == JWT_EXPIRED,
	    "exp now, leeway 0: expired");
	ok(check(p, 1, err, sizeof(err)) == JWT_OK, "exp now, leeway 1");
	ok(check("{\"sub\":\"a\"}", 60, err, sizeof(err)) == JWT_MALFORMED,
	    "no exp");
	is_str(err, "token has no exp claim", "no exp: reason");

	/* nbf. */
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld,\"nbf\":%lld}",
	    NOW + 3600, NOW + 60);
	ok(check(p, 60, err, sizeof(err)) == JWT_OK, "nbf in 60 s, leeway 60");
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld,\"nbf\":%lld}",
	    NOW + 3600, NOW + 61);
	ok(check(p, 60, err, sizeof(err)) == JWT_NOT_YET_VALID,
	    "nbf in 61 s: not yet valid");
	is_str(err, "token not yet valid", "nbf: reason");
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":%lld,\"nbf\":%lld}",
	    NOW + 100, NOW + 100);
	ok(check(p, 60, err, sizeof(err)) == JWT_MALFORMED, "nbf == exp");
	snprintf(p, sizeof(p), "{\"sub\":\"a\",\"exp\":9007199254740992}");
	ok(check(p, 3600, err, sizeof(err)) == JWT_OK, "exp 2^53");

	/* sub. */
	snprintf(p, sizeof(p), "{\"exp\":%lld}", NOW + 3600);
	ok(check(p, 60, err, sizeof(err)) == JWT_MALFORMED, "no sub");
	snprintf(p, sizeof(p), "{\"sub\":\"\",\"exp\":%lld}", NOW + 3600);
	ok(check(p, 60, err, sizeof(err)) == JWT_SUBJECT_INVALID, "empty sub");
	memset(sub, 'x', 63);
	sub[63] = '\0';
	snprintf(p, sizeof(p), "{\"sub\":\"%s\",\"exp\":%lld}", sub,
	    NOW + 3600);
	ok(check(p, 60, err, sizeof(err)) == JWT_OK, "63-byte sub");
	snprintf(p, sizeof(p), "{\"sub\":\"%sx\",\"exp\":%lld}", sub,
	    NOW + 3600);
	ok(check(p, 60, err, sizeof(err)) == JWT_SUBJECT_INVALID,
	    "64-byte sub");
	ok(jwt_claims_subject_ok("softioc"), "plain");
	ok(jwt_claims_subject_ok("J\xc3\xbcrgen M\xc3\xbcller"), "UTF-8");
	ok(jwt_claims_subject_ok("\xf0\x9f\x98\x80"), "4-byte UTF-8");
	ok(jwt_claims_subject_ok("a b,c=d+e"), "spaces and DN specials");
	ok(!jwt_claims_subject_ok("a\tb"), "tab");
	ok(!jwt_claims_subject_ok("a\nb"), "newline");
	ok(!jwt_claims_subject_ok("a\x7f"), "DEL");
	ok(!jwt_claims_subject_ok("a\xc2\x85"), "C1 control NEL");
	ok(!jwt_claims_subject_ok("\xc0\xaf"), "overlong");
	ok(!jwt_claims_subject_ok("\xe0\x80\xaf"), "overlong 3-byte");
	ok(!jwt_claims_subject_ok("\xed\xa0\x80"), "surrogate");
	ok(!jwt_claims_subject_ok("\xf4\x90\x80\x80"), "past U+10FFFF");
	ok(!jwt_claims_subject_ok("a\xc3"), "truncated sequence");
	ok(!jwt_claims_subject_ok("\xe2\x82"), "truncated 3-byte");
	ok(!jwt_claims_subject_ok("\x80"), "lone continuation");
	ok(!jwt_claims_subject_ok("\xff"), "0xff");

	/* Identity. */
	snprintf(p, sizeof(p), "{\"sub\":\"softioc\",\"iss\":"
	    "\"http://localhost:8080/default\",\"exp\":%lld,\"nbf\":%lld,"
	    "\"iat\":%lld}", NOW + 3600, NOW - 5, NOW - 10);
	ok(ident(p, &id) == 0, "identity");
	is_str(id.cn, "softioc", "CN = sub");
	is_str(id.o, "localhost", "O = host of iss");
	is_str(id.ou, "", "OU empty");
	is_str(id.c, "", "C empty");
	is_int(id.not_before, NOW - 5, "not_before = nbf");
	is_int(id.not_after, NOW + 3600, "not_after = exp");
	snprintf(p, sizeof(p), "{\"sub\":\"s\",\"iss\":"
	    "\"https://IdP.Example.ORG:8443/realms/x\",\"exp\":%lld,"
	    "\"iat\":%lld}", NOW + 3600, NOW - 10);
	ok(ident(p, &id) == 0, "identity without nbf");
	is_str(id.o, "idp.example.org", "O lower-cased, no port");
	is_int(id.not_before, NOW - 10, "not_before = iat");
	snprintf(p, sizeof(p), "{\"sub\":\"s\",\"exp\":%lld}", NOW + 3600);
	ok(ident(p, &id) == 0, "identity without iss");
	is_str(id.o, "localhost", "O = host of the trusted URI");
	is_int(id.not_before, NOW, "not_before = now");
	snprintf(p, sizeof(p), "{\"sub\":\"s\",\"iss\":\"http://[::1]:8080\","
	    "\"exp\":%lld}", NOW + 3600);
	ok(ident(p, &id) == 0 && strcmp(id.o, "::1") == 0,
	    "IPv6 issuer: O without brackets");

	tap_plan(tap_n);
	return tap_done();
}
