/*
 * walsync.h - the fsync that makes a batch of commits durable, done on
 * the recorder's second thread (recorder.h) while its first one writes
 * the next batch.
 *
 * The recorder's connection commits without syncing (db_defer_sync);
 * a commit is on disk once the WAL file's data is, so one fdatasync of
 * the WAL that starts after a commit returned covers it, and every
 * commit before it.  Linux syncs a file, not a descriptor: a read-only
 * descriptor of our own syncs what SQLite wrote through its own.
 */
#ifndef PVACMS_WALSYNC_H
#define PVACMS_WALSYNC_H

#include <stddef.h>

struct walsync;

/* Remember wal_path (opened at the first sync).  NULL when out of memory.
 * Free with walsync_free. */
struct walsync *walsync_new(const char *wal_path);

/*
 * fdatasync the WAL file: everything committed before the call is on
 * disk when it returns 0.  The first call (and a call after SQLite
 * replaced the file) opens it and syncs its directory too, so that the
 * file itself survives a power cut.  -1 with err set.
 */
int walsync_sync(struct walsync *ws, char *err, size_t errlen);

void walsync_free(struct walsync *ws);

#endif
