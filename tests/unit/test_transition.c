/*
 * test_transition.c - the state machine's rules (transition.c) and the
 * database side of a change (db.c): which states each action starts
 * from, where approval and the clock lead, who may act, the refusal
 * texts, the sweep's timing, and the guarded update with the due-row
 * queries the sweep runs.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "tap.h"
#include "transition.h"

static void
test_rules(void)
{
	const char *admins[] = { "admin", "alice", NULL };
	char why[256];

	/* who starts from where */
	is_int(transition_from_mask(TRANSITION_APPROVE),
	    TRANSITION_BIT(STATE_PENDING_APPROVAL), "approve: PENDING_APPROVAL only");
	is_int(transition_from_mask(TRANSITION_DENY),
	    TRANSITION_BIT(STATE_PENDING_APPROVAL), "deny: PENDING_APPROVAL only");
	ok((transition_from_mask(TRANSITION_REVOKE) &
	    TRANSITION_BIT(STATE_PENDING_RENEWAL)) != 0,
	    "revoke takes PENDING_RENEWAL (reference bug #12 not copied)");
	ok((transition_from_mask(TRANSITION_REVOKE) &
	    (TRANSITION_BIT(STATE_REVOKED) | TRANSITION_BIT(STATE_EXPIRED) |
	    TRANSITION_BIT(STATE_UNKNOWN))) == 0,
	    "revoke never starts from REVOKED, EXPIRED or UNKNOWN");

	/* approval depends on the window */
	is_int(transition_target(TRANSITION_APPROVE, 100, 200, 150),
	    STATE_VALID, "approve inside the window: VALID");
	is_int(transition_target(TRANSITION_APPROVE, 100, 200, 99),
	    STATE_PENDING, "approve before notBefore: PENDING");
	is_int(transition_target(TRANSITION_APPROVE, 100, 200, 200),
	    STATE_EXPIRED, "approve at notAfter: EXPIRED");
	is_int(transition_target(TRANSITION_DENY, 100, 200, 150),
	    STATE_REVOKED, "deny: REVOKED");
	is_int(transition_target(TRANSITION_REVOKE, 100, 200, 150),
	    STATE_REVOKED, "revoke: REVOKED");

	/* events */
	is_str(transition_event(TRANSITION_TIME, STATE_EXPIRED), "expired",
	    "clock to EXPIRED: expired");
	is_str(transition_event(TRANSITION_TIME, STATE_VALID), "activated",
	    "clock to VALID: activated");
	is_str(transition_event(TRANSITION_DENY, STATE_REVOKED), "denied",
	    "deny: denied");
	is_str(transition_event(TRANSITION_APPROVE, STATE_PENDING),
	    "approved", "approve: approved");

	/* the clock */
	is_int(transition_by_time(STATE_PENDING, 100, 200, 99), STATE_PENDING,
	    "PENDING before notBefore stays");
	is_int(transition_by_time(STATE_PENDING, 100, 200, 100), STATE_VALID,
	    "PENDING at notBefore: VALID");
	is_int(transition_by_time(STATE_PENDING, 100, 200, 250),
	    STATE_EXPIRED, "PENDING past notAfter: EXPIRED at once");
	is_int(transition_by_time(STATE_VALID, 100, 200, 200), STATE_EXPIRED,
	    "VALID at notAfter: EXPIRED");
	is_int(transition_by_time(STATE_PENDING_APPROVAL, 100, 200, 300),
	    STATE_EXPIRED, "PENDING_APPROVAL past notAfter: EXPIRED");
	is_int(transition_by_time(STATE_PENDING_RENEWAL, 100, 200, 300),
	    STATE_EXPIRED, "PENDING_RENEWAL past notAfter: EXPIRED");
	is_int(transition_by_time(STATE_REVOKED, 100, 200, 300),
	    STATE_REVOKED, "REVOKED is final");
	is_int(transition_by_time(STATE_EXPIRED, 100, 200, 300),
	    STATE_EXPIRED, "EXPIRED is final");

	/* who may act */
	ok(transition_authorize(TRANSITION_APPROVE, 1, 0, "admin", why,
	    sizeof(why)) == 0, "an admin may approve");
	ok(transition_authorize(TRANSITION_REVOKE, 1, 1, "admin", why,
	    sizeof(why)) == 0, "an admin may revoke its own certificate");
	ok(transition_authorize(TRANSITION_REVOKE, 0, 1, "bob", why,
	    sizeof(why)) == 0, "a holder may revoke its own certificate");
	ok(transition_authorize(TRANSITION_REVOKE, 0, 0, "bob", why,
	    sizeof(why)) == -1 && strstr(why, "only the holder or an "
	    "administrator") != NULL, "others may not revoke (%s)", why);
	ok(transition_authorize(TRANSITION_APPROVE, 0, 1, "bob", why,
	    sizeof(why)) == -1 && strstr(why, "not an administrator") != NULL,
	    "a holder may not approve (%s)", why);
	ok(transition_authorize(TRANSITION_DENY, 0, 0, "bob", why,
	    sizeof(why)) == -1, "a non-admin may not deny");
	is_int(transition_is_admin(admins, "alice"), 1, "listed CN is admin");
	is_int(transition_is_admin(admins, "Alice"), 0,
	    "CN match is exact (case)");
	is_int(transition_is_admin(admins, ""), 0, "empty CN is no admin");
	is_int(transition_is_admin(NULL, "admin"), 0, "no list, no admins");

	/* refusal texts */
	transition_refusal(TRANSITION_REVOKE, "abcd0123:5", STATE_REVOKED, why,
	    sizeof(why));
	is_str(why, "certificate abcd0123:5 is REVOKED; revocation is final",
	    "revoking twice names REVOKED");
	transition_refusal(TRANSITION_APPROVE, "abcd0123:5", STATE_VALID, why,
	    sizeof(why));
	ok(strstr(why, "is VALID") != NULL &&
	    strstr(why, "PENDING_APPROVAL") != NULL,
	    "approving VALID names both states (%s)", why);

	/* sweep timing */
	is_int(transition_next_sweep(0, 0, 1000, 0), TRANSITION_SWEEP_MAX,
	    "nothing due: the longest wait");
	is_int(transition_next_sweep(1, 1005, 1000, 0), 5,
	    "due in 5 s: wait 5 s");
	is_int(transition_next_sweep(1, 5000, 1000, 0), TRANSITION_SWEEP_MAX,
	    "due much later: capped");
	is_int(transition_next_sweep(1, 900, 1000, 0), TRANSITION_SWEEP_MIN,
	    "already due (a failed change): at least 1 s");
	is_int(transition_next_sweep(1, 1005, 1000, 1), 0,
	    "batch was full: go on at once");
}

