/*
 * luahelpers.c - the `pvacms` table a site script sees:
 *
 *   pvacms.json_decode(s)   -> value, or nil and a reason
 *   pvacms.json_encode(v)   -> string (raises on values JSON cannot hold)
 *   pvacms.url_split(u)     -> {scheme=, host=, port=, path=, query=},
 *                              or nil and a reason
 *   pvacms.log(level, msg)  level "error", "warn", "info" or "debug"
 *   pvacms.null             JSON null (a light userdata)
 *
 * JSON goes through jansson, whose allocations the Lua memory cap does
 * not see; inputs are therefore capped in size and depth, and every
 * jansson object is held by a guard userdata whose finalizer frees it,
 * so a Lua error half way through a conversion leaks nothing.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "luabox.h"
#include "luahelpers.h"
#include "pvacms/authn.h"

#define LUAHELPERS_GUARD_META	"pvacms.jsonguard"

/* Holds jansson memory while Lua code may raise. */
struct luahelpers_guard {
	json_t *json;
	char *text;
};

static const char luahelpers_null_tag;	/* its address is pvacms.null */
static luahook_log_fn luahelpers_logger;

static int luahelpers_guard_gc(lua_State *);
static struct luahelpers_guard *luahelpers_guard_new(lua_State *);
static int luahelpers_depth(json_t *, int);
static void luahelpers_from_json(lua_State *, json_t *);
static void luahelpers_encode(lua_State *, int, int, json_t *,
    const char *, json_t **);
static int luahelpers_json_decode(lua_State *);
static int luahelpers_json_encode(lua_State *);
static int luahelpers_url_split(lua_State *);
static int luahelpers_lua_log(lua_State *);

void
luahelpers_set_logger(luahook_log_fn fn)
{
	luahelpers_logger = fn;
}

void
luahelpers_log(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (luahelpers_logger == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	luahelpers_logger(level, "%s", line);
}

static int
luahelpers_guard_gc(lua_State *L)
{
	struct luahelpers_guard *g = luaL_checkudata(L, 1,
	    LUAHELPERS_GUARD_META);

	json_decref(g->json);
	free(g->text);
	g->json = NULL;
	g->text = NULL;
	return 0;
}

/* Pushes a new, empty guard; it lives until collected. */
static struct luahelpers_guard *
luahelpers_guard_new(lua_State *L)
{
	struct luahelpers_guard *g = lua_newuserdatauv(L, sizeof(*g), 0);

	g->json = NULL;
	g->text = NULL;
	luaL_setmetatable(L, LUAHELPERS_GUARD_META);
	return g;
}

/* 1 if v nests deeper than limit. */
static int
luahelpers_depth(json_t *v, int limit)
{
	const char *key;
	json_t *child;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (limit <= 0)
		return 1;
	if (json_is_object(v)) {
		json_object_foreach(v, key, child)
			if (luahelpers_depth(child, limit - 1))
				return 1;
	} else {
		json_array_foreach(v, i, child)
			if (luahelpers_depth(child, limit - 1))
				return 1;
	}
	return 0;
}

/* Push v as a Lua value (depth already checked). */
static void
luahelpers_from_json(lua_State *L, json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;

	luaL_checkstack(L, 4, "JSON nested too deeply");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach(v, key, child) {
			lua_pushstring(L, key);
			luahelpers_from_json(L, child);
			lua_rawset(L, -3);
		}
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, child) {
			luahelpers_from_json(L, child);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, (lua_Number)json_real_value(v));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	default:
		lua_pushlightuserdata(L, (void *)&luahelpers_null_tag);
		break;
	}
}

int
luahelpers_push_json(lua_State *L, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct luahelpers_guard *g;
	json_error_t jerr;

	if (len > LUAHELPERS_MAX_JSON) {
		snprintf(err, errlen, "JSON text larger than %d bytes",
		    LUAHELPERS_MAX_JSON);
		return -1;
	}
	g = luahelpers_guard_new(L);
	g->json = json_loadb(text, len, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (g->json == NULL) {
		snprintf(err, errlen, "invalid JSON: %s (line %d, column "
		    "%d)", jerr.text, jerr.line, jerr.column);
		lua_pop(L, 1);
		return -1;
	}
	if (luahelpers_depth(g->json, LUAHELPERS_MAX_DEPTH)) {
		snprintf(err, errlen, "JSON nested deeper than %d levels",
		    LUAHELPERS_MAX_DEPTH);
		lua_pop(L, 1);
		return -1;
	}
	luahelpers_from_json(L, g->json);
	json_decref(g->json);
	g->json = NULL;
	lua_remove(L, -2);	/* the guard */
	return 0;
}

static int
luahelpers_json_decode(lua_State *L)
{
	char err[256];
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);

	if (luahelpers_push_json(L, s, len, err, sizeof(err)) != 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "json_decode: %s", err);
		return 2;
	}
	return 1;
}

