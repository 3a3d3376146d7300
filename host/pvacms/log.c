/*
 * log.c - stderr logging for the daemon.  Each message is formatted into
 * one buffer and written with a single write(2), so lines from worker
 * threads never interleave.  Control characters are replaced, so nothing
 * a client sends can forge a log line.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int log_verbose;

static const char *const log_level_names[] = {
	"error: ", "warning: ", "", ""
};

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

void
log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	size_t used, i;
	int n;

	if (level >= PVACMS_LOG_DEBUG && !log_verbose)
		return;
	if (level < PVACMS_LOG_ERROR || level > PVACMS_LOG_DEBUG)
		level = PVACMS_LOG_ERROR;
	n = snprintf(line, sizeof(line), "pvacms: %s%s", prefix,
	    log_level_names[level]);
	if (n < 0)
		return;
	used = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
	if (n < 0)
		return;
	used += (size_t)n;
	if (used > sizeof(line) - 2)
		used = sizeof(line) - 2;
	for (i = 0; i < used; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch < 0x20 || ch == 0x7f)
			line[i] = '?';
	}
	line[used++] = '\n';
	(void)!write(STDERR_FILENO, line, used);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, "", fmt, ap);
	va_end(ap);
}