static void
mkrec(struct db_cert *c, uint64_t serial, int state, int64_t nb, int64_t na)
{
	memset(c, 0, sizeof(*c));
	c->serial = serial;
	snprintf(c->issuer_id, sizeof(c->issuer_id), "47530d89");
	snprintf(c->cn, sizeof(c->cn), "cn%llu", (unsigned long long)serial);
	c->usage = USAGE_CLIENT;
	c->not_before = nb;
	c->not_after = na;
	c->state = state;
	c->status_date = 1;
}

static void
test_db(void)
{
	char tmpl[] = "/tmp/test_transition.XXXXXX", path[300], err[256];
	char cmd[400];
	struct db_due due[8];
	struct db_cert c;
	struct db *db;
	int64_t when = 0;
	int cur = -1, n;
	uint64_t s;

	if (mkdtemp(tmpl) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/certs.db", tmpl);
	db = db_open(path, NULL, err, sizeof(err));
	ok(db != NULL, "open a fresh database%s%s", db ? "" : ": ",
	    db ? "" : err);
	if (db == NULL)
		return;
	is_int(db_next_due(db, &when, err, sizeof(err)), 0,
	    "empty: nothing due");

	mkrec(&c, 1, STATE_VALID, 100, 1000);
	db_insert(db, &c, err, sizeof(err));
	mkrec(&c, 2, STATE_PENDING, 500, 2000);
	db_insert(db, &c, err, sizeof(err));
	mkrec(&c, 3, STATE_PENDING_APPROVAL, 100, 800);
	db_insert(db, &c, err, sizeof(err));
	mkrec(&c, 4, STATE_REVOKED, 100, 50);
	db_insert(db, &c, err, sizeof(err));

	ok(db_next_due(db, &when, err, sizeof(err)) == 1 && when == 500,
	    "next due: the PENDING row's notBefore (got %lld)",
	    (long long)when);
	is_int(db_due(db, 400, due, 8, err, sizeof(err)), 0,
	    "nothing due at 400");
	n = db_due(db, 900, due, 8, err, sizeof(err));
	ok(n == 2, "two rows due at 900 (got %d)", n);
	is_int(db_due(db, 5000, due, 2, err, sizeof(err)), 2,
	    "the batch limit holds");

	/* guarded change */
	is_int(db_change_state(db, 3, TRANSITION_BIT(STATE_PENDING_APPROVAL),
	    STATE_REVOKED, 600, 0, &cur, err, sizeof(err)), 1,
	    "deny PENDING_APPROVAL");
	is_int(cur, STATE_PENDING_APPROVAL, "from state reported");
	is_int(db_change_state(db, 3, TRANSITION_LIVE, STATE_REVOKED, 700,
	    0, &cur, err, sizeof(err)), DB_WRONG_STATE, "revoking twice refused");
	is_int(cur, STATE_REVOKED, "current state reported: REVOKED");
	is_int(db_change_state(db, 99, TRANSITION_LIVE, STATE_REVOKED, 700,
	    0, &cur, err, sizeof(err)), 0, "unknown serial: not found");
	is_int(db_change_state(db, 1, TRANSITION_LIVE, STATE_UNKNOWN, 700,
	    0, &cur, err, sizeof(err)), -1, "UNKNOWN is no target");
	{
		struct db_cert got;

		ok(db_get(db, 3, &got, err, sizeof(err)) == 1 &&
		    got.state == STATE_REVOKED && got.revoked_at == 600 &&
		    got.status_date == 600, "revoked_at and status_date set");
		db_cert_clear(&got);
	}
	ok(db_next_due(db, &when, err, sizeof(err)) == 1 && when == 500,
	    "a REVOKED row is never due");
	is_int(db_change_state(db, 2, TRANSITION_BIT(STATE_PENDING),
	    STATE_VALID, 500, 0, NULL, err, sizeof(err)), 1, "activate");
	ok(db_next_due(db, &when, err, sizeof(err)) == 1 && when == 1000,
	    "next due: the first notAfter (got %lld)", (long long)when);
	n = db_due(db, 1000, due, 8, err, sizeof(err));
	s = n == 1 ? due[0].serial : 0;
	ok(n == 1 && s == 1 && due[0].state == STATE_VALID,
	    "at notAfter the VALID row is due");
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", tmpl);
}

int
main(void)
{
	tap_plan(65);

	/* revocation reasons: the RFC 5280 codes a caller may give */
	is_int(transition_reason_of("unspecified"), 0, "reason unspecified");
	is_int(transition_reason_of("keyCompromise"), 1, "reason keyCompromise");
	is_int(transition_reason_of("superseded"), 4, "reason superseded");
	is_int(transition_reason_of("privilegeWithdrawn"), 9,
	    "reason privilegeWithdrawn");
	is_int(transition_reason_of("cACompromise"), -1,
	    "cACompromise is the CA's, not a caller's");
	is_int(transition_reason_of("certificateHold"), -1,
	    "certificateHold refused: revocation is final");
	is_int(transition_reason_of("KeyCompromise"), -1, "exact spelling");
	is_str(transition_reason_name(5), "cessationOfOperation",
	    "code 5 is cessationOfOperation");
	{
		char names[160], small[20];

		transition_reason_names(names, sizeof(names));
		is_str(names, "unspecified, keyCompromise, affiliationChanged, "
		    "superseded, cessationOfOperation, privilegeWithdrawn",
		    "the list of reasons, for messages");
		transition_reason_names(small, sizeof(small));
		ok(strlen(small) == sizeof(small) - 1,
		    "the list is cut to a small buffer, terminated");
	}
	test_rules();
	test_db();
	return tap_done();
}
