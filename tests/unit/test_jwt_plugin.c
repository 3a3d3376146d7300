/*
 * test_jwt_plugin.c - the plugin as the host sees it: the exported
 * struct, init with a fake services table, verify() in its check order,
 * reload that keeps the old config on failure, and concurrent verify()
 * calls racing reloads.  jwt_plugin.c is compiled into this program.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "test_jwt_util.h"
#include "pvacms/authn.h"

extern struct pvacms_authn_plugin pvacms_authn_plugin;

#define TRUSTED "http://localhost:8080/default/verify"
#define ISS "http://localhost:8080/default"
#define NOW 1755147136LL

static char	*mktok(const char *iss, const char *sub, long long exp,
		    long long nbf);
static void	verify(const char *tok, struct pvacms_authn_result *res);
static void	*racer(void *arg);

static const struct pvacms_authn_plugin *pl = &pvacms_authn_plugin;
static int race_bad;

/* Returns a token the caller frees. */
static char *
mktok(const char *iss, const char *sub, long long exp, long long nbf)
{
	char p[1024];

	snprintf(p, sizeof(p), "{\"sub\":\"%s\",\"iss\":\"%s\",\"aud\":"
	    "\"default\",\"exp\":%lld,\"nbf\":%lld,\"iat\":%lld,\"jti\":"
	    "\"j-1\"}", sub, iss, exp, nbf, nbf);
	return tj_token(TJ_HDR, p, TJ_SIG);
}

static void
verify(const char *tok, struct pvacms_authn_result *res)
{
	struct pvacms_authn_request req;

	memset(&req, 0, sizeof(req));
	memset(res, 0, sizeof(*res));
	req.type = "jwt";
	req.usage = PVACMS_USAGE_CLIENT;
	req.credential = tok;
	req.credential_len = strlen(tok);
	req.pubkey_sha256 = "00";
	req.now = NOW;
	pl->verify(&req, res);
}

