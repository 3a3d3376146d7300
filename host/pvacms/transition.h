/*
 * transition.h - the rules of the certificate state machine (DESIGN §6),
 * as pure functions: which states an action may start from, where an
 * approval or the clock takes a certificate, who may act, and when the
 * next time-driven change is due.  No I/O: states.c and admin.c apply
 * what these decide, and the unit tests check them on their own.
 */
#ifndef PVACMS_TRANSITION_H
#define PVACMS_TRANSITION_H

#include <stddef.h>
#include <stdint.h>

/* A set of states (enum cert_state in db.h) as a bit mask. */
#define TRANSITION_BIT(state)	(1 << (state))

/* The states time still acts on: not REVOKED, EXPIRED or UNKNOWN. */
#define TRANSITION_LIVE	(TRANSITION_BIT(1) | TRANSITION_BIT(2) | \
			 TRANSITION_BIT(3) | TRANSITION_BIT(4))

/* The longest and shortest wait between two sweeps, in seconds. */
#define TRANSITION_SWEEP_MAX	15
#define TRANSITION_SWEEP_MIN	1

/* TRANSITION_TIME is the clock (the sweep), the others an HTTP action. */
enum transition_action {
	TRANSITION_TIME = 0, TRANSITION_APPROVE, TRANSITION_DENY,
	TRANSITION_REVOKE
};

/* "approve", "deny", "revoke" (the admin endpoints' last segment); NULL
 * for TRANSITION_TIME.  Static string. */
const char *transition_action_name(enum transition_action action);

/* The action of such a name, or TRANSITION_TIME when there is none. */
enum transition_action transition_action_of(const char *name, size_t len);

/* The states action may start from (a TRANSITION_BIT mask). */
int transition_from_mask(enum transition_action action);

/*
 * Where action takes a certificate with this validity at time now:
 * approve gives VALID, or PENDING before notBefore, or EXPIRED from
 * notAfter on; deny and revoke give REVOKED.
 */
int transition_target(enum transition_action action, int64_t not_before,
    int64_t not_after, int64_t now);

/* The audit event of a change to state `to` ("activated", "expired",
 * "approved", "denied", "revoked").  Static string. */
const char *transition_event(enum transition_action action, int to);

/*
 * The state the clock moves a stored state to at time now: EXPIRED from
 * notAfter on for a live state, VALID from notBefore on for PENDING;
 * otherwise the state itself (nothing due).
 */
int transition_by_time(int state, int64_t not_before, int64_t not_after,
    int64_t now);

/*
 * Whether a caller may take action: an administrator may do anything,
 * the holder of the certificate (is_holder) may revoke it.  0 when
 * allowed, else -1 with a one-line reason in why.
 */
int transition_authorize(enum transition_action action, int is_admin,
    int is_holder, const char *caller_cn, char *why, size_t whylen);

/*
 * Why action cannot start from state cur (which is not in its mask),
 * e.g. "certificate X is REVOKED; revocation is final".
 */
void transition_refusal(enum transition_action action, const char *cert_id,
    int cur, char *why, size_t whylen);

/* 1 when cn is one of the NULL-terminated names, else 0. */
int transition_is_admin(const char *const *admins, const char *cn);

/*
 * Seconds until the next sweep: due is the earliest upcoming transition
 * time (have_due 0: none known), more is 1 when the last sweep stopped at
 * its batch limit (then 0: go on at once).  Otherwise due - now, held
 * within [TRANSITION_SWEEP_MIN, TRANSITION_SWEEP_MAX].
 */
int64_t transition_next_sweep(int have_due, int64_t due, int64_t now,
    int more);

/*
 * Revocation reasons (RFC 5280 CRLReason) an administrator or holder may
 * give: unspecified (0, the default), keyCompromise (1),
 * affiliationChanged (3), superseded (4), cessationOfOperation (5) and
 * privilegeWithdrawn (9).  Not the CA's own (cACompromise,
 * aACompromise), nor certificateHold and removeFromCRL: revocation here
 * is final.
 */
#define TRANSITION_REASON_UNSPECIFIED 0

/* The code of a reason name (exact spelling above), or -1. */
int transition_reason_of(const char *name);

/* The name of a reason code; "unspecified" for any other.  Static. */
const char *transition_reason_name(int code);

/* Every accepted name, ", "-separated, into out (truncated to fit). */
void transition_reason_names(char *out, size_t len);

#endif
