/*
 * db.h - the certificate record in SQLite: one row per certificate this
 * CA signed, keyed by serial, with its state.  WAL mode, synchronous=FULL;
 * every change is in a transaction.  A handle belongs to one thread: the
 * event loop reads through its own, the recorder (recorder.h) writes
 * through another.
 */
#ifndef PVACMS_DB_H
#define PVACMS_DB_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"

struct db;

struct db_cert {
	uint64_t serial;
	char issuer_id[9];
	char skid[64];		/* lowercase hex of the leaf's SKID */
	char cn[256], o[256], ou[256], c[256];
	int usage;		/* enum cert_usage; stored by its name */
	int admin;		/* 1: an administrator's certificate */
	int approved;		/* 1: an administrator approved it */
	int64_t not_before, not_after;
	int state;
	int64_t status_date;	/* last state change */
	int64_t revoked_at;	/* 0 unless REVOKED */
	int revocation_reason;	/* RFC 5280 CRLReason; 0 unless REVOKED */
	char pubkey_sha256[65];
	char token_id[160];	/* jti or token hash, for replay rules; may be "" */
	char *pem;		/* owned by the struct: free with db_cert_clear */
};

/*
 * Open (creating if missing, parents 0700, file 0600) and migrate.
 * *created is set to 1 when the file was new.  Returns NULL with err set.
 */
struct db *db_open(const char *path, int *created, char *err, size_t errlen);
void db_close(struct db *db);

/*
 * How long a statement waits for another process's write lock before
 * failing with "database is locked" (db_open sets 5000 ms, right for
 * the offline tools).  The daemon lowers it once it serves: its writes
 * run on the event loop, where a long wait would stall every request.
 */
void db_set_busy_ms(struct db *db, int ms);

/*
 * Commits on this connection no longer wait for their fsync: the caller
 * must make them durable itself, by syncing the WAL file whose path is
 * copied to wal_path (walsync.h), before it tells anyone about them.
 * Checkpoints still sync.  0, or -1 with err set.
 */
int db_defer_sync(struct db *db, char *wal_path, size_t len, char *err,
    size_t errlen);

/* 1 if the last call failed because another process held the lock. */
int db_busy(struct db *db);

/* The code of the last failure: HOSTERR_BUSY when locked, else HOSTERR_DB. */
int db_error(struct db *db);

/* Insert one certificate in a transaction.  0 or -1 (e.g. duplicate serial). */
int db_insert(struct db *db, const struct db_cert *cert, char *err,
    size_t errlen);

/*
 * A batch of changes in one transaction (the recorder's group commit):
 * db_begin takes the write lock (BEGIN IMMEDIATE, waiting up to the busy
 * time); db_commit makes it durable (synchronous=FULL) or rolls back and
 * returns -1; db_rollback undoes an open transaction.  0 or -1, err set.
 */
int db_begin(struct db *db, char *err, size_t errlen);
int db_commit(struct db *db, char *err, size_t errlen);
void db_rollback(struct db *db);

/* 1 while a transaction is open (SQLite may end one on an I/O error). */
int db_in_transaction(struct db *db);

/* db_insert_row: the serial is taken; nothing written, the batch goes on. */
#define DB_DUPLICATE	(-3)

/* Inside db_begin/db_commit: insert one row.  0, DB_DUPLICATE or -1. */
int db_insert_row(struct db *db, const struct db_cert *cert, char *err,
    size_t errlen);

/* 1 if no row has this serial, 0 if one has, -1 on error. */
int db_serial_free(struct db *db, uint64_t serial);

/* Fetch by serial: 1 found (caller frees with db_cert_clear), 0 not found, -1 error. */
int db_get(struct db *db, uint64_t serial, struct db_cert *out, char *err,
    size_t errlen);

/* db_change_state: the row is not in a state the change may start from. */
#define DB_WRONG_STATE	(-2)

/*
 * Move one certificate to state `to` (status_date = now; revoked_at = now
 * and revocation_reason = reason when REVOKED) in one transaction, only
 * if its current state is in from_mask (bit 1 << state).  Returns 1
 * changed, 0 no such serial, DB_WRONG_STATE (nothing changed, *cur set to
 * the state it is in), or -1 on error.  cur may be NULL; err is set on
 * every failure.
 */
int db_change_state(struct db *db, uint64_t serial, int from_mask, int to,
    int64_t now, int reason, int *cur, char *err, size_t errlen);

/* The same inside db_begin/db_commit (the caller commits or rolls back). */
/*
 * Whether the latest decided certificate (one no longer
 * PENDING_APPROVAL, by status date) of subject cn, o, ou, c for the key
 * pubkey_sha256 was approved by an administrator and is not revoked.
 * The key counts: an approval is of a subject holding a key, and
 * whoever asks for that subject with another key proves nothing.  1 or
 * 0, or -1 with err set.
 */
int db_prior_approved(struct db *db, const char *cn, const char *o,
    const char *ou, const char *c, const char *pubkey_sha256, char *err,
    size_t errlen);

int db_change_row(struct db *db, uint64_t serial, int from_mask, int to,
    int64_t now, int reason, int *cur, char *err, size_t errlen);

/* A certificate the clock must move (its stored state and window). */
struct db_due {
	uint64_t serial;
	int state;
	int64_t not_before, not_after;
};

/*
 * Up to max rows due at now: a live state with not_after <= now, or
 * PENDING with not_before <= now.  Returns how many were written to out
 * (max: there may be more), or -1.
 */
int db_due(struct db *db, int64_t now, struct db_due *out, size_t max,
    char *err, size_t errlen);

/*
 * The earliest time the clock acts on any row: the smallest not_before
 * of a PENDING row or not_after of a live one, past or future.  1 with
 * *when set, 0 when no row is live, -1 on error.
 */
int db_next_due(struct db *db, int64_t *when, char *err, size_t errlen);

/*
 * The newest certificate issued for token_id (replay rules): 1 found with
 * *serial set (serial may be NULL), 0 none (also for an empty id), -1 error.
 */
int db_find_token(struct db *db, const char *token_id, uint64_t *serial,
    char *err, size_t errlen);

/*
 * The audit tail (recorder.h): audit lines kept in the database, in the
 * transaction of the change they describe, until the audit log file is
 * known to hold them on disk.  db_tail_add (inside db_begin/db_commit)
 * keeps one line of len bytes and sets *seq; db_tail_trim forgets those
 * up to seq upto; db_tail_list calls fn(arg, seq, line) for each, oldest
 * first, stopping when fn returns non-zero.  0 or -1 with err set.
 */
int db_tail_add(struct db *db, const char *line, size_t len, int64_t *seq,
    char *err, size_t errlen);
int db_tail_trim(struct db *db, int64_t upto, char *err, size_t errlen);
typedef int db_tail_fn(void *arg, int64_t seq, const char *line);
int db_tail_list(struct db *db, db_tail_fn *fn, void *arg, char *err,
    size_t errlen);

/*
 * PRAGMA quick_check: 0 when SQLite finds nothing wrong, else -1 with
 * err holding its first finding.
 */
int db_quick_check(struct db *db, char *err, size_t errlen);

/* 1 if any certificate is recorded, 0 if none, -1 on error. */
int db_has_rows(struct db *db, char *err, size_t errlen);

/*
 * Send every SQLite error (and notice, e.g. a WAL recovered at open) to
 * the diagnostic log.  Call once, before any other db_ function.
 */
void db_log_errors(void);

void db_cert_clear(struct db_cert *cert);

#endif
