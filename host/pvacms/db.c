/*
 * db.c - the certificate record in SQLite.  One row per certificate this
 * CA signed, keyed by its serial (a uint64 stored bit-for-bit as int64),
 * and its state.  The rules of the state machine live in transition.c;
 * here is the guarded change of one row and the queries the time-driven
 * sweep (states.c) needs.  WAL journal with synchronous=FULL (a commit
 * returns once the WAL is fsynced: a power cut loses no certificate a
 * client was given), prepared statements kept for the life of the handle,
 * every change in a BEGIN IMMEDIATE transaction (one per call, or one per
 * batch of the recorder's), every integer bound as 64 bits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "fsutil.h"
#include "hosterr.h"
#include "log.h"

#define DB_SCHEMA_VERSION	4	/* 2: revocation_reason, 3: admin,
				   4: approved */
#define DB_BUSY_MS		5000
#define DB_PEM_MAX		(64 * 1024)

enum db_stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_INSERT, ST_EXISTS, ST_GET,
	ST_STATE, ST_SET_STATE, ST_DUE, ST_NEXT_DUE, ST_TOKEN, ST_TAIL_ADD,
	ST_TAIL_TRIM, ST_TAIL_LIST, ST_PRIOR, ST_COUNT
};

static const char *const db_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INSERT] = "INSERT INTO certs (serial, issuer_id, skid, cn, o, ou, "
	    "c, usage, not_before, not_after, state, status_date, revoked_at, "
	    "pubkey_sha256, token_id, pem, admin, approved) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18)",
	[ST_EXISTS] = "SELECT 1 FROM certs WHERE serial = ?1",
	[ST_GET] = "SELECT serial, issuer_id, skid, cn, o, ou, c, usage, "
	    "not_before, not_after, state, status_date, revoked_at, "
	    "pubkey_sha256, token_id, pem, revocation_reason, admin FROM certs "
	    "WHERE serial = ?1",
	[ST_STATE] = "SELECT state FROM certs WHERE serial = ?1",
	/* Leaving PENDING_APPROVAL for VALID or PENDING is an approval:
	 * remembered for the subject's next request (db_prior_approved). */
	[ST_SET_STATE] = "UPDATE certs SET approved = CASE WHEN state = 3 "
	    "AND ?2 IN (1, 2) THEN 1 ELSE approved END, state = ?2, "
	    "status_date = ?3, revoked_at = ?4, revocation_reason = ?5 "
	    "WHERE serial = ?1",
	/* The latest decided certificate of this subject and key. */
	[ST_PRIOR] = "SELECT approved, state FROM certs WHERE cn = ?1 AND "
	    "o = ?2 AND ou = ?3 AND c = ?4 AND pubkey_sha256 = ?5 AND "
	    "state <> 3 ORDER BY status_date DESC, rowid DESC LIMIT 1",
	/* The rows the clock must move now; the second half leaves out
	 * what the first already has (not_after > now). */
	[ST_DUE] = "SELECT serial, state, not_before, not_after FROM certs "
	    "WHERE state IN (1, 2, 3, 4) AND not_after <= ?1 UNION ALL "
	    "SELECT serial, state, not_before, not_after FROM certs "
	    "WHERE state = 2 AND not_before <= ?1 AND not_after > ?1 "
	    "LIMIT ?2",
	/* One index lookup per term, (state, time) indexes below. */
	[ST_NEXT_DUE] = "SELECT MIN(t) FROM ("
	    "SELECT MIN(not_before) AS t FROM certs WHERE state = 2 "
	    "UNION ALL SELECT MIN(not_after) FROM certs WHERE state = 1 "
	    "UNION ALL SELECT MIN(not_after) FROM certs WHERE state = 2 "
	    "UNION ALL SELECT MIN(not_after) FROM certs WHERE state = 3 "
	    "UNION ALL SELECT MIN(not_after) FROM certs WHERE state = 4)",
	[ST_TAIL_ADD] = "INSERT INTO audit_tail (line) VALUES (?1)",
	[ST_TAIL_TRIM] = "DELETE FROM audit_tail WHERE seq <= ?1",
	[ST_TAIL_LIST] = "SELECT seq, line FROM audit_tail ORDER BY seq",
	[ST_TOKEN] = "SELECT serial FROM certs WHERE token_id = ?1 "
	    "ORDER BY not_before DESC LIMIT 1",
};

