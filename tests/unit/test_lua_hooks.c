/*
 * test_lua_hooks.c - the typed hook contract: what extract_claims and
 * interpret_response receive, every accepted return shape, the exact
 * message for every wrong one, load errors, and reload (a broken new
 * version keeps the old one; a good one is swapped in).
 */
#include "config.h"

#include "tap.h"
#include "test_lua_util.h"

/* extract_claims returning `ret`; the reason (or "ALLOW") in out. */
static int
ret_claims(const char *ret, struct pvacms_claims *c, char *out,
    size_t outlen)
{
	static int n;
	char src[2048], name[32], err[400];
	struct pvacms_hook *h;
	int v;

	snprintf(name, sizeof(name), "ret%d.lua", ++n);
	snprintf(src, sizeof(src), "function extract_claims(t)\n"
	    "  return %s\nend\n", ret);
	if ((h = tl_load("extract_claims", name, src, err, sizeof(err))) ==
	    NULL) {
		snprintf(out, outlen, "LOAD: %s", err);
		return -1;
	}
	v = tl_claims(h, c, out, outlen);
	if (v == PVACMS_ALLOW)
		snprintf(out, outlen, "ALLOW");
	return v;
}

static void
wrong(const char *ret, const char *want)
{
	struct pvacms_claims c;
	char out[512];
	int v = ret_claims(ret, &c, out, sizeof(out));

	if (!ok(v == PVACMS_ERROR && strcmp(out, want) == 0 && c.set == 0,
	    "return %s -> %s", ret, want))
		printf("#   verdict %d, got: %s\n", v, out);
}

static void
test_claims_returns(void)
{
	struct pvacms_claims c;
	char out[512];
	int v;

	wrong("42", "extract_claims: expected table or nil, got number");
	wrong("'alice'", "extract_claims: expected table or nil, got string");
	wrong("true", "extract_claims: expected table or nil, got boolean");
	wrong("", "extract_claims: expected table or nil, got no value");
	wrong("tostring", "extract_claims: expected table or nil, got "
	    "function");
	wrong("nil", "extract_claims: expected a reason (string) after nil, "
	    "got no value");
	wrong("nil, 5", "extract_claims: expected a reason (string) after "
	    "nil, got number");
	wrong("{cn = true}", "extract_claims: field cn: expected string, got "
	    "boolean");
	wrong("{o = {}}", "extract_claims: field o: expected string, got "
	    "table");
	wrong("{ou = 1}", "extract_claims: field ou: expected string, got "
	    "number");
	wrong("{c = pvacms.null}", "extract_claims: field c: expected string, "
	    "got userdata");
	wrong("{cn = string.rep('a', 256)}", "extract_claims: field cn: "
	    "longer than 255 bytes");
	wrong("{cn = 'a\\0b'}", "extract_claims: field cn: holds a NUL byte");
	wrong("{not_before = '1'}", "extract_claims: field not_before: "
	    "expected integer, got string");
	wrong("{not_before = 1.5}", "extract_claims: field not_before: "
	    "expected integer, got non-integral number");
	wrong("{not_after = 1e300}", "extract_claims: field not_after: out "
	    "of range (0 .. 2^53)");
	wrong("{not_after = -1}", "extract_claims: field not_after: out of "
	    "range (0 .. 2^53)");
	wrong("{not_after = (1 << 53) + 1}", "extract_claims: field "
	    "not_after: out of range (0 .. 2^53)");
	wrong("{approval = 1}", "extract_claims: field approval: expected "
	    "boolean, got number");
	wrong("{approval = 'yes'}", "extract_claims: field approval: "
	    "expected boolean, got string");
	wrong("{cn = 'a', foo = 1}", "extract_claims: unknown field 'foo'");
	wrong("{'alice'}", "extract_claims: unexpected number key in the "
	    "returned table");
	wrong("{CN = 'a'}", "extract_claims: unknown field 'CN'");

	v = ret_claims("nil, 'only role ioc-admin may request server "
	    "certificates'", &c, out, sizeof(out));
	ok(v == PVACMS_DENY && strcmp(out, "extract_claims: only role "
	    "ioc-admin may request server certificates") == 0,
	    "nil, reason denies with the reason: %s", out);
	v = ret_claims("nil, 'two\\nlines'", &c, out, sizeof(out));
	ok(v == PVACMS_DENY && strcmp(out, "extract_claims: two lines") == 0,
	    "a reason is kept on one line: %s", out);
	v = ret_claims("nil, ''", &c, out, sizeof(out));
	ok(v == PVACMS_DENY && strcmp(out, "extract_claims: denied (no "
	    "reason given)") == 0, "an empty reason: %s", out);

	v = ret_claims("{}", &c, out, sizeof(out));
	ok(v == PVACMS_ALLOW && c.set == 0, "an empty table keeps every "
	    "default");
	v = ret_claims("{cn = 'alice', o = 'lab', ou = 'ops', c = 'US', "
	    "not_before = 100, not_after = 2.0^53, approval = true}", &c,
	    out, sizeof(out));
	ok(v == PVACMS_ALLOW && c.set == (PVACMS_CLAIMS_CN | PVACMS_CLAIMS_O |
	    PVACMS_CLAIMS_OU | PVACMS_CLAIMS_C | PVACMS_CLAIMS_NOT_BEFORE |
	    PVACMS_CLAIMS_NOT_AFTER | PVACMS_CLAIMS_APPROVAL),
	    "every field sets its flag");
	ok(strcmp(c.cn, "alice") == 0 && strcmp(c.o, "lab") == 0 &&
	    strcmp(c.ou, "ops") == 0 && strcmp(c.c, "US") == 0 &&
	    c.not_before == 100 && c.not_after == ((int64_t)1 << 53) &&
	    c.approval == 1, "... with its value (an integral float is an "
	    "integer)");
	v = ret_claims("{cn = 'bob', approval = false, o = nil}", &c, out,
	    sizeof(out));
	ok(v == PVACMS_ALLOW && c.set == (PVACMS_CLAIMS_CN |
	    PVACMS_CLAIMS_APPROVAL) && c.approval == 0,
	    "approval = false is set, o = nil is absent");
}

