/*
 * test_recorder.c - the recorder's group commit (recorder.c) and the
 * audit log's whole-or-absent lines (audit.c), on a real SQLite file:
 *
 * - done() runs on the loop thread only once the row is committed: a
 *   second connection already sees it (no answer before its commit);
 * - a batch writes every row and exactly the audit lines of what it
 *   did; a token already on record is a replay, not a second row;
 * - a state change is guarded and audited with its CN;
 * - an audit log that cannot be written (/dev/full) fails the items and
 *   leaves no row behind (no decision without its line);
 * - a write cut short by RLIMIT_FSIZE (a full disk) leaves no torn line;
 * - the audit tail is empty once the recorder stopped (the log synced),
 *   and a start restores into the log the lines a power cut took from it
 *   (cutting a torn last line), each once;
 * - done() runs only after a sync that began once the row was committed,
 *   the writer commits the next batch while the syncer waits, and after
 *   a failed sync nothing more is recorded, nor handed out as recorded
 *   when it was committed during the failed sync and a later one works.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sqlite3.h>

#include "audit.h"
#include "db.h"
#include "hosterr.h"
#include "recorder.h"
#include "tap.h"

#define NITEMS 40

/* The test cannot go on: say why on the TAP stream and stop. */
static void
bail_out(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

static struct event_base *base;
static pthread_t loop_thread;
static const char *db_path;
static int done_count, want_done, all_on_loop = 1, all_visible = 1;

/* How many rows a fresh connection sees with serial `op` serial. */
static int
rows_where(const char *op, uint64_t serial)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	sqlite3_int64 v;
	char sql[80];
	int n = -1;

	memcpy(&v, &serial, sizeof(v));
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM certs WHERE "
	    "serial %s ?1", op);
	if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, v);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

static int
rows_with(uint64_t serial)
{
	return rows_where("=", serial);
}

static void
on_done(struct recorder_item *item, void *arg)
{
	(void)arg;
	if (!pthread_equal(pthread_self(), loop_thread))
		all_on_loop = 0;
	if (item->outcome == RECORDER_DONE && item->kind == RECORDER_INSERT &&
	    rows_with(item->row->serial) != 1)
		all_visible = 0;
	if (++done_count == want_done)
		event_base_loopexit(base, NULL);
}

/*
 * The fsync discipline, seen through a sync of the test's own: it notes
 * which rows were committed when it began, takes its time, and only then
 * counts them as synced.  The first sync also waits to see whether the
 * writer commits the next group meanwhile.
 */
#define GROUP 10
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static int synced_rows;		/* rows committed before a finished sync */
static atomic_int sync_calls, sync_fail, writer_went_on = -1;
static int all_synced = 1;

/* Rows of this part a fresh connection sees; -1 on error. */
static int
rows_now(void)
{
	return rows_where(">=", 7000);
}

static int
slow_sync(void *arg, char *err, size_t errlen)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int committed = rows_now(), i;

	(void)arg;
	if (atomic_fetch_add(&sync_calls, 1) == 0) {
		/* The test submits its second group once this began. */
		for (i = 0; i < 250 && rows_now() < 2 * GROUP; i++)
			nanosleep(&pause, NULL);
		writer_went_on = rows_now() == 2 * GROUP;
	} else
		nanosleep(&pause, NULL);
	if (atomic_load(&sync_fail)) {
		snprintf(err, errlen, "test: sync failed");
		return -1;
	}
	pthread_mutex_lock(&sync_lock);
	if (committed > synced_rows)
		synced_rows = committed;
	pthread_mutex_unlock(&sync_lock);
	return 0;
}

/* Fails once, after the test's second group was committed meanwhile;
 * every later sync works. */
static int
fail_once_sync(void *arg, char *err, size_t errlen)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i;

	(void)arg;
	if (atomic_fetch_add(&sync_calls, 1) != 0)
		return 0;
	for (i = 0; i < 250 && rows_where(">=", 7100) < 8; i++)
		nanosleep(&pause, NULL);
	snprintf(err, errlen, "test: sync failed once");
	return -1;
}

static void
on_done_synced(struct recorder_item *item, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sync_lock);
	/* Serials 7000.. are committed in order: row k is synced once
	 * more than k rows were committed before a finished sync. */
	if (item->outcome == RECORDER_DONE &&
	    (int)(item->row->serial - 7000) >= synced_rows)
		all_synced = 0;
	pthread_mutex_unlock(&sync_lock);
	on_done(item, arg);
}

