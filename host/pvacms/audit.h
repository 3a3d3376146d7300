/*
 * audit.h - the audit trail: one JSON object per line for every decision
 * (issued, denied, state changes).  It names who and which token (sub,
 * iss, jti) but never holds a token or key.  Loop thread only.
 */
#ifndef PVACMS_AUDIT_H
#define PVACMS_AUDIT_H

#include <stddef.h>

/* Open path for appending (mode 0600, parents 0700); "-" means stderr. */
int audit_open(const char *path, char *err, size_t errlen);
void audit_close(void);

/*
 * Write one event.  The variadic part is key, value pairs of C strings
 * terminated by NULL; a NULL or empty value is skipped.  Keys ending in
 * "#" take an int64 value instead (pass a long long), the '#' dropped.
 */
void audit_event(const char *event, ...);

#endif