static void
test_claims_input(void)
{
	struct pvacms_hook *h;
	struct pvacms_claims c;
	char err[512];
	int v;

	h = tl_load("extract_claims", "input.lua",
	    "function extract_claims(t)\n"
	    "  local cl = t.claims\n"
	    "  return {cn = cl.sub, o = t.header.alg .. '/' .. t.usage,\n"
	    "    ou = table.concat(cl.roles, '+') ..\n"
	    "      tostring(cl.extra == pvacms.null),\n"
	    "    not_after = cl.exp, not_before = cl.iat}\n"
	    "end\n", err, sizeof(err));
	ok(h != NULL, "input.lua loads (%s)", err);
	v = tl_claims(h, &c, err, sizeof(err));
	ok(v == PVACMS_ALLOW && strcmp(c.cn, "alice") == 0 &&
	    strcmp(c.o, "RS256/server") == 0 &&
	    strcmp(c.ou, "ioc+opstrue") == 0 && c.not_after == 1741533789 &&
	    c.not_before == 1741447401, "token.header, token.claims (arrays, "
	    "null) and token.usage arrive decoded: %s %s %s", c.cn, c.o,
	    c.ou);
	v = luahook_extract_claims(h, "{}", "{not json", PVACMS_USAGE_CLIENT,
	    &c, err, sizeof(err));
	ok(v == PVACMS_ERROR && strncmp(err, "extract_claims: token claims: "
	    "invalid JSON", 41) == 0, "bad claims JSON is an error: %s", err);
	v = luahook_extract_claims(h, "{}", "{}", 7, &c, err, sizeof(err));
	is_str(err, "extract_claims: bad usage 7", "a bad usage is refused");
	ok(v == PVACMS_ERROR, "... as an error");

	/* Runtime errors: one line naming hook, file and line. */
	tl_log[0] = '\0';
	h = tl_load("extract_claims", "f.lua",
	    "function extract_claims(t)\n"
	    "  local x\n"
	    "  return {cn = x.y}\n"
	    "end\n", err, sizeof(err));
	v = tl_claims(h, &c, err, sizeof(err));
	is_str(err, "extract_claims: f.lua:3: attempt to index a nil value "
	    "(local 'x')", "a runtime error names hook, file and line");
	ok(v == PVACMS_ERROR, "... and is an error");
	ok(strstr(tl_log, "hook extract_claims (f.lua): f.lua:3: attempt to "
	    "index a nil value (local 'x') | stack traceback: | ") != NULL &&
	    strstr(tl_log, "f.lua:3: in function <f.lua:1>") != NULL,
	    "the traceback is logged on one line");
	h = tl_load("extract_claims", "obj.lua",
	    "function extract_claims(t) error({}) end\n", err, sizeof(err));
	v = tl_claims(h, &c, err, sizeof(err));
	is_str(err, "extract_claims: (error object is a table value)",
	    "a non-string error object");
}

