/*
 * walsync.c - fdatasync of the recorder's WAL file (walsync.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "walsync.h"

struct walsync {
	int fd;			/* -1 until the first sync */
	char *path;
};

static int	walsync_open(struct walsync *, char *, size_t);

struct walsync *
walsync_new(const char *wal_path)
{
	struct walsync *ws;

	if ((ws = calloc(1, sizeof(*ws))) == NULL)
		return NULL;
	ws->fd = -1;
	if ((ws->path = strdup(wal_path)) == NULL) {
		free(ws);
		return NULL;
	}
	return ws;
}

/* Open the WAL file and sync its directory entry.  0, or -1 with err. */
static int
walsync_open(struct walsync *ws, char *err, size_t errlen)
{
	if ((ws->fd = open(ws->path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", ws->path, strerror(errno));
		return -1;
	}
	if (fs_sync_parent(ws->path, err, errlen) != 0) {
		close(ws->fd);
		ws->fd = -1;
		return -1;
	}
	return 0;
}

int
walsync_sync(struct walsync *ws, char *err, size_t errlen)
{
	struct stat st;

	/* A WAL file no longer linked is one SQLite let go (the last
	 * connection closed it): syncing it would prove nothing. */
	if (ws->fd >= 0 && (fstat(ws->fd, &st) != 0 || st.st_nlink == 0)) {
		close(ws->fd);
		ws->fd = -1;
	}
	if (ws->fd < 0 && walsync_open(ws, err, errlen) != 0)
		return -1;
	if (fdatasync(ws->fd) != 0) {
		snprintf(err, errlen, "%s: fdatasync: %s", ws->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
walsync_free(struct walsync *ws)
{
	if (ws == NULL)
		return;
	if (ws->fd >= 0)
		close(ws->fd);
	free(ws->path);
	free(ws);
}
