/*
 * test_startcheck.c - the check of a large database while pvacms serves
 * (startcheck_bg, host/pvacms/startcheck.c), on real SQLite files: a
 * sound database reports nothing; one with damaged pages reports it on
 * the loop thread, naming the file and SQLite's finding.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "db.h"
#include "startcheck.h"
#include "tap.h"

static struct event_base *base;
static pthread_t loop_thread;
static int called, on_loop;
static char found[1024];

static void
damaged(void *arg, const char *why)
{
	(void)arg;
	called++;
	on_loop = pthread_equal(pthread_self(), loop_thread);
	snprintf(found, sizeof(found), "%s", why);
}

/* Run the check of path to its end; 0 when it could start. */
static int
check(const char *path)
{
	struct startcheck_bg *bg;
	struct timeval slice = { 0, 50000 };
	char err[256];
	int i;

	called = 0;
	found[0] = '\0';
	if ((bg = startcheck_bg_start(base, path, damaged, NULL, err,
	    sizeof(err))) == NULL)
		return -1;
	/* The check posts once; give the loop a few slices to run it. */
	for (i = 0; i < 40 && called == 0; i++) {
		event_base_loopexit(base, &slice);
		event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
	}
	startcheck_bg_free(bg);
	return 0;
}

/* A database with some rows, closed (no WAL left). */
static int
make_db(const char *path)
{
	struct db_cert c;
	struct db *db;
	char err[256];
	int created, i;

	if ((db = db_open(path, &created, err, sizeof(err))) == NULL)
		return -1;
	for (i = 1; i <= 200; i++) {
		memset(&c, 0, sizeof(c));
		c.serial = (uint64_t)i;
		snprintf(c.issuer_id, sizeof(c.issuer_id), "0badcafe");
		snprintf(c.cn, sizeof(c.cn), "row%d-with-some-length", i);
		c.usage = USAGE_CLIENT;
		c.state = STATE_VALID;
		c.not_after = 2000000000;
		if (db_insert(db, &c, err, sizeof(err)) != 0)
			return -1;
	}
	db_close(db);
	return 0;
}

int
main(void)
{
	char tmpl[] = "/tmp/test_startcheck.XXXXXX", path[300], junk[400];
	off_t size;
	int fd, page;

	tap_plan(5);
	alarm(60);
	evthread_use_pthreads();
	loop_thread = pthread_self();
	base = event_base_new();
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/certs.db", tmpl);
	if (make_db(path) != 0)
		return 1;

	ok(check(path) == 0 && called == 0, "a sound database: nothing to say");

	/* Scribble over the cells at the end of every page but the first. */
	memset(junk, 0x5a, sizeof(junk));
	fd = open(path, O_RDWR);
	size = lseek(fd, 0, SEEK_END);
	for (page = 1; (off_t)(page + 1) * 4096 <= size; page++)
		if (pwrite(fd, junk, sizeof(junk),
		    (off_t)(page + 1) * 4096 - (off_t)sizeof(junk)) < 0)
			break;
	close(fd);
	ok(check(path) == 0 && called == 1, "a damaged database is reported");
	ok(on_loop, "on the loop thread");
	ok(strstr(found, path) != NULL, "naming the file (%s)", found);
	ok(strstr(found, "restore it from a backup") != NULL,
	    "and saying what to do");

	event_base_free(base);
	snprintf(junk, sizeof(junk), "rm -rf '%s'", tmpl);
	if (system(junk) != 0)
		printf("# could not remove %s\n", tmpl);
	return tap_done();
}