static void
test_response(void)
{
	static const char *const headers[] = {
		"Content-Type: application/json",
		"X-Trace: a",
		"x-trace:   b  ",
		"no colon here",
		NULL
	};
	struct pvacms_hook *h;
	char err[512];
	int v;

	h = tl_load("interpret_response", "resp.lua",
	    "function interpret_response(r)\n"
	    "  if r.status ~= 200 then\n"
	    "    return false, 'validator said ' .. r.status\n"
	    "  end\n"
	    "  if r.json == nil then return 'maybe' end\n"
	    "  if r.json.mode == 'nothing' then return end\n"
	    "  if r.json.mode == 'bare' then return false end\n"
	    "  if r.json.mode == 'nil' then return nil, 'x' end\n"
	    "  if r.json.mode == 'hdr' then\n"
	    "    return false, r.headers['content-type'] .. '|' ..\n"
	    "      r.headers['x-trace'] .. '|' .. #r.body\n"
	    "  end\n"
	    "  if r.json.active == true then return true, 'ignored' end\n"
	    "  return false, 'token is not active'\n"
	    "end\n", err, sizeof(err));
	ok(h != NULL, "resp.lua loads (%s)", err);
#define RESP(status, body) luahook_interpret_response(h, status, body, \
    strlen(body), headers, err, sizeof(err))
	v = RESP(200, "{\"active\":true}");
	ok(v == PVACMS_ALLOW, "true allows");
	v = RESP(200, "{\"active\":false}");
	ok(v == PVACMS_DENY && strcmp(err, "interpret_response: token is "
	    "not active") == 0, "false, reason denies: %s", err);
	v = RESP(401, "{}");
	ok(v == PVACMS_DENY && strcmp(err, "interpret_response: validator "
	    "said 401") == 0, "r.status arrives: %s", err);
	v = RESP(200, "{\"mode\":\"hdr\"}");
	ok(v == PVACMS_DENY && strcmp(err, "interpret_response: "
	    "application/json|a, b|14") == 0, "r.headers (lower-cased, "
	    "repeats joined) and r.body arrive: %s", err);
	v = RESP(200, "not json");
	is_str(err, "interpret_response: expected boolean, got string",
	    "r.json is nil for a body that is not JSON; a string is wrong");
	ok(v == PVACMS_ERROR, "... and an error");
	v = RESP(200, "{\"mode\":\"nothing\"}");
	is_str(err, "interpret_response: expected boolean, got no value",
	    "no value is wrong");
	v = RESP(200, "{\"mode\":\"bare\"}");
	is_str(err, "interpret_response: expected a reason (string) after "
	    "false, got no value", "false needs a reason");
	v = RESP(200, "{\"mode\":\"nil\"}");
	is_str(err, "interpret_response: expected boolean, got nil",
	    "nil, reason is not the response contract");
	v = luahook_interpret_response(h, 200, NULL, 0, NULL, err,
	    sizeof(err));
	is_str(err, "interpret_response: expected boolean, got string",
	    "no body and no headers: r.body is '' and r.json nil");
#undef RESP
}

/* ABI 1.5: "false, reason, code". */
static void
test_response_code(void)
{
	char err[512], code[PVACMS_CODE_MAX];
	struct pvacms_hook *h;
	int v;

	h = tl_load("interpret_response", "code.lua",
	    "function interpret_response(r)\n"
	    "  if r.status == 401 then\n"
	    "    return false, 'refused us', 'validator_auth_failed'\n"
	    "  end\n"
	    "  if r.status == 402 then return false, 'x', 42 end\n"
	    "  if r.status == 403 then return false, 'x', 'Bad-Code' end\n"
	    "  if r.status == 404 then return false, 'x', nil end\n"
	    "  if r.status == 405 then return false, 'x', string.rep('a', 80)"
	    " end\n"
	    "  return true, 'ignored', 'token_inactive'\n"
	    "end\n", err, sizeof(err));
	ok(h != NULL, "code.lua loads (%s)", err);
#define CODE(status) luahook_interpret_response_code(h, status, "{}", 2, \
    NULL, code, sizeof(code), err, sizeof(err))
	v = CODE(401);
	ok(v == PVACMS_DENY, "false, reason, code denies");
	is_str(code, "validator_auth_failed", "the code comes back");
	is_str(err, "interpret_response: refused us", "with the reason");
	v = CODE(402);
	ok(v == PVACMS_ERROR && strstr(err, "expected a reason code (string)"
	    " after the reason, got number") != NULL,
	    "a number as code is an error: %s", err);
	v = CODE(403);
	ok(v == PVACMS_ERROR && strstr(err, "a-z and _") != NULL,
	    "a code with capitals or '-' is an error: %s", err);
	v = CODE(404);
	ok(v == PVACMS_DENY && code[0] == '\0', "a nil code: no code");
	v = CODE(405);
	ok(v == PVACMS_ERROR, "a code longer than PVACMS_CODE_MAX - 1 is an "
	    "error");
	v = CODE(200);
	ok(v == PVACMS_ALLOW && code[0] == '\0', "true: no code, whatever"
	    " follows");
