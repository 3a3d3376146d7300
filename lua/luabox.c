/*
 * luabox.c - the Lua sandbox, all of its policy in one file.
 *
 * Libraries: base, table, string, math and utf8, plus os.time, os.date
 * and os.clock; nothing else is opened (no io, os.execute, package,
 * require, debug, coroutine).  Removed from base: dofile, loadfile,
 * collectgarbage, print, warn; load is wrapped to compile text only, so
 * bytecode never loads; rawset refuses locked tables; setmetatable
 * refuses a __gc field, because Lua runs finalizers with hooks switched
 * off, where no budget could stop them.  string.dump is
 * removed, string.rep and table.move are guarded against C loops that
 * would run for ages without executing a Lua instruction.
 *
 * Memory: a counting allocator refuses any growth past the cap; Lua turns
 * the refusal into a "not enough memory" error.
 *
 * Time: a count hook runs every LUABOX_HOOK_EVERY instructions and
 * compares the monotonic clock with the deadline.  Once the deadline has
 * passed, the hook re-arms itself to run at every instruction and raises
 * at each one, so a pcall in the script can catch the error but cannot
 * run a single instruction after it.  Outside an armed run (finalizers
 * at close time) the hook raises at once.
 *
 * Globals: after the script's top level ran, every global moves to a
 * hidden table; _G stays as an empty proxy whose reads of undefined names
 * and whose writes raise.  The proxy's metatable is protected.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "luabox.h"

#define LUABOX_HOOK_EVERY	1000	/* instructions per check */
#define LUABOX_MOVE_MAX		(1 << 24) /* table.move elements */
/* Registry field: the set of locked tables. */
#define LUABOX_LOCKED_KEY	"pvacms.locked"

struct luabox {
	lua_State *L;
	size_t used, cap;
	int armed;
	int status;			/* LUABOX_TIMEOUT | LUABOX_MEMORY */
	struct timespec deadline;
};

static void *luabox_alloc(void *, void *, size_t, size_t);
static void luabox_hook(lua_State *, lua_Debug *);
static int luabox_open(lua_State *);
static int luabox_lock(lua_State *);
static int luabox_is_locked(lua_State *, int);
static int luabox_load(lua_State *);
static int luabox_rawset(lua_State *);
static int luabox_setmetatable(lua_State *);
static int luabox_rep(lua_State *);
static int luabox_move(lua_State *);
static int luabox_global_index(lua_State *);
static int luabox_global_newindex(lua_State *);
static int luabox_readonly_newindex(lua_State *);

/* Lua's allocator interface, counting every byte against the cap. */
static void *
luabox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct luabox *box = ud;
	void *np;

	if (ptr == NULL)
		osize = 0;	/* then osize only tells the object type */
	if (nsize == 0) {
		free(ptr);
		box->used -= osize;
		return NULL;
	}
	if (nsize > osize && (nsize - osize > box->cap ||
	    box->used > box->cap - (nsize - osize))) {
		box->status |= LUABOX_MEMORY;
		return NULL;
	}
	if ((np = realloc(ptr, nsize)) == NULL) {
		if (nsize <= osize)
			return ptr;	/* Lua assumes shrinking works */
		box->status |= LUABOX_MEMORY;
		return NULL;
	}
	box->used = box->used - osize + nsize;
	return np;
}

static void
luabox_hook(lua_State *L, lua_Debug *ar)
{
	struct luabox *box;
	struct timespec now;

	(void)ar;
	(void)lua_getallocf(L, (void **)&box);
	if (!box->armed) {
		luaL_error(L, "script code outside a hook call");
		return;
	}
	if ((box->status & LUABOX_TIMEOUT) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec < box->deadline.tv_sec ||
		    (now.tv_sec == box->deadline.tv_sec &&
		    now.tv_nsec < box->deadline.tv_nsec))
			return;
		box->status |= LUABOX_TIMEOUT;
	}
	/* Sticky: raise again at the very next instruction, and so on. */
	lua_sethook(L, luabox_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "timed out");
}

/* 1 if the value at idx is a table locked by this file. */
static int
luabox_is_locked(lua_State *L, int idx)
{
	int locked;

	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, LUABOX_LOCKED_KEY) !=
	    LUA_TTABLE) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pushvalue(L, idx);
	locked = lua_rawget(L, -2) != LUA_TNIL;
	lua_pop(L, 2);
	return locked;
}

static void
luabox_mark_locked(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, LUABOX_LOCKED_KEY) !=
	    LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, LUABOX_LOCKED_KEY);
	}
	lua_pushvalue(L, idx);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to "t". */
static int
luabox_load(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checkany(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 1);
	if (n >= 2)
		lua_pushvalue(L, 2);
	else
		lua_pushnil(L);
	lua_pushliteral(L, "t");
	if (n >= 4)
		lua_pushvalue(L, 4);
	lua_call(L, n >= 4 ? 4 : 3, LUA_MULTRET);
	return lua_gettop(L) - n;
}

static int
luabox_rawset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	luaL_checkany(L, 3);
	if (luabox_is_locked(L, 1))
		return luaL_error(L, "rawset: table is read-only");
	lua_settop(L, 3);
	lua_rawset(L, 1);
	return 1;
}

/* setmetatable(t, mt) without finalizers (they run unhooked). */
static int
luabox_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)	/* as Lua looks */
			return luaL_error(L, "setmetatable: __gc is not "
			    "allowed");
	}
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

/* string.rep: the C loop of rep("", huge) would never end. */
static int
luabox_rep(lua_State *L)
{
	size_t l, lsep;
	lua_Integer n;

	(void)luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	(void)luaL_optlstring(L, 3, "", &lsep);
	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* table.move: refuse ranges whose C loop would outlast any budget. */
static int
luabox_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2);
	lua_Integer e = luaL_checkinteger(L, 3);

	if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= LUABOX_MOVE_MAX)
		return luaL_error(L, "table.move: more than %d elements",
		    LUABOX_MOVE_MAX);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* Replace t[name] (t at the top) by a C closure over its old value. */