static const char db_schema[] =
	"CREATE TABLE IF NOT EXISTS certs ("
	" serial INTEGER PRIMARY KEY,"
	" issuer_id TEXT NOT NULL,"
	" skid TEXT NOT NULL DEFAULT '',"
	" cn TEXT NOT NULL, o TEXT NOT NULL DEFAULT '',"
	" ou TEXT NOT NULL DEFAULT '', c TEXT NOT NULL DEFAULT '',"
	" usage TEXT NOT NULL,"
	" not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,"
	" state INTEGER NOT NULL, status_date INTEGER NOT NULL,"
	" revoked_at INTEGER NOT NULL DEFAULT 0,"
	" revocation_reason INTEGER NOT NULL DEFAULT 0,"
	" pubkey_sha256 TEXT NOT NULL DEFAULT '',"
	" token_id TEXT NOT NULL DEFAULT '',"
	" pem TEXT,"
	" admin INTEGER NOT NULL DEFAULT 0,"
	" approved INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS idx_certs_token ON certs(token_id);"
	"PRAGMA user_version = 4;";

/* From schema 1 (pvacms 0.2): the reason of a revocation. */
static const char db_upgrade_1_2[] =
	"ALTER TABLE certs ADD COLUMN"
	" revocation_reason INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 2;";

/*
 * From schema 2 (pvacms 0.3): whether a certificate is an
 * administrator's.  Until then only the keychains pvacms made were, and
 * they carry usage "admin".
 */
static const char db_upgrade_2_3[] =
	"ALTER TABLE certs ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;"
	"UPDATE certs SET admin = 1 WHERE usage = 'admin';"
	"PRAGMA user_version = 3;";

/*
 * From schema 3 (pvacms 0.5): whether an administrator approved the
 * certificate, for the automatic approval of a subject approved before.
 */
static const char db_upgrade_3_4[] =
	"ALTER TABLE certs ADD COLUMN approved INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 4;";

/*
 * Indexes added after schema 1 shipped; CREATE IF NOT EXISTS on every
 * open, so old files get them without a version bump.  They keep the
 * sweep's queries (ST_DUE, ST_NEXT_DUE) to index lookups however many
 * expired or revoked rows the file holds.
 */
static const char db_indexes[] =
	/* Every index is pages rewritten, and synced, per certificate.
	 * These three served no query: state and not_after alone are
	 * prefixes the (state, ...) pairs below cover, and the prior
	 * approval looks a key up by its subject (pvacms 0.7). */
	"DROP INDEX IF EXISTS idx_certs_state;"
	"DROP INDEX IF EXISTS idx_certs_not_after;"
	"DROP INDEX IF EXISTS idx_certs_pubkey;"
	"CREATE INDEX IF NOT EXISTS idx_certs_state_nb "
	"ON certs(state, not_before);"
	"CREATE INDEX IF NOT EXISTS idx_certs_state_na "
	"ON certs(state, not_after);"
	/* db_prior_approved, for requests that need approval. */
	"CREATE INDEX IF NOT EXISTS idx_certs_subject "
	"ON certs(cn, o, ou, c);"
	/* The audit lines not yet known to be on disk in the audit log
	 * (recorder.h); a table older pvacms versions simply ignore.
	 * AUTOINCREMENT: a seq is never reused, even once the table was
	 * emptied, so "up to seq" always means the same lines. */
	"CREATE TABLE IF NOT EXISTS audit_tail ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL);";

struct db {
	sqlite3 *h;
	sqlite3_stmt *st[ST_COUNT];
};

static void	db_seterr(struct db *db, char *err, size_t errlen,
		    const char *what);