/* Attach child to parent under key (object), at the end (array), or as
 * the root; json_*_new steal child even when they fail. */
static void
luahelpers_attach(lua_State *L, json_t *parent, const char *key,
    json_t **root, json_t *child)
{
	int r = 0;

	if (child == NULL)
		luaL_error(L, "json_encode: out of memory");
	if (parent == NULL)
		*root = child;
	else if (json_is_object(parent))
		r = json_object_set_new(parent, key, child);
	else
		r = json_array_append_new(parent, child);
	if (r != 0)
		luaL_error(L, "json_encode: cannot add a value (key not "
		    "valid UTF-8?)");
}

/*
 * Encode the Lua value at idx and attach it before filling it, so that
 * a raise never leaves a jansson value without an owner.
 */
static void
luahelpers_encode(lua_State *L, int idx, int depth, json_t *parent,
    const char *key, json_t **root)
{
	json_t *node;
	size_t slen, count = 0;
	lua_Integer n, i;
	int allint = 1, allstr = 1;
	const char *s;
	lua_Number d;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		luahelpers_attach(L, parent, key, root, json_null());
		return;
	case LUA_TBOOLEAN:
		luahelpers_attach(L, parent, key, root,
		    json_boolean(lua_toboolean(L, idx)));
		return;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			luahelpers_attach(L, parent, key, root,
			    json_integer((json_int_t)lua_tointeger(L, idx)));
			return;
		}
		d = lua_tonumber(L, idx);
		if (!isfinite(d))
			luaL_error(L, "json_encode: cannot encode %s",
			    isnan(d) ? "nan" : "an infinite number");
		luahelpers_attach(L, parent, key, root, json_real(d));
		return;
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &slen);
		if ((node = json_stringn(s, slen)) == NULL)
			luaL_error(L, "json_encode: string is not valid UTF-8");
		luahelpers_attach(L, parent, key, root, node);
		return;
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == &luahelpers_null_tag) {
			luahelpers_attach(L, parent, key, root, json_null());
			return;
		}
		break;
	case LUA_TTABLE:
		if (depth >= LUAHELPERS_MAX_DEPTH)
			luaL_error(L, "json_encode: nested deeper than %d "
			    "levels (a cycle?)", LUAHELPERS_MAX_DEPTH);
		luaL_checkstack(L, 4, "json_encode: nested too deeply");
		n = (lua_Integer)lua_rawlen(L, idx);
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			lua_pop(L, 1);
			count++;
			if (lua_type(L, -1) != LUA_TSTRING)
				allstr = 0;
			if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
			    lua_tointeger(L, -1) > n)
				allint = 0;
		}
		if (count > 0 && allint && (lua_Integer)count == n) {
			node = json_array();
			luahelpers_attach(L, parent, key, root, node);
			for (i = 1; i <= n; i++) {
				lua_rawgeti(L, idx, i);
				luahelpers_encode(L, -1, depth + 1, node, NULL,
				    root);
				lua_pop(L, 1);
			}
			return;
		}
		if (!allstr)
			luaL_error(L, "json_encode: a table needs string "
			    "keys only, or be a sequence 1..n");
		node = json_object();
		luahelpers_attach(L, parent, key, root, node);
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			s = lua_tolstring(L, -2, &slen);
			if (strlen(s) != slen)
				luaL_error(L, "json_encode: a key holds a "
				    "NUL byte");
			luahelpers_encode(L, -1, depth + 1, node, s, root);
			lua_pop(L, 1);
		}
		return;
	default:
		break;
	}
	luaL_error(L, "json_encode: cannot encode a %s",
	    luaL_typename(L, idx));
}

static int
luahelpers_json_encode(lua_State *L)
{
	struct luahelpers_guard *g;

	luaL_checkany(L, 1);
	lua_settop(L, 1);
	g = luahelpers_guard_new(L);
	luahelpers_encode(L, 1, 0, NULL, NULL, &g->json);
	g->text = json_dumps(g->json, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_SORT_KEYS);
	if (g->text == NULL)
		return luaL_error(L, "json_encode: out of memory");
	lua_pushstring(L, g->text);
	json_decref(g->json);
	free(g->text);
	g->json = NULL;
	g->text = NULL;
	return 1;
}

/* nil, "url_split: <why>" */
static int
luahelpers_url_fail(lua_State *L, const char *why)
{
	luaL_pushfail(L);
	lua_pushfstring(L, "url_split: %s", why);
	return 2;
}

