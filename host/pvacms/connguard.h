/*
 * connguard.h - connection accounting for every front of the daemon: who
 * holds a descriptor, in which phase, until when, and from which peer
 * address.  A front (evhttp today, a raw TCP server later) admits each
 * accepted connection, reports its phase changes and releases it when it
 * closes; the guard enforces the deadlines of each phase and the caps on
 * connections in total and per peer, evicting slow connections first, and
 * pauses a listener whose accept() fails for lack of descriptors instead
 * of spinning.  All of it runs on the event-loop thread.  Everything it
 * closes is counted and logged as one line per interval, never one line
 * per connection (those are debug lines).
 */
#ifndef PVACMS_CONNGUARD_H
#define PVACMS_CONNGUARD_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evconnlistener;
struct sockaddr;
struct connguard;
struct connguard_conn;

/*
 * The phases of a connection.  WAITING: accepted, no request byte yet (a
 * TLS handshake happens here).  HEADERS, BODY: a request is arriving.
 * DISPATCHED: a handler or a worker has it; never evicted, no deadline.
 * REPLYING: the answer is going out (evictable, no deadline of ours).
 * IDLE: a keep-alive connection between requests.
 */
enum connguard_phase {
	CONNGUARD_WAITING,
	CONNGUARD_HEADERS,
	CONNGUARD_BODY,
	CONNGUARD_DISPATCHED,
	CONNGUARD_REPLYING,
	CONNGUARD_IDLE
};

struct connguard_limits {
	int max_conns;		/* in total, across fronts */
	int max_per_peer;	/* per IPv4 address or IPv6 /64 */
	int header_secs;	/* accept or request start -> end of headers */
	int body_secs;		/* end of headers -> request complete */
	int idle_secs;		/* keep-alive with no new request */
};

/* Descriptors kept out of the caps: database, logs, validators, plugins. */
#define CONNGUARD_FD_RESERVE 64

/*
 * The close callback of a front: end this connection now.  The guard has
 * already let go of it; the front must not call connguard_release for it.
 */
typedef void connguard_close_fn(void *ctx);

/*
 * Raise the soft descriptor limit to the hard one, clip the total cap to
 * what the limit allows, and log both (one line each).  base may be NULL
 * (unit tests: no timers).  Caller frees with connguard_free; NULL with
 * err set on failure.
 */
struct connguard *connguard_new(struct event_base *base,
    const struct connguard_limits *lim, char *err, size_t errlen);

/* Free the guard; fronts must have closed their connections first. */
void connguard_free(struct connguard *g);

/* Run fn(arg) from connguard_free (front glue that lives as long). */
int connguard_on_free(struct connguard *g, void (*fn)(void *), void *arg);

/*
 * A new connection from sa.  May close older connections (close
 * callbacks run before this returns) to respect the caps.  Returns the
 * record, or NULL: refused, the caller closes the connection itself.
 */
struct connguard_conn *connguard_admit(struct connguard *g,
    const struct sockaddr *sa, connguard_close_fn *close_fn, void *ctx);

/* The connection moved to phase; its deadline follows from that. */
void connguard_phase(struct connguard *g, struct connguard_conn *c,
    enum connguard_phase phase);

enum connguard_phase connguard_phase_of(const struct connguard_conn *c);

/* The connection closed on its own (or the front closed it). */
void connguard_release(struct connguard *g, struct connguard_conn *c);

/* Connections held now. */
size_t connguard_count(const struct connguard *g);

/* The effective caps (after clipping to the descriptor limit). */
int connguard_max_conns(const struct connguard *g);
int connguard_max_per_peer(const struct connguard *g);

/* The effective limits, caps and timeouts.  Borrowed. */
const struct connguard_limits *connguard_limits(const struct connguard *g);

/*
 * Close what is past its deadline at now_ms (milliseconds of the guard's
 * clock) and write the periodic summary when due.  The guard's timer
 * calls it; unit tests call it with a clock of their own.
 */
void connguard_sweep(struct connguard *g, int64_t now_ms);

/* Replace the clock (unit tests). */
void connguard_set_clock(struct connguard *g, int64_t (*now_ms)(void));

/*
 * Watch a listener's accept errors: on EMFILE/ENFILE (or any other
 * error) pause it briefly, backing off, shed the oldest slow
 * connections, and log at most one line per interval.  name: "HTTP".
 */
int connguard_listener_add(struct connguard *g, struct evconnlistener *lev,
    const char *name);

/*
 * A front accepted a connection on lev.  libevent accepts until the
 * backlog is empty, which under a flood never happens; after a batch
 * the listener waits for the next loop turn, so the connections already
 * held get their share of it.
 */
void connguard_accepted(struct connguard *g, struct evconnlistener *lev);

/* Forget the listeners (about to be freed) and their pause timers. */
void connguard_stop_accepting(struct connguard *g);

/*
 * Peer key of an address: IPv4 (or IPv4-mapped IPv6) by address, IPv6
 * by its /64.  Fills key (17 bytes: family, then address bytes, zero
 * padded); -1 for other families.
 */
int connguard_peer_key(const struct sockaddr *sa, unsigned char key[17]);

/*
 * Header-end scanner: feed bytes, keep *state (0 at request start);
 * returns the offset just past the blank line ending the headers
 * ("\r\n\r\n" or "\n\n"), or -1 when not seen yet.
 */
long connguard_scan_headers(int *state, const unsigned char *p, size_t n);

#endif
