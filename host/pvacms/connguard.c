/*
 * connguard.c - connection accounting shared by every front (see
 * connguard.h).  Connections sit on one list in admission order and on
 * their peer's list, so "the oldest connection of this peer (or of all)
 * that is not dispatched" is a short walk from the head.  Deadlines are
 * checked by one timer every CG_TICK_MS while anything is held, which is
 * cheaper than a timer per connection and precise enough for timeouts
 * counted in seconds.  What the guard closes is counted by reason and
 * summed up in one log line per CG_REPORT_MS.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "connguard.h"
#include "log.h"

#define CG_TICK_MS 250		/* deadline resolution */
#define CG_REPORT_MS 10000	/* at most one summary line per this */
#define CG_PAUSE_MIN_MS 250	/* first pause after a failed accept */
#define CG_PAUSE_MAX_MS 1000	/* longest pause, backing off */
#define CG_MIN_CAP 16		/* the total cap never goes below this */
#define CG_FD_MARGIN 32		/* kept free below the count at EMFILE */
#define CG_CLAMP_MS 30000	/* a lowered cap lasts this long */
#define CG_PEER_BUCKETS 1024	/* power of two */
#define CG_MAX_LISTENERS 8
#define CG_ACCEPT_BATCH 8	/* accepts per loop turn, per listener */

enum cg_reason {
	CG_R_HEADER, CG_R_BODY, CG_R_IDLE, CG_R_PEER_CAP, CG_R_TOTAL_CAP,
	CG_R_SHED, CG_R_REFUSED, CG_NREASONS
};

static const char *const cg_reason_text[CG_NREASONS] = {
	"header timeout", "body timeout", "idle timeout", "per-peer cap",
	"total cap", "out of descriptors", "refused (nothing evictable)"
};

struct cg_peer {
	struct cg_peer *next;		/* hash chain */
	unsigned char key[17];
	size_t n;
	TAILQ_HEAD(, connguard_conn) conns;
};

struct connguard_conn {
	TAILQ_ENTRY(connguard_conn) all, by_peer;
	struct cg_peer *peer;
	enum connguard_phase phase;
	int had_request;		/* HEADERS seen once */
	int64_t deadline_ms;		/* 0: none */
	connguard_close_fn *close_fn;
	void *ctx;
};

struct cg_listener {
	struct connguard *g;
	struct evconnlistener *lev;
	struct event *resume;
	char name[16];
	int batch;			/* accepts in this loop turn */
	int held;			/* disabled until the next turn */
	int pause_ms;
	int64_t last_fail_ms;
	unsigned long failures;		/* since the last summary */
	int last_errno;
};

struct cg_hook {
	void (*fn)(void *);
	void *arg;
};

struct connguard {
	struct event_base *base;
	struct event *tick;
	struct event *turn;		/* re-enables held listeners */
	int64_t (*now)(void);
	struct connguard_limits lim;	/* effective */
	int clamp;			/* 0, or a lowered total cap */
	int64_t clamp_ms;		/* when it was last lowered */
	size_t n;
	TAILQ_HEAD(, connguard_conn) all;
	struct cg_peer *peers[CG_PEER_BUCKETS];
	unsigned long closed[CG_NREASONS];	/* since the last summary */
	int64_t window_ms;		/* first event counted there, or 0 */
	int64_t last_report_ms;
	struct cg_listener *listeners[CG_MAX_LISTENERS];
	size_t nlisteners;
	struct cg_hook hooks[4];
	size_t nhooks;
};

/*
 * libevent hands an accept-error callback the listener's callback
 * argument, which belongs to evhttp; the listener itself is how we find
 * our record.  One guard per process, so a small table suffices.
 */
static struct cg_listener *cg_all_listeners[CG_MAX_LISTENERS];

static int64_t cg_monotonic_ms(void);
static void cg_arm(struct connguard *);
static void cg_tick(evutil_socket_t, short, void *);
static void cg_evict(struct connguard *, struct connguard_conn *,
    enum cg_reason);