static char *
change_line(const struct recorder_item *item, void *arg)
{
	char buf[512];

	(void)arg;
	snprintf(buf, sizeof(buf), "{\"event\":\"revoked\",\"cn\":\"%s\"}\n",
	    item->cn);
	return strdup(buf);
}

static void
mkrow(struct db_cert *c, uint64_t serial, const char *token_id)
{
	memset(c, 0, sizeof(*c));
	c->serial = serial;
	snprintf(c->issuer_id, sizeof(c->issuer_id), "0badcafe");
	snprintf(c->cn, sizeof(c->cn), "cn%llu", (unsigned long long)serial);
	c->usage = USAGE_CLIENT;
	c->not_before = 1000;
	c->not_after = 2000000000;
	c->state = STATE_VALID;
	c->status_date = 1000;
	snprintf(c->token_id, sizeof(c->token_id), "%s", token_id);
}

/* An insert of serial with token tok and the audit line of number n. */
static void
mkinsert(struct recorder_item *item, struct db_cert *row, uint64_t serial,
    const char *tok, int n, char *line, size_t linelen,
    recorder_done_fn *done)
{
	mkrow(row, serial, tok);
	snprintf(line, linelen, "{\"event\":\"issued\",\"n\":%d}\n", n);
	item->kind = RECORDER_INSERT;
	item->row = row;
	item->line = line;
	item->done = done;
}

/* Run the loop until want more done() calls (with a deadline). */
static void
run_until(int more)
{
	struct timeval limit = { 10, 0 };

	want_done = done_count + more;
	event_base_loopexit(base, &limit);
	event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
}

