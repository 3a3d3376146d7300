/*
 * transition.c - the rules of the certificate state machine, kept apart
 * from the database and the HTTP code so that a reviewer can read them
 * on one screen and the unit tests can check every edge.
 *
 * Unlike the reference (reference/pvacms.md §14 #12), a PENDING_RENEWAL
 * certificate can be revoked: revocation takes any live state.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "transition.h"

/* The verb of each action, by action. */
static const char *const transition_verbs[] = {
	[TRANSITION_TIME] = NULL, [TRANSITION_APPROVE] = "approve",
	[TRANSITION_DENY] = "deny", [TRANSITION_REVOKE] = "revoke"
};

const char *
transition_action_name(enum transition_action action)
{
	if (action < TRANSITION_TIME || action > TRANSITION_REVOKE)
		return NULL;
	return transition_verbs[action];
}

enum transition_action
transition_action_of(const char *name, size_t len)
{
	enum transition_action a;

	for (a = TRANSITION_APPROVE; a <= TRANSITION_REVOKE; a++)
		if (strlen(transition_verbs[a]) == len &&
		    memcmp(name, transition_verbs[a], len) == 0)
			return a;
	return TRANSITION_TIME;
}

int
transition_from_mask(enum transition_action action)
{
	switch (action) {
	case TRANSITION_APPROVE:
	case TRANSITION_DENY:
		return TRANSITION_BIT(STATE_PENDING_APPROVAL);
	case TRANSITION_REVOKE:
		return TRANSITION_LIVE;
	case TRANSITION_TIME:
		break;
	}
	return 0;
}

int
transition_target(enum transition_action action, int64_t not_before,
    int64_t not_after, int64_t now)
{
	if (action != TRANSITION_APPROVE)
		return STATE_REVOKED;
	if (now >= not_after)
		return STATE_EXPIRED;
	if (now < not_before)
		return STATE_PENDING;
	return STATE_VALID;
}

const char *
transition_event(enum transition_action action, int to)
{
	switch (action) {
	case TRANSITION_APPROVE:
		return "approved";
	case TRANSITION_DENY:
		return "denied";
	case TRANSITION_REVOKE:
		return "revoked";
	case TRANSITION_TIME:
		break;
	}
	/* Not an action: the clock moved it. */
	return to == STATE_EXPIRED ? "expired" : "activated";
}

int
transition_by_time(int state, int64_t not_before, int64_t not_after,
    int64_t now)
{
	if (state < 0 || state > STATE_REVOKED ||
	    (TRANSITION_BIT(state) & TRANSITION_LIVE) == 0)
		return state;
	if (now >= not_after)
		return STATE_EXPIRED;
	if (state == STATE_PENDING && now >= not_before)
		return STATE_VALID;
	return state;
}

int
transition_authorize(enum transition_action action, int is_admin,
    int is_holder, const char *caller_cn, char *why, size_t whylen)
{
	if (is_admin)
		return 0;
	if (action == TRANSITION_REVOKE) {
		if (is_holder)
			return 0;
		snprintf(why, whylen, "only the holder or an administrator "
		    "may revoke a certificate; CN=%s is neither", caller_cn);
		return -1;
	}
	snprintf(why, whylen, "only an administrator may %s a certificate; "
	    "CN=%s is not an administrator", transition_action_name(action),
	    caller_cn);
	return -1;
}

void
transition_refusal(enum transition_action action, const char *cert_id,
    int cur, char *why, size_t whylen)
{
	const char *name = cert_state_name(cur);

	if (cur == STATE_REVOKED)
		snprintf(why, whylen, "certificate %s is REVOKED; revocation "
		    "is final", cert_id);
	else if (cur == STATE_EXPIRED)
		snprintf(why, whylen, "certificate %s is EXPIRED; expiry is "
		    "final", cert_id);
	else if (action == TRANSITION_REVOKE)
		snprintf(why, whylen, "certificate %s is %s and cannot be "
		    "revoked", cert_id, name);
	else
		snprintf(why, whylen, "certificate %s is %s; only a "
		    "PENDING_APPROVAL certificate can be %s", cert_id, name,
		    action == TRANSITION_APPROVE ? "approved" : "denied");
}

int
transition_is_admin(const char *const *admins, const char *cn)
{
	size_t i;

	if (admins == NULL || cn == NULL || *cn == '\0')
		return 0;
	for (i = 0; admins[i] != NULL; i++)
		if (strcmp(admins[i], cn) == 0)
			return 1;
	return 0;
}

int64_t
transition_next_sweep(int have_due, int64_t due, int64_t now, int more)
{
	int64_t wait;

	if (more)
		return 0;
	if (!have_due || due - now > TRANSITION_SWEEP_MAX)
		return TRANSITION_SWEEP_MAX;
	wait = due - now;
	return wait < TRANSITION_SWEEP_MIN ? TRANSITION_SWEEP_MIN : wait;
}

/* The reasons we accept, by RFC 5280 code. */
static const struct {
	int code;
	const char *name;
} transition_reasons[] = {
	{ 0, "unspecified" },
	{ 1, "keyCompromise" },
	{ 3, "affiliationChanged" },
	{ 4, "superseded" },
	{ 5, "cessationOfOperation" },
	{ 9, "privilegeWithdrawn" },
};

int
transition_reason_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(transition_reasons) /
	    sizeof(transition_reasons[0]); i++)
		if (strcmp(name, transition_reasons[i].name) == 0)
			return transition_reasons[i].code;
	return -1;
}

const char *
transition_reason_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(transition_reasons) /
	    sizeof(transition_reasons[0]); i++)
		if (transition_reasons[i].code == code)
			return transition_reasons[i].name;
	return "unspecified";
}

void
transition_reason_names(char *out, size_t len)
{
	size_t i, used = 0;
	int n;

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < sizeof(transition_reasons) /
	    sizeof(transition_reasons[0]) && used < len; i++) {
		n = snprintf(out + used, len - used, "%s%s", i > 0 ? ", " : "",
		    transition_reasons[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
