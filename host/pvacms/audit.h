/*
 * audit.h - the audit trail: one JSON object per line for every decision
 * (issued, denied, state changes).  It names who and which token (sub,
 * iss, jti) but never holds a token or key.
 *
 * Lines are whole or absent: each write(2) carries whole lines, and a
 * short write (a full disk) is cut back off the file.  The lines of
 * stored decisions are written by the recorder just before it commits
 * their rows, which keep a copy of them (the audit tail, recorder.h):
 * the file is synced about once a second, and a start restores from the
 * tail whatever a power cut took from the file (audit_restore).  Safe
 * from any thread.
 */
#ifndef PVACMS_AUDIT_H
#define PVACMS_AUDIT_H

#include <stdarg.h>
#include <stddef.h>

/* Open path for appending (mode 0600, parents 0700); "-" means stderr. */
int audit_open(const char *path, char *err, size_t errlen);
void audit_close(void);

/*
 * Write one event.  The variadic part is key, value pairs of C strings
 * terminated by NULL; a NULL or empty value is skipped.  Keys ending in
 * "#" take an int64 value instead (pass a long long), the '#' dropped.
 * Not synced: for events no stored change depends on (denials).
 */
void audit_event(const char *event, ...);

/*
 * The line audit_event would write, '\n'-terminated, for a later
 * audit_write_durable.  Caller frees with free(); NULL when out of memory.
 */
char *audit_line(const char *event, ...);
char *audit_vline(const char *event, va_list ap);

/*
 * Append len bytes of whole lines (not synced).  0, or -1 with err set
 * and nothing of these lines left in the file.  With no audit log open
 * (the offline tools) it succeeds.
 */
int audit_write(const char *lines, size_t len, char *err, size_t errlen);

/* fdatasync the audit log (nothing for stderr or none).  0 or -1. */
int audit_sync(char *err, size_t errlen);

/*
 * At start, before anything is written: make sure each of the n lines
 * ('\n'-terminated; the audit tail, oldest first) is in the file.  A
 * torn last line (a crash in the middle of a write, zeros after a power
 * cut) is cut off; the lines missing from the end of the file are
 * appended in order and synced.  *restored says how many.  0 or -1.
 */
int audit_restore(const char *const *lines, size_t n, size_t *restored,
    char *err, size_t errlen);

#endif