static void cg_unlink(struct connguard *, struct connguard_conn *);
static void cg_report(struct connguard *, int64_t, int);
static void cg_count(struct connguard *, enum cg_reason);
static void cg_accept_error(struct evconnlistener *, void *);
static void cg_resume(evutil_socket_t, short, void *);
static void cg_turn(evutil_socket_t, short, void *);

static int64_t
cg_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
connguard_peer_key(const struct sockaddr *sa, unsigned char key[17])
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	memset(key, 0, 17);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		key[0] = 4;
		memcpy(key + 1, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;
		const unsigned char *a = sin6->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
			return 0;
		}
		/* One host commonly holds a whole /64: count it as one peer. */
		key[0] = 6;
		memcpy(key + 1, a, 8);
		return 0;
	}
	return -1;
}

long
connguard_scan_headers(int *state, const unsigned char *p, size_t n)
{
	size_t i;

	/* 0: inside a line, 1: after "\n", 2: after "\n\r". */
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (*state != 0) {
				*state = 0;
				return (long)(i + 1);
			}
			*state = 1;
		} else if (p[i] == '\r' && *state == 1)
			*state = 2;
		else
			*state = 0;
	}
	return -1;
}

struct connguard *
connguard_new(struct event_base *base, const struct connguard_limits *lim,
    char *err, size_t errlen)
{
	struct connguard *g;
	struct rlimit rl;
	long long fit;
	char clipped[128] = "";

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->base = base;
	g->now = cg_monotonic_ms;
	g->lim = *lim;
	g->last_report_ms = INT64_MIN / 2;
	TAILQ_INIT(&g->all);
	if (base != NULL &&
	    ((g->tick = evtimer_new(base, cg_tick, g)) == NULL ||
	    (g->turn = event_new(base, -1, 0, cg_turn, g)) == NULL)) {
		if (g->tick != NULL)
			event_free(g->tick);
		free(g);
		snprintf(err, errlen, "cannot create the connection timer");
		return NULL;
	}
	/*
	 * Each connection is a descriptor: the default soft limit (1024)
	 * would be reached long before the caps.  The hard limit is what
	 * the administrator allows; take all of it.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t was = rl.rlim_cur;

		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				log_info("descriptor limit raised from %llu to "
				    "%llu", (unsigned long long)was,
				    (unsigned long long)rl.rlim_max);
			else {
				log_warn("cannot raise the descriptor limit "
				    "from %llu: %s", (unsigned long long)was,
				    strerror(errno));
				rl.rlim_cur = was;
			}
		} else
			log_info("descriptor limit %llu (already the hard "
			    "limit)", (unsigned long long)was);
		fit = rl.rlim_cur == RLIM_INFINITY ? (long long)INT32_MAX :
		    (long long)rl.rlim_cur - CONNGUARD_FD_RESERVE;
		if (fit < CG_MIN_CAP)
			fit = CG_MIN_CAP;
		if (g->lim.max_conns > fit) {
			snprintf(clipped, sizeof(clipped), " (lowered from %d "
			    "to fit the descriptor limit %llu, %d kept)",
			    g->lim.max_conns, (unsigned long long)rl.rlim_cur,
			    CONNGUARD_FD_RESERVE);
			g->lim.max_conns = (int)fit;
		}
	}
	if (g->lim.max_per_peer > g->lim.max_conns)
		g->lim.max_per_peer = g->lim.max_conns;
	log_info("connections: at most %d in total, %d per peer address; "
	    "timeouts: header %d s, body %d s, idle %d s%s",
	    g->lim.max_conns, g->lim.max_per_peer, g->lim.header_secs,
	    g->lim.body_secs, g->lim.idle_secs, clipped);
	return g;
}

int
connguard_on_free(struct connguard *g, void (*fn)(void *), void *arg)
{
	if (g->nhooks == sizeof(g->hooks) / sizeof(g->hooks[0]))
		return -1;
	g->hooks[g->nhooks].fn = fn;
	g->hooks[g->nhooks].arg = arg;
	g->nhooks++;
	return 0;
}

void
connguard_free(struct connguard *g)
{
	struct connguard_conn *c;

	if (g == NULL)
		return;
	cg_report(g, g->now(), 1);
	while (g->nhooks > 0) {
		g->nhooks--;
		g->hooks[g->nhooks].fn(g->hooks[g->nhooks].arg);
	}
	connguard_stop_accepting(g);
	/* Fronts release their connections first; forget any left over. */
	while ((c = TAILQ_FIRST(&g->all)) != NULL) {
		cg_unlink(g, c);
		free(c);
	}
	if (g->tick != NULL)
		event_free(g->tick);
	if (g->turn != NULL)
		event_free(g->turn);
	free(g);
}

