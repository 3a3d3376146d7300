/*
 * test_jwt_hooks.c - the jwt plugin's side of the Lua hooks, against a
 * fake services table whose hook calls answer what the test programs:
 * init loads the scripts (or refuses an old host), reload refuses a
 * path change, what extract_claims returns is merged over the defaults
 * and clamped to the token's window, interpret_response replaces the
 * response pattern, the hook verdicts map to script_denied and
 * script_error (403), and dry_run decides like verify without the
 * network.  jwt_plugin.c is compiled into this program.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "test_jwt_util.h"
#include "pvacms/authn.h"

#include "jwt_claims.h"
#include "jwt_config.h"
#include "jwt_hooks.h"
#include "jwt_remote.h"
#include "jwt_status.h"

extern struct pvacms_authn_plugin pvacms_authn_plugin;

#define TRUSTED "http://localhost:8080/default/verify"
#define ISS "http://localhost:8080/default"
#define NOW 1755147136LL
#define EXP (NOW + 86400)
#define NBF (NOW - 30)

/* What the fake hooks answer, and what they were given. */
static struct {
	int load_calls;
	char load_name[64];
	char load_path[256];
	int load_fail;

	int claims_calls;
	int claims_verdict;
	struct pvacms_claims claims;
	const char *claims_reason;
	char got_header[1024];
	char got_claims[2048];
	int got_usage;
	struct pvacms_hook *got_hook;

	int resp_calls;
	int resp_verdict;
	const char *resp_reason;
	long got_status;
	char got_body[1024];
	char got_headers[256];
} fh;

static int hook_claims_obj, hook_resp_obj;
#define HOOK_CLAIMS ((struct pvacms_hook *)&hook_claims_obj)
#define HOOK_RESP ((struct pvacms_hook *)&hook_resp_obj)

static struct pvacms_hook *fh_load(const char *, const char *, char *,
		    size_t);
static int	fh_claims(struct pvacms_hook *, const char *, const char *,
		    int, struct pvacms_claims *, char *, size_t);
static int	fh_resp(struct pvacms_hook *, long, const char *, size_t,
		    const char *const *, char *, size_t);
static char	*mktok(const char *sub);
static void	run(const char *tok, int usage, int offline,
		    const struct pvacms_http_response *saved,
		    struct pvacms_authn_result *res);
static void	test_merge(void);

static const struct pvacms_authn_plugin *pl = &pvacms_authn_plugin;

static struct pvacms_hook *
fh_load(const char *name, const char *path, char *err, size_t errlen)
{
	fh.load_calls++;
	snprintf(fh.load_name, sizeof(fh.load_name), "%s", name);
	snprintf(fh.load_path, sizeof(fh.load_path), "%s", path);
	if (fh.load_fail) {
		snprintf(err, errlen, "%s:3: syntax error near 'end'", path);
		return NULL;
	}
	return strcmp(name, "extract_claims") == 0 ? HOOK_CLAIMS : HOOK_RESP;
}

static int
fh_claims(struct pvacms_hook *hook, const char *header, const char *claims,
    int usage, struct pvacms_claims *out, char *reason, size_t reasonlen)
{
	fh.claims_calls++;
	fh.got_hook = hook;
	snprintf(fh.got_header, sizeof(fh.got_header), "%s", header);
	snprintf(fh.got_claims, sizeof(fh.got_claims), "%s", claims);
	fh.got_usage = usage;
	if (fh.claims_verdict == PVACMS_ALLOW)
		*out = fh.claims;
	else
		snprintf(reason, reasonlen, "%s", fh.claims_reason);
	return fh.claims_verdict;
}

static int
fh_resp(struct pvacms_hook *hook, long status, const char *body,
    size_t body_len, const char *const *headers, char *reason,
    size_t reasonlen)
{
	const char *const *h;

	fh.resp_calls++;
	fh.got_hook = hook;
	fh.got_status = status;
	snprintf(fh.got_body, sizeof(fh.got_body), "%.*s", (int)body_len,
	    body);
	fh.got_headers[0] = '\0';
	for (h = headers; h != NULL && *h != NULL; h++)
		snprintf(fh.got_headers + strlen(fh.got_headers),
		    sizeof(fh.got_headers) - strlen(fh.got_headers), "%s|",
		    *h);
	if (fh.resp_verdict != PVACMS_ALLOW)
		snprintf(reason, reasonlen, "%s", fh.resp_reason);
	return fh.resp_verdict;
}

