/*
 * recorder.h - the one writer of the certificate database.
 *
 * Every change pvacms makes while serving (a new certificate, a state
 * change by an administrator, a holder or the clock) is an item handed
 * to the recorder.  Its writer thread takes whatever items are waiting
 * (up to RECORDER_BATCH) and, in one transaction, applies them and keeps
 * their audit lines in the audit tail (a table); it appends the lines to
 * the audit log with one write and commits.  Its syncer thread then
 * fdatasyncs the WAL (walsync.h), and only then hands each item back to
 * the event loop (done).  Requests that arrive together are committed
 * together (group commit), and one fsync covers every batch committed
 * while the one before was syncing: no answer before its change is on
 * disk, and never one fsync per certificate.  The event loop never waits
 * for the database lock; only the writer does, bounded by
 * RECORDER_BUSY_MS.
 *
 * The audit log file itself is synced at most RECORDER_SYNC_SECS later;
 * then the tail forgets those lines.  A power cut can take the last
 * lines from the file, never from the tail: the next start appends what
 * the file lost (recorder_new).  So a stored row never goes without its
 * line.  A crash after the write and before the commit leaves a line
 * whose certificate the database lacks and that nobody was given.
 */
#ifndef PVACMS_RECORDER_H
#define PVACMS_RECORDER_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_cert;
struct event_base;
struct recorder;

#define RECORDER_BATCH		64	/* items per transaction at most */
#define RECORDER_BUSY_MS	2000	/* wait for another process's lock */

enum recorder_kind { RECORDER_INSERT, RECORDER_CHANGE };

enum recorder_outcome {
	RECORDER_DONE,		/* inserted, or changed */
	RECORDER_REPLAY,	/* INSERT: the token_id is on record already */
	RECORDER_MISSING,	/* CHANGE: no such serial */
	RECORDER_WRONG_STATE,	/* CHANGE: not from the state it is in */
	RECORDER_FAILED		/* nothing written; hosterr and err say why */
};

struct recorder_item;
typedef void recorder_done_fn(struct recorder_item *item, void *arg);
typedef char *recorder_line_fn(const struct recorder_item *item, void *arg);

/*
 * One change and, once done() runs on the loop thread, its outcome.  The
 * caller owns the item (usually inside its own job) and everything it
 * points to until done() has run.
 */
struct recorder_item {
	enum recorder_kind kind;

	/* RECORDER_INSERT: the row, unless its non-empty token_id is
	 * already recorded (RECORDER_REPLAY, used_serial set). */
	const struct db_cert *row;
	const char *line;	/* its audit line, written iff inserted */
	/* A PENDING_APPROVAL row whose subject was approved before with
	 * the same key (db_prior_approved, same transaction) goes in as
	 * approved_state, marked approved, with approved_line;
	 * auto_approved says so. */
	int auto_approve;
	int approved_state;
	const char *approved_line;

	/* RECORDER_CHANGE: as db_change_row(). */
	uint64_t serial;
	int from_mask, to, reason;
	int64_t now;
	/* Builds the change's audit line on the recorder thread, with from
	 * and cn set; returns a line the recorder frees, or NULL. */
	recorder_line_fn *change_line;

	recorder_done_fn *done;	/* loop thread, after the commit */
	void *arg;

	/* Results. */
	enum recorder_outcome outcome;
	int hosterr;		/* RECORDER_FAILED: a HOSTERR_* code */
	char err[256];
	uint64_t used_serial;	/* RECORDER_REPLAY */
	int auto_approved;	/* INSERT: approved by a prior approval */
	int from;		/* CHANGE: the state it was in */
	char cn[256];		/* CHANGE: the certificate's CN */

	struct recorder_item *next;	/* the recorder's list */
};

/*
 * Open db_path on a connection of the recorder's own, restore into the
 * audit log (which must be open) any line of the audit tail it lacks,
 * and start the thread; done() callbacks run on base.  Returns NULL
 * with err set.  Free with recorder_free.
 */
struct recorder *recorder_new(struct event_base *base, const char *db_path,
    char *err, size_t errlen);

/*
 * Queue an item (any thread).  0, or -1 when the queue is full or the
 * recorder is stopping: then done() will not run and the caller answers
 * 503 itself.
 */
int recorder_submit(struct recorder *rec, struct recorder_item *item);

/*
 * Tests: make a batch durable with fn(arg, err, errlen) (0, or -1 with
 * err set) in place of the WAL's fdatasync.  Call before any submit.
 */
typedef int recorder_sync_fn(void *arg, char *err, size_t errlen);
void recorder_set_sync(struct recorder *rec, recorder_sync_fn *fn,
    void *arg);

/* Items queued or being written whose done() has not run yet. */
size_t recorder_pending(struct recorder *rec);

/* Commit what is queued, run the done() callbacks, stop the thread. */
void recorder_free(struct recorder *rec);

#endif
