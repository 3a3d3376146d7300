/*
 * recorder.c - group commit on a thread of its own (recorder.h).
 *
 * items: submitted (any thread) -> queue -> the writer thread applies a
 * batch in one transaction and commits it -> committed list -> the
 * syncer thread fdatasyncs the WAL (walsync.h), covering every batch
 * committed before -> finished list -> one libevent event on the loop
 * thread runs their done() callbacks, oldest first.  While the syncer
 * waits for the disk, the writer writes the next batch: one fsync
 * covers whatever was committed meanwhile.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "audit.h"
#include "cert.h"
#include "db.h"
#include "hosterr.h"
#include "log.h"
#include "recorder.h"
#include "walsync.h"

#define RECORDER_MAX_QUEUED	4096	/* items waiting, beyond: 503 */
#define RECORDER_LINES_MAX	(RECORDER_BATCH * 4096)
#define RECORDER_SYNC_SECS	1	/* audit log fdatasync, at most this late */

struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct recorder_item *head, *tail;	/* waiting */
	struct recorder_item *finished;		/* newest first */
	size_t queued, pending;
	int stopping;
	int started;
	pthread_t thread;
	struct db *db;
	struct event *done_ev;
	/* The syncer: committed items wait for their fsync here. */
	pthread_cond_t sync_cond;
	struct recorder_item *committed, *committed_tail; /* oldest first */
	int writer_done;	/* the writer thread has returned */
	int sync_failed;	/* an fsync failed: nothing more is written */
	int syncer_started;
	pthread_t syncer;
	struct walsync *wal;
	recorder_sync_fn *sync_fn;	/* tests: in place of the WAL's */
	void *sync_arg;
	/* The audit tail (recorder.h): seq numbers of its lines. */
	int64_t tail_written;	/* the newest line written to the file */
	int64_t tail_synced;	/* the newest line the file has on disk */
	int64_t tail_trimmed;	/* forgotten by the tail up to here */
	struct timespec synced_at;
};

static void	*recorder_main(void *);
static void	 recorder_write(struct recorder *);
static void	*recorder_syncer(void *);
static void	 recorder_batch(struct recorder *, struct recorder_item *);
static void	 recorder_apply(struct recorder *, struct recorder_item *);
static void	 recorder_fail(struct recorder_item *, int, const char *);
static void	 recorder_drain(evutil_socket_t, short, void *);
static void	 recorder_sync_tail(struct recorder *, int);
static int	 recorder_restore(struct recorder *, char *, size_t);
static int	 recorder_keep_lines(struct recorder *, const char *, size_t,
		    int64_t *, char *, size_t);

