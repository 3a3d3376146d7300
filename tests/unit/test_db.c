/*
 * test_db.c - the certificate record: insert and fetch, duplicate
 * serials, guarded state changes and their final states, the rows due
 * for a time-driven move,
 * 64-bit values, persistence across reopen, and the file's mode.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "tap.h"

static void	mkrec(struct db_cert *c, uint64_t serial, int state,
		    int64_t nb, int64_t na);
static void	rmtree(const char *dir);

static void
mkrec(struct db_cert *c, uint64_t serial, int state, int64_t nb, int64_t na)
{
	memset(c, 0, sizeof(*c));
	c->serial = serial;
	snprintf(c->issuer_id, sizeof(c->issuer_id), "47530d89");
	snprintf(c->skid, sizeof(c->skid), "0011aabb");
	snprintf(c->cn, sizeof(c->cn), "softioc");
	snprintf(c->o, sizeof(c->o), "localhost");
	c->usage = USAGE_SERVER;
	c->not_before = nb;
	c->not_after = na;
	c->state = state;
	c->status_date = 1000;
	snprintf(c->pubkey_sha256, sizeof(c->pubkey_sha256), "%064d", 7);
	snprintf(c->token_id, sizeof(c->token_id), "jti-%llu",
	    (unsigned long long)serial);
	c->pem = "-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n";
}

static void
rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_db.XXXXXX", path[300], sub[256], err[256];
	struct db *db;
	struct db_cert c, got;
	struct stat st;
	uint64_t big = UINT64_C(0x7fffffffffffff01), tser = 0;
	int64_t far = INT64_C(4102444800);	/* 2100-01-01 */
	int created = -1, r;

	tap_plan(61);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s/data/pva", tmpl);
	snprintf(path, sizeof(path), "%s/certs.db", sub);

	db = db_open(path, &created, err, sizeof(err));
	ok(db != NULL, "db_open creates%s%s", db ? "" : ": ", db ? "" : err);
	if (db == NULL)
		return tap_done();
	is_int(created, 1, "created flag set on a new file");
	memset(&st, 0, sizeof(st));
	(void)stat(path, &st);
	is_int(st.st_mode & 0777, 0600, "database file mode 0600");
	memset(&st, 0, sizeof(st));
	(void)stat(sub, &st);
	is_int(st.st_mode & 0777, 0700, "parent directory mode 0700");

	is_str(cert_state_name(STATE_VALID), "VALID", "state name VALID");
	is_str(cert_state_name(STATE_PENDING_APPROVAL), "PENDING_APPROVAL",
	    "state name PENDING_APPROVAL");
	is_str(cert_state_name(STATE_REVOKED), "REVOKED", "state name REVOKED");
	is_str(cert_state_name(99), "UNKNOWN", "out of range is UNKNOWN");
	is_str(cert_state_name(-1), "UNKNOWN", "negative is UNKNOWN");

	/* insert / get, 64-bit serial and dates after 2038 */
	is_int(db_serial_free(db, big), 1, "serial free before insert");
	mkrec(&c, big, STATE_VALID, 1000, far);
	is_int(db_insert(db, &c, err, sizeof(err)), 0, "insert");
	is_int(db_serial_free(db, big), 0, "serial taken after insert");
	r = db_get(db, big, &got, err, sizeof(err));
	is_int(r, 1, "get finds the row");
	ok(got.serial == big, "serial round-trips (63 bits)");
	is_str(got.issuer_id, "47530d89", "issuer_id");
	is_str(got.cn, "softioc", "cn");
	is_str(got.o, "localhost", "o");
	is_str(got.ou, "", "ou empty");
	is_str(cert_usage_name(got.usage), "server", "usage");
	is_int(got.admin, 0, "not an administrator's");
	ok(got.not_after == far, "not_after after 2038 kept in 64 bits");
	is_int(got.state, STATE_VALID, "state");
	is_str(got.token_id, "jti-9223372036854775553", "token id");
	ok(got.pem != NULL && strstr(got.pem, "BEGIN CERTIFICATE") != NULL,
	    "pem");
	db_cert_clear(&got);
	ok(got.pem == NULL, "db_cert_clear frees and zeroes");

	is_int(db_get(db, 12345, &got, err, sizeof(err)), 0,
	    "get of an unknown serial returns 0");

	/* full 64-bit serial (top bit set) is stored bit-for-bit */
	mkrec(&c, UINT64_MAX - 1, STATE_VALID, 1000, far);
	is_int(db_insert(db, &c, err, sizeof(err)), 0, "insert serial >= 2^63");
	ok(db_get(db, UINT64_MAX - 1, &got, err, sizeof(err)) == 1 &&
	    got.serial == UINT64_MAX - 1, "serial >= 2^63 round-trips");
	db_cert_clear(&got);

	/* duplicate refused, first row unchanged */
	mkrec(&c, big, STATE_PENDING, 5, 6);
	ok(db_insert(db, &c, err, sizeof(err)) == -1 &&
	    strstr(err, "already") != NULL, "duplicate serial refused (%s)",
	    err);
	ok(db_get(db, big, &got, err, sizeof(err)) == 1 &&
	    got.state == STATE_VALID, "original row untouched");
	db_cert_clear(&got);

	/* token lookup */
	ok(db_find_token(db, "jti-9223372036854775553", &tser, err,
	    sizeof(err)) == 1 && tser == big, "token id found");
	is_int(db_find_token(db, "nope", &tser, err, sizeof(err)), 0,
	    "unknown token id");

	/* state changes: guarded by the states a change may start from */
	mkrec(&c, 100, STATE_PENDING_APPROVAL, 1000, far);
	db_insert(db, &c, err, sizeof(err));
	is_int(db_change_state(db, 100, 1 << STATE_PENDING_APPROVAL,
	    STATE_VALID, 2000, 0, NULL, err, sizeof(err)), 1,
	    "approve PENDING_APPROVAL -> VALID");
	ok(db_get(db, 100, &got, err, sizeof(err)) == 1 &&
	    got.state == STATE_VALID && got.status_date == 2000 &&
	    got.revoked_at == 0, "state VALID, status_date set");
	db_cert_clear(&got);
	is_int(db_change_state(db, 100, 1 << STATE_VALID, STATE_REVOKED, 3000,
	    1, NULL, err, sizeof(err)), 1, "revoke (keyCompromise)");
	ok(db_get(db, 100, &got, err, sizeof(err)) == 1 &&
	    got.state == STATE_REVOKED && got.revoked_at == 3000 &&
	    got.status_date == 3000, "revoked with revoked_at");
	is_int(got.revocation_reason, 1, "the revocation reason is kept");
	db_cert_clear(&got);
	ok(db_change_state(db, 100, 1 << STATE_VALID, STATE_VALID, 4000, 0,
	    NULL, err, sizeof(err)) == DB_WRONG_STATE &&
	    strcmp(err, "certificate is REVOKED") == 0,
	    "revocation is final (%s)", err);
	is_int(db_change_state(db, 999, 1 << STATE_VALID, STATE_REVOKED, 4000,
	    0, NULL, err, sizeof(err)), 0, "unknown serial: not found");
	is_int(db_change_state(db, big, 1 << STATE_VALID, 0, 4000, 0, NULL, err,
	    sizeof(err)), -1, "UNKNOWN is not a target state");

	/* prior approval: the latest decided certificate of the subject
	 * and key, approved by an administrator and not revoked */
	{
		char other[65];

		snprintf(other, sizeof(other), "%064d", 8);
		mkrec(&c, 300, STATE_PENDING_APPROVAL, 1000, far);
		snprintf(c.cn, sizeof(c.cn), "alice");
		db_insert(db, &c, err, sizeof(err));
		is_int(db_prior_approved(db, "alice", "localhost", "", "",
		    c.pubkey_sha256, err, sizeof(err)), 0,
		    "nothing decided yet: no prior approval");
		db_change_state(db, 300, 1 << STATE_PENDING_APPROVAL,
		    STATE_VALID, 2000, 0, NULL, err, sizeof(err));
		is_int(db_prior_approved(db, "alice", "localhost", "", "",
		    c.pubkey_sha256, err, sizeof(err)), 1,
		    "approved: the same subject and key are approved again");
		is_int(db_prior_approved(db, "alice", "localhost", "", "",
		    other, err, sizeof(err)), 0,
		    "the same subject with another key is not");
		is_int(db_prior_approved(db, "alice", "elsewhere", "", "",
		    c.pubkey_sha256, err, sizeof(err)), 0,
		    "another organization is not");
		db_change_state(db, 300, 1 << STATE_VALID, STATE_REVOKED, 3000,
		    0, NULL, err, sizeof(err));
		is_int(db_prior_approved(db, "alice", "localhost", "", "",
		    c.pubkey_sha256, err, sizeof(err)), 0,
		    "revoked: the approval ends");
		mkrec(&c, 301, STATE_PENDING_APPROVAL, 1000, far);
		snprintf(c.cn, sizeof(c.cn), "bob");
		db_insert(db, &c, err, sizeof(err));
		db_change_state(db, 301, 1 << STATE_PENDING_APPROVAL,
		    STATE_REVOKED, 2000, 0, NULL, err, sizeof(err));
		is_int(db_prior_approved(db, "bob", "localhost", "", "",
		    c.pubkey_sha256, err, sizeof(err)), 0,
		    "denied: no approval");
	}

	/* time-driven moves: what is due when */
	mkrec(&c, 200, STATE_PENDING, 5000, 9000);
	db_insert(db, &c, err, sizeof(err));
	mkrec(&c, 201, STATE_VALID, 1000, 6000);
	db_insert(db, &c, err, sizeof(err));
	{
		struct db_due due[4];

		is_int(db_due(db, 4000, due, 4, err, sizeof(err)), 0,
		    "nothing due at t=4000");
		ok(db_due(db, 5000, due, 4, err, sizeof(err)) == 1 &&
		    due[0].serial == 200 && due[0].state == STATE_PENDING,
		    "PENDING due at not_before");
		is_int(db_due(db, 9000, due, 4, err, sizeof(err)), 2,
		    "two rows due at t=9000");
	}

	/* reopen keeps rows */
	db_close(db);
	db = db_open(path, &created, err, sizeof(err));
	ok(db != NULL, "reopen%s%s", db ? "" : ": ", db ? "" : err);
	if (db == NULL)
		return tap_done();
	is_int(created, 0, "created flag clear on reopen");
	ok(db_get(db, big, &got, err, sizeof(err)) == 1 &&
	    got.not_after == far, "row survives reopen");
	db_cert_clear(&got);
	db_close(db);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "file still 0600 after use");

	/* not a database */
	{
		char bad[300];
		FILE *f;

		snprintf(bad, sizeof(bad), "%s/garbage.db", tmpl);
		if ((f = fopen(bad, "w")) != NULL) {
			fputs("this is not an sqlite database, not at all, "
			    "no; just text padded out to a page or so.....\n",
			    f);
			fclose(f);
		}
		db = db_open(bad, &created, err, sizeof(err));
		ok(db == NULL, "garbage file refused (%s)", err);
		db_close(db);
	}

	/* a schema-1 file (pvacms 0.2) gains revocation_reason, rows kept */
	{
		char old[300];
		sqlite3 *h;

		snprintf(old, sizeof(old), "%s/v1.db", tmpl);
		ok(sqlite3_open(old, &h) == SQLITE_OK && sqlite3_exec(h,
		    "CREATE TABLE certs (serial INTEGER PRIMARY KEY,"
		    " issuer_id TEXT NOT NULL, skid TEXT NOT NULL DEFAULT '',"
		    " cn TEXT NOT NULL, o TEXT NOT NULL DEFAULT '',"
		    " ou TEXT NOT NULL DEFAULT '', c TEXT NOT NULL DEFAULT '',"
		    " usage TEXT NOT NULL, not_before INTEGER NOT NULL,"
		    " not_after INTEGER NOT NULL, state INTEGER NOT NULL,"
		    " status_date INTEGER NOT NULL,"
		    " revoked_at INTEGER NOT NULL DEFAULT 0,"
		    " pubkey_sha256 TEXT NOT NULL DEFAULT '',"
		    " token_id TEXT NOT NULL DEFAULT '', pem TEXT);"
		    "CREATE INDEX idx_certs_state ON certs(state);"
		    "CREATE INDEX idx_certs_not_after ON certs(not_after);"
		    "CREATE INDEX idx_certs_pubkey ON certs(pubkey_sha256);"
		    "CREATE INDEX idx_certs_token ON certs(token_id);"
		    "INSERT INTO certs (serial, issuer_id, cn, usage,"
		    " not_before, not_after, state, status_date, revoked_at)"
		    " VALUES (7, '47530d89', 'old', 'client', 1, 9, 6, 5, 5);"
		    "INSERT INTO certs (serial, issuer_id, cn, usage,"
		    " not_before, not_after, state, status_date, revoked_at)"
		    " VALUES (9, '47530d89', 'boss', 'admin', 1, 9, 1, 5, 0);"
		    "PRAGMA user_version = 1;", NULL, NULL, NULL) == SQLITE_OK,
		    "a schema-1 file is made");
		sqlite3_close(h);
		chmod(old, 0600);
		db = db_open(old, &created, err, sizeof(err));
		ok(db != NULL, "it opens%s%s", db ? "" : ": ", db ? "" : err);
		ok(db != NULL && db_get(db, 7, &got, err, sizeof(err)) == 1 &&
		    got.state == STATE_REVOKED && got.revoked_at == 5 &&
		    got.revocation_reason == 0,
		    "its revoked row reads back, reason unspecified");
		db_cert_clear(&got);
		ok(db != NULL && db_get(db, 9, &got, err, sizeof(err)) == 1 &&
		    got.admin == 1 && got.usage == USAGE_ADMIN,
		    "a keychain pvacms made is an administrator's after the "
		    "upgrade to schema 3");
		db_cert_clear(&got);
		ok(db != NULL && db_get(db, 7, &got, err, sizeof(err)) == 1 &&
		    got.admin == 0, "a client certificate is not");
		db_cert_clear(&got);
		mkrec(&c, 8, STATE_VALID, 1, 9);
		ok(db != NULL && db_insert(db, &c, err, sizeof(err)) == 0 &&
		    db_change_state(db, 8, 1 << STATE_VALID, STATE_REVOKED, 6,
		    4, NULL, err, sizeof(err)) == 1 &&
		    db_get(db, 8, &got, err, sizeof(err)) == 1 &&
		    got.revocation_reason == 4,
		    "a revocation after the upgrade keeps its reason");
		db_cert_clear(&got);
		db_close(db);
		/* Indexes that served no query are dropped: each costs
		 * pages synced per certificate. */
		{
			char names[256] = "";
			sqlite3_stmt *q;

			if (sqlite3_open(old, &h) == SQLITE_OK &&
			    sqlite3_prepare_v2(h, "SELECT group_concat(name, "
			    "' ') FROM (SELECT name FROM sqlite_master WHERE "
			    "type = 'index' AND name LIKE 'idx_certs_%' "
			    "ORDER BY name)", -1, &q, NULL) == SQLITE_OK) {
				if (sqlite3_step(q) == SQLITE_ROW &&
				    sqlite3_column_text(q, 0) != NULL)
					snprintf(names, sizeof(names), "%s",
					    sqlite3_column_text(q, 0));
				sqlite3_finalize(q);
			}
			sqlite3_close(h);
			is_str(names, "idx_certs_state_na idx_certs_state_nb "
			    "idx_certs_subject idx_certs_token",
			    "the upgrade keeps the indexes queries use, and "
			    "only those");
		}
	}

	rmtree(tmpl);
	return tap_done();
}
