/*
 * audit.c - append-only JSON-lines audit log.  Lines are built with
 * jansson (so every value is escaped) and written with one write(2) to an
 * O_APPEND descriptor under a lock, so lines from the loop thread and the
 * recorder never interleave.  A write that falls short (ENOSPC) is cut
 * back with ftruncate to where it began: the next line never lands in
 * the middle of a torn one.
 */
#include "config.h"	/* _GNU_SOURCE: memmem, memrchr */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "fsutil.h"
#include "log.h"

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static int audit_fd = -1;
static int audit_is_stderr;

static int	audit_append(const char *, size_t, int, char *, size_t);

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
	/* Read as well: a start may restore lines (audit_restore). */
	audit_fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (audit_fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
audit_close(void)
{
	pthread_mutex_lock(&audit_lock);
	if (audit_fd >= 0 && !audit_is_stderr)
		close(audit_fd);
	audit_fd = -1;
	pthread_mutex_unlock(&audit_lock);
}

/* Returns a '\n'-terminated line the caller frees, or NULL. */
char *
audit_vline(const char *event, va_list ap)
{
	json_t *obj, *value;
	char stamp[32], key[64], *text, *line;
	const char *k, *v;
	struct tm tm;
	time_t now = time(NULL);
	size_t len;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((obj = json_object()) == NULL)
		return NULL;
	json_object_set_new(obj, "time", json_string(stamp));
	json_object_set_new(obj, "event", json_string(event));
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
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (text == NULL)
		return NULL;
	len = strlen(text);
	if ((line = malloc(len + 2)) != NULL) {
		memcpy(line, text, len);
		line[len] = '\n';
		line[len + 1] = '\0';
	}
	free(text);
	return line;
}

char *
audit_line(const char *event, ...)
{
	va_list ap;
	char *line;

	va_start(ap, event);
	line = audit_vline(event, ap);
	va_end(ap);
	return line;
}

void
audit_event(const char *event, ...)
{
	char err[256], *line;
	va_list ap;

	if (audit_fd < 0)
		return;
	va_start(ap, event);
	line = audit_vline(event, ap);
	va_end(ap);
	if (line == NULL) {
		log_error("audit log: out of memory for a '%s' line", event);
		return;
	}
	if (audit_append(line, strlen(line), 0, err, sizeof(err)) != 0)
		log_error("%s", err);
	free(line);
}

int
audit_write(const char *lines, size_t len, char *err, size_t errlen)
{
	return audit_append(lines, len, 0, err, errlen);
}

int
audit_sync(char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&audit_lock);
	if (audit_fd >= 0 && !audit_is_stderr && fdatasync(audit_fd) != 0) {
		snprintf(err, errlen, "audit log: fdatasync: %s",
		    strerror(errno));
		rc = -1;
	}
	pthread_mutex_unlock(&audit_lock);
	return rc;
}

/*
 * The last len bytes of the file (at most; *got says how many), read
 * into a buffer the caller frees.  NULL on error.
 */
static char *
audit_read_tail(off_t size, size_t want, size_t *got)
{
	size_t n = (off_t)want < size ? want : (size_t)size;
	char *buf = malloc(n + 1);

	if (buf == NULL || pread(audit_fd, buf, n, size - (off_t)n) !=
	    (ssize_t)n) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*got = n;
	return buf;
}

int
audit_restore(const char *const *lines, size_t n, size_t *restored,
    char *err, size_t errlen)
{
	struct stat st;
	char *tail = NULL, *missing = NULL, *nl, *hit;
	size_t total = 0, got = 0, i, len, mlen = 0, pos;
	int rc = -1;

	*restored = 0;
	pthread_mutex_lock(&audit_lock);
	if (audit_fd < 0 || audit_is_stderr || n == 0) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++)
		total += strlen(lines[i]);
	if (fstat(audit_fd, &st) != 0 ||
	    (tail = audit_read_tail(st.st_size, 2 * total + 65536,
	    &got)) == NULL) {
		snprintf(err, errlen, "audit log: cannot read its end: %s",
		    strerror(errno));
		goto out;
	}
	/* A torn last line: cut back to the last whole one. */
	if (got > 0 && tail[got - 1] != '\n') {
		nl = memrchr(tail, '\n', got);
		len = nl != NULL ? (size_t)(nl - tail) + 1 : 0;
		if (nl == NULL && (off_t)got < st.st_size) {
			snprintf(err, errlen, "audit log: its last %zu bytes "
			    "hold no whole line", got);
			goto out;
		}
		if (ftruncate(audit_fd, st.st_size - (off_t)(got - len)) !=
		    0) {
			snprintf(err, errlen, "audit log: cannot cut a torn "
			    "line: %s", strerror(errno));
			goto out;
		}
		got = len;
		tail[got] = '\0';
	}
	if ((missing = malloc(total + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/*
	 * Lines carry their time, cert_id and states: one found in the
	 * file's end is that line.  They were written in this order, so
	 * each is first looked for right after the one before (a linear
	 * walk), and only then anywhere in the end of the file.
	 */
	for (i = 0, pos = 0; i < n; i++) {
		len = strlen(lines[i]);
		if (pos + len <= got && memcmp(tail + pos, lines[i], len) == 0) {
			pos += len;
			continue;
		}
		if ((hit = memmem(tail, got, lines[i], len)) != NULL) {
			pos = (size_t)(hit - tail) + len;
			continue;
		}
		memcpy(missing + mlen, lines[i], len);
		mlen += len;
		(*restored)++;
	}
	pthread_mutex_unlock(&audit_lock);
	rc = mlen == 0 ? 0 : audit_append(missing, mlen, 1, err, errlen);
	free(tail);
	free(missing);
	return rc;
out:
	pthread_mutex_unlock(&audit_lock);
	free(tail);
	free(missing);
	return rc;
}

/*
 * One write of whole lines; on a short write, cut the file back to the
 * size it had so that no partial line stays.  sync: fdatasync after.
 */
static int
audit_append(const char *lines, size_t len, int sync, char *err,
    size_t errlen)
{
	struct stat st;
	off_t before = -1;
	ssize_t n;
	int rc = 0, saved;

	if (len == 0)
		return 0;
	pthread_mutex_lock(&audit_lock);
	if (audit_fd < 0)
		goto out;
	if (!audit_is_stderr && fstat(audit_fd, &st) == 0)
		before = st.st_size;
	n = write(audit_fd, lines, len);
	if (n == (ssize_t)len) {
		if (sync && !audit_is_stderr && fdatasync(audit_fd) != 0) {
			snprintf(err, errlen, "audit log: fdatasync: %s",
			    strerror(errno));
			rc = -1;
		}
		goto out;
	}
	saved = n < 0 ? errno : ENOSPC;
	if (n > 0 && before >= 0 && ftruncate(audit_fd, before) != 0)
		snprintf(err, errlen, "audit log write failed (%s) and the "
		    "partial line could not be removed: %s", strerror(saved),
		    strerror(errno));
	else
		snprintf(err, errlen, "audit log write failed: %s",
		    strerror(saved));
	rc = -1;
out:
	pthread_mutex_unlock(&audit_lock);
	return rc;
}
