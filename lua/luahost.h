/*
 * luahost.h - the Lua hooks as the daemon sees them (implemented in
 * luahook.c).  Plugins reach the same functions through the host
 * services table (hook_load, hook_extract_claims,
 * hook_interpret_response); the daemon sets the limits, reloads on
 * SIGHUP and frees at shutdown.
 *
 * Threading: every loaded script has its own Lua state behind its own
 * mutex, so calls on one hook are serialized and calls on different hooks
 * run in parallel.  luahook_set_limits, luahook_load, luahook_reload_all
 * and luahook_free_all belong to the main thread.
 */
#ifndef PVACMS_LUAHOST_H
#define PVACMS_LUAHOST_H

#include <stddef.h>

#include "pvacms/authn.h"

#define LUAHOOK_MAX_SCRIPT	(256 * 1024)	/* script file size cap */
#define LUAHOOK_DEFAULT_MEMORY	(16 * 1024 * 1024)
#define LUAHOOK_DEFAULT_TIMEOUT	100		/* milliseconds */

/* How the host logs: level is enum pvacms_log_level. */
typedef void (*luahook_log_fn)(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Limits for every state built from now on (and every call). */
void luahook_set_limits(size_t memory_bytes, long timeout_ms);

/* Where hook diagnostics and pvacms.log lines go; NULL: nowhere. */
void luahook_set_logger(luahook_log_fn fn);

/*
 * Load path into a fresh sandboxed state, run its top level under the
 * limits, check that it defines the global function hook_name
 * ("extract_claims" or "interpret_response") and lock its globals.
 * Returns the handle (owned by the host until luahook_free_all), or NULL
 * with a reason naming file:line in err.
 */
struct pvacms_hook *luahook_load(const char *hook_name, const char *path,
    char *err, size_t errlen);

/*
 * Call extract_claims(token).  Returns PVACMS_ALLOW with *out filled,
 * PVACMS_DENY with the script's reason, or PVACMS_ERROR with a reason
 * naming the hook (error, limit, wrong return type).  One line of at
 * most reasonlen - 1 bytes.  Thread-safe.
 */
int luahook_extract_claims(struct pvacms_hook *hook, const char *header_json,
    const char *claims_json, int usage, struct pvacms_claims *out,
    char *reason, size_t reasonlen);

/* Call interpret_response(r); as above.  Thread-safe. */
int luahook_interpret_response(struct pvacms_hook *hook, long status,
    const char *body, size_t body_len, const char *const *headers,
    char *reason, size_t reasonlen);

/*
 * luahook_interpret_response, and the reason code of "false, reason,
 * code" in code ("" without one).  Thread-safe.
 */
int luahook_interpret_response_code(struct pvacms_hook *hook, long status,
    const char *body, size_t body_len, const char *const *headers,
    char *code, size_t codelen, char *reason, size_t reasonlen);

/*
 * SIGHUP: rebuild every loaded hook from its file; a hook whose new
 * version fails to load keeps the old one, and the failure is logged.
 * Returns the number of hooks that kept their old version.
 */
int luahook_reload_all(void);

/* Shutdown: free every hook; handles become invalid. */
void luahook_free_all(void);

#endif
