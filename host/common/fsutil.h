/*
 * fsutil.h - files the way a key-holding program must handle them:
 * parents created 0700, secrets written 0600 through a temp file and an
 * atomic rename, and every read bounded by a size cap.
 * All functions return 0 on success, -1 with a one-line reason in err.
 */
#ifndef PVACMS_FSUTIL_H
#define PVACMS_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Create every missing parent directory of file_path with mode 0700. */
int fs_mkdir_parents(const char *file_path, char *err, size_t errlen);

/*
 * Write data to path atomically: parents 0700, a temp file in the same
 * directory with `mode`, fsync, rename over path.  On failure path is
 * untouched and the temp file is removed.
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char *err, size_t errlen);

/*
 * Read a whole regular file of at most cap bytes.  *out is NUL-terminated
 * (not counted in *outlen) and the caller frees it with free().
 */
int fs_read_file(const char *path, size_t cap, char **out, size_t *outlen,
    char *err, size_t errlen);

/*
 * A keychain password from a password file: the whole content with one
 * trailing newline stripped; path NULL or "" gives the empty password.
 * Caller frees *out with free() (after explicit_bzero when it likes).
 */
int fs_read_password(const char *path, char **out, char *err, size_t errlen);

/*
 * fsync the directory that holds path, so that a file created or renamed
 * there is still there after a power cut.  err may be NULL (errlen 0).
 */
int fs_sync_parent(const char *path, char *err, size_t errlen);

/* 1 if path exists (any type), 0 if not. */
int fs_exists(const char *path);

#endif