static sqlite3_int64 db_s2i(uint64_t serial);
static uint64_t	db_i2s(sqlite3_int64 v);
static int	db_run(struct db *db, enum db_stmt which);
static void	db_explain(const char *path, const char *what, char *err,
		    size_t errlen);
static int	db_migrate(struct db *db, char *err, size_t errlen);
static int	db_create_file(const char *path, int *created, char *err,
		    size_t errlen);
static void	db_copy_col(sqlite3_stmt *st, int col, char *buf, size_t len);
static int	db_bind_text(sqlite3_stmt *st, int col, const char *s,
		    size_t max);

static void
db_seterr(struct db *db, char *err, size_t errlen, const char *what)
{
	if (err == NULL || errlen == 0)
		return;
	if (db != NULL && db->h != NULL)
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db->h));
	else
		snprintf(err, errlen, "%s", what);
}

/* The serial's 64 bits as SQLite's signed integer, and back. */
static sqlite3_int64
db_s2i(uint64_t serial)
{
	sqlite3_int64 v;

	memcpy(&v, &serial, sizeof(v));
	return v;
}

static uint64_t
db_i2s(sqlite3_int64 v)
{
	uint64_t serial;

	memcpy(&serial, &v, sizeof(serial));
	return serial;
}

/* Step a statement without results; SQLITE_DONE becomes 0. */
static int
db_run(struct db *db, enum db_stmt which)
{
	sqlite3_stmt *st = db->st[which];
	int r;

	r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : -1;
}

int
db_begin(struct db *db, char *err, size_t errlen)
{
	if (db_run(db, ST_BEGIN) != 0) {
		db_seterr(db, err, errlen, "cannot begin transaction");
		return -1;
	}
	return 0;
}

int
db_commit(struct db *db, char *err, size_t errlen)
{
	if (db_run(db, ST_COMMIT) != 0) {
		db_seterr(db, err, errlen, "cannot commit");
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		(void)db_run(db, ST_ROLLBACK);
}

int
db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

/*
 * "path: what SQLite said", and why when the cause is on disk: SQLite's
 * "unable to open database file" is all it says when the directory will
 * not take the -wal and -shm files WAL mode needs beside the database.
 */
static void
db_explain(const char *path, const char *what, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else {
		n = (size_t)(slash - path);
		if (n == 0)
			n = 1;
		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	}
	if (access(path, R_OK | W_OK) != 0)
		snprintf(err, errlen, "%s: %s (the file is not readable and "
		    "writable by this user: %s)", path, what, strerror(errno));
	else if (access(dir, W_OK | X_OK) != 0)
		snprintf(err, errlen, "%s: %s (the directory %s is not "
		    "writable by this user: %s; SQLite must create %s-wal and "
		    "%s-shm there)", path, what, dir, strerror(errno), path,
		    path);
	else
		snprintf(err, errlen, "%s: %s", path, what);
}

/* Create the file 0600 when missing, so no other mode is ever seen. */
static int
db_create_file(const char *path, int *created, char *err, size_t errlen)
{
	int fd;

	*created = 0;
	if (fs_mkdir_parents(path, err, errlen) != 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd >= 0) {
		*created = 1;
		if (fchmod(fd, 0600) != 0) {
			snprintf(err, errlen, "%s: chmod: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}

static int
db_migrate(struct db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *msg = NULL;
	int version;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		db_seterr(db, err, errlen, "cannot read schema version");
		sqlite3_finalize(st);
		return -1;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == DB_SCHEMA_VERSION)
		return 0;
	if (version > DB_SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this pvacms supports (%d)", version,
		    DB_SCHEMA_VERSION);
		return -1;
	}
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, &msg) !=
	    SQLITE_OK)
		goto fail;
	/* A new file gets the whole schema; an older one its upgrades,
	 * one after the other, in the same transaction. */
	if ((version == 0 && sqlite3_exec(db->h, db_schema, NULL, NULL,
	    &msg) != SQLITE_OK) ||
	    (version == 1 && sqlite3_exec(db->h, db_upgrade_1_2, NULL, NULL,
	    &msg) != SQLITE_OK) ||
	    (version >= 1 && version <= 2 && sqlite3_exec(db->h,
	    db_upgrade_2_3, NULL, NULL, &msg) != SQLITE_OK) ||
	    (version >= 1 && version <= 3 && sqlite3_exec(db->h,
	    db_upgrade_3_4, NULL, NULL, &msg) != SQLITE_OK)) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot create schema: %s",
	    msg != NULL ? msg : sqlite3_errmsg(db->h));
	sqlite3_free(msg);
	return -1;
}

