/*
 * test_common_fsutil.c - what a user sees of keychain files: mode 0600,
 * new directories 0700 (existing ones left alone), atomic replacement
 * that leaves the old file intact on failure, size caps on reads, and
 * password files with one trailing newline stripped.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "tap.h"

static char	root[256];

static int	mode_of(const char *rel);
static const char *at(const char *rel);
static int	count_entries(const char *rel);
static int	put(const char *rel, const char *content, char *err,
		    size_t errlen);
static void	rm_rf(const char *path);

static const char *
at(const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

static int
mode_of(const char *rel)
{
	struct stat st;

	if (stat(at(rel), &st) != 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int
count_entries(const char *rel)
{
	DIR *d = opendir(at(rel));
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
put(const char *rel, const char *content, char *err, size_t errlen)
{
	return fs_write_atomic(at(rel), content, strlen(content), 0600, err,
	    errlen);
}

static void
rm_rf(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", path);
}

int
main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	char err[512], want[600], *data = NULL, *pw = NULL;
	char big[101];
	size_t len = 0;

	tap_plan(36);
	umask(022);
	snprintf(root, sizeof(root), "%s/fsutil.XXXXXX",
	    tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(root) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}

	/* New keychain under missing directories. */
	is_int(put("a/b/c/client.p12", "secret-1", err, sizeof(err)), 0,
	    "atomic write creates missing parents");
	is_int(mode_of("a/b/c/client.p12"), 0600, "file mode is 0600");
	is_int(mode_of("a"), 0700, "new parent a is 0700 despite umask 022");
	is_int(mode_of("a/b/c"), 0700, "new parent a/b/c is 0700");
	is_int(fs_read_file(at("a/b/c/client.p12"), 1024, &data, &len, err,
	    sizeof(err)), 0, "written file reads back");
	is_str(data, "secret-1", "content is what was written");
	is_int((long long)len, 8, "length excludes the NUL");
	free(data);
	data = NULL;

	/* Replacing keeps only one file, and never leaves temp files. */
	is_int(put("a/b/c/client.p12", "secret-2", err, sizeof(err)), 0,
	    "overwrite succeeds");
	fs_read_file(at("a/b/c/client.p12"), 1024, &data, &len, err,
	    sizeof(err));
	is_str(data, "secret-2", "overwrite replaced the content");
	free(data);
	data = NULL;
	is_int(count_entries("a/b/c"), 1, "no temp file left behind");
	is_int(fs_write_atomic(at("a/b/c/pub.pem"), "x", 1, 0644, err,
	    sizeof(err)), 0, "public file written");
	is_int(mode_of("a/b/c/pub.pem"), 0644, "requested mode 0644 honoured");

	/* An existing parent keeps its mode. */
	mkdir(at("open"), 0755);
	chmod(at("open"), 0755);
	put("open/sub/f", "x", err, sizeof(err));
	is_int(mode_of("open"), 0755, "existing parent keeps 0755");
	is_int(mode_of("open/sub"), 0700, "new child directory is 0700");

	/* Failure leaves the old file and no temp file. */
	mkdir(at("d"), 0700);
	mkdir(at("d/target"), 0700);
	put("d/keep", "old", err, sizeof(err));
	err[0] = '\0';
	is_int(put("d/target", "new", err, sizeof(err)), -1,
	    "rename over a directory fails");
	snprintf(want, sizeof(want), "%s: Is a directory", at("d/target"));
	is_str(err, want, "error names the path and the reason");
	is_int(count_entries("d"), 2, "failed write removed its temp file");
	fs_read_file(at("d/keep"), 100, &data, &len, err, sizeof(err));
	is_str(data, "old", "unrelated file untouched");
	free(data);
	data = NULL;
	put("plainfile", "x", err, sizeof(err));
	is_int(put("plainfile/sub/f", "x", err, sizeof(err)), -1,
	    "a parent that is a file is refused");
	ok(strstr(err, "Not a directory") != NULL, "reason: %s", err);

	/* Reads are capped. */
	memset(big, 'z', 100);
	big[100] = '\0';
	put("big", big, err, sizeof(err));
	is_int(fs_read_file(at("big"), 99, &data, &len, err, sizeof(err)), -1,
	    "file over the cap refused");
	snprintf(want, sizeof(want), "%s: file too large (100 bytes, limit 99)",
	    at("big"));
	is_str(err, want, "cap message names size and limit");
	ok(data == NULL, "no buffer returned on failure");
	is_int(fs_read_file(at("big"), 100, &data, &len, err, sizeof(err)), 0,
	    "file exactly at the cap is read");
	free(data);
	data = NULL;
	is_int(fs_read_file(at("missing"), 100, &data, &len, err,
	    sizeof(err)), -1, "missing file is an error");
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    at("missing"));
	is_str(err, want, "missing-file message is <path>: <strerror>");
	is_int(fs_read_file(at("d"), 100, &data, &len, err, sizeof(err)), -1,
	    "a directory is not read as a file");

	/* Password files. */
	put("pw1", "hunter2\n", err, sizeof(err));
	put("pw2", "hunter2\n\n", err, sizeof(err));
	put("pw3", "hunter2", err, sizeof(err));
	fs_read_password(at("pw1"), &pw, err, sizeof(err));
	is_str(pw, "hunter2", "one trailing newline stripped");
	free(pw);
	fs_read_password(at("pw2"), &pw, err, sizeof(err));
	is_str(pw, "hunter2\n", "only one newline stripped");
	free(pw);
	fs_read_password(at("pw3"), &pw, err, sizeof(err));
	is_str(pw, "hunter2", "no newline: content as is");
	free(pw);
	fs_read_password(NULL, &pw, err, sizeof(err));
	is_str(pw, "", "no password file: empty password");
	free(pw);
	fs_read_password("", &pw, err, sizeof(err));
	is_str(pw, "", "empty path: empty password");
	free(pw);
	is_int(fs_read_password(at("nope"), &pw, err, sizeof(err)), -1,
	    "missing password file is an error, not an empty password");

	ok(fs_exists(at("pw1")) && !fs_exists(at("nope")),
	    "fs_exists tells present from absent");

	is_int(fs_sync_parent(at("pw1"), err, sizeof(err)), 0,
	    "fs_sync_parent syncs the directory of a file");
	err[0] = '\0';
	ok(fs_sync_parent(at("nodir/file"), err, sizeof(err)) == -1 &&
	    strstr(err, "nodir") != NULL,
	    "a directory that is not there is an error naming it (%s)", err);

	rm_rf(root);
	return tap_done();
}
