/*
 * luahook.c - the hook registry and the two typed hook calls.
 *
 * A hook is one site script in its own sandboxed state (luabox.c) behind
 * its own mutex.  Loading runs the top level under the limits, checks
 * that the hook function exists and locks the globals.  A call builds
 * the argument table, runs the function under pcall with a traceback
 * handler and the limits, then checks every returned value in C:
 * anything but the documented shapes is an error that names the hook and
 * the types, and fails closed.  A call that hit a limit leaves its state
 * in an unknown shape, so the state is rebuilt from the kept source.
 *
 * Reload (SIGHUP) builds a new state from the file, validates it, and
 * only then swaps it in; a broken new version leaves the old one running.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cert.h"
#include "fsutil.h"
#include "luabox.h"
#include "luahelpers.h"
#include "luahost.h"

#define LUAHOOK_MAX_INT		((int64_t)1 << 53)
#define LUAHOOK_MAX_HEADERS	256

struct pvacms_hook {
	pthread_mutex_t mu;		/* guards box and fn_ref */
	char hook_name[32];
	char *path;
	char *name;			/* basename: the chunk name */
	char *source;			/* kept to rebuild after a limit */
	size_t source_len;
	struct luabox *box;
	int fn_ref;			/* registry ref of the function */
	struct pvacms_hook *next;
};

/* What a protected builder or call needs. */
struct luahook_job {
	struct pvacms_hook *hook;
	const char *hook_name, *chunk, *source;
	size_t source_len;
	int fn_ref;
	/* extract_claims */
	const char *header_json, *claims_json;
	const char *usage;
	/* interpret_response */
	long status;
	const char *body;
	size_t body_len;
	const char *const *headers;
};

/* Registry key (its address) of the last traceback. */
static const char luahook_trace_key;
static size_t luahook_memory = LUAHOOK_DEFAULT_MEMORY;
static long luahook_timeout = LUAHOOK_DEFAULT_TIMEOUT;
static struct pvacms_hook *luahook_list;
static pthread_mutex_t luahook_list_mu = PTHREAD_MUTEX_INITIALIZER;

static int luahook_msgh(lua_State *);
static int luahook_build_cf(lua_State *);
static struct luabox *luahook_build(const char *, const char *,
    const char *, size_t, int *, char *, size_t);
static int luahook_call(struct pvacms_hook *, lua_CFunction,
    struct luahook_job *, int *, int *, int *, char *, size_t);
static void luahook_finish(struct pvacms_hook *, int);
static int luahook_check_claims(lua_State *, int, int,
    struct pvacms_claims *, char *, size_t);
static int luahook_check_verdict(lua_State *, int, int, char *, size_t,
    char *, size_t);

void
luahook_set_limits(size_t memory_bytes, long timeout_ms)
{
	luahook_memory = memory_bytes;
	luahook_timeout = timeout_ms;
}

void
luahook_set_logger(luahook_log_fn fn)
{
	luahelpers_set_logger(fn);
}

/* "16 MiB", "512 KiB" or "1000 bytes" for messages. */
static void
luahook_size_text(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu bytes", n);
}

/* Format into buf as one line: control characters become spaces. */
static void __attribute__((format(printf, 3, 4)))
luahook_line(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	for (p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* Message handler: keep a traceback aside, return the message. */
static int
luahook_msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL)
		msg = lua_pushfstring(L, "(error object is a %s value)",
		    luaL_typename(L, 1));
	luaL_traceback(L, L, NULL, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luahook_trace_key);
	lua_pushstring(L, msg);
	return 1;
}

/*
 * Log the traceback of the last error, one line, at info level.  Runs
 * unprotected, so it must not allocate: a light userdata key, and only
 * a string value is read.
 */
