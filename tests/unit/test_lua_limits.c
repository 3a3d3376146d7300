/*
 * test_lua_limits.c - the time budget and the memory cap: runaway
 * scripts stop in bounded time with a clear reason, pcall cannot swallow
 * the timeout, and the hook works again on the next call.
 */
#include "config.h"

#include "tap.h"
#include "test_lua_util.h"

/*
 * One script: claims.mode picks the misbehaviour, anything else returns
 * cn = "fine".  Each call after a bad one must work again.
 */
static const char *const script =
    "local kept = {}\n"
    "function extract_claims(t)\n"
    "  local m = t.claims.mode\n"
    "  if m == 'loop' then while true do end\n"
    "  elseif m == 'pcall' then\n"
    "    while true do pcall(function() while true do end end) end\n"
    "  elseif m == 'errloop' then\n"
    "    while true do pcall(error, 'x') end\n"
    "  elseif m == 'recurse' then\n"
    "    local function f() return pcall(f) end\n"
    "    while true do f() end\n"
    "  elseif m == 'double' then\n"
    "    local s = 'x' while true do s = s .. s end\n"
    "  elseif m == 'table' then\n"
    "    local t = {} for i = 1, 1e9 do t[i] = i end\n"
    "  elseif m == 'keep' then\n"
    "    for i = 1, 1e9 do kept[#kept + 1] = ('x'):rep(100000) .. i end\n"
    "  elseif m == 'caught' then\n"
    "    local ok = pcall(function() local s = 'x' while true do\n"
    "      s = s .. s end end)\n"
    "    return {cn = 'survived ' .. tostring(ok)}\n"
    "  elseif m == 'emptyrep' then\n"
    "    return {cn = '[' .. string.rep('', 1 << 60) .. ']'}\n"
    "  elseif m == 'move' then\n"
    "    table.move({}, 1, math.maxinteger - 1, 2)\n"
    "  end\n"
    "  return {cn = 'fine'}\n"
    "end\n";

static int
call(struct pvacms_hook *h, const char *mode, char *out, size_t outlen,
    double *ms)
{
	struct pvacms_claims c;
	char claims[128];
	double t0 = tl_ms();
	int v;

	snprintf(claims, sizeof(claims), "{\"mode\":\"%s\"}", mode);
	out[0] = '\0';
	v = luahook_extract_claims(h, "{}", claims, PVACMS_USAGE_CLIENT, &c,
	    out, outlen);
	if (ms != NULL)
		*ms = tl_ms() - t0;
	if (v == PVACMS_ALLOW)
		snprintf(out, outlen, "%s", c.cn);
	return v;
}

static void
check_limit(struct pvacms_hook *h, const char *mode, const char *want,
    const char *what)
{
	char out[512];
	double ms;
	int v;

	v = call(h, mode, out, sizeof(out), &ms);
	ok(v == PVACMS_ERROR && strcmp(out, want) == 0 && ms < 2000,
	    "%s: '%s' in %.0f ms", what, out, ms);
	v = call(h, "none", out, sizeof(out), NULL);
	ok(v == PVACMS_ALLOW && strcmp(out, "fine") == 0,
	    "the hook answers again after %s", what);
}

int
main(void)
{
	struct pvacms_hook *h;
	char err[512], out[512];
	double ms, t0;
	int v;

	tap_plan(23);
	tl_setup();
	luahook_set_limits(4 * 1024 * 1024, 100);

	h = tl_load("extract_claims", "limits.lua", script, err, sizeof(err));
	ok(h != NULL, "limits.lua loads (%s)", err);

	check_limit(h, "loop", "extract_claims: timed out after 100 ms",
	    "an infinite loop");
	check_limit(h, "pcall", "extract_claims: timed out after 100 ms",
	    "a loop inside pcall inside a loop");
	check_limit(h, "errloop", "extract_claims: timed out after 100 ms",
	    "a loop of caught errors");
	check_limit(h, "recurse", "extract_claims: timed out after 100 ms",
	    "recursion through pcall");
	/*
	 * The memory checks must meet the memory cap, not the clock: under
	 * a sanitizer on a loaded machine a bomb can take longer than 100 ms
	 * to reach 4 MiB, so they get a budget they cannot exhaust first.
	 */
	luahook_set_limits(4 * 1024 * 1024, 10000);
	check_limit(h, "double", "extract_claims: memory limit of 4 MiB "
	    "exceeded", "a string doubling bomb");
	check_limit(h, "table", "extract_claims: memory limit of 4 MiB "
	    "exceeded", "a growing table");
	check_limit(h, "keep", "extract_claims: memory limit of 4 MiB "
	    "exceeded", "memory kept across calls");

	v = call(h, "caught", out, sizeof(out), NULL);
	ok(v == PVACMS_ALLOW && strcmp(out, "survived false") == 0,
	    "a memory error caught by the script leaves it within the cap: "
	    "%s", out);
	v = call(h, "emptyrep", out, sizeof(out), &ms);
	ok(v == PVACMS_ALLOW && strcmp(out, "[]") == 0 && ms < 1000,
	    "string.rep('', 2^60) returns at once (%.0f ms)", ms);
	v = call(h, "move", out, sizeof(out), &ms);
	ok(v == PVACMS_ERROR && strstr(out, "table.move: more than") != NULL
	    && ms < 1000, "table.move over 2^63 elements is refused: %s",
	    out);

	/* Limits at load time. */
	luahook_set_limits(4 * 1024 * 1024, 100);
	h = tl_load("extract_claims", "slowtop.lua", "while true do end\n",
	    err, sizeof(err));
	is_str(err, "slowtop.lua: timed out after 100 ms while loading",
	    "a top level that never ends fails the load");
	ok(h == NULL, "... and gives no handle");
	luahook_set_limits(4 * 1024 * 1024, 10000);
	h = tl_load("extract_claims", "bigtop.lua",
	    "local t = {} for i = 1, 1e9 do t[i] = {} end\n", err,
	    sizeof(err));
	is_str(err, "bigtop.lua: memory limit of 4 MiB exceeded while "
	    "loading", "a top level that eats memory fails the load");

	/*
	 * Lua runs finalizers with hooks off, so no budget could stop one:
	 * __gc is refused.
	 */
	h = tl_load("extract_claims", "gc.lua",
	    "local trap = setmetatable({}, {__gc = function()\n"
	    "  while true do end end})\n"
	    "function extract_claims(t) return {cn = tostring(trap)} end\n",
	    err, sizeof(err));
	ok(h == NULL && strstr(err, "gc.lua:1: setmetatable: __gc is not "
	    "allowed") != NULL, "a finalizer is refused: %s", err);
	t0 = tl_ms();
	tl_teardown();
	ok(tl_ms() - t0 < 2000, "freeing every hook takes %.0f ms",
	    tl_ms() - t0);
	return tap_done();
}