static int
count_lines(const char *path, const char *needle)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (needle == NULL || strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

static int
count_tail(void *arg, int64_t seq, const char *line)
{
	(void)seq;
	(void)line;
	(*(int *)arg)++;
	return 0;
}

/* Rows in the audit tail of the database at path, or -1. */
static int
tail_rows(const char *path)
{
	struct db *db;
	char err[256];
	int n = 0, created;

	if ((db = db_open(path, &created, err, sizeof(err))) == NULL)
		return -1;
	if (db_tail_list(db, count_tail, &n, err, sizeof(err)) != 0)
		n = -1;
	db_close(db);
	return n;
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

int
main(void)
{
	static struct db_cert rows[NITEMS + 2];
	static struct recorder_item items[NITEMS + 3];
	char tmpl[] = "/tmp/test_recorder.XXXXXX", path[300], audit[300];
	char err[256], line[NITEMS][128], tok[32];
	struct recorder *rec;
	struct rlimit lim, old;
	struct db *db;
	off_t size;
	int i, ok_all, created;

	tap_plan(28);
	alarm(60);
	evthread_use_pthreads();
	loop_thread = pthread_self();
	if (mkdtemp(tmpl) == NULL)
		bail_out("mkdtemp");
	snprintf(path, sizeof(path), "%s/certs.db", tmpl);
	snprintf(audit, sizeof(audit), "%s/audit.log", tmpl);
	db_path = path;
	if ((db = db_open(path, &created, err, sizeof(err))) == NULL)
		bail_out(err);
	db_close(db);
	if (audit_open(audit, err, sizeof(err)) != 0)
		bail_out(err);
	base = event_base_new();
	rec = recorder_new(base, path, err, sizeof(err));
	ok(rec != NULL, "the recorder starts");
	if (rec == NULL)
		bail_out(err);

	/* A burst: submitted together, committed in batches. */
	for (i = 0; i < NITEMS; i++) {
		snprintf(tok, sizeof(tok), "j:%d", i);
		mkinsert(&items[i], &rows[i], 100 + (uint64_t)i, tok, i,
		    line[i], sizeof(line[i]), on_done);
		if (recorder_submit(rec, &items[i]) != 0)
			bail_out("submit refused");
	}
	run_until(NITEMS);
	is_int(done_count, NITEMS, "every item of the burst is done");
	ok(all_on_loop, "done() runs on the loop thread");
	ok(all_visible, "each row is committed before its done() runs");
	for (ok_all = 1, i = 0; i < NITEMS; i++)
		ok_all = ok_all && items[i].outcome == RECORDER_DONE;
	ok(ok_all, "every row was inserted");
	is_int(count_lines(audit, "\"issued\""), NITEMS,
	    "one audit line per row, no more");

	/* The same token again: a replay, answered with the first row. */
	mkrow(&rows[NITEMS], 999, "j:7");
	items[NITEMS].kind = RECORDER_INSERT;
	items[NITEMS].row = &rows[NITEMS];
	items[NITEMS].line = "{\"event\":\"issued\",\"n\":\"again\"}\n";
	items[NITEMS].done = on_done;
	recorder_submit(rec, &items[NITEMS]);
	run_until(1);
	ok(items[NITEMS].outcome == RECORDER_REPLAY &&
	    items[NITEMS].used_serial == 107, "a used token is a replay of "
	    "its first certificate");
	is_int(rows_with(999), 0, "and makes no second row");
	is_int(count_lines(audit, "again"), 0, "nor an issued line");

	/* A guarded state change, audited with the row's CN. */
	items[NITEMS + 1].kind = RECORDER_CHANGE;
	items[NITEMS + 1].serial = 105;
	items[NITEMS + 1].from_mask = 1 << STATE_VALID;
	items[NITEMS + 1].to = STATE_REVOKED;
	items[NITEMS + 1].now = 1500;
	items[NITEMS + 1].change_line = change_line;
	items[NITEMS + 1].done = on_done;
	recorder_submit(rec, &items[NITEMS + 1]);
	run_until(1);
	ok(items[NITEMS + 1].outcome == RECORDER_DONE &&
	    items[NITEMS + 1].from == STATE_VALID, "a VALID row is revoked");
	is_int(count_lines(audit, "\"cn\":\"cn105\""), 1,
	    "the change's line names the certificate");

	/* The audit log cannot take the line: nothing is recorded. */
	audit_close();
	if (audit_open("/dev/full", err, sizeof(err)) != 0)
		bail_out(err);
	mkrow(&rows[NITEMS + 1], 5000, "j:full");
	items[NITEMS + 2].kind = RECORDER_INSERT;
	items[NITEMS + 2].row = &rows[NITEMS + 1];
	items[NITEMS + 2].line = "{\"event\":\"issued\",\"n\":\"full\"}\n";
	items[NITEMS + 2].done = on_done;
	recorder_submit(rec, &items[NITEMS + 2]);
	run_until(1);
	ok(items[NITEMS + 2].outcome == RECORDER_FAILED &&
	    items[NITEMS + 2].hosterr == HOSTERR_AUDIT,
	    "an unwritable audit log fails the item (audit_error)");
	is_int(rows_with(5000), 0, "and its row is not in the database");
	audit_close();
	recorder_free(rec);
	is_int(tail_rows(path), 0, "the audit tail is empty once stopped");

	/* A write cut short (the file size limit stands in for a full
	 * disk): the partial line is cut back off. */
	if (audit_open(audit, err, sizeof(err)) != 0)
		bail_out(err);
	size = file_size(audit);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 10;
	setrlimit(RLIMIT_FSIZE, &lim);
	ok(audit_write("{\"event\":\"torn\",\"pad\":"
	    "\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n", 52, err, sizeof(err)) != 0,
	    "a short write is reported");
	setrlimit(RLIMIT_FSIZE, &old);
	is_int((int)(file_size(audit) - size), 0,
	    "and leaves nothing of the line in the file");
	audit_event("after", "k", "v", NULL);
	is_int(count_lines(audit, "\"event\":\"after\""), 1,
	    "the next line is whole");
	ok(count_lines(audit, "torn") == 0, "no torn line anywhere");
	audit_close();

	/* A power cut took the last line from the log and left half of
	 * another; the tail (committed with the rows) still has both. */
	{
		static const char kept[] = "{\"event\":\"issued\",\"n\":3}\n";
		static const char lost[] =
		    "{\"event\":\"issued\",\"n\":\"lost\"}\n";
		static const char torn[] = "{\"event\":\"iss";
		int64_t seq;
		FILE *f;

		if ((db = db_open(path, &created, err, sizeof(err))) == NULL ||
		    db_begin(db, err, sizeof(err)) != 0 ||
		    db_tail_add(db, kept, strlen(kept), &seq, err,
		    sizeof(err)) != 0 ||
		    db_tail_add(db, lost, strlen(lost), &seq, err,
		    sizeof(err)) != 0 ||
		    db_commit(db, err, sizeof(err)) != 0)
			bail_out(err);
		db_close(db);
		if ((f = fopen(audit, "a")) == NULL)
			bail_out("cannot append to the audit log");
		fputs(torn, f);
		fclose(f);
		if (audit_open(audit, err, sizeof(err)) != 0 ||
		    (rec = recorder_new(base, path, err, sizeof(err))) ==
		    NULL)
			bail_out(err);
		is_int(count_lines(audit, "\"lost\""), 1,
		    "a start restores the line the log lost, once");
		is_int(count_lines(audit, "\"n\":3}"), 1,
		    "and does not repeat one it has");
		ok(count_lines(audit, "{\"event\":\"iss\n") == 0 &&
		    count_lines(audit, "\"iss{") == 0,
		    "the torn line is gone");
		recorder_free(rec);
		is_int(tail_rows(path), 0, "and the tail is empty again");
		audit_close();
	}

	/* The fsync discipline. */
	{
		static struct db_cert srows[2 * GROUP + 2];
		static struct recorder_item sitems[2 * GROUP + 2];
		static char slines[2 * GROUP + 2][64];
		struct timespec pause = { 0, 5 * 1000 * 1000 };
		int k;

		if (audit_open(audit, err, sizeof(err)) != 0 ||
		    (rec = recorder_new(base, path, err, sizeof(err))) ==
		    NULL)
			bail_out(err);
		recorder_set_sync(rec, slow_sync, NULL);
		for (i = 0; i < 2 * GROUP + 2; i++) {
			snprintf(tok, sizeof(tok), "s:%d", i);
			mkinsert(&sitems[i], &srows[i], 7000 + (uint64_t)i,
			    tok, 7000 + i, slines[i], sizeof(slines[i]),
			    on_done_synced);
		}
		for (i = 0; i < GROUP; i++)
			recorder_submit(rec, &sitems[i]);
		for (k = 0; k < 400 && atomic_load(&sync_calls) == 0; k++)
			nanosleep(&pause, NULL);
		for (i = GROUP; i < 2 * GROUP; i++)
			recorder_submit(rec, &sitems[i]);
		run_until(2 * GROUP);
		for (ok_all = 1, i = 0; i < 2 * GROUP; i++)
			ok_all = ok_all && sitems[i].outcome == RECORDER_DONE;
		ok(ok_all && all_synced, "no done() before a sync that began "
		    "after its row was committed");
		is_int(atomic_load(&writer_went_on), 1, "the next batch is "
		    "committed while the one before is being synced");
		is_int(atomic_load(&sync_calls), 2, "one sync covers all that "
		    "was committed meanwhile");

		atomic_store(&sync_fail, 1);
		recorder_submit(rec, &sitems[2 * GROUP]);
		run_until(1);
		ok(sitems[2 * GROUP].outcome == RECORDER_FAILED &&
		    sitems[2 * GROUP].hosterr == HOSTERR_DB &&
		    strstr(sitems[2 * GROUP].err, "sync") != NULL,
		    "a failed sync fails its items (%s)",
		    sitems[2 * GROUP].err);
		recorder_submit(rec, &sitems[2 * GROUP + 1]);
		run_until(1);
		ok(sitems[2 * GROUP + 1].outcome == RECORDER_FAILED &&
		    rows_with(7000 + 2 * GROUP + 1) == 0,
		    "and nothing more is recorded (%s)",
		    sitems[2 * GROUP + 1].err);
		recorder_free(rec);

		/* A batch committed while a sync fails is lost with it
		 * (the WAL is read up to its first lost frame): it is not
		 * handed out, even when the next sync works. */
		{
			static struct db_cert frows[4 + 4];
			static struct recorder_item fitems[4 + 4];
			static char flines[4 + 4][64];

			atomic_store(&sync_calls, 0);
			if ((rec = recorder_new(base, path, err,
			    sizeof(err))) == NULL)
				bail_out(err);
			recorder_set_sync(rec, fail_once_sync, NULL);
			for (i = 0; i < 8; i++) {
				snprintf(tok, sizeof(tok), "f:%d", i);
				mkinsert(&fitems[i], &frows[i], 7100 +
				    (uint64_t)i, tok, 7100 + i, flines[i],
				    sizeof(flines[i]), on_done);
			}
			for (i = 0; i < 4; i++)
				recorder_submit(rec, &fitems[i]);
			for (k = 0; k < 400 &&
			    atomic_load(&sync_calls) == 0; k++)
				nanosleep(&pause, NULL);
			for (i = 4; i < 8; i++)
				recorder_submit(rec, &fitems[i]);
			run_until(8);
			for (ok_all = 1, i = 0; i < 8; i++)
				ok_all = ok_all && fitems[i].outcome ==
				    RECORDER_FAILED;
			ok(ok_all && atomic_load(&sync_calls) == 1,
			    "what was committed while a sync failed is "
			    "never handed out as recorded");
			recorder_free(rec);
		}
		audit_close();
	}

	event_base_free(base);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	if (system(path) != 0)
		printf("# could not remove %s\n", tmpl);
	return tap_done();
}
