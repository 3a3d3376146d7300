/*
 * replay_main.c - a main() for the fuzz targets when libFuzzer is not
 * there: feed every file named on the command line, and every regular
 * file in every directory named there (sorted, dot files skipped), to
 * LLVMFuzzerTestOneInput once, and report each as a TAP test.  Linked
 * with one target by `make check`, which so replays the seed corpora
 * with the project's ordinary compiler.  A target that crashes or aborts
 * kills the run, and the TAP driver reports the missing tests; the last
 * "# input" line names the culprit.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (1024 * 1024)	/* larger files are refused */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int	replay_read(const char *path, uint8_t **data, size_t *size,
		    char *err, size_t errlen);
static const char *replay_name(const char *path);
static void	replay_file(const char *path, unsigned *n, int *failed);
static int	replay_dir(const char *dir, unsigned *n, int *failed);
static int	replay_visible(const struct dirent *d);

/*
 * Read a whole file into *data (the caller frees it), at most
 * REPLAY_MAX_INPUT bytes.  Returns 0, or -1 with a reason in err.
 */
static int
replay_read(const char *path, uint8_t **data, size_t *size, char *err,
    size_t errlen)
{
	FILE *fp;
	uint8_t *buf;
	size_t len;

	*data = NULL;
	*size = 0;
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX_INPUT + 1)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = fread(buf, 1, REPLAY_MAX_INPUT + 1, fp);
	if (ferror(fp) || len > REPLAY_MAX_INPUT) {
		snprintf(err, errlen, "%s", ferror(fp) ? "read error" :
		    "larger than 1 MiB");
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	*data = buf;
	*size = len;
	return 0;
}

/* The name shown for a path: from its last "corpus/" on, if any. */
static const char *
replay_name(const char *path)
{
	const char *p, *hit = NULL;

	for (p = path; (p = strstr(p, "corpus/")) != NULL; p++)
		hit = p;
	return hit != NULL ? hit : path;
}

static void
replay_file(const char *path, unsigned *n, int *failed)
{
	uint8_t *data, *exact;
	size_t size;
	char err[256];

	if (replay_read(path, &data, &size, err, sizeof(err)) != 0) {
		printf("not ok %u - %s: %s\n", ++*n, replay_name(path), err);
		*failed = 1;
		return;
	}
	printf("# input %s (%zu bytes)\n", replay_name(path), size);
	fflush(stdout);
	/* An exact-size copy, as libFuzzer gives, for overread checks. */
	if ((exact = malloc(size > 0 ? size : 1)) == NULL) {
		printf("not ok %u - %s: out of memory\n", ++*n,
		    replay_name(path));
		*failed = 1;
		free(data);
		return;
	}
	memcpy(exact, data, size);
	free(data);
	(void)LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	printf("ok %u - %s\n", ++*n, replay_name(path));
	fflush(stdout);
}

static int
replay_visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
replay_dir(const char *dir, unsigned *n, int *failed)
{
	struct dirent **list;
	struct stat st;
	char *path;
	size_t len;
	int i, count;

	if ((count = scandir(dir, &list, replay_visible, alphasort)) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		len = strlen(dir) + strlen(list[i]->d_name) + 2;
		if ((path = malloc(len)) != NULL) {
			snprintf(path, len, "%s/%s", dir, list[i]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				replay_file(path, n, failed);
			free(path);
		} else {
			printf("not ok %u - %s: out of memory\n", ++*n, dir);
			*failed = 1;
		}
		free(list[i]);
	}
	free(list);
	return 0;
}

int
main(int argc, char **argv)
{
	struct stat st;
	unsigned n = 0;
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			printf("not ok %u - %s: %s\n", ++n, argv[i],
			    strerror(errno));
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &n, &failed) != 0) {
				printf("not ok %u - %s: %s\n", ++n, argv[i],
				    strerror(errno));
				failed = 1;
			}
		} else
			replay_file(argv[i], &n, &failed);
	}
	if (n == 0) {
		printf("1..0 # SKIP no corpus files\n");
		return 0;
	}
	printf("1..%u\n", n);
	return failed;
}