static void
luahook_log_trace(lua_State *L, const char *hook_name, const char *chunk,
    const char *msg)
{
	char trace[1536], *d = trace;
	const char *s;

	if (!lua_checkstack(L, 1))
		return;
	s = lua_rawgetp(L, LUA_REGISTRYINDEX, &luahook_trace_key) ==
	    LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	for (; s != NULL && *s != '\0' && d < trace + sizeof(trace) - 4;
	    s++) {
		if (*s == '\n') {
			memcpy(d, " | ", 3);
			d += 3;
		} else if (*s != '\t')
			*d++ = *s;
	}
	*d = '\0';
	lua_pop(L, 1);
	luahelpers_log(PVACMS_LOG_INFO, "hook %s (%s): %s | %s", hook_name,
	    chunk, msg, trace);
}

/* Protected: open the helpers, load and run the script, find the hook. */
static int
luahook_build_cf(lua_State *L)
{
	struct luahook_job *job = lua_touserdata(L, 1);
	char chunkname[512];

	lua_pushstring(L, job->chunk);
	lua_setfield(L, LUA_REGISTRYINDEX, LUAHELPERS_SCRIPT_KEY);
	luahelpers_open(L);
	snprintf(chunkname, sizeof(chunkname), "@%s", job->chunk);
	if (luaL_loadbufferx(L, job->source, job->source_len, chunkname,
	    "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 0);
	if (lua_getglobal(L, job->hook_name) != LUA_TFUNCTION) {
		lua_pushfstring(L, "%s: does not define function %s",
		    job->chunk, job->hook_name);
		return lua_error(L);
	}
	job->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/*
 * A new state running source, validated and locked.  Returns it (free
 * with luabox_free) and the function's ref, or NULL with err.
 */
static struct luabox *
luahook_build(const char *hook_name, const char *chunk, const char *source,
    size_t source_len, int *fn_ref, char *err, size_t errlen)
{
	struct luahook_job job;
	struct luabox *box;
	lua_State *L;
	char size[32];
	int status, lim;

	if ((box = luabox_new(luahook_memory, err, errlen)) == NULL)
		return NULL;
	L = luabox_state(box);
	memset(&job, 0, sizeof(job));
	job.hook_name = hook_name;
	job.chunk = chunk;
	job.source = source;
	job.source_len = source_len;
	job.fn_ref = LUA_NOREF;
	luabox_arm(box, luahook_timeout);
	lua_pushcfunction(L, luahook_msgh);
	lua_pushcfunction(L, luahook_build_cf);
	lua_pushlightuserdata(L, &job);
	status = lua_pcall(L, 1, 0, 1);
	if (status == LUA_OK &&
	    luabox_lock_globals(box, err, errlen) != 0)
		status = -1;
	lim = luabox_disarm(box);
	if (lim == LUABOX_TIMEOUT) {
		snprintf(err, errlen, "%s: timed out after %ld ms while "
		    "loading", chunk, luahook_timeout);
		goto fail;
	}
	if (status == LUA_ERRMEM ||
	    (status != LUA_OK && lim == LUABOX_MEMORY)) {
		luahook_size_text(luabox_cap(box), size, sizeof(size));
		snprintf(err, errlen, "%s: memory limit of %s exceeded while "
		    "loading", chunk, size);
		goto fail;
	}
	if (status > 0) {
		luahook_line(err, errlen, "%s", lua_type(L, -1) ==
		    LUA_TSTRING ? lua_tostring(L, -1) : "load failed");
		goto fail;
	}
	if (status != LUA_OK)
		goto fail;
	lua_settop(L, 0);
	*fn_ref = job.fn_ref;
	return box;
fail:
	luabox_free(box);
	return NULL;
}

struct pvacms_hook *
luahook_load(const char *hook_name, const char *path, char *err,
    size_t errlen)
{
	struct pvacms_hook *hook;
	const char *base;

	if (hook_name == NULL || path == NULL ||
	    (strcmp(hook_name, "extract_claims") != 0 &&
	    strcmp(hook_name, "interpret_response") != 0)) {
		snprintf(err, errlen, "unknown hook '%s'",
		    hook_name ? hook_name : "(null)");
		return NULL;
	}
	if ((hook = calloc(1, sizeof(*hook))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(hook->hook_name, sizeof(hook->hook_name), "%s", hook_name);
	base = strrchr(path, '/');
	if ((hook->path = strdup(path)) == NULL ||
	    (hook->name = strdup(base ? base + 1 : path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (fs_read_file(path, LUAHOOK_MAX_SCRIPT, &hook->source,
	    &hook->source_len, err, errlen) != 0)
		goto fail;
	hook->box = luahook_build(hook_name, hook->name, hook->source,
	    hook->source_len, &hook->fn_ref, err, errlen);
	if (hook->box == NULL)
		goto fail;
	pthread_mutex_init(&hook->mu, NULL);
	pthread_mutex_lock(&luahook_list_mu);
	hook->next = luahook_list;
	luahook_list = hook;
	pthread_mutex_unlock(&luahook_list_mu);
	return hook;
fail:
	free(hook->source);
	free(hook->name);
	free(hook->path);
	free(hook);
	return NULL;
}

/*
 * Run fn (a protected builder that calls the hook and returns its
 * results) with the hook's state locked.  On return the results sit
 * from *first on, *nres of them; the caller checks them and calls
 * luahook_finish.  Returns PVACMS_ALLOW when the call returned (the
 * values still need checking) or PVACMS_ERROR with reason set; *hit
 * tells whether a limit stopped it.
 */
static int
luahook_call(struct pvacms_hook *hook, lua_CFunction fn,
    struct luahook_job *job, int *first, int *nres, int *hit, char *reason,
    size_t reasonlen)
{
	lua_State *L;
	char size[32];
	const char *msg;
	int status, lim;

	pthread_mutex_lock(&hook->mu);
	L = luabox_state(hook->box);
	lua_settop(L, 0);
	job->hook = hook;
	job->fn_ref = hook->fn_ref;
	luabox_arm(hook->box, luahook_timeout);
	lua_pushcfunction(L, luahook_msgh);
	lua_pushcfunction(L, fn);
	lua_pushlightuserdata(L, job);
	status = lua_pcall(L, 1, LUA_MULTRET, 1);
	lim = luabox_disarm(hook->box);
	*first = 2;
	*nres = lua_gettop(L) - 1;
	*hit = 1;
	if (lim == LUABOX_TIMEOUT) {
		snprintf(reason, reasonlen, "%s: timed out after %ld ms",
		    hook->hook_name, luahook_timeout);
		luahelpers_log(PVACMS_LOG_WARN, "hook %s (%s): timed out "
		    "after %ld ms", hook->hook_name, hook->name,
		    luahook_timeout);
		return PVACMS_ERROR;
	}
	if (status == LUA_ERRMEM ||
	    (status != LUA_OK && lim == LUABOX_MEMORY)) {
		luahook_size_text(luabox_cap(hook->box), size, sizeof(size));
		snprintf(reason, reasonlen, "%s: memory limit of %s exceeded",
		    hook->hook_name, size);
		luahelpers_log(PVACMS_LOG_WARN, "hook %s (%s): memory limit "
		    "of %s exceeded", hook->hook_name, hook->name, size);
		return PVACMS_ERROR;
	}
	*hit = 0;
	if (status != LUA_OK) {
		msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
		    "error in the error handler";
		luahook_line(reason, reasonlen, "%s: %s", hook->hook_name,
		    msg);
		luahook_log_trace(L, hook->hook_name, hook->name, msg);
		return PVACMS_ERROR;
	}
	return PVACMS_ALLOW;
}

/* Drop the results and unlock; rebuild the state after a limit. */
static void
luahook_finish(struct pvacms_hook *hook, int hit_limit)
{
	struct luabox *fresh, *old = NULL;
	char err[512];
	int ref;

	lua_settop(luabox_state(hook->box), 0);
	if (hit_limit) {
		fresh = luahook_build(hook->hook_name, hook->name,
		    hook->source, hook->source_len, &ref, err, sizeof(err));
		if (fresh != NULL) {
			old = hook->box;
			hook->box = fresh;
			hook->fn_ref = ref;
		} else
			luahelpers_log(PVACMS_LOG_WARN, "hook %s (%s): cannot "
			    "rebuild the state, keeping it: %s",
			    hook->hook_name, hook->name, err);
	}
	pthread_mutex_unlock(&hook->mu);
	luabox_free(old);
}

/* Protected: token table, then extract_claims(token). */
static int
luahook_extract_cf(lua_State *L)
{
	struct luahook_job *job = lua_touserdata(L, 1);
	char err[256];

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, job->fn_ref);
	lua_createtable(L, 0, 3);
	if (job->header_json == NULL)
		lua_newtable(L);
	else if (luahelpers_push_json(L, job->header_json,
	    strlen(job->header_json), err, sizeof(err)) != 0)
		return luaL_error(L, "token header: %s", err);
	lua_setfield(L, -2, "header");
	if (job->claims_json == NULL)
		lua_newtable(L);
	else if (luahelpers_push_json(L, job->claims_json,
	    strlen(job->claims_json), err, sizeof(err)) != 0)
		return luaL_error(L, "token claims: %s", err);
	lua_setfield(L, -2, "claims");
	lua_pushstring(L, job->usage);
	lua_setfield(L, -2, "usage");
	lua_call(L, 1, LUA_MULTRET);
	return lua_gettop(L);
}

int
luahook_extract_claims(struct pvacms_hook *hook, const char *header_json,
    const char *claims_json, int usage, struct pvacms_claims *out,
    char *reason, size_t reasonlen)
{
	struct luahook_job job;
	int first, nres, hit = 0, v;

	memset(out, 0, sizeof(*out));
	if (hook == NULL) {
		snprintf(reason, reasonlen, "extract_claims: no script");
		return PVACMS_ERROR;
	}
	memset(&job, 0, sizeof(job));
	job.header_json = header_json;
	job.claims_json = claims_json;
	if (!cert_usage_requestable(usage)) {
		snprintf(reason, reasonlen, "extract_claims: bad usage %d",
		    usage);
		return PVACMS_ERROR;
	}
	job.usage = cert_usage_name(usage);
	v = luahook_call(hook, luahook_extract_cf, &job, &first, &nres,
	    &hit, reason, reasonlen);
	if (v == PVACMS_ALLOW)
		v = luahook_check_claims(luabox_state(hook->box), first, nres,
		    out, reason, reasonlen);
	luahook_finish(hook, hit);
	if (v != PVACMS_ALLOW)
		memset(out, 0, sizeof(*out));
	return v;
}

/* Protected: the response table, then interpret_response(r). */
static int
luahook_response_cf(lua_State *L)
{
	struct luahook_job *job = lua_touserdata(L, 1);
	const char *const *h;
	const char *line, *colon, *val, *end;
	char err[256];
	int n = 0;

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, job->fn_ref);
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, (lua_Integer)job->status);
	lua_setfield(L, -2, "status");
	lua_pushlstring(L, job->body ? job->body : "", job->body ?
	    job->body_len : 0);
	lua_setfield(L, -2, "body");
	lua_newtable(L);
	for (h = job->headers; h != NULL && *h != NULL &&
	    n < LUAHOOK_MAX_HEADERS; h++, n++) {
		luaL_Buffer b;

		line = *h;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			continue;
		luaL_buffinit(L, &b);
		for (; line < colon; line++)
			luaL_addchar(&b, (char)tolower((unsigned char)*line));
		luaL_pushresult(&b);
		for (val = colon + 1; *val == ' ' || *val == '\t'; val++)
			;
		for (end = val + strlen(val); end > val &&
		    isspace((unsigned char)end[-1]); end--)
			;
		lua_pushvalue(L, -1);
		if (lua_rawget(L, -3) == LUA_TSTRING) {
			/* Repeated header: join with ", " (RFC 9110). */
			lua_pushliteral(L, ", ");
			lua_pushlstring(L, val, (size_t)(end - val));
			lua_concat(L, 3);
		} else {
			lua_pop(L, 1);
			lua_pushlstring(L, val, (size_t)(end - val));
		}
		lua_rawset(L, -3);
	}
	lua_setfield(L, -2, "headers");
	if (job->body != NULL && job->body_len > 0 &&
	    luahelpers_push_json(L, job->body, job->body_len, err,
	    sizeof(err)) == 0)
		lua_setfield(L, -2, "json");
	lua_call(L, 1, LUA_MULTRET);
	return lua_gettop(L);
}

int
luahook_interpret_response(struct pvacms_hook *hook, long status,
    const char *body, size_t body_len, const char *const *headers,
    char *reason, size_t reasonlen)
{
	char code[PVACMS_CODE_MAX];

	return luahook_interpret_response_code(hook, status, body, body_len,
	    headers, code, sizeof(code), reason, reasonlen);
}

int
luahook_interpret_response_code(struct pvacms_hook *hook, long status,
    const char *body, size_t body_len, const char *const *headers,
    char *code, size_t codelen, char *reason, size_t reasonlen)
{
	struct luahook_job job;
	int first, nres, hit = 0, v;

	if (codelen > 0)
		code[0] = '\0';

	if (hook == NULL) {
		snprintf(reason, reasonlen, "interpret_response: no script");
		return PVACMS_ERROR;
	}
	memset(&job, 0, sizeof(job));
	job.status = status;
	job.body = body;
	job.body_len = body_len;
	job.headers = headers;
	v = luahook_call(hook, luahook_response_cf, &job, &first, &nres,
	    &hit, reason, reasonlen);
	if (v == PVACMS_ALLOW)
		v = luahook_check_verdict(luabox_state(hook->box), first, nres,
		    code, codelen, reason, reasonlen);
	luahook_finish(hook, hit);
	return v;
}

/* The script's own reason after nil/false: "<hook>: <reason>". */
static int
luahook_denial(lua_State *L, int idx, int have, const char *hook_name,
    const char *after, char *reason, size_t reasonlen)
{
	const char *r;

	if (!have || lua_type(L, idx) != LUA_TSTRING) {
		snprintf(reason, reasonlen, "%s: expected a reason (string) "
		    "after %s, got %s", hook_name, after,
		    have ? luaL_typename(L, idx) : "no value");
		return PVACMS_ERROR;
	}
	r = lua_tostring(L, idx);
	luahook_line(reason, reasonlen, "%s: %s", hook_name,
	    *r != '\0' ? r : "denied (no reason given)");
	return PVACMS_DENY;
}

/*
 * The third value after "false, reason": a reason code of 1..codelen-1
 * bytes of a-z and '_' (which codes mean something is the plugin's
 * business), copied into code.  Returns PVACMS_DENY, or PVACMS_ERROR
 * with a reason when the value is not such a string.
 */
static int
luahook_code(lua_State *L, int idx, char *code, size_t codelen,
    char *reason, size_t reasonlen)
{
	const char *c;
	size_t len, i;

	if (lua_type(L, idx) != LUA_TSTRING) {
		snprintf(reason, reasonlen, "interpret_response: expected a "
		    "reason code (string) after the reason, got %s",
		    luaL_typename(L, idx));
		return PVACMS_ERROR;
	}
	c = lua_tolstring(L, idx, &len);
	for (i = 0; i < len && (c[i] == '_' || (c[i] >= 'a' &&
	    c[i] <= 'z')); i++)
		;
	if (len == 0 || i != len || len >= codelen) {
		snprintf(reason, reasonlen, "interpret_response: a reason code"
		    " is 1 to %zu bytes of a-z and _", codelen > 0 ?
		    codelen - 1 : 0);
		return PVACMS_ERROR;
	}
	memcpy(code, c, len);
	code[len] = '\0';
	return PVACMS_DENY;
}

static int
luahook_check_verdict(lua_State *L, int first, int nres, char *code,
    size_t codelen, char *reason, size_t reasonlen)
{
	int v;

	if (!lua_checkstack(L, 2)) {
		snprintf(reason, reasonlen, "interpret_response: out of "
		    "stack space");
		return PVACMS_ERROR;
	}
	if (nres >= 1 && lua_type(L, first) == LUA_TBOOLEAN) {
		if (lua_toboolean(L, first))
			return PVACMS_ALLOW;
		v = luahook_denial(L, first + 1, nres >= 2,
		    "interpret_response", "false", reason, reasonlen);
		if (v == PVACMS_DENY && nres >= 3 && !lua_isnil(L, first + 2))
			v = luahook_code(L, first + 2, code, codelen, reason,
			    reasonlen);
		return v;
	}
	snprintf(reason, reasonlen, "interpret_response: expected boolean, "
	    "got %s", nres >= 1 ? luaL_typename(L, first) : "no value");
	return PVACMS_ERROR;
}

/* The fields extract_claims may return. */
static const struct {
	const char *name;
	unsigned int flag;
	char kind;		/* s: string, i: integer, b: boolean */
	size_t offset;
} luahook_fields[] = {
	{ "cn", PVACMS_CLAIMS_CN, 's', offsetof(struct pvacms_claims, cn) },
	{ "o", PVACMS_CLAIMS_O, 's', offsetof(struct pvacms_claims, o) },
	{ "ou", PVACMS_CLAIMS_OU, 's', offsetof(struct pvacms_claims, ou) },
	{ "c", PVACMS_CLAIMS_C, 's', offsetof(struct pvacms_claims, c) },
	{ "not_before", PVACMS_CLAIMS_NOT_BEFORE, 'i',
	  offsetof(struct pvacms_claims, not_before) },
	{ "not_after", PVACMS_CLAIMS_NOT_AFTER, 'i',
	  offsetof(struct pvacms_claims, not_after) },
	{ "approval", PVACMS_CLAIMS_APPROVAL, 'b',
	  offsetof(struct pvacms_claims, approval) },
	{ "admin", PVACMS_CLAIMS_ADMIN, 'b',
	  offsetof(struct pvacms_claims, admin) },
};

#define LUAHOOK_NFIELDS (sizeof(luahook_fields) / sizeof(luahook_fields[0]))

/* Check the value (top of stack) of field f and store it.  0 or -1. */
static int
luahook_check_field(lua_State *L, size_t f, struct pvacms_claims *out,
    char *reason, size_t reasonlen)
{
	const char *name = luahook_fields[f].name, *s;
	char *dst = (char *)out + luahook_fields[f].offset;
	lua_Number d;
	int64_t v;
	size_t len;

	switch (luahook_fields[f].kind) {
	case 's':
		if (lua_type(L, -1) != LUA_TSTRING)
			break;
		s = lua_tolstring(L, -1, &len);
		if (len >= PVACMS_NAME_MAX) {
			snprintf(reason, reasonlen, "extract_claims: field "
			    "%s: longer than %d bytes", name,
			    PVACMS_NAME_MAX - 1);
			return -1;
		}
		if (strlen(s) != len) {
			snprintf(reason, reasonlen, "extract_claims: field "
			    "%s: holds a NUL byte", name);
			return -1;
		}
		memcpy(dst, s, len + 1);
		return 0;
	case 'i':
		if (lua_type(L, -1) != LUA_TNUMBER)
			break;
		if (lua_isinteger(L, -1))
			v = (int64_t)lua_tointeger(L, -1);
		else {
			d = lua_tonumber(L, -1);
			if (d != floor(d) || d < 0 ||
			    d > (lua_Number)LUAHOOK_MAX_INT) {
				snprintf(reason, reasonlen, "extract_claims: "
				    "field %s: expected integer, got "
				    "non-integral number", name);
				if (d == floor(d))
					snprintf(reason, reasonlen,
					    "extract_claims: field %s: out of "
					    "range (0 .. 2^53)", name);
				return -1;
			}
			v = (int64_t)d;
		}
		if (v < 0 || v > LUAHOOK_MAX_INT) {
			snprintf(reason, reasonlen, "extract_claims: field "
			    "%s: out of range (0 .. 2^53)", name);
			return -1;
		}
		memcpy(dst, &v, sizeof(v));
		return 0;
	default:
		if (lua_type(L, -1) != LUA_TBOOLEAN)
			break;
		*(int *)(void *)dst = lua_toboolean(L, -1);
		return 0;
	}
	snprintf(reason, reasonlen, "extract_claims: field %s: expected %s, "
	    "got %s", name, luahook_fields[f].kind == 's' ? "string" :
	    luahook_fields[f].kind == 'i' ? "integer" : "boolean",
	    luaL_typename(L, -1));
	return -1;
}

static int
luahook_check_claims(lua_State *L, int first, int nres,
    struct pvacms_claims *out, char *reason, size_t reasonlen)
{
	const char *key;
	size_t f;

	/* Unprotected from here: nothing below may allocate. */
	if (!lua_checkstack(L, 3)) {
		snprintf(reason, reasonlen, "extract_claims: out of stack "
		    "space");
		return PVACMS_ERROR;
	}
	if (nres >= 1 && lua_type(L, first) == LUA_TNIL)
		return luahook_denial(L, first + 1, nres >= 2,
		    "extract_claims", "nil", reason, reasonlen);
	if (nres < 1 || lua_type(L, first) != LUA_TTABLE) {
		snprintf(reason, reasonlen, "extract_claims: expected table "
		    "or nil, got %s", nres >= 1 ? luaL_typename(L, first) :
		    "no value");
		return PVACMS_ERROR;
	}
	lua_pushnil(L);
	while (lua_next(L, first) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(reason, reasonlen, "extract_claims: "
			    "unexpected %s key in the returned table",
			    luaL_typename(L, -2));
			return PVACMS_ERROR;
		}
		key = lua_tostring(L, -2);
		for (f = 0; f < LUAHOOK_NFIELDS; f++)
			if (strcmp(key, luahook_fields[f].name) == 0)
				break;
		if (f == LUAHOOK_NFIELDS) {
			luahook_line(reason, reasonlen, "extract_claims: "
			    "unknown field '%.40s'", key);
			return PVACMS_ERROR;
		}
		if (luahook_check_field(L, f, out, reason, reasonlen) != 0)
			return PVACMS_ERROR;
		out->set |= luahook_fields[f].flag;
		lua_pop(L, 1);
	}
	return PVACMS_ALLOW;
}

int
luahook_reload_all(void)
{
	struct pvacms_hook *hook;
	struct luabox *fresh, *old;
	char err[512], *source, *old_source;
	size_t len;
	int ref, failed = 0;

	pthread_mutex_lock(&luahook_list_mu);
	for (hook = luahook_list; hook != NULL; hook = hook->next) {
		if (fs_read_file(hook->path, LUAHOOK_MAX_SCRIPT, &source,
		    &len, err, sizeof(err)) != 0) {
			luahelpers_log(PVACMS_LOG_ERROR, "reload of %s failed, "
			    "keeping the previous version: %s", hook->name,
			    err);
			failed++;
			continue;
		}
		fresh = luahook_build(hook->hook_name, hook->name, source,
		    len, &ref, err, sizeof(err));
		if (fresh == NULL) {
			luahelpers_log(PVACMS_LOG_ERROR, "reload of %s failed, "
			    "keeping the previous version: %s", hook->name,
			    err);
			free(source);
			failed++;
			continue;
		}
		pthread_mutex_lock(&hook->mu);
		old = hook->box;
		old_source = hook->source;
		hook->box = fresh;
		hook->fn_ref = ref;
		hook->source = source;
		hook->source_len = len;
		pthread_mutex_unlock(&hook->mu);
		luabox_free(old);
		free(old_source);
		luahelpers_log(PVACMS_LOG_INFO, "reloaded hook %s from %s",
		    hook->hook_name, hook->path);
	}
	pthread_mutex_unlock(&luahook_list_mu);
	return failed;
}

void
luahook_free_all(void)
{
	struct pvacms_hook *hook, *next;

	pthread_mutex_lock(&luahook_list_mu);
	for (hook = luahook_list; hook != NULL; hook = next) {
		next = hook->next;
		luabox_free(hook->box);
		pthread_mutex_destroy(&hook->mu);
		free(hook->source);
		free(hook->name);
		free(hook->path);
		free(hook);
	}
	luahook_list = NULL;
	pthread_mutex_unlock(&luahook_list_mu);
}
