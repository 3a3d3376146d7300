/*
 * log.h - the daemon's diagnostic log: one line per message on stderr,
 * prefixed "pvacms: ".  Safe to call from worker threads.  Never pass a
 * token or key material.
 */
#ifndef PVACMS_LOG_H
#define PVACMS_LOG_H

#include <stdarg.h>

#include "pvacms/authn.h"	/* PVACMS_LOG_* levels */

void log_set_verbose(int verbose);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap);

#define log_error(...) log_msg(PVACMS_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(PVACMS_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(PVACMS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(PVACMS_LOG_DEBUG, __VA_ARGS__)

#endif
