/*
 * luahelpers.h - the helpers a site script sees, all under the read-only
 * global table `pvacms`: json_decode, json_encode, url_split, log and
 * null.  Also the JSON-to-Lua conversion the hook calls use to build
 * their arguments.
 */
#ifndef PVACMS_LUAHELPERS_H
#define PVACMS_LUAHELPERS_H

#include <stddef.h>

#include <lua.h>

#include "luahost.h"	/* luahook_log_fn */

#define LUAHELPERS_MAX_DEPTH	64	/* JSON nesting, both ways */
#define LUAHELPERS_MAX_JSON	(1024 * 1024)	/* json_decode input */
#define LUAHELPERS_MAX_URL	8192		/* url_split input */
#define LUAHELPERS_MAX_LOG	1024		/* pvacms.log message */

/* Registry field naming the script, for pvacms.log lines. */
#define LUAHELPERS_SCRIPT_KEY	"pvacms.script"

/* Where log lines go (pvacms.log and the hook layer); NULL: nowhere. */
void luahelpers_set_logger(luahook_log_fn fn);
void luahelpers_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A lua_CFunction: create the global `pvacms` (read-only).  Call it with
 * lua_pcall, as it allocates.
 */
int luahelpers_open(lua_State *L);

/*
 * Decode the JSON text and push the value: objects become tables, arrays
 * sequences, null pvacms.null.  Returns 0, or -1 with err (nothing
 * pushed) when the text is not JSON, too large or too deep.  Raises Lua
 * errors on memory exhaustion, so call it in a protected context.
 */
int luahelpers_push_json(lua_State *L, const char *text, size_t len,
    char *err, size_t errlen);

#endif