struct recorder *
recorder_new(struct event_base *base, const char *db_path, char *err,
    size_t errlen)
{
	struct recorder *rec;
	char wal_path[4096];
	int r;

	if ((rec = calloc(1, sizeof(*rec))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&rec->lock, NULL);
	pthread_cond_init(&rec->cond, NULL);
	pthread_cond_init(&rec->sync_cond, NULL);
	if ((rec->db = db_open(db_path, NULL, err, errlen)) == NULL)
		goto fail;
	db_set_busy_ms(rec->db, RECORDER_BUSY_MS);
	if (db_defer_sync(rec->db, wal_path, sizeof(wal_path), err,
	    errlen) != 0)
		goto fail;
	if ((rec->wal = walsync_new(wal_path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (recorder_restore(rec, err, errlen) != 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &rec->synced_at);
	if ((rec->done_ev = event_new(base, -1, 0, recorder_drain,
	    rec)) == NULL) {
		snprintf(err, errlen, "cannot create the recorder's event");
		goto fail;
	}
	if ((r = pthread_create(&rec->syncer, NULL, recorder_syncer,
	    rec)) != 0) {
		snprintf(err, errlen, "cannot start the recorder's syncer "
		    "thread: %s", strerror(r));
		goto fail;
	}
	rec->syncer_started = 1;
	if ((r = pthread_create(&rec->thread, NULL, recorder_main, rec)) !=
	    0) {
		snprintf(err, errlen, "cannot start the recorder thread: %s",
		    strerror(r));
		goto fail;
	}
	rec->started = 1;
	return rec;
fail:
	recorder_free(rec);
	return NULL;
}

int
recorder_submit(struct recorder *rec, struct recorder_item *item)
{
	item->next = NULL;
	item->outcome = RECORDER_FAILED;
	item->hosterr = HOSTERR_INTERNAL;
	item->err[0] = '\0';
	pthread_mutex_lock(&rec->lock);
	if (rec->stopping || rec->queued >= RECORDER_MAX_QUEUED) {
		pthread_mutex_unlock(&rec->lock);
		return -1;
	}
	if (rec->tail != NULL)
		rec->tail->next = item;
	else
		rec->head = item;
	rec->tail = item;
	rec->queued++;
	rec->pending++;
	pthread_cond_signal(&rec->cond);
	pthread_mutex_unlock(&rec->lock);
	return 0;
}

size_t
recorder_pending(struct recorder *rec)
{
	size_t n;

	pthread_mutex_lock(&rec->lock);
	n = rec->pending;
	pthread_mutex_unlock(&rec->lock);
	return n;
}

void
recorder_set_sync(struct recorder *rec, recorder_sync_fn *fn, void *arg)
{
	pthread_mutex_lock(&rec->lock);
	rec->sync_fn = fn;
	rec->sync_arg = arg;
	pthread_mutex_unlock(&rec->lock);
}

/* The writer thread; once it returns, the syncer may finish too. */
static void *
recorder_main(void *arg)
{
	struct recorder *rec = arg;

	recorder_write(rec);
	pthread_mutex_lock(&rec->lock);
	rec->writer_done = 1;
	pthread_cond_signal(&rec->sync_cond);
	pthread_mutex_unlock(&rec->lock);
	return NULL;
}

/* Fail every item of a batch that was not written. */
static void
recorder_refuse(struct recorder_item *batch, int hosterr, const char *why)
{
	for (; batch != NULL; batch = batch->next)
		recorder_fail(batch, hosterr, why);
}

/* Take up to RECORDER_BATCH items, write them, hand them to the syncer. */
static void
recorder_write(struct recorder *rec)
{
	struct recorder_item *batch, *last;
	struct timespec until;
	size_t n;
	int stopping, sync_failed, r;

	for (;;) {
		pthread_mutex_lock(&rec->lock);
		while (rec->head == NULL && !rec->stopping) {
			if (rec->tail_written == rec->tail_trimmed) {
				pthread_cond_wait(&rec->cond, &rec->lock);
				continue;
			}
			/* Lines not yet synced or trimmed: come back. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += RECORDER_SYNC_SECS;
			r = pthread_cond_timedwait(&rec->cond, &rec->lock,
			    &until);
			if (r != 0 && rec->head == NULL && !rec->stopping) {
				pthread_mutex_unlock(&rec->lock);
				recorder_sync_tail(rec, 1);
				pthread_mutex_lock(&rec->lock);
			}
		}
		if (rec->head == NULL) {
			pthread_mutex_unlock(&rec->lock);
			recorder_sync_tail(rec, 1);
			return;
		}
		batch = last = rec->head;
		for (n = 1; n < RECORDER_BATCH && last->next != NULL; n++)
			last = last->next;
		rec->head = last->next;
		if (rec->head == NULL)
			rec->tail = NULL;
		last->next = NULL;
		rec->queued -= n;
		stopping = rec->stopping;
		sync_failed = rec->sync_failed;
		pthread_mutex_unlock(&rec->lock);

		/* Stopping: what is queued is written if it can be at once;
		 * a lock held elsewhere must not hold up the exit. */
		if (stopping)
			db_set_busy_ms(rec->db, 0);
		if (sync_failed)
			recorder_refuse(batch, HOSTERR_DB, "the certificate "
			    "database could not be synced to disk; pvacms "
			    "records nothing more until it is restarted");
		else {
			recorder_batch(rec, batch);
			recorder_sync_tail(rec, 0);
		}

		pthread_mutex_lock(&rec->lock);
		if (rec->committed_tail != NULL)
			rec->committed_tail->next = batch;
		else
			rec->committed = batch;
		rec->committed_tail = last;
		pthread_cond_signal(&rec->sync_cond);
		pthread_mutex_unlock(&rec->lock);
	}
}

/*
 * The syncer thread: take every committed item, make them durable with
 * one fdatasync, and only then hand them to the loop.  A failed sync
 * fails the items it should have covered (their rows may not survive a
 * power cut) and every item after them, and stops the writer: after a
 * failed fsync, Linux may have dropped the pages it could not write, and
 * a later commit in the WAL is lost with any frame before it, so no later
 * sync can prove anything.
 */
static void *
recorder_syncer(void *arg)
{
	struct recorder *rec = arg;
	struct recorder_item *list, *item, *next;
	recorder_sync_fn *sync_fn;
	char err[512];
	int failed, r;

	for (;;) {
		pthread_mutex_lock(&rec->lock);
		while (rec->committed == NULL && !rec->writer_done)
			pthread_cond_wait(&rec->sync_cond, &rec->lock);
		if (rec->committed == NULL) {
			pthread_mutex_unlock(&rec->lock);
			return NULL;
		}
		list = rec->committed;
		rec->committed = rec->committed_tail = NULL;
		sync_fn = rec->sync_fn;
		failed = rec->sync_failed;
		pthread_mutex_unlock(&rec->lock);

		if (failed)
			r = -1;
		else if ((r = sync_fn != NULL ? sync_fn(rec->sync_arg, err,
		    sizeof(err)) : walsync_sync(rec->wal, err,
		    sizeof(err))) != 0) {
			log_error("cannot sync the certificate database: %s; "
			    "recording stops until pvacms restarts", err);
			pthread_mutex_lock(&rec->lock);
			rec->sync_failed = 1;
			pthread_mutex_unlock(&rec->lock);
		}
		if (r != 0) {
			for (item = list; item != NULL; item = item->next)
				if (item->outcome != RECORDER_FAILED)
					recorder_fail(item, HOSTERR_DB,
					    "cannot sync the certificate "
					    "database to disk");
		}

		pthread_mutex_lock(&rec->lock);
		/* finished is newest first; reverse the list onto it */
		for (item = list; item != NULL; item = next) {
			next = item->next;
			item->next = rec->finished;
			rec->finished = item;
		}
		pthread_mutex_unlock(&rec->lock);
		event_active(rec->done_ev, EV_READ, 0);
	}
}

/*
 * Sync the audit log when its last sync is RECORDER_SYNC_SECS old (or
 * now, when idle), so that the tail may forget those lines: in the next
 * batch's transaction, or, when idle, in one of its own.
 */
static void
recorder_sync_tail(struct recorder *rec, int idle)
{
	struct timespec now;
	char err[256];

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (rec->tail_synced < rec->tail_written && (idle ||
	    now.tv_sec - rec->synced_at.tv_sec >= RECORDER_SYNC_SECS)) {
		if (audit_sync(err, sizeof(err)) != 0) {
			/* The tail keeps the lines; a start restores them. */
			log_error("%s", err);
			return;
		}
		rec->tail_synced = rec->tail_written;
		rec->synced_at = now;
	}
	if (idle && rec->tail_trimmed < rec->tail_synced) {
		if (db_begin(rec->db, err, sizeof(err)) != 0 ||
		    db_tail_trim(rec->db, rec->tail_synced, err,
		    sizeof(err)) != 0 ||
		    db_commit(rec->db, err, sizeof(err)) != 0) {
			db_rollback(rec->db);
			log_error("audit tail: %s", err);
			return;
		}
		rec->tail_trimmed = rec->tail_synced;
	}
}

/*
 * Inside the batch's transaction: keep a copy of each of the lines in
 * the audit tail, and forget what the audit log already has on disk.
 * 0, or -1 with err set.
 */
static int
recorder_keep_lines(struct recorder *rec, const char *lines, size_t len,
    int64_t *last_seq, char *err, size_t errlen)
{
	const char *p = lines, *nl;
	int64_t seq = rec->tail_written;

	while (p < lines + len &&
	    (nl = memchr(p, '\n', (size_t)(lines + len - p))) != NULL) {
		if (db_tail_add(rec->db, p, (size_t)(nl - p) + 1, &seq, err,
		    errlen) != 0)
			return -1;
		p = nl + 1;
	}
	*last_seq = seq;
	if (rec->tail_trimmed < rec->tail_synced) {
		if (db_tail_trim(rec->db, rec->tail_synced, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Collects the audit tail's lines for audit_restore. */
struct recorder_lines {
	char **line;
	size_t n, cap;
	int64_t last;
};

static int
recorder_collect(void *arg, int64_t seq, const char *line)
{
	struct recorder_lines *l = arg;
	char **grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if ((grown = realloc(l->line, l->cap * sizeof(*grown))) ==
		    NULL)
			return -1;
		l->line = grown;
	}
	if ((l->line[l->n] = strdup(line)) == NULL)
		return -1;
	l->n++;
	l->last = seq;
	return 0;
}

/*
 * At start: whatever lines the audit tail still holds (a crash before
 * the audit log was synced) are made sure of in the file, then the tail
 * forgets them.  0, or -1 with err set.
 */
static int
recorder_restore(struct recorder *rec, char *err, size_t errlen)
{
	struct recorder_lines l;
	size_t restored = 0, i;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	if (db_tail_list(rec->db, recorder_collect, &l, err, errlen) != 0)
		goto out;
	if (l.n == 0) {
		rc = 0;
		goto out;
	}
	if (audit_restore((const char *const *)l.line, l.n, &restored, err,
	    errlen) != 0)
		goto out;
	if (restored > 0)
		log_info("audit log: restored %zu line(s) it had lost, from "
		    "the database", restored);
	if (db_begin(rec->db, err, errlen) != 0 ||
	    db_tail_trim(rec->db, l.last, err, errlen) != 0 ||
	    db_commit(rec->db, err, errlen) != 0) {
		db_rollback(rec->db);
		goto out;
	}
	rec->tail_written = rec->tail_synced = rec->tail_trimmed = l.last;
	rc = 0;
out:
	for (i = 0; i < l.n; i++)
		free(l.line[i]);
	free(l.line);
	return rc;
}

static void
recorder_fail(struct recorder_item *item, int hosterr, const char *why)
{
	item->outcome = RECORDER_FAILED;
	item->hosterr = hosterr;
	snprintf(item->err, sizeof(item->err), "%s", why);
}

/* One item inside the open transaction; sets its outcome. */
static void
recorder_apply(struct recorder *rec, struct recorder_item *item)
{
	int r;

	if (item->kind == RECORDER_INSERT) {
		r = db_find_token(rec->db, item->row->token_id,
		    &item->used_serial, item->err, sizeof(item->err));
		if (r == 1) {
			item->outcome = RECORDER_REPLAY;
			return;
		}
		if (r < 0) {
			char why[sizeof(item->err)];

			snprintf(why, sizeof(why), "%s", item->err);
			snprintf(item->err, sizeof(item->err), "cannot check "
			    "whether the credential was used before (%.180s)",
			    why);
			item->hosterr = db_error(rec->db);
			return;
		}
		if (item->auto_approve && item->row->state ==
		    STATE_PENDING_APPROVAL) {
			r = db_prior_approved(rec->db, item->row->cn,
			    item->row->o, item->row->ou, item->row->c,
			    item->row->pubkey_sha256, item->err,
			    sizeof(item->err));
			if (r < 0) {
				item->hosterr = db_error(rec->db);
				return;
			}
			item->auto_approved = r == 1;
		}
		if (item->auto_approved) {
			struct db_cert approved = *item->row;

			approved.state = item->approved_state;
			approved.approved = 1;
			r = db_insert_row(rec->db, &approved, item->err,
			    sizeof(item->err));
		} else
			r = db_insert_row(rec->db, item->row, item->err,
			    sizeof(item->err));
		if (r == 0)
			item->outcome = RECORDER_DONE;
		else
			item->hosterr = r == DB_DUPLICATE ? HOSTERR_INTERNAL :
			    db_error(rec->db);
		return;
	}
	r = db_change_row(rec->db, item->serial, item->from_mask, item->to,
	    item->now, item->reason, &item->from, item->err,
	    sizeof(item->err));
	if (r == 1) {
		struct db_cert row;
		char why[256];

		/* The CN, for the audit line; same transaction. */
		if (db_get(rec->db, item->serial, &row, why,
		    sizeof(why)) == 1)
			snprintf(item->cn, sizeof(item->cn), "%s", row.cn);
		db_cert_clear(&row);
		item->outcome = RECORDER_DONE;
	} else if (r == 0)
		item->outcome = RECORDER_MISSING;
	else if (r == DB_WRONG_STATE)
		item->outcome = RECORDER_WRONG_STATE;
	else
		item->hosterr = db_error(rec->db);
}

/*
 * BEGIN, apply every item, keep the audit lines of what was done in the
 * audit tail and append them to the audit log (one write), COMMIT
 * (fsync).  Any failure of the audit or of the commit fails every item
 * that would have been written.
 */
static void
recorder_batch(struct recorder *rec, struct recorder_item *batch)
{
	struct recorder_item *item;
	char err[512], *lines = NULL, *made;
	const char *line;
	size_t len = 0, n;
	int64_t last_seq = rec->tail_written;
	int hosterr;

	if (db_begin(rec->db, err, sizeof(err)) != 0) {
		hosterr = db_error(rec->db);
		log_error("cannot record: %s", err);
		for (item = batch; item != NULL; item = item->next)
			recorder_fail(item, hosterr, hosterr == HOSTERR_BUSY ?
			    "the certificate database is locked by another "
			    "process; try again" : "cannot write to the "
			    "certificate database");
		return;
	}
	if ((lines = malloc(RECORDER_LINES_MAX)) == NULL) {
		db_rollback(rec->db);
		for (item = batch; item != NULL; item = item->next)
			recorder_fail(item, HOSTERR_NOMEM, "out of memory");
		return;
	}
	for (item = batch; item != NULL; item = item->next) {
		recorder_apply(rec, item);
		if (!db_in_transaction(rec->db)) {
			/* SQLite rolled the whole transaction back (I/O
			 * error, full disk): what follows would commit
			 * row by row, without its audit line first. */
			hosterr = HOSTERR_DB;
			snprintf(err, sizeof(err), "the transaction was "
			    "rolled back: %s", item->err);
			if (item->outcome == RECORDER_FAILED)
				item->outcome = RECORDER_DONE;
			goto failed;
		}
		if (item->outcome == RECORDER_FAILED) {
			log_error("cannot record: %s", item->err);
			continue;
		}
		if (item->outcome != RECORDER_DONE)
			continue;
		made = item->kind == RECORDER_INSERT ? NULL :
		    item->change_line(item, item->arg);
		if (made == NULL && item->kind == RECORDER_INSERT &&
		    item->auto_approved)
			line = item->approved_line;
		else
			line = made != NULL ? made : item->line;
		n = line != NULL ? strlen(line) : 0;
		if (n == 0 || len + n > RECORDER_LINES_MAX) {
			/* No line, no change: the row must not stay. */
			free(made);
			hosterr = HOSTERR_AUDIT;
			snprintf(err, sizeof(err), "cannot build the audit "
			    "line");
			goto undo;
		}
		memcpy(lines + len, line, n);
		len += n;
		free(made);
	}
	if (recorder_keep_lines(rec, lines, len, &last_seq, err,
	    sizeof(err)) != 0) {
		hosterr = HOSTERR_AUDIT;
		goto undo;
	}
	if (audit_write(lines, len, err, sizeof(err)) != 0) {
		hosterr = HOSTERR_AUDIT;
		goto undo;
	}
	if (db_commit(rec->db, err, sizeof(err)) != 0) {
		hosterr = db_error(rec->db);
		/* The lines are on disk for rows that are not: say so. */
		for (item = batch; item != NULL; item = item->next)
			if (item->outcome == RECORDER_DONE)
				audit_event("not_recorded", "reason", err,
				    NULL);
		goto failed;
	}
	/* Committed: these lines are the tail's newest. */
	rec->tail_written = last_seq;
	if (rec->tail_trimmed < rec->tail_synced)
		rec->tail_trimmed = rec->tail_synced;
	free(lines);
	return;
undo:
	db_rollback(rec->db);
failed:
	log_error("cannot record a batch: %s", err);
	for (item = batch; item != NULL; item = item->next)
		if (item->outcome == RECORDER_DONE ||
		    (item->outcome == RECORDER_FAILED &&
		    item->err[0] == '\0'))	/* not reached */
			recorder_fail(item, hosterr, hosterr == HOSTERR_AUDIT ?
			    "cannot write the audit log; nothing was "
			    "recorded" : "cannot commit to the certificate "
			    "database");
	free(lines);
}

/* On the loop thread: run done() for every finished item, oldest first. */
static void
recorder_drain(evutil_socket_t fd, short what, void *arg)
{
	struct recorder *rec = arg;
	struct recorder_item *list, *rev = NULL, *next;
	size_t n = 0;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&rec->lock);
	list = rec->finished;
	rec->finished = NULL;
	pthread_mutex_unlock(&rec->lock);
	for (; list != NULL; list = next) {
		next = list->next;
		list->next = rev;
		rev = list;
		n++;
	}
	for (; rev != NULL; rev = next) {
		next = rev->next;
		rev->done(rev, rev->arg);
	}
	pthread_mutex_lock(&rec->lock);
	rec->pending -= n;
	pthread_mutex_unlock(&rec->lock);
}

void
recorder_free(struct recorder *rec)
{
	if (rec == NULL)
		return;
	pthread_mutex_lock(&rec->lock);
	rec->stopping = 1;
	pthread_cond_broadcast(&rec->cond);
	pthread_mutex_unlock(&rec->lock);
	if (rec->started)
		pthread_join(rec->thread, NULL);
	pthread_mutex_lock(&rec->lock);
	rec->writer_done = 1;	/* (again) so that the syncer ends */
	pthread_cond_signal(&rec->sync_cond);
	pthread_mutex_unlock(&rec->lock);
	if (rec->syncer_started)
		pthread_join(rec->syncer, NULL);
	if (rec->done_ev != NULL) {
		recorder_drain(-1, 0, rec);
		event_free(rec->done_ev);
	}
	walsync_free(rec->wal);
	db_close(rec->db);
	pthread_cond_destroy(&rec->sync_cond);
	pthread_cond_destroy(&rec->cond);
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}
