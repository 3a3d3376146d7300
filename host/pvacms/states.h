/*
 * states.h - changing a certificate's state: one guarded transaction and
 * one audit line per change, whoever asks (an administrator, a holder,
 * or the clock), written by the recorder (recorder.h).  Also the timer that applies the time-driven changes
 * (PENDING -> VALID at notBefore, live -> EXPIRED at notAfter) without
 * waiting for a request.  Event-loop thread only.
 */
#ifndef PVACMS_STATES_H
#define PVACMS_STATES_H

#include <stddef.h>
#include <stdint.h>

struct app;

/* Who made a change, for the audit line.  NULL members are left out. */
struct states_actor {
	const char *by;		/* a CN, or "pvacms" for the clock */
	const char *by_cert_id;	/* the caller's certificate id */
	const char *peer;	/* the caller's address */
	int reason;		/* RFC 5280 CRLReason of a revocation */
};

/*
 * What came of a change, on the loop thread: result 1 changed, 0 no such
 * certificate, DB_WRONG_STATE (from: the state it is in), or a negative
 * HOSTERR_* code with err set (nothing written).
 */
typedef void states_done_fn(void *arg, int result, int from,
    const char *err);

/*
 * Move serial to state `to` if its stored state is in from_mask
 * (TRANSITION_BIT set): queued to the recorder, which changes the row and
 * writes one audit line (event, cert_id, cn, from, to, by ...) in one
 * group commit; then done(arg, ...) runs (done may be NULL).  event must
 * be a static string; actor is copied.  0 queued, or HOSTERR_BUSY when
 * the recorder refuses (done will not run).
 */
int states_change(struct app *app, uint64_t serial, int from_mask, int to,
    const char *event, const struct states_actor *actor,
    states_done_fn *done, void *arg);

/*
 * The state a stored row is really in at now (e.g. a VALID row past
 * notAfter that the sweep has not reached yet).  When it differs from
 * the stored one the change is queued, so that the database catches up.
 */
int states_catch_up(struct app *app, uint64_t serial, int stored,
    int64_t not_before, int64_t not_after, int64_t now);

/* Create the sweep timer on app->base and run the first sweep.  0 or -1. */
int states_start(struct app *app, char *err, size_t errlen);

/*
 * A transition is due at `when` (a new certificate's notAfter, or its
 * notBefore when PENDING): bring the next sweep forward if it is later.
 */
void states_due_at(int64_t when);

/* Free the timer (at exit). */
void states_stop(void);

/*
 * Who wants to hear of every change states_change makes (the PVAccess
 * front posts it to status subscribers): fn(arg, serial) runs on the
 * loop thread after the change is committed and audited.  NULL stops.
 */
typedef void states_observer_fn(void *arg, uint64_t serial);
void states_set_observer(states_observer_fn *fn, void *arg);

#endif
