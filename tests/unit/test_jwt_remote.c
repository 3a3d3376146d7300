/*
 * test_jwt_remote.c - the validator call: request building for GET and
 * POST, judging answers, fetch failures, and that the token stays out of
 * every reason.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "test_jwt_util.h"
#include "jwt_config.h"
#include "jwt_remote.h"
#include "jwt_status.h"

#define TRUSTED "http://localhost:8080/default/verify"
#define SEED_PAT "{ *, \"valid\": \"#response#\" }"

static struct jwt_config *load(void);
static int	call(struct jwt_config *cfg, const char *tok, const char *kid,
		    char *err, size_t errlen);

/* Returns a config the caller frees, built from the fake table. */
static struct jwt_config *
load(void)
{
	char err[512];
	struct jwt_config *cfg = jwt_config_load(fk_get, err, sizeof(err));

	if (cfg == NULL) {
		printf("# config: %s\n", err);
		abort();
	}
	return cfg;
}

static int
call(struct jwt_config *cfg, const char *tok, const char *kid, char *err,
    size_t errlen)
{
	err[0] = '\0';
	return jwt_remote_verify(&fk_services, cfg, tok, strlen(tok), kid, err,
	    errlen);
}

int
main(void)
{
	struct jwt_config *cfg;
	char err[512], want[16384], *tok, *s;
	int rc;

	tok = tj_token(TJ_HDR, "{\"sub\":\"softioc\",\"exp\":1755150736}",
	    TJ_SIG);

	/* The seed: GET, #token#, pattern. */
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "GET");
	fk_set("EPICS_AUTH_JWT_RESPONSE_FORMAT", SEED_PAT);
	cfg = load();
	fk.status = 200;
	fk.body = FK_SEED_BODY;
	rc = call(cfg, tok, "demo-key-1", err, sizeof(err));
	is_int(rc, JWT_OK, "seed answer accepted");
	is_str(fk.method, "GET", "GET");
	snprintf(want, sizeof(want), TRUSTED "?token=%s", tok);
	is_str(fk.url, want, "token in the query");
	snprintf(want, sizeof(want), "Authorization: Bearer %s\n", tok);
	ok(strstr(fk.headers, want) != NULL, "bearer header");
	ok(!fk.has_body, "no body");
	is_int(fk.timeout_ms, 5000, "timeout passed on");
	is_int((long long)fk.max_response, 65536, "response cap passed on");

	fk.body = FK_FALSE_BODY;
	rc = call(cfg, tok, NULL, err, sizeof(err));
	is_int(rc, JWT_REJECTED, "valid:false rejected");
	is_str(err, "validator rejected the token: validator answered"
	    " 'false'", "rejection reason");
	fk.body = "{\"valid\":false,\"claims\":{\"a\":1,\"valid\":true}}";
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "nested valid:true does not count (an ambiguous answer)");
	/* An answer the pattern cannot read is the validator's failure,
	 * 502 validator_error, not the token's (pvacms(8)). */
	fk.body = "<html>ok</html>";
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "HTML does not match: validator error");
	ok(strncmp(err, "validator error: its answer does not match the "
	    "response pattern", 55) == 0, "and says so (%s)", err);
	fk.body = "";
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "empty answer: validator error");

	/* Status codes with the pattern. */
	fk.body = FK_SEED_BODY;
	fk.status = 401;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_REJECTED,
	    "401 with a valid body is rejected");
	is_str(err, "validator rejected the token (HTTP 401)", "401 reason");
	fk.status = 500;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "500 is a validator error");
	is_str(err, "validator error: HTTP 500", "500 reason");
	fk.status = 302;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "302 is a validator error");
	fk.status = 0;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "no status is a validator error");
	fk.status = 204;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_OK,
	    "204 with a matching body: the pattern decides");
	jwt_config_free(cfg);

	/* Use the response code. */
	fk_set("EPICS_AUTH_JWT_USE_RESPONSE_CODE", "yes");
	cfg = load();
	fk.status = 200;
	fk.body = "nope";
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_OK,
	    "200 alone decides");
	fk.status = 204;
	fk.body = FK_SEED_BODY;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_REJECTED,
	    "204 is not 200");
	fk.status = 403;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_REJECTED,
	    "403 rejected");
	fk.status = 503;
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "503 validator error");
	jwt_config_free(cfg);
	fk_set("EPICS_AUTH_JWT_USE_RESPONSE_CODE", NULL);

	/* Fetch failures. */
	cfg = load();
	fk.fail = 1;
	fk.fail_reason = "connection refused";
	rc = call(cfg, tok, NULL, err, sizeof(err));
	is_int(rc, JWT_UNREACHABLE, "refused: unreachable");
	is_str(err, "validator unreachable: connection refused",
	    "unreachable reason");
	fk.fail_reason = "Operation timed out after 5000 milliseconds";
	is_int(call(cfg, tok, NULL, err, sizeof(err)), JWT_TIMEOUT,
	    "timed out: timeout");
	ok(strncmp(err, "validator timed out: ", 21) == 0, "timeout reason");
	snprintf(want, sizeof(want), "could not GET " TRUSTED "?token=%s: "
	    "boom", tok);
	fk.fail_reason = want;
	call(cfg, tok, NULL, err, sizeof(err));
	ok(strstr(err, tok) == NULL && strstr(err, "token=") == NULL,
	    "a URL in the fetch error is redacted");
	snprintf(want, sizeof(want), "bad token %s here", tok);
	call(cfg, tok, NULL, err, sizeof(err));
	ok(strstr(err, tok) == NULL, "the token in a fetch error is redacted");
	fk.fail = 0;
	jwt_config_free(cfg);

	/* GET with a trusted URI that has a query, and a custom format. */
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED "?realm=a");
	cfg = load();
	fk.status = 200;
	fk.body = FK_SEED_BODY;
	call(cfg, tok, NULL, err, sizeof(err));
	snprintf(want, sizeof(want), TRUSTED "?realm=a&token=%s", tok);
	is_str(fk.url, want, "'&' after an existing query");
	jwt_config_free(cfg);
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	fk_set("EPICS_AUTH_JWT_REQUEST_FORMAT", "access_token=#token#&k=#kid#");
	cfg = load();
	call(cfg, tok, "demo-key-1", err, sizeof(err));
	snprintf(want, sizeof(want), TRUSTED "?access_token=%s&k=demo-key-1",
	    tok);
	is_str(fk.url, want, "custom GET format");
	call(cfg, tok, NULL, err, sizeof(err));
	snprintf(want, sizeof(want), TRUSTED "?access_token=%s&k=", tok);
	is_str(fk.url, want, "no kid: empty");
	is_int(call(cfg, tok, "a\"b", err, sizeof(err)), JWT_MALFORMED,
	    "unsafe kid refused");
	is_str(err, "token kid is not a safe string", "kid reason");
	jwt_config_free(cfg);

	/* POST. */
	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", NULL);
	fk_set("EPICS_AUTH_JWT_REQUEST_FORMAT", NULL);
	cfg = load();
	call(cfg, tok, NULL, err, sizeof(err));
	is_str(fk.method, "POST", "POST by default");
	is_str(fk.url, TRUSTED, "POST to the trusted URI");
	is_str(fk.body_sent, tok, "raw token as the body");
	ok(strstr(fk.headers, "Content-Type: text/plain\n") != NULL,
	    "text/plain");
	ok(strstr(fk.headers, "Authorization") == NULL, "no bearer on POST");
	jwt_config_free(cfg);
	fk_set("EPICS_AUTH_JWT_REQUEST_FORMAT",
	    "  { \"token\": \"#token#\", \"kid\": \"#kid#\" }");
	cfg = load();
	call(cfg, tok, "demo-key-1", err, sizeof(err));
	snprintf(want, sizeof(want),
	    "  { \"token\": \"%s\", \"kid\": \"demo-key-1\" }", tok);
	is_str(fk.body_sent, want, "JSON body substituted");
	ok(strstr(fk.headers, "Content-Type: application/json\n") != NULL,
	    "application/json");
	jwt_config_free(cfg);

	/* Helpers. */
	s = jwt_remote_format("a=#token#&b=#kid#&c=#tok", "x y/z", 5, "k+1",
	    1);
	is_str(s, "a=x%20y%2Fz&b=k%2B1&c=#tok", "url-encoded substitution");
	free(s);
	s = jwt_remote_format("#token##token#", "ab", 2, NULL, 0);
	is_str(s, "abab", "two tokens");
	free(s);
	ok(jwt_remote_kid_ok("demo-key-1") && jwt_remote_kid_ok("a.b_c:d"),
	    "safe kids");
	ok(!jwt_remote_kid_ok("") && !jwt_remote_kid_ok("a b") &&
	    !jwt_remote_kid_ok("a\"") && !jwt_remote_kid_ok("a/b"),
	    "unsafe kids");

	/* The status table. */
	is_str(jwt_status_code(JWT_EXPIRED), "token_expired", "code");
	is_int(jwt_status_verdict(JWT_REJECTED), PVACMS_DENY, "deny");
	is_int(jwt_status_http(JWT_REJECTED), 401, "401");
	is_int(jwt_status_verdict(JWT_UNREACHABLE), PVACMS_ERROR, "error");
	is_int(jwt_status_http(JWT_VALIDATOR_ERROR), 502, "502");
	is_int(jwt_status_http(JWT_UNREACHABLE), 503, "503");
	is_int(jwt_status_http(JWT_TIMEOUT), 504, "504");
	is_str(jwt_status_code(999), "internal", "out of range");

	free(tok);
	tap_plan(tap_n);
	return tap_done();
}
