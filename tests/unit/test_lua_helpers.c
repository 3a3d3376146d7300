/*
 * test_lua_helpers.c - the pvacms table: json_decode / json_encode
 * (round trip, null, caps, refusals), url_split and log.
 */
#include "config.h"

#include "tap.h"
#include "test_lua_util.h"

/*
 * The script evaluates claims.expr (a Lua expression, loaded as text)
 * and returns its string value as cn, so each check is one expression.
 */
static struct pvacms_hook *hook;

static int
eval(const char *expr, char *out, size_t outlen)
{
	struct pvacms_claims c;
	char claims[4096], *d;
	const char *s;
	int v;

	/* JSON-escape the expression. */
	d = claims + snprintf(claims, sizeof(claims), "{\"expr\":\"");
	for (s = expr; *s != '\0' && d < claims + sizeof(claims) - 8; s++) {
		if (*s == '"' || *s == '\\')
			*d++ = '\\';
		*d++ = *s;
	}
	strcpy(d, "\"}");
	out[0] = '\0';
	v = luahook_extract_claims(hook, "{}", claims, PVACMS_USAGE_CLIENT,
	    &c, out, outlen);
	if (v == PVACMS_ALLOW)
		snprintf(out, outlen, "%s", c.cn);
	return v;
}

static void
expect(const char *expr, const char *want)
{
	char out[512];
	int v = eval(expr, out, sizeof(out));

	if (!ok(v == PVACMS_ALLOW && strcmp(out, want) == 0, "%s -> %s",
	    expr, want))
		printf("#   verdict %d, got: %s\n", v, out);
}

static void
expect_error(const char *expr, const char *want)
{
	char out[512];
	int v = eval(expr, out, sizeof(out));

	if (!ok(v == PVACMS_ERROR && strstr(out, want) != NULL,
	    "%s fails with ...%s...", expr, want))
		printf("#   verdict %d, got: %s\n", v, out);
}

int
main(void)
{
	char err[512], deep[400];
	int i;

	tap_plan(34);
	tl_setup();
	hook = tl_load("extract_claims", "eval.lua",
	    "local J, E = pvacms.json_decode, pvacms.json_encode\n"
	    "local U = pvacms.url_split\n"
	    "function extract_claims(t)\n"
	    "  local f = assert(load('local J, E, U = ...; return ' ..\n"
	    "    t.claims.expr))\n"
	    "  return {cn = tostring(f(J, E, U))}\n"
	    "end\n", err, sizeof(err));
	ok(hook != NULL, "eval.lua loads (%s)", err);

	/* JSON */
	expect("E(J('{\"b\":null,\"a\":[1,2.5,\"x\"],\"c\":{\"d\":true}}'))",
	    "{\"a\":[1,2.5,\"x\"],\"b\":null,\"c\":{\"d\":true}}");
	expect("J('[1,2,3]')[3] + #J('[1,2,3]')", "6");
	expect("math.type(J('12')) .. math.type(J('1.5'))", "integerfloat");
	expect("J('null') == pvacms.null", "true");
	expect("J('{\"a\":null}').a == pvacms.null", "true");
	expect("select(2, J('{bad'))", "json_decode: invalid JSON: "
	    "string or '}' expected near 'bad' (line 1, column 4)");
	expect("J('{\"a\":1,\"a\":2}') == nil", "true");
	expect("#J('\"a\\\\u0000b\"')", "3");
	expect("E({})", "{}");
	expect("E({1, 2, {x = 'y'}})", "[1,2,{\"x\":\"y\"}]");
	expect("E('caf\\u{e9}')", "\"caf\xc3\xa9\"");
	expect("E(nil) .. E(false) .. E(pvacms.null)", "nullfalsenull");
	expect("E(2^53)", "9007199254740992.0");
	expect_error("E(function() end)", "json_encode: cannot encode a "
	    "function");
	expect_error("E({[1] = 1, x = 2})", "json_encode: a table needs "
	    "string keys only, or be a sequence 1..n");
	expect_error("E(0/0)", "json_encode: cannot encode nan");
	expect_error("E(1/0)", "json_encode: cannot encode an infinite");
	expect_error("E('\\xff')", "json_encode: string is not valid UTF-8");
	expect_error("(function() local t = {} t.t = t return E(t) end)()",
	    "json_encode: nested deeper than 64 levels (a cycle?)");
	for (i = 0; i < 70; i++)
		deep[i] = '[';
	deep[i] = '\0';
	strcat(deep, "1");
	for (i = 0; i < 70; i++)
		strcat(deep, "]");
	{
		char expr[600];

		snprintf(expr, sizeof(expr), "select(2, J('%s'))", deep);
		expect(expr, "json_decode: JSON nested deeper than 64 levels");
	}
	expect("select(2, J(string.rep(' ', 1024 * 1024 + 1)))",
	    "json_decode: JSON text larger than 1048576 bytes");

	/* url_split */
	expect("(function() local u = U('https://Kc.Example.COM:8443/realms/"
	    "lab/protocol?x=1#frag') return u.scheme .. ' ' .. u.host .. ' ' "
	    ".. u.port .. ' ' .. u.path .. ' ' .. u.query end)()",
	    "https kc.example.com 8443 /realms/lab/protocol x=1");
	expect("(function() local u = U('http://[::1]') return u.host .. ' ' "
	    ".. u.port .. ' ' .. u.path .. ' ' .. tostring(u.query) end)()",
	    "::1 80 / nil");
	expect("U('https://user:pw@idp/x').host .. U('https://idp').port",
	    "idp443");
	expect("tostring(U('ldap://dir/x').port)", "nil");
	expect("select(2, U('localhost:8080/x'))", "url_split: not an "
	    "absolute URL (scheme://host...)");
	expect("select(2, U('http://h:99999/'))", "url_split: bad port");
	expect("select(2, U('http://h:/'))", "url_split: bad port");
	expect("select(2, U('http:///x'))", "url_split: no host");
	expect("select(2, U('http://[::1/'))", "url_split: unclosed [ in "
	    "host");

	/* log */
	tl_log[0] = '\0';
	expect("pvacms.log('warn', 'hello\\nthere') or 'logged'", "logged");
	ok(strstr(tl_log, "script eval.lua: hello\nthere") != NULL,
	    "pvacms.log reaches the host log under the script's name");
	expect_error("pvacms.log('loud', 'x')", "bad argument #1 to 'log' "
	    "(invalid option 'loud')");
	tl_teardown();
	return tap_done();
}
