/*
 * fsutil.c - file handling for a program that holds keys: parent
 * directories are created 0700 (existing ones are left alone), secrets
 * are written through an O_EXCL temp file with the final mode, fsync'd
 * and renamed into place, and every read is bounded by a size cap.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

static int	fs_write_all(int fd, const void *data, size_t len);
static char	*fs_dirname(const char *path);

/* Returns the directory part of path ("." when none); caller frees. */
static char *
fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	while (slash > path && slash[-1] == '/')
		slash--;
	if (slash == path)
		return strdup("/");
	if ((d = malloc((size_t)(slash - path) + 1)) == NULL)
		return NULL;
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

static int
fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fs_sync_parent(const char *path, char *err, size_t errlen)
{
	char *dir;
	int fd, rc = 0;

	if ((dir = fs_dirname(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int
fs_mkdir_parents(const char *file_path, char *err, size_t errlen)
{
	char *dir, *p;
	struct stat st;
	int rc = -1;

	if (file_path == NULL || *file_path == '\0') {
		snprintf(err, errlen, "empty path");
		return -1;
	}
	if ((dir = fs_dirname(file_path)) == NULL) {
		snprintf(err, errlen, "%s: %s", file_path, strerror(ENOMEM));
		return -1;
	}
	/*
	 * Walk each prefix; create only what is missing, and set exactly
	 * 0700 on what we create (whatever the umask).  Existing
	 * directories keep their mode.
	 */
	for (p = dir + 1;; p++) {
		char save = *p;

		if (save != '/' && save != '\0')
			continue;
		*p = '\0';
		if (stat(dir, &st) != 0) {
			if (errno != ENOENT) {
				snprintf(err, errlen, "%s: %s", dir,
				    strerror(errno));
				goto out;
			}
			if (mkdir(dir, 0700) == 0)
				(void)chmod(dir, 0700);
			else if (errno != EEXIST) {
				snprintf(err, errlen, "%s: %s", dir,
				    strerror(errno));
				goto out;
			}
		} else if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: %s", dir, strerror(ENOTDIR));
			goto out;
		}
		*p = save;
		if (save == '\0')
			break;
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

int
fs_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char *err, size_t errlen)
{
	char *tmp = NULL;
	size_t tlen;
	int fd = -1, rc = -1;

	if (data == NULL && len != 0) {
		snprintf(err, errlen, "%s: no data", path ? path : "");
		return -1;
	}
	if (fs_mkdir_parents(path, err, errlen) != 0)
		return -1;
	tlen = strlen(path) + sizeof(".tmp.XXXXXX");
	if ((tmp = malloc(tlen)) == NULL)
		goto nomem;
	snprintf(tmp, tlen, "%s.tmp.XXXXXX", path);
	/* mkstemp opens O_CREAT|O_EXCL with 0600; then set the final mode. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) != 0 || fs_write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* Renamed: a directory that will not sync does not undo that. */
	(void)fs_sync_parent(path, NULL, 0);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	return rc;
}

int
fs_read_file(const char *path, size_t cap, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, want;
	int fd;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > (uintmax_t)cap) {
		snprintf(err, errlen, "%s: file too large (%jd bytes, "
		    "limit %zu)", path, (intmax_t)st.st_size, cap);
		goto fail;
	}
	/* Read up to cap + 1 so a file that grew since fstat is caught. */
	want = (size_t)st.st_size;
	if ((buf = malloc(want + 2)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto fail;
	}
	for (;;) {
		ssize_t n;
		size_t room = want + 1 - got;

		if (room == 0)
			break;
		n = read(fd, buf + got, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > want) {
		snprintf(err, errlen, "%s: file changed while reading", path);
		goto fail;
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	if (outlen != NULL)
		*outlen = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

/* *out is the password; the caller frees it with free(). */
int
fs_read_password(const char *path, char **out, char *err, size_t errlen)
{
	size_t len;

	*out = NULL;
	if (path == NULL || *path == '\0') {
		if ((*out = strdup("")) == NULL) {
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			return -1;
		}
		return 0;
	}
	if (fs_read_file(path, 4096, out, &len, err, errlen) != 0)
		return -1;
	if (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	return 0;
}

int
fs_exists(const char *path)
{
	struct stat st;

	return path != NULL && lstat(path, &st) == 0;
}
