/*
 * recorder.c - group commit on a thread of its own (recorder.h).
 *
 * items: submitted (any thread) -> queue -> the recorder thread applies a
 * batch in one transaction -> finished list -> one libevent event on the
 * loop thread runs their done() callbacks, oldest first.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "audit.h"
#include "db.h"
#include "hosterr.h"
#include "log.h"
#include "recorder.h"

#define RECORDER_MAX_QUEUED	4096	/* items waiting, beyond: 503 */
#define RECORDER_LINES_MAX	(RECORDER_BATCH * 4096)

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
};

static void	*recorder_main(void *);
static void	 recorder_batch(struct recorder *, struct recorder_item *);
static void	 recorder_apply(struct recorder *, struct recorder_item *);
static void	 recorder_fail(struct recorder_item *, int, const char *);
static void	 recorder_drain(evutil_socket_t, short, void *);

struct recorder *
recorder_new(struct event_base *base, const char *db_path, char *err,
    size_t errlen)
{
	struct recorder *rec;
	int r;

	if ((rec = calloc(1, sizeof(*rec))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&rec->lock, NULL);
	pthread_cond_init(&rec->cond, NULL);
	if ((rec->db = db_open(db_path, NULL, err, errlen)) == NULL)
		goto fail;
	db_set_busy_ms(rec->db, RECORDER_BUSY_MS);
	if ((rec->done_ev = event_new(base, -1, 0, recorder_drain,
	    rec)) == NULL) {
		snprintf(err, errlen, "cannot create the recorder's event");
		goto fail;
	}
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

/* The thread: take up to RECORDER_BATCH items, write them, hand back. */
static void *
recorder_main(void *arg)
{
	struct recorder *rec = arg;
	struct recorder_item *batch, *last;
	size_t n;
	int stopping;

	for (;;) {
		pthread_mutex_lock(&rec->lock);
		while (rec->head == NULL && !rec->stopping)
			pthread_cond_wait(&rec->cond, &rec->lock);
		if (rec->head == NULL) {
			pthread_mutex_unlock(&rec->lock);
			return NULL;
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
		pthread_mutex_unlock(&rec->lock);

		/* Stopping: what is queued is written if it can be at once;
		 * a lock held elsewhere must not hold up the exit. */
		if (stopping)
			db_set_busy_ms(rec->db, 0);
		recorder_batch(rec, batch);

		pthread_mutex_lock(&rec->lock);
		/* finished is newest first; reverse the batch onto it */
		while (batch != NULL) {
			struct recorder_item *next = batch->next;

			batch->next = rec->finished;
			rec->finished = batch;
			batch = next;
		}
		pthread_mutex_unlock(&rec->lock);
		event_active(rec->done_ev, EV_READ, 0);
	}
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
 * BEGIN, apply every item, append the audit lines of what was done (one
 * write, fdatasync), COMMIT (fsync).  Any failure of the audit or of the
 * commit fails every item that would have been written.
 */
static void
recorder_batch(struct recorder *rec, struct recorder_item *batch)
{
	struct recorder_item *item;
	char err[512], *lines = NULL, *made;
	size_t len = 0, n;
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
		n = made != NULL ? strlen(made) : item->line != NULL ?
		    strlen(item->line) : 0;
		if (n == 0 || len + n > RECORDER_LINES_MAX) {
			/* No line, no change: the row must not stay. */
			free(made);
			hosterr = HOSTERR_AUDIT;
			snprintf(err, sizeof(err), "cannot build the audit "
			    "line");
			goto undo;
		}
		memcpy(lines + len, made != NULL ? made : item->line, n);
		len += n;
		free(made);
	}
	if (audit_write_durable(lines, len, err, sizeof(err)) != 0) {
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
	if (rec->done_ev != NULL) {
		recorder_drain(-1, 0, rec);
		event_free(rec->done_ev);
	}
	db_close(rec->db);
	pthread_cond_destroy(&rec->cond);
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}