static int
luahelpers_url_split(lua_State *L)
{
	size_t len, i, hlen;
	const char *u = luaL_checklstring(L, 1, &len);
	const char *p, *auth, *aend, *host, *port = NULL, *at, *path, *q;
	char scheme[32];
	long portnum = -1;

	if (len > LUAHELPERS_MAX_URL)
		return luahelpers_url_fail(L, "URL too long");
	if (strlen(u) != len)
		return luahelpers_url_fail(L, "URL holds a NUL byte");
	for (i = 0; i < len && i < sizeof(scheme) - 1; i++) {
		if (!(isalpha((unsigned char)u[i]) || (i > 0 &&
		    (isdigit((unsigned char)u[i]) || u[i] == '+' ||
		    u[i] == '-' || u[i] == '.'))))
			break;
		scheme[i] = (char)tolower((unsigned char)u[i]);
	}
	scheme[i] = '\0';
	if (i == 0 || strncmp(u + i, "://", 3) != 0)
		return luahelpers_url_fail(L, "not an absolute URL "
		    "(scheme://host...)");
	auth = u + i + 3;
	aend = auth + strcspn(auth, "/?#");
	for (at = NULL, p = auth; p < aend; p++)
		if (*p == '@')
			at = p;
	host = at != NULL ? at + 1 : auth;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(aend - host));

		if (close == NULL)
			return luahelpers_url_fail(L, "unclosed [ in host");
		if (close + 1 < aend) {
			if (close[1] != ':')
				return luahelpers_url_fail(L, "junk after ]");
			port = close + 2;
		}
		hlen = (size_t)(close - host - 1);
		host++;
	} else {
		const char *colon = memchr(host, ':', (size_t)(aend - host));

		hlen = (size_t)((colon != NULL ? colon : aend) - host);
		if (colon != NULL)
			port = colon + 1;
	}
	if (hlen == 0)
		return luahelpers_url_fail(L, "no host");
	if (port != NULL) {
		portnum = 0;
		for (p = port; p < aend; p++) {
			if (!isdigit((unsigned char)*p) || portnum > 65535)
				return luahelpers_url_fail(L, "bad port");
			portnum = portnum * 10 + (*p - '0');
		}
		if (p == port || portnum < 1 || portnum > 65535)
			return luahelpers_url_fail(L, "bad port");
	} else if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
		portnum = 80;
	else if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
		portnum = 443;

	lua_createtable(L, 0, 5);
	lua_pushstring(L, scheme);
	lua_setfield(L, -2, "scheme");
	{
		luaL_Buffer b;

		luaL_buffinit(L, &b);
		for (i = 0; i < hlen; i++)
			luaL_addchar(&b, (char)tolower((unsigned char)host[i]));
		luaL_pushresult(&b);
		lua_setfield(L, -2, "host");
	}
	if (portnum > 0) {
		lua_pushinteger(L, portnum);
		lua_setfield(L, -2, "port");
	}
	path = aend;
	q = path + strcspn(path, "?#");
	if (q == path)
		lua_pushliteral(L, "/");
	else
		lua_pushlstring(L, path, (size_t)(q - path));
	lua_setfield(L, -2, "path");
	if (*q == '?') {
		q++;
		lua_pushlstring(L, q, strcspn(q, "#"));
		lua_setfield(L, -2, "query");
	}
	return 1;
}

static int
luahelpers_lua_log(lua_State *L)
{
	static const char *const names[] = { "error", "warn", "info",
	    "debug", NULL };
	int level = luaL_checkoption(L, 1, NULL, names);
	size_t len;
	const char *msg = luaL_checklstring(L, 2, &len);
	const char *script;

	lua_getfield(L, LUA_REGISTRYINDEX, LUAHELPERS_SCRIPT_KEY);
	script = lua_tostring(L, -1);
	luahelpers_log(level, "script %s: %.*s", script ? script : "?",
	    (int)(len > LUAHELPERS_MAX_LOG ? LUAHELPERS_MAX_LOG : len), msg);
	return 0;
}

int
luahelpers_open(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "json_decode", luahelpers_json_decode },
		{ "json_encode", luahelpers_json_encode },
		{ "url_split", luahelpers_url_split },
		{ "log", luahelpers_lua_log },
		{ NULL, NULL }
	};

	if (luaL_newmetatable(L, LUAHELPERS_GUARD_META)) {
		lua_pushcfunction(L, luahelpers_guard_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushliteral(L, "locked");
		lua_setfield(L, -2, "__metatable");
	}
	lua_pop(L, 1);
	luaL_newlib(L, funcs);
	lua_pushlightuserdata(L, (void *)&luahelpers_null_tag);
	lua_setfield(L, -2, "null");
	luabox_push_readonly(L, "pvacms");
	lua_setglobal(L, "pvacms");
	return 0;
}