/* Returns a handle the caller closes with db_close(), or NULL. */
struct db *
db_open(const char *path, int *created, char *err, size_t errlen)
{
	static const char pragmas[] =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;";
	struct db *db;
	char *msg = NULL;
	int i, c = 0;

	if (created != NULL)
		*created = 0;
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no database path configured");
		return NULL;
	}
	if (db_create_file(path, &c, err, errlen) != 0)
		return NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_explain(path, db->h != NULL ? sqlite3_errmsg(db->h) :
		    "cannot open", err, errlen);
		goto fail;
	}
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	if (sqlite3_exec(db->h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		db_explain(path, msg != NULL ? msg : sqlite3_errmsg(db->h),
		    err, errlen);
		sqlite3_free(msg);
		goto fail;
	}
	if (db_migrate(db, err, errlen) != 0)
		goto fail;
	if (sqlite3_exec(db->h, db_indexes, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create indexes: %s", path,
		    msg != NULL ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(db->h, db_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->st[i], NULL) !=
		    SQLITE_OK) {
			db_seterr(db, err, errlen, "cannot prepare statement");
			goto fail;
		}
	}
	if (created != NULL)
		*created = c;
	return db;
fail:
	db_close(db);
	if (c)
		(void)unlink(path);
	return NULL;
}

