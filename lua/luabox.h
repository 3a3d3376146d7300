/*
 * luabox.h - the Lua sandbox: one state per site script, built from an
 * explicit library list, with a memory cap (a counting allocator) and a
 * deadline that the script's own pcall cannot swallow.  See luabox.c for
 * the whole policy on one screen.
 *
 * A box is not thread-safe: its owner (luahook.c) serializes calls.
 */
#ifndef PVACMS_LUABOX_H
#define PVACMS_LUABOX_H

#include <stddef.h>

#include <lua.h>

struct luabox;

/* Why the last armed run stopped early (luabox_disarm). */
#define LUABOX_OK	0
#define LUABOX_TIMEOUT	1	/* the deadline passed */
#define LUABOX_MEMORY	2	/* an allocation was refused by the cap */

/*
 * A fresh sandboxed state whose allocations never exceed mem_cap bytes:
 * base (without dofile, loadfile, collectgarbage, print, warn; load only
 * of text), table, string (without dump), math, utf8 and os.time,
 * os.date, os.clock.  Returns NULL with a reason in err.  Free with
 * luabox_free.
 */
struct luabox *luabox_new(size_t mem_cap, char *err, size_t errlen);

/* Close the state (its finalizers run under a zero budget) and free. */
void luabox_free(struct luabox *box);

/* The state; borrowed. */
lua_State *luabox_state(struct luabox *box);

/*
 * Start a budget of timeout_ms for the code about to run.  Outside an
 * armed run any Lua instruction raises an error, so a finalizer cannot
 * run away when the host is not looking.
 */
void luabox_arm(struct luabox *box, long timeout_ms);

/* End the budget; returns LUABOX_OK, LUABOX_TIMEOUT or LUABOX_MEMORY. */
int luabox_disarm(struct luabox *box);

/* Bytes in use by the state, and its cap. */
size_t luabox_used(const struct luabox *box);
size_t luabox_cap(const struct luabox *box);

/*
 * Lock the globals: from now on assigning any global raises "globals are
 * locked", and reading an undefined one raises "undefined global 'x'".
 * Run with the box armed.  Returns 0, or -1 with a reason in err.
 */
int luabox_lock_globals(struct luabox *box, char *err, size_t errlen);

/*
 * Make the table at the top of the stack read-only: it is replaced by an
 * empty proxy whose reads go to the table and whose writes raise.  Must
 * be called in a protected call (it allocates).
 */
void luabox_push_readonly(lua_State *L, const char *name);

#endif
