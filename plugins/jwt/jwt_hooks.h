/*
 * jwt_hooks.h - the jwt plugin's side of the Lua hooks (DESIGN §8): call
 * the site scripts through the host's services table and hold what they
 * return to the token's own limits.  The scripts themselves run in the
 * host (pvacms-lua(5)); nothing here knows Lua.
 */
#ifndef PVACMS_JWT_HOOKS_H
#define PVACMS_JWT_HOOKS_H

#include <stddef.h>

#include "pvacms/authn.h"

#include "jwt_claims.h"
#include "jwt_config.h"
#include "jwt_token.h"

#define JWT_HOOK_CLAIMS "extract_claims"
#define JWT_HOOK_RESPONSE "interpret_response"

/*
 * Whether the services table offers the hook calls (ABI >= 1.1, a table
 * large enough, no NULL member).  Returns 1 or 0.
 */
int jwt_hooks_available(const struct pvacms_host_services *svc);

/*
 * Judge a validator answer.  Without a hook this is jwt_remote_judge.
 * With an interpret_response hook the script replaces the response
 * pattern and the response-code rule, but never the rules that make an
 * answer an error: no status, a redirect or a 5xx stay validator_error
 * without asking the script, and a script's yes to a non-2xx answer is
 * not taken.  Returns JWT_OK, or a jwt_status (JWT_REJECTED,
 * JWT_VALIDATOR_ERROR, JWT_SCRIPT_DENIED, JWT_SCRIPT_ERROR) with a
 * one-line reason in err that names the hook when the script spoke.
 */
int jwt_hooks_judge(const struct pvacms_host_services *svc,
    struct pvacms_hook *hook, const struct jwt_config *cfg,
    const struct pvacms_http_response *resp, char *err, size_t errlen);

/*
 * Call extract_claims for the checked token t and merge what it returns
 * over *id (the default identity of the token) with jwt_hooks_merge.
 * Returns JWT_OK with *id and *approval updated, or JWT_SCRIPT_DENIED /
 * JWT_SCRIPT_ERROR / JWT_INTERNAL with a reason naming the hook.
 */
int jwt_hooks_claims(const struct pvacms_host_services *svc,
    struct pvacms_hook *hook, const struct jwt_token *t, int usage,
    struct jwt_identity *id, int *approval, char *err, size_t errlen);

/*
 * Merge a script's claims over the default identity *id: the keys in
 * c->set replace the defaults after a check of their shape (cn 1..63
 * bytes of UTF-8 without control characters, o and ou at most 64 bytes
 * without control characters, c empty or two capital letters).  The
 * validity may only narrow: it is clamped to [id->not_before,
 * id->not_after], the token's window, and an empty result is refused.
 * Returns JWT_OK, or JWT_SCRIPT_ERROR with a reason naming
 * extract_claims; *id is changed only on JWT_OK.
 */
int jwt_hooks_merge(const struct pvacms_claims *c, struct jwt_identity *id,
    int *approval, char *err, size_t errlen);

/*
 * Copy a hook's reason into err as one printable line that starts with
 * "hook: " (added unless the reason already names the hook).
 */
void jwt_hooks_reason(char *err, size_t errlen, const char *hook,
    const char *reason);

#endif