int
db_defer_sync(struct db *db, char *wal_path, size_t len, char *err,
    size_t errlen)
{
	const char *wal;

	/* NORMAL in WAL mode: a commit is not synced, a checkpoint is
	 * (before the WAL it copies from can be overwritten). */
	if (sqlite3_exec(db->h, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot defer the sync");
		return -1;
	}
	wal = sqlite3_filename_wal(sqlite3_db_filename(db->h, "main"));
	if (wal == NULL || *wal == '\0' || strlen(wal) >= len) {
		snprintf(err, errlen, "the database has no WAL file name");
		return -1;
	}
	memcpy(wal_path, wal, strlen(wal) + 1);
	return 0;
}

void
db_set_busy_ms(struct db *db, int ms)
{
	sqlite3_busy_timeout(db->h, ms);
}

int
db_busy(struct db *db)
{
	int code = sqlite3_errcode(db->h) & 0xff;

	return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

int
db_error(struct db *db)
{
	return db_busy(db) ? HOSTERR_BUSY : HOSTERR_DB;
}

void
db_close(struct db *db)
{
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->h);
	free(db);
}

/* Bind a fixed-size text field, refusing one that is not terminated. */
static int
db_bind_text(sqlite3_stmt *st, int col, const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		s = "";
	if ((n = strnlen(s, max)) == max)
		return -1;
	return sqlite3_bind_text(st, col, s, (int)n, SQLITE_TRANSIENT) ==
	    SQLITE_OK ? 0 : -1;
}

int
db_insert(struct db *db, const struct db_cert *c, char *err, size_t errlen)
{
	int r;

	if (db_begin(db, err, errlen) != 0)
		return -1;
	if ((r = db_insert_row(db, c, err, errlen)) != 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, err, errlen);
}

int
db_insert_row(struct db *db, const struct db_cert *c, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_INSERT];
	size_t pemlen = c->pem != NULL ? strnlen(c->pem, DB_PEM_MAX) : 0;
	int r;

	if (c->state < STATE_UNKNOWN || c->state > STATE_REVOKED ||
	    c->usage == USAGE_UNKNOWN) {
		snprintf(err, errlen, "invalid certificate state %d or usage "
		    "%d", c->state, c->usage);
		return -1;
	}
	if (pemlen == DB_PEM_MAX) {
		snprintf(err, errlen, "certificate PEM larger than %d bytes",
		    DB_PEM_MAX);
		return -1;
	}
	if (sqlite3_bind_int64(st, 1, db_s2i(c->serial)) != SQLITE_OK ||
	    db_bind_text(st, 2, c->issuer_id, sizeof(c->issuer_id)) != 0 ||
	    db_bind_text(st, 3, c->skid, sizeof(c->skid)) != 0 ||
	    db_bind_text(st, 4, c->cn, sizeof(c->cn)) != 0 ||
	    db_bind_text(st, 5, c->o, sizeof(c->o)) != 0 ||
	    db_bind_text(st, 6, c->ou, sizeof(c->ou)) != 0 ||
	    db_bind_text(st, 7, c->c, sizeof(c->c)) != 0 ||
	    sqlite3_bind_text(st, 8, cert_usage_name(c->usage), -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, c->not_before) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 10, c->not_after) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 11, c->state) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 12, c->status_date) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 13, c->revoked_at) != SQLITE_OK ||
	    db_bind_text(st, 14, c->pubkey_sha256,
	    sizeof(c->pubkey_sha256)) != 0 ||
	    db_bind_text(st, 15, c->token_id, sizeof(c->token_id)) != 0 ||
	    (c->pem != NULL ? sqlite3_bind_text(st, 16, c->pem, (int)pemlen,
	    SQLITE_TRANSIENT) : sqlite3_bind_null(st, 16)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 17, c->admin != 0) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 18, c->approved != 0) != SQLITE_OK) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		snprintf(err, errlen, "cannot bind certificate fields");
		return -1;
	}
	r = sqlite3_step(st);
	if (r != SQLITE_DONE) {
		/* A constraint failure undoes this statement only; the
		 * transaction goes on (a batch keeps its other rows). */
		if ((r & 0xff) == SQLITE_CONSTRAINT) {
			snprintf(err, errlen, "serial %llu already recorded",
			    (unsigned long long)c->serial);
			r = DB_DUPLICATE;
		} else {
			db_seterr(db, err, errlen, "cannot insert certificate");
			r = -1;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return r;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

int
db_serial_free(struct db *db, uint64_t serial)
{
	sqlite3_stmt *st = db->st[ST_EXISTS];
	int r;

	if (sqlite3_bind_int64(st, 1, db_s2i(serial)) != SQLITE_OK)
		return -1;
	r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r == SQLITE_ROW)
		return 0;
	if (r == SQLITE_DONE)
		return 1;
	return -1;
}

static void
db_copy_col(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
}

int
db_get(struct db *db, uint64_t serial, struct db_cert *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_GET];
	const unsigned char *pem;
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_bind_int64(st, 1, db_s2i(serial)) != SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot bind serial");
		return -1;
	}
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (r != SQLITE_ROW) {
		db_seterr(db, err, errlen, "cannot read certificate");
		goto out;
	}
	out->serial = db_i2s(sqlite3_column_int64(st, 0));
	db_copy_col(st, 1, out->issuer_id, sizeof(out->issuer_id));
	db_copy_col(st, 2, out->skid, sizeof(out->skid));
	db_copy_col(st, 3, out->cn, sizeof(out->cn));
	db_copy_col(st, 4, out->o, sizeof(out->o));
	db_copy_col(st, 5, out->ou, sizeof(out->ou));
	db_copy_col(st, 6, out->c, sizeof(out->c));
	out->usage = cert_usage_of((const char *)sqlite3_column_text(st, 7));
	out->not_before = sqlite3_column_int64(st, 8);
	out->not_after = sqlite3_column_int64(st, 9);
	out->state = (int)sqlite3_column_int64(st, 10);
	out->status_date = sqlite3_column_int64(st, 11);
	out->revoked_at = sqlite3_column_int64(st, 12);
	out->revocation_reason = (int)sqlite3_column_int64(st, 16);
	out->admin = sqlite3_column_int64(st, 17) != 0;
	db_copy_col(st, 13, out->pubkey_sha256, sizeof(out->pubkey_sha256));
	db_copy_col(st, 14, out->token_id, sizeof(out->token_id));
	if ((pem = sqlite3_column_text(st, 15)) != NULL &&
	    (out->pem = strdup((const char *)pem)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 1;
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int
db_change_state(struct db *db, uint64_t serial, int from_mask, int to,
    int64_t now, int reason, int *cur_out, char *err, size_t errlen)
{
	int r;

	if (db_begin(db, err, errlen) != 0)
		return -1;
	r = db_change_row(db, serial, from_mask, to, now, reason, cur_out,
	    err, errlen);
	if (r != 1) {
		db_rollback(db);
		return r;
	}
	return db_commit(db, err, errlen) == 0 ? 1 : -1;
}

int
db_change_row(struct db *db, uint64_t serial, int from_mask, int to,
    int64_t now, int reason, int *cur_out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int r, cur;

	if (to <= STATE_UNKNOWN || to > STATE_REVOKED) {
		snprintf(err, errlen, "invalid certificate state %d", to);
		return -1;
	}
	/* Read and write under one write lock: the check cannot go stale. */
	st = db->st[ST_STATE];
	sqlite3_bind_int64(st, 1, db_s2i(serial));
	r = sqlite3_step(st);
	cur = r == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r == SQLITE_DONE) {
		snprintf(err, errlen, "no certificate with serial %llu",
		    (unsigned long long)serial);
		return 0;
	}
	if (r != SQLITE_ROW) {
		db_seterr(db, err, errlen, "cannot read certificate state");
		return -1;
	}
	if (cur_out != NULL)
		*cur_out = cur;
	if (cur < 0 || cur > STATE_REVOKED || (from_mask & (1 << cur)) == 0) {
		snprintf(err, errlen, "certificate is %s", cert_state_name(cur));
		return DB_WRONG_STATE;
	}
	st = db->st[ST_SET_STATE];
	if (sqlite3_bind_int64(st, 1, db_s2i(serial)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, to) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, to == STATE_REVOKED ? now : 0) !=
	    SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, to == STATE_REVOKED ? reason : 0) !=
	    SQLITE_OK || db_run(db, ST_SET_STATE) != 0) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		db_seterr(db, err, errlen, "cannot change certificate state");
		return -1;
	}
	return 1;
}

