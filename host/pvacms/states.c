/*
 * states.c - every change of a certificate's state goes through
 * states_change(): one guarded UPDATE (the row must still be in a state
 * the change may start from) and one audit line naming who did it,
 * written by the recorder in a group commit.  Administrators and holders (admin.c) and the
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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "app.h"
#include "audit.h"
#include "ca.h"
#include "certid.h"
#include "db.h"
#include "hosterr.h"
#include "log.h"
#include "recorder.h"
#include "states.h"
#include "transition.h"

#define STATES_BATCH	500	/* rows moved per sweep tick */

static struct event *states_ev;
static int64_t states_next_at;	/* when the armed sweep fires, 0: unarmed */
static struct db_due states_due[STATES_BATCH];

/* The batch of the sweep in hand. */
static int states_sweep_outstanding, states_sweep_changed;
static int states_sweep_failed, states_sweep_more;

static states_observer_fn *states_observer;
static void *states_observer_arg;

static const struct states_actor states_clock = { "pvacms", NULL, NULL,
	TRANSITION_REASON_UNSPECIFIED };

static void	states_sweep(evutil_socket_t fd, short what, void *arg);
static void	states_arm(int64_t wait, int64_t now);
static void	states_rearm(struct app *app, int64_t now);

/* One queued change: the recorder's item and what its line names. */
struct states_job {
	struct recorder_item item;
	struct app *app;
	const char *event;
	char by[256], by_cert_id[CERTID_MAX], peer[64];
	states_done_fn *done;
	void *arg;
};

/* Recorder thread: the audit line of a change just made. */
static char *
states_line(const struct recorder_item *item, void *arg)
{
	const struct states_job *job = arg;
	char cert_id[CERTID_MAX], serial_text[24];

	certid_format(ca_issuer_id(job->app->ca), item->serial, cert_id,
	    sizeof(cert_id));
	snprintf(serial_text, sizeof(serial_text), "%llu",
	    (unsigned long long)item->serial);
	return audit_line(job->event, "cert_id", cert_id, "serial",
	    serial_text, "cn", item->cn, "from", cert_state_name(item->from),
	    "to", cert_state_name(item->to), "reason",
	    item->to == STATE_REVOKED ? transition_reason_name(item->reason) :
	    NULL, "by", job->by, "by_cert_id", job->by_cert_id, "peer",
	    job->peer[0] != '\0' ? job->peer : NULL, NULL);
}

/* Loop thread: the change is on disk with its line, or not. */
static void
states_changed(struct recorder_item *item, void *arg)
{
	struct states_job *job = arg;
	char cert_id[CERTID_MAX];
	int r;

	switch (item->outcome) {
	case RECORDER_DONE:
		r = 1;
		certid_format(ca_issuer_id(job->app->ca), item->serial,
		    cert_id, sizeof(cert_id));
		log_info("certificate %s (CN=%s): %s -> %s by %s", cert_id,
		    item->cn, cert_state_name(item->from),
		    cert_state_name(item->to), job->by);
		if (states_observer != NULL)
			states_observer(states_observer_arg, item->serial);
		break;
	case RECORDER_MISSING:
		r = 0;
		break;
	case RECORDER_WRONG_STATE:
		r = DB_WRONG_STATE;
		break;
	default:
		r = item->hosterr;
		break;
	}
	if (job->done != NULL)
		job->done(job->arg, r, item->from, item->err);
	free(job);
}

int
states_change(struct app *app, uint64_t serial, int from_mask, int to,
    const char *event, const struct states_actor *actor,
    states_done_fn *done, void *arg)
{
	struct states_job *job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return HOSTERR_NOMEM;
	job->app = app;
	job->event = event;
	snprintf(job->by, sizeof(job->by), "%s", actor->by ? actor->by : "");
	snprintf(job->by_cert_id, sizeof(job->by_cert_id), "%s",
	    actor->by_cert_id ? actor->by_cert_id : "");
	snprintf(job->peer, sizeof(job->peer), "%s",
	    actor->peer ? actor->peer : "");
	job->done = done;
	job->arg = arg;
	job->item.kind = RECORDER_CHANGE;
	job->item.serial = serial;
	job->item.from_mask = from_mask;
	job->item.to = to;
	job->item.reason = actor->reason;
	job->item.now = (int64_t)time(NULL);
	job->item.change_line = states_line;
	job->item.done = states_changed;
	job->item.arg = job;
	if (recorder_submit(app->recorder, &job->item) != 0) {
		free(job);
		return HOSTERR_BUSY;
	}
	return 0;
}

int
states_catch_up(struct app *app, uint64_t serial, int stored,
    int64_t not_before, int64_t not_after, int64_t now)
{
	int to;

	to = transition_by_time(stored, not_before, not_after, now);
	/* Judged as it is now either way: an expired certificate must
	 * not pass for VALID while its row waits for the write (or for
	 * the next sweep, when the recorder is full). */
	if (to != stored)
		(void)states_change(app, serial, TRANSITION_BIT(stored), to,
		    transition_event(TRANSITION_TIME, to), &states_clock,
		    NULL, NULL);
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

/* The sweep's batch is done: arm the next tick for the next due row. */
static void
states_rearm(struct app *app, int64_t now)
{
	char err[256];
	int64_t when = 0;
	int have;

	have = db_next_due(app->db, &when, err, sizeof(err));
	if (have < 0)
		log_error("state sweep: %s", err);
	states_arm(transition_next_sweep(have == 1, when, now,
	    states_sweep_more && !states_sweep_failed), now);
}

/* Loop thread: one row of the sweep's batch is written (or not). */
static void
states_swept(void *arg, int result, int from, const char *err)
{
	struct app *app = arg;
	int64_t now = (int64_t)time(NULL);

	(void)from;
	if (result == 1)
		states_sweep_changed++;
	else if (result < 0 && result != DB_WRONG_STATE) {
		if (!states_sweep_failed)
			log_error("state sweep: %s; retrying later", err);
		states_sweep_failed = 1;
	}
	if (--states_sweep_outstanding > 0)
		return;
	if (states_sweep_changed > 0)
		log_debug("state sweep: %d certificate(s) changed state",
		    states_sweep_changed);
	states_rearm(app, now);
}

/*
 * The timer: read what is due (one indexed query on the loop's
 * connection, at most STATES_BATCH rows) and queue those changes to the
 * recorder, which writes them in group commits off the loop; the last
 * one written arms the next tick.
 */
static void
states_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct app *app = arg;
	char err[256];
	int64_t now = (int64_t)time(NULL);
	int n, i, to;

	(void)fd;
	(void)what;
	if (states_sweep_outstanding > 0)
		return;		/* the batch in hand re-arms when written */
	states_next_at = 0;
	n = db_due(app->db, now, states_due, STATES_BATCH, err, sizeof(err));
	if (n < 0)
		log_error("state sweep failed: %s", err);
	states_sweep_changed = 0;
	states_sweep_failed = 0;
	states_sweep_more = n == STATES_BATCH;
	/* Count first: a refused submit completes nothing. */
	for (i = 0; i < n; i++) {
		const struct db_due *d = &states_due[i];

		to = transition_by_time(d->state, d->not_before,
		    d->not_after, now);
		if (to == d->state)
			continue;
		states_sweep_outstanding++;
		if (states_change(app, d->serial, TRANSITION_BIT(d->state),
		    to, transition_event(TRANSITION_TIME, to), &states_clock,
		    states_swept, app) != 0) {
			states_sweep_outstanding--;
			states_sweep_failed = 1;
			break;
		}
	}
	if (states_sweep_outstanding == 0)
		states_rearm(app, now);
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