/* Returns a token the caller frees. */
static char *
mktok(const char *sub)
{
	char p[1024];

	snprintf(p, sizeof(p), "{\"sub\":\"%s\",\"iss\":\"%s\",\"aud\":"
	    "\"default\",\"exp\":%lld,\"nbf\":%lld,\"iat\":%lld,\"jti\":"
	    "\"j-1\",\"realm_access\":{\"roles\":[\"ioc-admin\"]}}", sub, ISS,
	    EXP, NBF, NBF);
	return tj_token(TJ_HDR, p, TJ_SIG);
}

static void
run(const char *tok, int usage, int offline,
    const struct pvacms_http_response *saved, struct pvacms_authn_result *res)
{
	struct pvacms_authn_request req;

	memset(&req, 0, sizeof(req));
	memset(res, 0, sizeof(*res));
	req.type = "jwt";
	req.usage = usage;
	req.credential = tok;
	req.credential_len = strlen(tok);
	req.pubkey_sha256 = "00";
	req.now = NOW;
	if (offline)
		pl->dry_run(&req, saved, res);
	else
		pl->verify(&req, res);
}

/* jwt_hooks_merge and jwt_hooks_reason on their own. */
static void
test_merge(void)
{
	struct pvacms_claims c;
	struct jwt_identity id, base;
	char err[512];
	int approval = 0;

	memset(&base, 0, sizeof(base));
	snprintf(base.cn, sizeof(base.cn), "softioc");
	snprintf(base.o, sizeof(base.o), "localhost");
	base.not_before = 1000;
	base.not_after = 2000;

	memset(&c, 0, sizeof(c));
	id = base;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)), JWT_OK,
	    "merge: nothing set keeps the defaults");
	ok(strcmp(id.cn, "softioc") == 0 && strcmp(id.o, "localhost") == 0 &&
	    id.not_before == 1000 && id.not_after == 2000 && approval == 0,
	    "merge: defaults unchanged");

	c.set = PVACMS_CLAIMS_CN | PVACMS_CLAIMS_OU | PVACMS_CLAIMS_C |
	    PVACMS_CLAIMS_O | PVACMS_CLAIMS_APPROVAL;
	snprintf(c.cn, sizeof(c.cn), "alice");
	snprintf(c.ou, sizeof(c.ou), "operators");
	snprintf(c.c, sizeof(c.c), "DE");
	c.o[0] = '\0';
	c.approval = 1;
	id = base;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)), JWT_OK,
	    "merge: subject keys");
	is_str(id.cn, "alice", "merge: cn replaced");
	is_str(id.o, "", "merge: o set to empty (omitted)");
	is_str(id.ou, "operators", "merge: ou");
	is_str(id.c, "DE", "merge: c");
	is_int(approval, 1, "merge: approval");

	c.set = PVACMS_CLAIMS_NOT_BEFORE | PVACMS_CLAIMS_NOT_AFTER;
	c.not_before = 1200;
	c.not_after = 1500;
	id = base;
	approval = 0;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)), JWT_OK,
	    "merge: narrower window");
	ok(id.not_before == 1200 && id.not_after == 1500,
	    "merge: narrower window taken");
	is_int(approval, 0, "merge: approval untouched when not set");
	c.not_before = 10;
	c.not_after = 99999;
	id = base;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)), JWT_OK,
	    "merge: wider window");
	ok(id.not_before == 1000 && id.not_after == 2000,
	    "merge: wider window clamped to the token's");
	c.set = PVACMS_CLAIMS_NOT_AFTER;
	c.not_after = 1000;
	id = base;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: not_after at not_before refused");
	is_str(err, "extract_claims: script returned an empty validity window",
	    "merge: empty window reason");
	ok(id.not_after == 2000, "merge: identity untouched on refusal");
	c.set = PVACMS_CLAIMS_NOT_BEFORE;
	c.not_before = 5000;
	id = base;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: not_before after exp refused");

	c.set = PVACMS_CLAIMS_CN;
	c.cn[0] = '\0';
	id = base;
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: empty cn refused");
	ok(strncmp(err, "extract_claims: field cn:", 25) == 0,
	    "merge: reason names the field");
	snprintf(c.cn, sizeof(c.cn), "a\nb");
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: control character in cn refused");
	memset(c.cn, 'x', 64);
	c.cn[64] = '\0';
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: 64-byte cn refused");
	c.cn[63] = '\0';
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)), JWT_OK,
	    "merge: 63-byte cn taken");
	memset(c.cn, 'x', sizeof(c.cn));	/* no NUL at all */
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: unterminated cn refused");
	c.set = PVACMS_CLAIMS_OU;
	memset(c.ou, 'y', 65);
	c.ou[65] = '\0';
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: 65-byte ou refused");
	c.set = PVACMS_CLAIMS_C;
	snprintf(c.c, sizeof(c.c), "de");
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: lower-case country refused");
	snprintf(c.c, sizeof(c.c), "DEU");
	is_int(jwt_hooks_merge(&c, &id, &approval, err, sizeof(err)),
	    JWT_SCRIPT_ERROR, "merge: three-letter country refused");

	jwt_hooks_reason(err, sizeof(err), "extract_claims", "no role");
	is_str(err, "extract_claims: no role", "reason: prefixed");
	jwt_hooks_reason(err, sizeof(err), "extract_claims",
	    "extract_claims: timed out after 100 ms");
	is_str(err, "extract_claims: timed out after 100 ms",
	    "reason: not prefixed twice");
	jwt_hooks_reason(err, sizeof(err), "interpret_response", "a\nb");
	is_str(err, "interpret_response: a?b", "reason: one line");
	jwt_hooks_reason(err, sizeof(err), "interpret_response", "");
	is_str(err, "interpret_response: no reason given", "reason: empty");
}

