/*
 * states.c - every change of a certificate's state goes through
 * states_change(): one guarded UPDATE in its own transaction (the row
 * must still be in a state the change may start from), then one audit
 * line naming who did it.  Administrators and holders (admin.c) and the
 * clock (the sweep below) use it alike.
 *
 * The sweep runs on a one-shot timer that it re-arms each time for the
 * earliest transition still to come (never more than
 * TRANSITION_SWEEP_MAX seconds, never less than TRANSITION_SWEEP_MIN
 * later), so a certificate turns EXPIRED about a second after its
 * notAfter rather than up to a whole period late.  Each tick moves at
 * most STATES_BATCH rows and, when there were more, runs again at once,
 * which lets the event loop serve requests in between.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "app.h"
#include "audit.h"
#include "ca.h"
#include "certid.h"
#include "db.h"
#include "log.h"
#include "states.h"
#include "transition.h"

#define STATES_BATCH	500	/* rows moved per sweep tick */

static struct event *states_ev;
static int64_t states_next_at;	/* when the armed sweep fires, 0: unarmed */
static struct db_due states_due[STATES_BATCH];

static states_observer_fn *states_observer;
static void *states_observer_arg;

static const struct states_actor states_clock = { "pvacms", NULL, NULL,
	TRANSITION_REASON_UNSPECIFIED };

static void	states_sweep(evutil_socket_t fd, short what, void *arg);
static void	states_arm(int64_t wait, int64_t now);

int
states_change(struct app *app, uint64_t serial, int from_mask, int to,
    const char *event, const struct states_actor *actor, int *cur,
    char *err, size_t errlen)
{
	struct db_cert rec;
	char cert_id[CERTID_MAX], serial_text[24];
	int64_t now = (int64_t)time(NULL);
	int from = STATE_UNKNOWN, r;

	/* The CN is for the audit line only; it never changes. */
	if ((r = db_get(app->db, serial, &rec, err, errlen)) != 1)
		return r;
	r = db_change_state(app->db, serial, from_mask, to, now,
	    actor->reason, &from, err, errlen);
	if (cur != NULL)
		*cur = from;
	if (r == 1) {
		certid_format(ca_issuer_id(app->ca), serial, cert_id,
		    sizeof(cert_id));
		snprintf(serial_text, sizeof(serial_text), "%llu",
		    (unsigned long long)serial);
		audit_event(event, "cert_id", cert_id, "serial", serial_text,
		    "cn", rec.cn, "from", cert_state_name(from), "to",
		    cert_state_name(to), "reason", to == STATE_REVOKED ?
		    transition_reason_name(actor->reason) : NULL, "by",
		    actor->by, "by_cert_id", actor->by_cert_id, "peer",
		    actor->peer, NULL);
		log_info("certificate %s (CN=%s): %s -> %s by %s", cert_id,
		    rec.cn, cert_state_name(from), cert_state_name(to), actor->by);
		if (states_observer != NULL)
			states_observer(states_observer_arg, serial);
	}
	db_cert_clear(&rec);
	return r;
}

int
states_catch_up(struct app *app, uint64_t serial, int stored,
    int64_t not_before, int64_t not_after, int64_t now)
{
	char err[256];
	int to, cur = stored, r;

	to = transition_by_time(stored, not_before, not_after, now);
	if (to == stored)
		return stored;
	r = states_change(app, serial, TRANSITION_BIT(stored), to,
	    transition_event(TRANSITION_TIME, to), &states_clock, &cur, err,
	    sizeof(err));
	if (r == 1)
		return to;
	if (r == DB_WRONG_STATE)
		return cur;
	/* Not written (the sweep will retry), but judged as it is now:
	 * an expired certificate must not pass for VALID. */
	log_error("cannot apply a due state change: %s", err);
	return to;
}

static void
states_arm(int64_t wait, int64_t now)
{
	struct timeval tv;

	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	if (event_add(states_ev, &tv) != 0) {
		log_error("cannot arm the state sweep timer");
		states_next_at = 0;
		return;
	}
	states_next_at = now + wait;
}

static void
states_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct app *app = arg;
	char err[256];
	int64_t now = (int64_t)time(NULL), when = 0;
	int n, i, r, to, more, have, changed = 0, failed = 0;

	(void)fd;
	(void)what;
	n = db_due(app->db, now, states_due, STATES_BATCH, err, sizeof(err));
	if (n < 0)
		log_error("state sweep failed: %s", err);
	for (i = 0; i < n; i++) {
		const struct db_due *d = &states_due[i];

		to = transition_by_time(d->state, d->not_before,
		    d->not_after, now);
		if (to == d->state)
			continue;
		r = states_change(app, d->serial, TRANSITION_BIT(d->state),
		    to, transition_event(TRANSITION_TIME, to), &states_clock,
		    NULL, err, sizeof(err));
		if (r == 1)
			changed++;
		else if (r < 0 && r != DB_WRONG_STATE) {
			/* Likely a lock held elsewhere: one failure per tick,
			 * not one wait per due row; the next tick retries. */
			log_error("state sweep: serial %llu: %s; retrying "
			    "later", (unsigned long long)d->serial, err);
			failed = 1;
			break;
		}
	}
	if (changed > 0)
		log_debug("state sweep: %d certificate(s) changed state",
		    changed);
	more = n == STATES_BATCH && !failed;
	have = db_next_due(app->db, &when, err, sizeof(err));
	if (have < 0)
		log_error("state sweep: %s", err);
	states_arm(transition_next_sweep(have == 1, when, now, more), now);
}

int
states_start(struct app *app, char *err, size_t errlen)
{
	states_ev = evtimer_new(app->base, states_sweep, app);
	if (states_ev == NULL) {
		snprintf(err, errlen, "cannot create the state sweep timer");
		return -1;
	}
	/* Catch up on what fell due while pvacms was not running. */
	states_sweep(-1, 0, app);
	return 0;
}

void
states_due_at(int64_t when)
{
	int64_t now = (int64_t)time(NULL);

	if (states_ev == NULL ||
	    (states_next_at != 0 && when >= states_next_at))
		return;
	states_arm(when > now ? when - now : 0, now);
}

void
states_stop(void)
{
	if (states_ev != NULL)
		event_free(states_ev);
	states_ev = NULL;
	states_next_at = 0;
}

void
states_set_observer(states_observer_fn *fn, void *arg)
{
	states_observer = fn;
	states_observer_arg = arg;
}
