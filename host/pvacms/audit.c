/*
 * audit.c - append-only JSON-lines audit log.  Lines are built with
 * jansson (so every value is escaped) and written with one write(2) to an
 * O_APPEND descriptor, which keeps lines whole even with other writers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "fsutil.h"
#include "log.h"

static int audit_fd = -1;
static int audit_is_stderr;

int
audit_open(const char *path, char *err, size_t errlen)
{
	if (strcmp(path, "-") == 0) {
		audit_fd = STDERR_FILENO;
		audit_is_stderr = 1;
		return 0;
	}
	if (fs_mkdir_parents(path, err, errlen) != 0)
		return -1;
	audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (audit_fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
audit_close(void)
{
	if (audit_fd >= 0 && !audit_is_stderr)
		close(audit_fd);
	audit_fd = -1;
}

void
audit_event(const char *event, ...)
{
	json_t *obj, *value;
	char stamp[32], key[64], *line;
	const char *k, *v;
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	size_t len;

	if (audit_fd < 0)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((obj = json_object()) == NULL)
		return;
	json_object_set_new(obj, "time", json_string(stamp));
	json_object_set_new(obj, "event", json_string(event));
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		len = strlen(k);
		if (len > 0 && k[len - 1] == '#' && len < sizeof(key)) {
			long long n = va_arg(ap, long long);

			memcpy(key, k, len - 1);
			key[len - 1] = '\0';
			json_object_set_new(obj, key, json_integer(n));
			continue;
		}
		v = va_arg(ap, const char *);
		if (v == NULL || *v == '\0')
			continue;
		/* json_string refuses invalid UTF-8; record that instead. */
		if ((value = json_string(v)) == NULL)
			value = json_string("(invalid utf-8)");
		json_object_set_new(obj, k, value);
	}
	va_end(ap);
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (line == NULL)
		return;
	len = strlen(line);
	line[len] = '\n';	/* json_dumps leaves room: we rewrite the NUL */
	if (write(audit_fd, line, len + 1) != (ssize_t)(len + 1))
		log_error("audit log write failed: %s", strerror(errno));
	free(line);
}