int
main(void)
{
	struct pvacms_host_services svc, old;
	struct pvacms_authn_result res;
	struct pvacms_http_response saved;
	char err[512], *tok;

	test_merge();

	/* Availability of the hook calls. */
	svc = fk_services;
	svc.hook_load = fh_load;
	svc.hook_extract_claims = fh_claims;
	svc.hook_interpret_response = fh_resp;
	ok(jwt_hooks_available(&svc), "hooks available on a 1.1 table");
	old = svc;
	old.version = (1 << 16);
	ok(!jwt_hooks_available(&old), "not on a 1.0 host");
	old = svc;
	old.size = offsetof(struct pvacms_host_services, hook_load);
	ok(!jwt_hooks_available(&old), "not on a short table");
	old = svc;
	old.hook_interpret_response = NULL;
	ok(!jwt_hooks_available(&old), "not with a NULL member");

	/* init: an old host with a script configured. */
	is_int(pl->abi_version, PVACMS_AUTHN_ABI_VERSION, "plugin ABI 1.1");
	ok(pl->dry_run != NULL, "dry_run exported");
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "GET");
	fk_set("EPICS_AUTH_JWT_RESPONSE_FORMAT",
	    "{ *, \"valid\": \"#response#\" }");
	fk_set("EPICS_AUTH_JWT_CLAIMS_SCRIPT", "/etc/pvacms/claims.lua");
	old = fk_services;
	old.version = (1 << 16);
	old.size = offsetof(struct pvacms_host_services, hook_load);
	ok(pl->init(&old, err, sizeof(err)) != 0, "1.0 host with a script:"
	    " init refused");
	ok(strstr(err, "host too old for Lua hooks") != NULL,
	    "reason: host too old for Lua hooks");
	fk_set("EPICS_AUTH_JWT_CLAIMS_SCRIPT", NULL);
	ok(pl->init(&old, err, sizeof(err)) == 0, "1.0 host without scripts:"
	    " init");
	pl->fini();

	/* init: a load error is fatal and names file:line. */
	fk_set("EPICS_AUTH_JWT_CLAIMS_SCRIPT", " /etc/pvacms/claims.lua ");
	fh.load_fail = 1;
	ok(pl->init(&svc, err, sizeof(err)) != 0, "script load error: init"
	    " refused");
	is_str(err, "EPICS_AUTH_JWT_CLAIMS_SCRIPT: /etc/pvacms/claims.lua:3:"
	    " syntax error near 'end'", "load error names file:line");
	fh.load_fail = 0;
	fh.load_calls = 0;
	ok(pl->init(&svc, err, sizeof(err)) == 0, "init with a claims script");
	is_int(fh.load_calls, 1, "one script loaded");
	is_str(fh.load_name, "extract_claims", "hook name extract_claims");
	is_str(fh.load_path, "/etc/pvacms/claims.lua", "path trimmed");

	/* verify: the defaults go to the script, its keys come back. */
	fk.status = 200;
	fk.body = FK_SEED_BODY;
	tok = mktok("softioc");
	fh.claims_verdict = PVACMS_ALLOW;
	fh.claims.set = PVACMS_CLAIMS_CN | PVACMS_CLAIMS_OU |
	    PVACMS_CLAIMS_NOT_AFTER;
	snprintf(fh.claims.cn, sizeof(fh.claims.cn), "alice");
	snprintf(fh.claims.ou, sizeof(fh.claims.ou), "ops");
	fh.claims.not_after = EXP + 3600;
	run(tok, PVACMS_USAGE_SERVER, 0, NULL, &res);
	is_int(res.verdict, PVACMS_ALLOW, "claims hook: allowed");
	is_int(fk.calls, 1, "validator asked before the script");
	is_int(fh.claims_calls, 1, "extract_claims called once");
	ok(fh.got_hook == HOOK_CLAIMS, "with the claims handle");
	is_int(fh.got_usage, PVACMS_USAGE_SERVER, "usage passed");
	ok(strstr(fh.got_claims, "\"sub\":\"softioc\"") != NULL &&
	    strstr(fh.got_claims, "\"realm_access\":{\"roles\":"
	    "[\"ioc-admin\"]}") != NULL, "claims passed as JSON text");
	ok(strstr(fh.got_header, "\"kid\":\"demo-key-1\"") != NULL,
	    "header passed as JSON text");
	is_str(res.cn, "alice", "CN from the script");
	is_str(res.o, "localhost", "O keeps the default");
	is_str(res.ou, "ops", "OU from the script");
	is_int(res.not_before, NBF, "not_before keeps the default");
	is_int(res.not_after, EXP, "not_after past exp clamped to exp");
	is_int(res.approval, 0, "no approval");
	is_str(res.sub, "softioc", "audit sub is the token's");
	is_str(res.reason, "", "no reason on a live allow");

	fh.claims.set = PVACMS_CLAIMS_APPROVAL | PVACMS_CLAIMS_NOT_BEFORE;
	fh.claims.approval = 1;
	fh.claims.not_before = NOW + 600;
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_int(res.verdict, PVACMS_ALLOW, "approval: allowed");
	is_int(res.approval, 1, "approval reaches the result");
	is_int(res.not_before, NOW + 600, "later not_before taken");
	is_str(res.cn, "softioc", "CN default without cn");

	fh.claims.set = PVACMS_CLAIMS_NOT_AFTER;
	fh.claims.not_after = NBF - 1;
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_int(res.verdict, PVACMS_DENY, "empty window: denied");
	is_str(res.code, "script_error", "empty window: script_error");
	is_str(res.reason, "extract_claims: script returned an empty validity"
	    " window", "empty window reason");

	fh.claims_verdict = PVACMS_DENY;
	fh.claims_reason = "only role 'ioc-admin' may request server"
	    " certificates";
	run(tok, PVACMS_USAGE_SERVER, 0, NULL, &res);
	is_int(res.verdict, PVACMS_DENY, "script says no: denied");
	is_str(res.code, "script_denied", "code script_denied");
	is_int(res.http_status, 403, "HTTP 403");
	is_str(res.reason, "extract_claims: only role 'ioc-admin' may request"
	    " server certificates", "the script's reason, naming the hook");
	is_str(res.cn, "", "no identity on denial");

	fh.claims_verdict = PVACMS_ERROR;
	fh.claims_reason = "extract_claims: timed out after 100 ms";
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_int(res.verdict, PVACMS_DENY, "script error: refused (fail closed)");
	is_str(res.code, "script_error", "code script_error");
	is_int(res.http_status, 403, "HTTP 403 for an error too");
	is_str(res.reason, "extract_claims: timed out after 100 ms",
	    "error reason kept");

	/* The script runs only for tokens that passed the earlier checks. */
	fh.claims_calls = 0;
	fk.body = FK_FALSE_BODY;
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_str(res.code, "token_rejected", "validator no: before the"
	    " script");
	is_int(fh.claims_calls, 0, "extract_claims not called");
	fk.body = FK_SEED_BODY;

	/* Reload: the same path is fine, a changed one needs a restart. */
	fh.load_calls = 0;
	fk_set("EPICS_AUTH_JWT_LEEWAY", "10");
	ok(pl->reload(err, sizeof(err)) == 0, "reload, same script path");
	is_int(fh.load_calls, 0, "reload does not load scripts");
	fk_set("EPICS_AUTH_JWT_CLAIMS_SCRIPT", "/etc/pvacms/other.lua");
	ok(pl->reload(err, sizeof(err)) != 0, "reload, changed path refused");
	ok(strstr(err, "EPICS_AUTH_JWT_CLAIMS_SCRIPT") != NULL &&
	    strstr(err, "needs a restart") != NULL,
	    "reason: a path change needs a restart");
	fk_set("EPICS_AUTH_JWT_CLAIMS_SCRIPT", "/etc/pvacms/claims.lua");
	fk_set("EPICS_AUTH_JWT_RESPONSE_SCRIPT", "/etc/pvacms/resp.lua");
	ok(pl->reload(err, sizeof(err)) != 0, "reload, added script refused");
	ok(strstr(err, "EPICS_AUTH_JWT_RESPONSE_SCRIPT") != NULL,
	    "reason names the response script");
	pl->fini();

	/* interpret_response replaces the pattern. */
	fh.load_calls = 0;
	fk_set("EPICS_AUTH_JWT_CLAIMS_SCRIPT", NULL);
	ok(pl->init(&svc, err, sizeof(err)) == 0, "init with a response"
	    " script");
	is_str(fh.load_name, "interpret_response", "hook name"
	    " interpret_response");
	fh.claims_calls = 0;
	fh.resp_verdict = PVACMS_ALLOW;
	fk.body = "{\"active\":true}";
	fk.calls = 0;
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_int(res.verdict, PVACMS_ALLOW, "script yes: allowed (pattern"
	    " would say no)");
	is_int(fh.resp_calls, 1, "interpret_response called once");
	ok(fh.got_hook == HOOK_RESP, "with the response handle");
	is_int(fh.got_status, 200, "status passed");
	is_str(fh.got_body, "{\"active\":true}", "body passed");
	is_int(fh.claims_calls, 0, "no claims script: none called");
	is_str(res.cn, "softioc", "default identity");
	fh.resp_verdict = PVACMS_DENY;
	fh.resp_reason = "token is not active";
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_str(res.code, "script_denied", "script no: script_denied");
	is_int(res.http_status, 403, "script no: 403");
	is_str(res.reason, "interpret_response: token is not active",
	    "script no: its reason");
	fh.resp_verdict = PVACMS_ERROR;
	fh.resp_reason = "interpret_response: expected boolean, got nil";
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_str(res.code, "script_error", "script error: script_error");
	fh.resp_calls = 0;
	fh.resp_verdict = PVACMS_ALLOW;
	fk.status = 503;
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_str(res.code, "validator_error", "5xx: validator_error");
	is_int(fh.resp_calls, 0, "5xx: the script is not asked");
	fk.status = 401;
	run(tok, PVACMS_USAGE_CLIENT, 0, NULL, &res);
	is_int(fh.resp_calls, 1, "4xx: the script is asked");
	is_str(res.code, "token_rejected", "4xx: a script's yes is not"
	    " taken");
	fk.status = 200;

	/* dry_run: no network, the same checks. */
	fk.calls = 0;
	fh.resp_calls = 0;
	run(tok, PVACMS_USAGE_CLIENT, 1, NULL, &res);
	is_int(res.verdict, PVACMS_ALLOW, "dry run without answer: allowed");
	is_str(res.reason, "skipped: no --response given",
	    "dry run: remote check skipped");
	is_int(fk.calls, 0, "dry run: no fetch");
	is_int(fh.resp_calls, 0, "dry run: no answer to interpret");
	memset(&saved, 0, sizeof(saved));
	saved.status = 200;
	saved.body = "{\"active\":false}";
	saved.body_len = strlen(saved.body);
	saved.content_type = "application/json";
	fh.resp_verdict = PVACMS_DENY;
	run(tok, PVACMS_USAGE_CLIENT, 1, &saved, &res);
	is_int(res.verdict, PVACMS_DENY, "dry run: saved answer judged");
	is_str(res.code, "script_denied", "dry run: by the script");
	is_str(fh.got_body, "{\"active\":false}", "dry run: saved body given");
	is_str(fh.got_headers, "Content-Type: application/json|",
	    "dry run: content type given as a header");
	fh.resp_verdict = PVACMS_ALLOW;
	run(tok, PVACMS_USAGE_CLIENT, 1, &saved, &res);
	is_int(res.verdict, PVACMS_ALLOW, "dry run: script yes");
	is_str(res.reason, "validator answer accepted",
	    "dry run: remote check text");
	is_int(fk.calls, 0, "dry run: still no fetch");
	free(tok);
	tok = mktok("softioc");
	{
		char *t2 = tj_token(TJ_HDR, "{\"sub\":\"x\",\"iss\":\""
		    "http://evil/default\",\"exp\":9999999999}", TJ_SIG);

		run(t2, PVACMS_USAGE_CLIENT, 1, NULL, &res);
		is_str(res.code, "issuer_mismatch", "dry run: iss rule");
		free(t2);
	}
	pl->fini();

	/* dry_run with the response pattern (no script). */
	fk_set("EPICS_AUTH_JWT_RESPONSE_SCRIPT", NULL);
	ok(pl->init(&svc, err, sizeof(err)) == 0, "init without scripts");
	saved.body = FK_SEED_BODY;
	saved.body_len = strlen(saved.body);
	run(tok, PVACMS_USAGE_CLIENT, 1, &saved, &res);
	is_int(res.verdict, PVACMS_ALLOW, "dry run: pattern says yes");
	is_str(res.reason, "validator answer accepted", "dry run: accepted");
	saved.body = FK_FALSE_BODY;
	saved.body_len = strlen(saved.body);
	run(tok, PVACMS_USAGE_CLIENT, 1, &saved, &res);
	is_str(res.code, "token_rejected", "dry run: pattern says no");
	saved.status = 500;
	run(tok, PVACMS_USAGE_CLIENT, 1, &saved, &res);
	is_int(res.verdict, PVACMS_ERROR, "dry run: 500 is an error");
	is_int(fk.calls, 0, "dry runs never fetch");
	pl->fini();
	free(tok);

	/* A POST format "name=#token#" is sent as a form. */
	{
		struct jwt_config *cfg;
		char *url, *body;
		const char *ctype;

		fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "POST");
		fk_set("EPICS_AUTH_JWT_REQUEST_FORMAT",
		    "token=#token#&token_type_hint=access_token&k=#kid#");
		cfg = jwt_config_load(fk_get, err, sizeof(err));
		ok(cfg != NULL, "POST form config");
		ok(cfg != NULL && jwt_remote_build(cfg, "a.b-c_d", 7, "k:1",
		    &url, &body, &ctype) == 0, "form request built");
		is_str(ctype, "application/x-www-form-urlencoded",
		    "form content type");
		is_str(body, "token=a.b-c_d&token_type_hint=access_token&"
		    "k=k%3A1", "form values url-encoded");
		free(url);
		free(body);
		jwt_config_free(cfg);
		fk_set("EPICS_AUTH_JWT_REQUEST_FORMAT", "#token#");
		cfg = jwt_config_load(fk_get, err, sizeof(err));
		ok(cfg != NULL && jwt_remote_build(cfg, "a.b", 3, NULL, &url,
		    &body, &ctype) == 0, "raw request built");
		is_str(ctype, "text/plain", "raw token stays text/plain");
		free(url);
		free(body);
		jwt_config_free(cfg);
	}

	tap_plan(tap_n);
	return tap_done();
}