static void
luabox_wrap(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_getfield(L, -1, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, -2, name);
}

/* Runs protected: opening libraries allocates. */
static int
luabox_open(lua_State *L)
{
	static const char *const removed[] = {
		"dofile", "loadfile", "collectgarbage", "print", "warn",
		"require", NULL
	};
	static const char *const os_kept[] = { "time", "date", "clock", NULL };
	size_t i;

	luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
	for (i = 0; removed[i] != NULL; i++) {
		lua_pushnil(L);
		lua_setfield(L, -2, removed[i]);
	}
	luabox_wrap(L, "load", luabox_load);
	luabox_wrap(L, "setmetatable", luabox_setmetatable);
	lua_pushcfunction(L, luabox_rawset);
	lua_setfield(L, -2, "rawset");
	lua_pop(L, 1);

	luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
	luabox_wrap(L, "move", luabox_move);
	lua_pop(L, 1);
	luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	luabox_wrap(L, "rep", luabox_rep);
	lua_pop(L, 1);
	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
	lua_pop(L, 1);
	luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
	lua_pop(L, 1);

	/* os: a fresh table holding only the harmless functions. */
	lua_pushcfunction(L, luaopen_os);
	lua_call(L, 0, 1);
	lua_createtable(L, 0, 3);
	for (i = 0; os_kept[i] != NULL; i++) {
		lua_getfield(L, -2, os_kept[i]);
		lua_setfield(L, -2, os_kept[i]);
	}
	lua_setglobal(L, LUA_OSLIBNAME);
	lua_pop(L, 1);
	return 0;
}

struct luabox *
luabox_new(size_t mem_cap, char *err, size_t errlen)
{
	struct luabox *box;
	lua_State *L;

	if ((box = calloc(1, sizeof(*box))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	box->cap = mem_cap;
	if ((L = lua_newstate(luabox_alloc, box)) == NULL) {
		snprintf(err, errlen, "cannot create a Lua state within "
		    "%zu bytes", mem_cap);
		free(box);
		return NULL;
	}
	box->L = L;
	lua_sethook(L, luabox_hook, LUA_MASKCOUNT, LUABOX_HOOK_EVERY);
	lua_pushcfunction(L, luabox_open);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		snprintf(err, errlen, "cannot open the Lua libraries: %s",
		    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
		    "error");
		luabox_free(box);
		return NULL;
	}
	box->status = 0;
	return box;
}

void
luabox_free(struct luabox *box)
{
	if (box == NULL)
		return;
	box->armed = 0;
	lua_close(box->L);
	free(box);
}

lua_State *
luabox_state(struct luabox *box)
{
	return box->L;
}

void
luabox_arm(struct luabox *box, long timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, &box->deadline);
	box->deadline.tv_sec += timeout_ms / 1000;
	box->deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (box->deadline.tv_nsec >= 1000000000L) {
		box->deadline.tv_sec++;
		box->deadline.tv_nsec -= 1000000000L;
	}
	box->status = 0;
	box->armed = 1;
	lua_sethook(box->L, luabox_hook, LUA_MASKCOUNT, LUABOX_HOOK_EVERY);
}

int
luabox_disarm(struct luabox *box)
{
	box->armed = 0;
	if (box->status & LUABOX_TIMEOUT)
		return LUABOX_TIMEOUT;
	if (box->status & LUABOX_MEMORY)
		return LUABOX_MEMORY;
	return LUABOX_OK;
}

size_t
luabox_used(const struct luabox *box)
{
	return box->used;
}

size_t
luabox_cap(const struct luabox *box)
{
	return box->cap;
}

static int
luabox_global_index(lua_State *L)
{
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
		return 1;
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "undefined global '%s'",
		    lua_tostring(L, 2));
	return luaL_error(L, "undefined global (a %s key)",
	    luaL_typename(L, 2));
}

static int
luabox_global_newindex(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "cannot assign global '%s': globals are "
		    "locked", lua_tostring(L, 2));
	return luaL_error(L, "cannot assign a global: globals are locked");
}

static int
luabox_readonly_newindex(lua_State *L)
{
	return luaL_error(L, "%s is read-only",
	    lua_tostring(L, lua_upvalueindex(1)));
}

void
luabox_push_readonly(lua_State *L, const char *name)
{
	int real = lua_absindex(L, -1);

	lua_newtable(L);			/* the proxy */
	lua_createtable(L, 0, 3);		/* its metatable */
	lua_pushvalue(L, real);
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, name);
	lua_pushcclosure(L, luabox_readonly_newindex, 1);
	lua_setfield(L, -2, "__newindex");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	luabox_mark_locked(L, -1);
	lua_replace(L, real);
}

/* Runs protected: moves every global into a hidden table. */
static int
luabox_lock(lua_State *L)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);	/* 1: _G */
	lua_newtable(L);					/* 2: hidden */
	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, 2);
	}
	lua_pushnil(L);
	while (lua_next(L, 2) != 0) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_pushnil(L);
		lua_rawset(L, 1);
	}
	lua_createtable(L, 0, 3);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, luabox_global_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, luabox_global_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, 1);
	luabox_mark_locked(L, 1);
	return 0;
}

int
luabox_lock_globals(struct luabox *box, char *err, size_t errlen)
{
	lua_State *L = box->L;

	lua_pushcfunction(L, luabox_lock);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		snprintf(err, errlen, "cannot lock the globals: %s",
		    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
		    "error");
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}