#undef CODE
}

static void
test_load_errors(void)
{
	char err[512], big[300 * 1024];
	struct pvacms_hook *h;

	h = tl_load("extract_claims", "syntax.lua",
	    "function extract_claims(t)\n  return {cn = }\nend\n", err,
	    sizeof(err));
	ok(h == NULL && strcmp(err, "syntax.lua:2: unexpected symbol near "
	    "'}'") == 0, "a syntax error names file:line: %s", err);
	h = tl_load("extract_claims", "nofn.lua", "local x = 1\n", err,
	    sizeof(err));
	is_str(err, "nofn.lua: does not define function extract_claims",
	    "a script without the hook function");
	h = tl_load("interpret_response", "wrongfn.lua",
	    "function extract_claims(t) return {} end\n", err, sizeof(err));
	is_str(err, "wrongfn.lua: does not define function "
	    "interpret_response", "a script with the other hook only");
	h = tl_load("extract_claims", "notfn.lua", "extract_claims = 1\n",
	    err, sizeof(err));
	is_str(err, "notfn.lua: does not define function extract_claims",
	    "a global that is not a function");
	h = tl_load("extract_claims", "toperr.lua", "local x = nil + 1\n"
	    "function extract_claims(t) return {} end\n", err, sizeof(err));
	ok(h == NULL && strncmp(err, "toperr.lua:1: attempt to perform "
	    "arithmetic", 41) == 0, "a top-level runtime error: %s", err);
	h = tl_load("other_hook", "x.lua", "function other_hook() end\n",
	    err, sizeof(err));
	is_str(err, "unknown hook 'other_hook'", "an unknown hook name");
	h = luahook_load("extract_claims", "/nonexistent/x.lua", err,
	    sizeof(err));
	ok(h == NULL && strstr(err, "/nonexistent/x.lua") != NULL,
	    "a missing file: %s", err);
	memset(big, '-', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	h = tl_load("extract_claims", "big.lua", big, err, sizeof(err));
	ok(h == NULL && strstr(err, "file too large") != NULL,
	    "a script over 256 KiB: %s", err);
	h = tl_load("extract_claims", "bc.lua", "\033Lua", err, sizeof(err));
	ok(h == NULL && strstr(err, "attempt to load a binary chunk") !=
	    NULL, "a precompiled script file: %s", err);
}

static void
test_reload(void)
{
	struct pvacms_hook *h;
	struct pvacms_claims c;
	char err[512];
	int v;

	h = tl_load("extract_claims", "rl.lua",
	    "function extract_claims(t) return {cn = 'v1'} end\n", err,
	    sizeof(err));
	ok(h != NULL, "rl.lua v1 loads");
	tl_write("rl.lua", "function extract_claims(t)\n"
	    "  return {cn = 'v2'\nend\n");
	tl_log[0] = '\0';
	ok(luahook_reload_all() == 1, "a reload with a syntax error fails");
	ok(strstr(tl_log, "reload of rl.lua failed, keeping the previous "
	    "version: rl.lua:3: '}' expected (to close '{' at line 2) near "
	    "'end'") != NULL, "... and says why: %s", tl_log);
	v = tl_claims(h, &c, err, sizeof(err));
	ok(v == PVACMS_ALLOW && strcmp(c.cn, "v1") == 0,
	    "the old version keeps answering");
	tl_write("rl.lua", "function other() end\n");
	ok(luahook_reload_all() == 1 && strstr(tl_log, "rl.lua: does not "
	    "define function extract_claims") != NULL,
	    "a new version without the function is refused");
	tl_write("rl.lua", "while true do end\n");
	ok(luahook_reload_all() == 1 && strstr(tl_log, "rl.lua: timed out "
	    "after 100 ms while loading") != NULL,
	    "a new version whose top level hangs is refused");
	tl_write("rl.lua", "function extract_claims(t) return {cn = 'v2'} "
	    "end\n");
	tl_log[0] = '\0';
	ok(luahook_reload_all() == 0 && strstr(tl_log, "reloaded hook "
	    "extract_claims from ") != NULL, "a good new version reloads");
	v = tl_claims(h, &c, err, sizeof(err));
	ok(v == PVACMS_ALLOW && strcmp(c.cn, "v2") == 0,
	    "the same handle now runs the new version");
}

int
main(void)
{
	tap_plan(76);
	tl_setup();
	test_claims_returns();
	test_claims_input();
	test_response();
	test_response_code();
	test_load_errors();
	tl_teardown();
	tl_setup();
	test_reload();
	tl_teardown();
	return tap_done();
}