int
db_due(struct db *db, int64_t now, struct db_due *out, size_t max,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_DUE];
	size_t n = 0;
	int r = SQLITE_DONE;

	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)max) != SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot bind sweep time");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -1;
	}
	while (n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		out[n].serial = db_i2s(sqlite3_column_int64(st, 0));
		out[n].state = (int)sqlite3_column_int64(st, 1);
		out[n].not_before = sqlite3_column_int64(st, 2);
		out[n].not_after = sqlite3_column_int64(st, 3);
		n++;
	}
	if (n < max && r != SQLITE_DONE) {
		db_seterr(db, err, errlen, "cannot list due certificates");
		n = (size_t)-1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return n == (size_t)-1 ? -1 : (int)n;
}

int
db_next_due(struct db *db, int64_t *when, char *err, size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_NEXT_DUE];
	int r, rc = -1;

	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		rc = 0;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			*when = sqlite3_column_int64(st, 0);
			rc = 1;
		}
	} else
		db_seterr(db, err, errlen, "cannot find the next due time");
	sqlite3_reset(st);
	return rc;
}

int
db_find_token(struct db *db, const char *token_id, uint64_t *serial,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_TOKEN];
	int r, rc = -1;

	if (token_id == NULL || *token_id == '\0')
		return 0;
	if (sqlite3_bind_text(st, 1, token_id, -1, SQLITE_TRANSIENT) !=
	    SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot bind token id");
		return -1;
	}
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (serial != NULL)
			*serial = db_i2s(sqlite3_column_int64(st, 0));
		rc = 1;
	} else if (r == SQLITE_DONE) {
		rc = 0;
	} else {
		db_seterr(db, err, errlen, "cannot look up token");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int
db_tail_add(struct db *db, const char *line, size_t len, int64_t *seq,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_TAIL_ADD];
	int r;

	if (sqlite3_bind_text(st, 1, line, (int)len, SQLITE_STATIC) !=
	    SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot bind audit line");
		return -1;
	}
	r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE) {
		db_seterr(db, err, errlen, "cannot keep the audit line");
		return -1;
	}
	*seq = sqlite3_last_insert_rowid(db->h);
	return 0;
}