void
connguard_set_clock(struct connguard *g, int64_t (*now_ms)(void))
{
	g->now = now_ms;
}

size_t
connguard_count(const struct connguard *g)
{
	return g->n;
}

int
connguard_max_conns(const struct connguard *g)
{
	return g->lim.max_conns;
}

int
connguard_max_per_peer(const struct connguard *g)
{
	return g->lim.max_per_peer;
}

const struct connguard_limits *
connguard_limits(const struct connguard *g)
{
	return &g->lim;
}

enum connguard_phase
connguard_phase_of(const struct connguard_conn *c)
{
	return c->phase;
}

static unsigned
cg_hash(const unsigned char key[17])
{
	unsigned h = 2166136261u;
	int i;

	for (i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (CG_PEER_BUCKETS - 1);
}

static struct cg_peer *
cg_peer_get(struct connguard *g, const unsigned char key[17], int create)
{
	unsigned h = cg_hash(key);
	struct cg_peer *p;

	for (p = g->peers[h]; p != NULL; p = p->next)
		if (memcmp(p->key, key, 17) == 0)
			return p;
	if (!create || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	memcpy(p->key, key, 17);
	TAILQ_INIT(&p->conns);
	p->next = g->peers[h];
	g->peers[h] = p;
	return p;
}

static void
cg_peer_drop_if_empty(struct connguard *g, struct cg_peer *p)
{
	struct cg_peer **pp;

	if (p->n > 0)
		return;
	for (pp = &g->peers[cg_hash(p->key)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

static void
cg_unlink(struct connguard *g, struct connguard_conn *c)
{
	TAILQ_REMOVE(&g->all, c, all);
	TAILQ_REMOVE(&c->peer->conns, c, by_peer);
	g->n--;
	c->peer->n--;
	cg_peer_drop_if_empty(g, c->peer);
}

/* The peer of a key as text: "192.0.2.1" or "2001:db8:1:2::/64". */
static void
cg_peer_text(const unsigned char key[17], char *buf, size_t len)
{
	unsigned char a6[16];

	memset(a6, 0, sizeof(a6));
	if (key[0] == 4)
		inet_ntop(AF_INET, key + 1, buf, (socklen_t)len);
	else if (key[0] == 6) {
		memcpy(a6, key + 1, 8);
		inet_ntop(AF_INET6, a6, buf, (socklen_t)len);
		strncat(buf, "/64", len - strlen(buf) - 1);
	} else
		snprintf(buf, len, "?");
}

static void
cg_evict(struct connguard *g, struct connguard_conn *c, enum cg_reason why)
{
	connguard_close_fn *fn = c->close_fn;
	void *ctx = c->ctx;
	char peer[INET6_ADDRSTRLEN + 4];

	cg_peer_text(c->peer->key, peer, sizeof(peer));
	cg_unlink(g, c);
	free(c);
	cg_count(g, why);
	log_debug("closing a connection from %s: %s", peer,
	    cg_reason_text[why]);
	fn(ctx);
	cg_arm(g);
}

/* The oldest connection that may be closed: not dispatched. */
static struct connguard_conn *
cg_victim_all(struct connguard *g)
{
	struct connguard_conn *c;

	TAILQ_FOREACH(c, &g->all, all)
		if (c->phase != CONNGUARD_DISPATCHED)
			return c;
	return NULL;
}

static struct connguard_conn *
cg_victim_peer(struct cg_peer *p)
{
	struct connguard_conn *c;

	TAILQ_FOREACH(c, &p->conns, by_peer)
		if (c->phase != CONNGUARD_DISPATCHED)
			return c;
	return NULL;
}

static size_t
cg_total_cap(const struct connguard *g)
{
	if (g->clamp > 0 && g->clamp < g->lim.max_conns)
		return (size_t)g->clamp;
	return (size_t)g->lim.max_conns;
}

struct connguard_conn *
connguard_admit(struct connguard *g, const struct sockaddr *sa,
    connguard_close_fn *close_fn, void *ctx)
{
	unsigned char key[17];
	struct connguard_conn *c, *v;
	struct cg_peer *p;

	/* Other families (AF_UNIX): all one peer. */
	if (connguard_peer_key(sa, key) != 0)
		memset(key, 0, sizeof(key));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((p = cg_peer_get(g, key, 1)) == NULL) {
		free(c);
		return NULL;
	}
	/*
	 * Past a cap, the slowest lose: the oldest connection that no
	 * handler holds.  A well-behaved client's connection is young and
	 * soon dispatched, so it gets in even while its address (or the
	 * whole service) is flooded.
	 */
	while (p->n >= (size_t)g->lim.max_per_peer) {
		if ((v = cg_victim_peer(p)) == NULL)
			goto refuse;
		cg_evict(g, v, CG_R_PEER_CAP);
	}
	while (g->n >= cg_total_cap(g)) {
		if ((v = cg_victim_all(g)) == NULL)
			goto refuse;
		cg_evict(g, v, CG_R_TOTAL_CAP);
	}
	c->peer = p;
	c->close_fn = close_fn;
	c->ctx = ctx;
	TAILQ_INSERT_TAIL(&g->all, c, all);
	TAILQ_INSERT_TAIL(&p->conns, c, by_peer);
	g->n++;
	p->n++;
	c->phase = CONNGUARD_WAITING;
	c->deadline_ms = g->now() + (int64_t)g->lim.header_secs * 1000;
	cg_arm(g);
	return c;
refuse:
	free(c);
	cg_peer_drop_if_empty(g, p);
	cg_count(g, CG_R_REFUSED);
	cg_arm(g);
	return NULL;
}

void
connguard_phase(struct connguard *g, struct connguard_conn *c,
    enum connguard_phase phase)
{
	int64_t now = g->now();

	switch (phase) {
	case CONNGUARD_WAITING:
		c->deadline_ms = now + (int64_t)g->lim.header_secs * 1000;
		break;
	case CONNGUARD_HEADERS:
		/* The first request's clock started at accept (TLS
		 * handshake included); later ones start at their first
		 * byte. */
		if (c->had_request || c->phase != CONNGUARD_WAITING)
			c->deadline_ms = now +
			    (int64_t)g->lim.header_secs * 1000;
		c->had_request = 1;
		break;
	case CONNGUARD_BODY:
		c->deadline_ms = now + (int64_t)g->lim.body_secs * 1000;
		break;
	case CONNGUARD_DISPATCHED:
	case CONNGUARD_REPLYING:
		c->deadline_ms = 0;
		break;
	case CONNGUARD_IDLE:
		c->deadline_ms = now + (int64_t)g->lim.idle_secs * 1000;
		break;
	}
	c->phase = phase;
}

void
connguard_release(struct connguard *g, struct connguard_conn *c)
{
	if (c == NULL)
		return;
	cg_unlink(g, c);
	free(c);
}

void
connguard_sweep(struct connguard *g, int64_t now)
{
	struct connguard_conn *c, *next;
	enum cg_reason why;

	for (c = TAILQ_FIRST(&g->all); c != NULL; c = next) {
		next = TAILQ_NEXT(c, all);
		if (c->deadline_ms == 0 || c->deadline_ms > now)
			continue;
		why = c->phase == CONNGUARD_BODY ? CG_R_BODY :
		    c->phase == CONNGUARD_IDLE ? CG_R_IDLE : CG_R_HEADER;
		cg_evict(g, c, why);
	}
	if (g->clamp > 0 && now - g->clamp_ms >= CG_CLAMP_MS) {
		log_info("connections: total cap back to %d",
		    g->lim.max_conns);
		g->clamp = 0;
	}
	cg_report(g, now, 0);
}

static void
cg_count(struct connguard *g, enum cg_reason why)
{
	g->closed[why]++;
	if (g->window_ms == 0)
		g->window_ms = g->now() | 1;	/* 0 means no window */
}

/*
 * One line for what the guard closed and one per listener whose accepts
 * failed, at most once per CG_REPORT_MS (force: now, at exit).
 */
static void
cg_report(struct connguard *g, int64_t now, int force)
{
	char text[512];
	unsigned long total = 0;
	long long secs;
	size_t i, used = 0;
	int n;

	if (g->window_ms == 0 ||
	    (!force && now - g->last_report_ms < CG_REPORT_MS))
		return;
	secs = (now - g->window_ms + 999) / 1000;
	if (secs < 1)
		secs = 1;
	for (i = 0; i < CG_NREASONS; i++)
		total += g->closed[i];
	for (i = 0; i < CG_NREASONS && total > 0; i++) {
		if (g->closed[i] == 0)
			continue;
		n = snprintf(text + used, sizeof(text) - used, "%s%lu %s",
		    used ? ", " : "", g->closed[i], cg_reason_text[i]);
		if (n > 0 && (size_t)n < sizeof(text) - used)
			used += (size_t)n;
		g->closed[i] = 0;
	}
	if (total > 0)
		log_info("closed %lu connections in the last %lld s (%s); "
		    "%zu held", total, secs, text, g->n);
	for (i = 0; i < g->nlisteners; i++) {
		struct cg_listener *l = g->listeners[i];

		if (l->failures == 0)
			continue;
		log_warn("%s listener: %lu accepts failed in the last %lld s "
		    "(%s); pausing it up to %d ms at a time, total cap now "
		    "%zu", l->name, l->failures, secs,
		    strerror(l->last_errno), CG_PAUSE_MAX_MS,
		    cg_total_cap(g));
		l->failures = 0;
	}
	/* Quiet intervals do not count: the next event reports at once. */
	g->last_report_ms = now;
	g->window_ms = 0;
}

/* Anything to watch: connections, counts to report, a lowered cap. */
static int
cg_busy(const struct connguard *g)
{
	size_t i;

	if (g->n > 0 || g->clamp > 0)
		return 1;
	for (i = 0; i < CG_NREASONS; i++)
		if (g->closed[i] > 0)
			return 1;
	for (i = 0; i < g->nlisteners; i++)
		if (g->listeners[i]->failures > 0)
			return 1;
	return 0;
}

/* The timer runs only while there is something to do. */
static void
cg_arm(struct connguard *g)
{
	struct timeval tv = { 0, CG_TICK_MS * 1000 };

	if (g->tick != NULL && !evtimer_pending(g->tick, NULL) && cg_busy(g))
		evtimer_add(g->tick, &tv);
}

static void
cg_tick(evutil_socket_t fd, short what, void *arg)
{
	struct connguard *g = arg;

	(void)fd;
	(void)what;
	connguard_sweep(g, g->now());
	cg_arm(g);
}

/*
 * Out of descriptors: the connections held are all the room there is.
 * Lower the total cap to leave a margin below that (the next accepts
 * then evict instead of failing) and shed the oldest slow connections
 * down to it, so descriptors come back now and not at their deadline.
 */
static void
cg_shed(struct connguard *g)
{
	struct connguard_conn *v;
	int cap;

	cap = (int)g->n - CG_FD_MARGIN;
	if (cap < CG_MIN_CAP)
		cap = CG_MIN_CAP;
	if (g->clamp == 0 || cap < g->clamp)
		g->clamp = cap;
	g->clamp_ms = g->now();
	while (g->n > (size_t)g->clamp && (v = cg_victim_all(g)) != NULL)
		cg_evict(g, v, CG_R_SHED);
}

static void
cg_accept_error(struct evconnlistener *lev, void *arg)
{
	int e = EVUTIL_SOCKET_ERROR();
	struct cg_listener *l = NULL;
	struct timeval tv;
	int64_t now;
	size_t i;

	(void)arg;
	for (i = 0; i < CG_MAX_LISTENERS; i++)
		if (cg_all_listeners[i] != NULL &&
		    cg_all_listeners[i]->lev == lev)
			l = cg_all_listeners[i];
	if (l == NULL) {
		/* Not ours any more: still never spin. */
		evconnlistener_disable(lev);
		return;
	}
	now = l->g->now();
	l->failures++;
	l->last_errno = e;
	if (l->g->window_ms == 0)
		l->g->window_ms = now | 1;
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
		cg_shed(l->g);
	/* Failing again soon after a pause: pause longer. */
	if (now - l->last_fail_ms < l->pause_ms + CG_PAUSE_MIN_MS)
		l->pause_ms = l->pause_ms * 2 > CG_PAUSE_MAX_MS ?
		    CG_PAUSE_MAX_MS : l->pause_ms * 2;
	else
		l->pause_ms = CG_PAUSE_MIN_MS;
	l->last_fail_ms = now;
	/*
	 * Without this, the listener stays readable and libevent calls
	 * accept() again at once: a busy loop that logs on every turn.
	 */
	evconnlistener_disable(lev);
	tv.tv_sec = l->pause_ms / 1000;
	tv.tv_usec = (l->pause_ms % 1000) * 1000;
	evtimer_add(l->resume, &tv);
	cg_arm(l->g);
	/* The first failure is reported at once, the rest per interval. */
	cg_report(l->g, now, 0);
}

static void
cg_resume(evutil_socket_t fd, short what, void *arg)
{
	struct cg_listener *l = arg;

	(void)fd;
	(void)what;
	if (l->lev != NULL)
		evconnlistener_enable(l->lev);
}

static struct cg_listener *
cg_listener_of(struct connguard *g, struct evconnlistener *lev)
{
	size_t i;

	for (i = 0; i < g->nlisteners; i++)
		if (g->listeners[i]->lev == lev)
			return g->listeners[i];
	return NULL;
}

void
connguard_accepted(struct connguard *g, struct evconnlistener *lev)
{
	struct cg_listener *l = cg_listener_of(g, lev);

	if (l == NULL || ++l->batch < CG_ACCEPT_BATCH || l->held)
		return;
	/* libevent's accept loop sees the listener disabled and stops. */
	l->held = 1;
	evconnlistener_disable(lev);
	event_active(g->turn, EV_TIMEOUT, 0);
}

/* Active events run before the next poll: one batch per loop turn. */
static void
cg_turn(evutil_socket_t fd, short what, void *arg)
{
	struct connguard *g = arg;
	struct cg_listener *l;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < g->nlisteners; i++) {
		l = g->listeners[i];
		l->batch = 0;
		if (!l->held)
			continue;
		l->held = 0;
		/* A listener paused after a failed accept waits for its
		 * timer. */
		if (!evtimer_pending(l->resume, NULL))
			evconnlistener_enable(l->lev);
	}
}

int
connguard_listener_add(struct connguard *g, struct evconnlistener *lev,
    const char *name)
{
	struct cg_listener *l;
	size_t i;

	if (g->nlisteners == CG_MAX_LISTENERS || g->base == NULL)
		return -1;
	for (i = 0; i < CG_MAX_LISTENERS && cg_all_listeners[i] != NULL; i++)
		;
	if (i == CG_MAX_LISTENERS || (l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	if ((l->resume = evtimer_new(g->base, cg_resume, l)) == NULL) {
		free(l);
		return -1;
	}
	l->g = g;
	l->lev = lev;
	l->pause_ms = CG_PAUSE_MIN_MS;
	l->last_fail_ms = INT64_MIN / 2;
	snprintf(l->name, sizeof(l->name), "%s", name);
	cg_all_listeners[i] = l;
	g->listeners[g->nlisteners++] = l;
	evconnlistener_set_error_cb(lev, cg_accept_error);
	return 0;
}

void
connguard_stop_accepting(struct connguard *g)
{
	size_t i, j;

	for (i = 0; i < g->nlisteners; i++) {
		struct cg_listener *l = g->listeners[i];

		for (j = 0; j < CG_MAX_LISTENERS; j++)
			if (cg_all_listeners[j] == l)
				cg_all_listeners[j] = NULL;
		event_free(l->resume);
		free(l);
	}
	g->nlisteners = 0;
}
