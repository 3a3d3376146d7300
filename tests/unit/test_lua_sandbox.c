/*
 * test_lua_sandbox.c - what a hook script can and cannot reach: no io,
 * os beyond time/date/clock, require, dofile, loadfile, bytecode, debug,
 * collectgarbage; locked globals and a read-only pvacms table.
 */
#include "config.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "tap.h"
#include "test_lua_util.h"

/*
 * Run body as the inside of extract_claims(t).  Returns the verdict; the
 * cn (ALLOW) or reason (otherwise) in out.
 */
static int
probe(const char *body, char *out, size_t outlen)
{
	static int n;
	char src[4096], name[32], err[512];
	struct pvacms_hook *h;
	struct pvacms_claims c;
	int v;

	snprintf(name, sizeof(name), "probe%d.lua", ++n);
	snprintf(src, sizeof(src), "function extract_claims(t)\n%s\nend\n",
	    body);
	if ((h = tl_load("extract_claims", name, src, err, sizeof(err))) ==
	    NULL) {
		snprintf(out, outlen, "LOAD: %s", err);
		return -1;
	}
	v = tl_claims(h, &c, err, sizeof(err));
	snprintf(out, outlen, "%s", v == PVACMS_ALLOW ? c.cn : err);
	return v;
}

/* 1 if the probe failed with a reason containing want. */
static int
denied_with(const char *body, const char *want)
{
	char out[512];
	int v = probe(body, out, sizeof(out));

	if (v != PVACMS_ERROR || strstr(out, want) == NULL) {
		printf("#   verdict %d, got: %s\n#   want: ...%s...\n", v, out,
		    want);
		return 0;
	}
	return 1;
}

/* 1 if the probe allowed with cn equal to want. */
static int
allowed_with(const char *body, const char *want)
{
	char out[512];
	int v = probe(body, out, sizeof(out));

	if (v != PVACMS_ALLOW || strcmp(out, want) != 0) {
		printf("#   verdict %d, got: %s\n#   want: %s\n", v, out, want);
		return 0;
	}
	return 1;
}

/* Bytecode of a trivial function, made by an ordinary Lua state. */
static char *
bytecode(size_t *len)
{
	lua_State *L = luaL_newstate();
	const char *s;
	char *copy;

	luaL_openlibs(L);
	if (luaL_dostring(L, "return string.dump(function() return 'pwned' "
	    "end)") != LUA_OK)
		return NULL;
	s = lua_tolstring(L, -1, len);
	copy = malloc(*len);
	memcpy(copy, s, *len);
	lua_close(L);
	return copy;
}

static void
test_bytecode(void)
{
	struct pvacms_hook *h;
	char err[512], *bc;
	size_t len;
	int v;

	h = tl_load("interpret_response", "bc.lua",
	    "function interpret_response(r)\n"
	    "  local f, e = load(r.body)\n"
	    "  if f then return true end\n"
	    "  local g, e2 = load(r.body, 'x', 'b')\n"
	    "  if g then return true end\n"
	    "  return false, e .. ' / ' .. e2\n"
	    "end\n", err, sizeof(err));
	ok(h != NULL, "bytecode probe loads (%s)", err);
	bc = bytecode(&len);
	ok(bc != NULL && len > 4 && bc[0] == '\033', "string.dump outside "
	    "the sandbox made %zu bytes of bytecode", len);
	v = luahook_interpret_response(h, 200, bc, len, NULL, err,
	    sizeof(err));
	ok(v == PVACMS_DENY && strstr(err, "attempt to load a binary chunk "
	    "(mode is 't')") != NULL, "load of bytecode fails, also with "
	    "mode 'b': %s", err);
	free(bc);
}