int
db_tail_trim(struct db *db, int64_t upto, char *err, size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_TAIL_TRIM];

	if (sqlite3_bind_int64(st, 1, upto) != SQLITE_OK ||
	    db_run(db, ST_TAIL_TRIM) != 0) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		db_seterr(db, err, errlen, "cannot trim the audit tail");
		return -1;
	}
	return 0;
}

int
db_tail_list(struct db *db, db_tail_fn *fn, void *arg, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_TAIL_LIST];
	const unsigned char *line;
	int r, rc = 0;

	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		line = sqlite3_column_text(st, 1);
		if (line != NULL && fn(arg, sqlite3_column_int64(st, 0),
		    (const char *)line) != 0) {
			rc = -1;
			snprintf(err, errlen, "cannot restore the audit tail");
			break;
		}
	}
	if (rc == 0 && r != SQLITE_DONE) {
		db_seterr(db, err, errlen, "cannot read the audit tail");
		rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}

int
db_quick_check(struct db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int r, rc = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA quick_check(1)", -1, &st,
	    NULL) != SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot check the database");
		return -1;
	}
	r = sqlite3_step(st);
	t = r == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (t != NULL && strcmp((const char *)t, "ok") == 0)
		rc = 0;
	else if (t != NULL) {
		char *nl;

		/* One line: SQLite's finding spans several. */
		snprintf(err, errlen, "%s", (const char *)t);
		while ((nl = strchr(err, '\n')) != NULL)
			*nl = ' ';
	}
	else
		db_seterr(db, err, errlen, "cannot check the database");
	sqlite3_finalize(st);
	return rc;
}

int
db_has_rows(struct db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int r, rc = -1;

	if (sqlite3_prepare_v2(db->h, "SELECT EXISTS (SELECT 1 FROM certs)",
	    -1, &st, NULL) != SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot count certificates");
		return -1;
	}
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0) != 0;
	else
		db_seterr(db, err, errlen, "cannot count certificates");
	sqlite3_finalize(st);
	return rc;
}

/* SQLite's error log callback: one line per error or notice. */
static void
db_log_cb(void *arg, int code, const char *msg)
{
	int primary = code & 0xff;

	(void)arg;
	if (primary == SQLITE_NOTICE || primary == SQLITE_WARNING)
		log_info("sqlite: %s", msg);
	else if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED &&
	    primary != SQLITE_SCHEMA && primary != SQLITE_CONSTRAINT)
		log_error("sqlite error %d: %s", code, msg);
}

void
db_log_errors(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_LOG, db_log_cb, NULL);
}

void
db_cert_clear(struct db_cert *cert)
{
	if (cert == NULL)
		return;
	free(cert->pem);
	memset(cert, 0, sizeof(*cert));
}

int
db_prior_approved(struct db *db, const char *cn, const char *o,
    const char *ou, const char *c, const char *pubkey_sha256, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = db->st[ST_PRIOR];
	int r, approved = 0;

	if (sqlite3_bind_text(st, 1, cn, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, o, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, ou, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, c, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, pubkey_sha256, -1, SQLITE_STATIC) !=
	    SQLITE_OK) {
		db_seterr(db, err, errlen, "cannot bind the subject");
		r = -1;
		goto out;
	}
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		/* Approved, and not revoked since: a revocation ends it. */
		approved = sqlite3_column_int(st, 0) != 0 &&
		    sqlite3_column_int(st, 1) != STATE_REVOKED;
		r = approved;
	} else if (r == SQLITE_DONE)
		r = 0;
	else {
		db_seterr(db, err, errlen, "cannot look up prior approval");
		r = -1;
	}
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}