static void *
racer(void *arg)
{
	struct pvacms_authn_result res;
	const char *tok = arg;
	int i;

	for (i = 0; i < 200; i++) {
		verify(tok, &res);
		if (res.verdict != PVACMS_ALLOW ||
		    strcmp(res.cn, "softioc") != 0)
			__atomic_add_fetch(&race_bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int
main(void)
{
	struct pvacms_host_services bad;
	struct pvacms_authn_result res;
	const struct pvacms_authn_option *o;
	char err[512], *tok, *t2, withspace[9000];
	pthread_t th[4];
	int i, n;

	/* The exported struct. */
	is_int(pl->abi_version, PVACMS_AUTHN_ABI_VERSION, "ABI version");
	is_str(pl->name, "jwt", "name");
	for (n = 0, o = pl->options; o->flag != NULL; o++, n++)
		ok(strncmp(o->flag, "jwt-", 4) == 0 &&
		    strncmp(o->env_name, "EPICS_AUTH_JWT_", 15) == 0 &&
		    o->help != NULL, "option %s -> %s", o->flag, o->env_name);
	is_int(n, 24, "twenty-four options");
	is_str(pl->options[0].flag, "jwt-trusted-uri", "first flag");
	is_str(pl->options[5].env_name, "EPICS_AUTH_JWT_LEEWAY", "leeway");
	is_str(pl->options[6].env_name, "EPICS_AUTH_JWT_TIMEOUT_MS",
	    "timeout");

	/* init refusals. */
	bad = fk_services;
	bad.version = (2 << 16);
	ok(pl->init(&bad, err, sizeof(err)) != 0, "major 2 refused");
	ok(strstr(err, "ABI") != NULL, "reason mentions the ABI");
	bad = fk_services;
	bad.size = 8;
	ok(pl->init(&bad, err, sizeof(err)) != 0, "short table refused");
	ok(pl->init(&fk_services, err, sizeof(err)) != 0,
	    "no trusted URI refused");
	ok(strstr(err, "EPICS_AUTH_JWT_ISSUER") != NULL &&
	    strstr(err, "EPICS_AUTH_JWT_TRUSTED_URI") != NULL,
	    "reason names the variables that would do");
	verify("x.y.z", &res);
	is_int(res.verdict, PVACMS_ERROR, "verify before init: error");

	/* The seed's setup. */
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "GET");
	fk_set("EPICS_AUTH_JWT_RESPONSE_FORMAT",
	    "{ *, \"valid\": \"#response#\" }");
	ok(pl->init(&fk_services, err, sizeof(err)) == 0, "init");
	fk.status = 200;
	fk.body = FK_SEED_BODY;

	tok = mktok(ISS, "softioc", NOW + 86400, NOW - 30);
	verify(tok, &res);
	is_int(res.verdict, PVACMS_ALLOW, "seed token allowed");
	is_str(res.cn, "softioc", "CN");
	is_str(res.o, "localhost", "O");
	is_str(res.ou, "", "OU empty");
	is_str(res.c, "", "C empty");
	is_int(res.not_before, NOW - 30, "not_before = nbf");
	is_int(res.not_after, NOW + 86400, "not_after = exp");
	is_str(res.sub, "softioc", "audit sub");
	is_str(res.iss, ISS, "audit iss");
	is_str(res.jti, "j-1", "audit jti");
	is_int(fk.calls, 1, "validator called once");
	snprintf(withspace, sizeof(withspace), "  %s\n", tok);
	verify(withspace, &res);
	is_int(res.verdict, PVACMS_ALLOW, "surrounding white space ignored");

	/* Order and codes. */
	fk.calls = 0;
	verify("not-a-token", &res);
	is_int(res.verdict, PVACMS_DENY, "garbage denied");
	is_str(res.code, "token_malformed", "token_malformed");
	is_int(res.http_status, 401, "401");
	t2 = mktok("http://localhost:8080/def", "softioc", NOW + 86400, NOW);
	verify(t2, &res);
	is_str(res.code, "issuer_mismatch", "issuer_mismatch");
	is_str(res.reason, "issuer 'http://localhost:8080/def' is not trusted"
	    " by " TRUSTED, "issuer reason");
	free(t2);
	t2 = mktok("http://evil:8080/default", "softioc", NOW - 3600,
	    NOW - 7200);
	verify(t2, &res);
	is_str(res.code, "issuer_mismatch", "issuer checked before expiry");
	free(t2);
	t2 = mktok(ISS, "softioc", NOW - 61, NOW - 7200);
	verify(t2, &res);
	is_str(res.code, "token_expired", "token_expired");
	is_str(res.reason, "token expired", "expired reason");
	is_int(res.verdict, PVACMS_DENY, "expired denied");
	free(t2);
	t2 = mktok(ISS, "softioc", NOW + 86400, NOW + 600);
	verify(t2, &res);
	is_str(res.code, "token_not_yet_valid", "token_not_yet_valid");
	free(t2);
	t2 = mktok(ISS, "", NOW + 86400, NOW);
	verify(t2, &res);
	is_str(res.code, "subject_invalid", "subject_invalid");
	free(t2);
	is_int(fk.calls, 0, "no validator call for locally bad tokens");

	fk.body = FK_FALSE_BODY;
	verify(tok, &res);
	is_int(res.verdict, PVACMS_DENY, "validator says false: denied");
	is_str(res.code, "token_rejected", "token_rejected");
	ok(strncmp(res.reason, "validator rejected the token", 28) == 0,
	    "rejection reason");
	fk.body = FK_SEED_BODY;
	fk.status = 502;
	verify(tok, &res);
	is_int(res.verdict, PVACMS_ERROR, "5xx: error");
	is_str(res.code, "validator_error", "validator_error");
	is_int(res.http_status, 502, "502");
	fk.status = 200;
	fk.fail = 1;
	fk.fail_reason = "connection refused";
	verify(tok, &res);
	is_str(res.code, "validator_unreachable", "validator_unreachable");
	is_int(res.http_status, 503, "503");
	is_str(res.reason, "validator unreachable: connection refused",
	    "unreachable reason");
	fk.fail_reason = "timed out";
	verify(tok, &res);
	is_str(res.code, "validator_timeout", "validator_timeout");
	is_int(res.http_status, 504, "504");
	fk.fail = 0;
	ok(strstr(fk.log, tok) == NULL, "the token is never logged");

	/* Reload. */
	fk_set("EPICS_AUTH_JWT_LEEWAY", "bogus");
	ok(pl->reload(err, sizeof(err)) != 0, "bad reload refused");
	verify(tok, &res);
	is_int(res.verdict, PVACMS_ALLOW, "old config kept");
	fk_set("EPICS_AUTH_JWT_LEEWAY", "0");
	fk_set("EPICS_AUTH_JWT_USE_RESPONSE_CODE", "yes");
	ok(pl->reload(err, sizeof(err)) == 0, "good reload");
	fk.body = "whatever";
	verify(tok, &res);
	is_int(res.verdict, PVACMS_ALLOW, "new config in force");
	t2 = mktok(ISS, "softioc", NOW - 1, NOW - 7200);
	verify(t2, &res);
	is_str(res.code, "token_expired", "leeway 0 in force");
	free(t2);

	/* verify() racing reload(). */
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, racer, tok);
	for (i = 0; i < 50; i++)
		if (pl->reload(err, sizeof(err)) != 0)
			race_bad++;
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_int(race_bad, 0, "concurrent verify and reload");

	pl->fini();
	verify(tok, &res);
	is_int(res.verdict, PVACMS_ERROR, "verify after fini: error");
	free(tok);
	tap_plan(tap_n);
	return tap_done();
}