int
main(void)
{
	tap_plan(36);
	tl_setup();

	/* Escapes. */
	ok(denied_with("return {cn = io.open('/etc/passwd'):read('a')}",
	    "undefined global 'io'"), "io is absent");
	ok(denied_with("os.execute('touch /tmp/pwned')",
	    "attempt to call a nil value (field 'execute')"),
	    "os.execute is absent");
	ok(allowed_with("return {cn = tostring(os.getenv) .. tostring(os.exit)"
	    " .. tostring(os.remove) .. tostring(os.rename) .. "
	    "tostring(os.tmpname) .. tostring(os.setlocale)}",
	    "nilnilnilnilnilnil"), "of os only time, date, clock remain");
	ok(denied_with("require('os')", "undefined global 'require'"),
	    "require is absent");
	ok(denied_with("dofile('/etc/passwd')", "undefined global 'dofile'"),
	    "dofile is absent");
	ok(denied_with("loadfile('/etc/passwd')",
	    "undefined global 'loadfile'"), "loadfile is absent");
	ok(denied_with("return package.loaded", "undefined global 'package'"),
	    "package is absent");
	ok(denied_with("return debug.getinfo(1)", "undefined global 'debug'"),
	    "debug is absent");
	ok(denied_with("collectgarbage()", "undefined global "
	    "'collectgarbage'"), "collectgarbage is absent");
	ok(denied_with("print('x')", "undefined global 'print'"),
	    "print is absent");
	ok(denied_with("return coroutine.create(print)",
	    "undefined global 'coroutine'"), "coroutine is absent");
	ok(allowed_with("return {cn = tostring(string.dump)}", "nil"),
	    "string.dump is absent");
	ok(allowed_with("return {cn = type(getmetatable('').__index.dump)}",
	    "nil"), "... also through the string metatable");
	test_bytecode();
	ok(allowed_with("return {cn = tostring(load('return 1 + 1')())}",
	    "2"), "load of text still works");
	ok(allowed_with("local f = load('x = 1') local ok, e = pcall(f) "
	    "return {cn = tostring(ok)}", "false"),
	    "a loaded chunk cannot assign globals either");

	/* What remains usable. */
	ok(allowed_with("return {cn = math.type(os.time())}", "integer"),
	    "os.time works");
	ok(allowed_with("return {cn = os.date('!%Y-%m-%d', 0)}",
	    "1970-01-01"), "os.date works");
	ok(allowed_with("return {cn = type(os.clock())}", "number"),
	    "os.clock works");
	ok(allowed_with("return {cn = string.format('%s-%d', utf8.char(72), "
	    "math.max(1, 2)) .. table.concat({'a', 'b'}, ',')}", "H-2a,b"),
	    "string, utf8, math and table work");
	ok(allowed_with("local x = math.random(1, 6) return {cn = "
	    "tostring(x >= 1 and x <= 6)}", "true"), "math.random works");

	/* Locked globals. */
	ok(denied_with("x = 1", "cannot assign global 'x': globals are "
	    "locked"), "a new global cannot be assigned");
	ok(denied_with("string = nil", "cannot assign global 'string'"),
	    "an existing global cannot be replaced");
	ok(denied_with("extract_claims = nil", "cannot assign global "
	    "'extract_claims'"), "the hook cannot replace itself");
	ok(denied_with("rawset(_G, 'x', 1)", "rawset: table is read-only"),
	    "rawset cannot bypass the lock");
	ok(denied_with("setmetatable(_G, nil)",
	    "cannot change a protected metatable"),
	    "the lock cannot be removed");
	ok(allowed_with("return {cn = getmetatable(_G)}", "locked"),
	    "the lock's metatable is hidden");
	ok(denied_with("return {cn = no_such_name}",
	    "undefined global 'no_such_name'"),
	    "reading an undefined global is an error");
	{
		struct pvacms_hook *h;
		struct pvacms_claims c;
		char err[512];

		h = tl_load("extract_claims", "helpers.lua",
		    "local prefix = 'u-'\n"
		    "function shape(s) return prefix .. s end\n"
		    "function extract_claims(t)\n"
		    "  return {cn = shape(t.claims.sub)}\n"
		    "end\n", err, sizeof(err));
		ok(h != NULL && tl_claims(h, &c, err, sizeof(err)) ==
		    PVACMS_ALLOW && strcmp(c.cn, "u-alice") == 0,
		    "globals defined by the top level stay callable");
	}

	/* The helper table. */
	ok(denied_with("pvacms.x = 1", "pvacms is read-only"),
	    "pvacms cannot be extended");
	ok(denied_with("pvacms.json_decode = nil", "pvacms is read-only"),
	    "pvacms helpers cannot be replaced");
	ok(denied_with("rawset(pvacms, 'log', tostring)",
	    "rawset: table is read-only"), "rawset cannot bypass it");
	ok(denied_with("setmetatable(pvacms, {})",
	    "cannot change a protected metatable"),
	    "its metatable is protected");
	ok(allowed_with("return {cn = type(pvacms.json_encode) .. "
	    "type(pvacms.null)}", "functionuserdata"),
	    "pvacms.json_encode and pvacms.null are there");
	tl_teardown();
	return tap_done();
}
