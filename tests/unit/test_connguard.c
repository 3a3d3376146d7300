/*
 * test_connguard.c - the connection guard's accounting without a
 * network: peer keys, the header-end scanner, which connection a cap
 * evicts (the oldest not dispatched, of the peer or of all), refusal when
 * nothing may go, and the deadline of each phase on a clock of our own.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "connguard.h"
#include "tap.h"

static int64_t fake_now;
static int closed[64];		/* close callbacks seen, by ctx index */
static int ids[64];

static int64_t
fake_clock(void)
{
	return fake_now;
}

static void
on_close(void *ctx)
{
	closed[*(int *)ctx]++;
}

static struct sockaddr_storage
v4(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, text, &sin->sin_addr);
	return ss;
}

static struct sockaddr_storage
v6(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, text, &sin6->sin6_addr);
	return ss;
}

static int
same_peer(struct sockaddr_storage a, struct sockaddr_storage b)
{
	unsigned char ka[17], kb[17];

	if (connguard_peer_key((struct sockaddr *)&a, ka) != 0 ||
	    connguard_peer_key((struct sockaddr *)&b, kb) != 0)
		return -1;
	return memcmp(ka, kb, sizeof(ka)) == 0;
}

static void
test_peer_keys(void)
{
	ok(same_peer(v4("10.0.0.1"), v4("10.0.0.1")) == 1,
	    "one IPv4 address is one peer");
	ok(same_peer(v4("10.0.0.1"), v4("10.0.0.2")) == 0,
	    "another IPv4 address is another peer");
	ok(same_peer(v4("10.0.0.1"), v6("::ffff:10.0.0.1")) == 1,
	    "an IPv4-mapped IPv6 address is its IPv4 peer");
	ok(same_peer(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9")) == 1,
	    "IPv6 addresses in one /64 are one peer");
	ok(same_peer(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1")) == 0,
	    "another /64 is another peer");
}

/* Feed text in pieces of n bytes; the offset just past the blank line. */
static long
scan_in_pieces(const char *text, size_t n)
{
	size_t len = strlen(text), at;
	int state = 0;
	long r;

	for (at = 0; at < len; at += n) {
		size_t k = len - at < n ? len - at : n;

		r = connguard_scan_headers(&state,
		    (const unsigned char *)text + at, k);
		if (r >= 0)
			return (long)at + r;
	}
	return -1;
}

static void
test_scan(void)
{
	const char *crlf = "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
	const char *lf = "GET / HTTP/1.0\nHost: x\n\nbody";

	ok(scan_in_pieces(crlf, 1000) == (long)strlen(crlf) - 4,
	    "CRLF headers end at the blank line");
	ok(scan_in_pieces(crlf, 1) == (long)strlen(crlf) - 4,
	    "also when they arrive one byte at a time");
	ok(scan_in_pieces(lf, 3) == (long)strlen(lf) - 4,
	    "bare LF headers end at the blank line");
	ok(scan_in_pieces("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa", 1) ==
	    -1, "unfinished headers have no end");
	ok(scan_in_pieces("GET / HTTP/1.1\r\nA: b\r\r\n", 1) == -1,
	    "a stray CR is not a blank line");
}

static struct connguard *
new_guard(int total, int per_peer)
{
	struct connguard_limits lim = { total, per_peer, 10, 30, 60 };
	char err[256];
	struct connguard *g = connguard_new(NULL, &lim, err, sizeof(err));

	if (g != NULL)
		connguard_set_clock(g, fake_clock);
	return g;
}

static struct connguard_conn *
admit(struct connguard *g, struct sockaddr_storage ss, int id)
{
	ids[id] = id;
	return connguard_admit(g, (struct sockaddr *)&ss, on_close, &ids[id]);
}

static void
test_caps(void)
{
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2");
	struct connguard_conn *c[16];
	struct connguard *g = new_guard(16, 4);
	int i;

	memset(closed, 0, sizeof(closed));
	ok(g != NULL, "a guard with caps 16 and 4");
	if (g == NULL)
		return;
	for (i = 0; i < 4; i++)
		c[i] = admit(g, a, i);
	ok(connguard_count(g) == 4 && closed[0] == 0,
	    "four connections from one peer are held");
	connguard_phase(g, c[0], CONNGUARD_DISPATCHED);
	c[4] = admit(g, a, 4);
	ok(c[4] != NULL && closed[1] == 1 && closed[0] == 0,
	    "the fifth evicts the oldest that is not dispatched");
	ok(connguard_count(g) == 4, "still four held");
	for (i = 2; i <= 4; i++)
		connguard_phase(g, c[i], CONNGUARD_DISPATCHED);
	ok(admit(g, a, 5) == NULL && connguard_count(g) == 4,
	    "all dispatched: the newcomer is refused");
	ok(admit(g, b, 6) != NULL, "another peer still gets in");
	for (i = 0; i <= 4; i++)
		if (i != 1)
			connguard_release(g, c[i]);
	ok(connguard_count(g) == 1, "released connections are gone");
	connguard_free(g);

	/* The total cap: the oldest of all goes, whoever the peer. */
	memset(closed, 0, sizeof(closed));
	g = new_guard(16, 16);
	if (g == NULL)
		return;
	for (i = 0; i < 16; i++)
		c[i] = admit(g, i < 8 ? a : b, i);
	connguard_phase(g, c[0], CONNGUARD_DISPATCHED);
	ok(admit(g, b, 16) != NULL && closed[1] == 1 && closed[0] == 0,
	    "past the total cap the oldest undispatched connection goes");
	ok(connguard_count(g) == 16, "the total stays at the cap");
	connguard_free(g);
}

static void
test_deadlines(void)
{
	struct sockaddr_storage a = v4("198.51.100.7");
	struct connguard_conn *c[4];
	struct connguard *g = new_guard(16, 16);

	memset(closed, 0, sizeof(closed));
	if (g == NULL)
		return;
	fake_now = 1000;
	c[0] = admit(g, a, 0);		/* silent: header deadline */
	c[1] = admit(g, a, 1);		/* headers, then body */
	c[2] = admit(g, a, 2);		/* dispatched */
	c[3] = admit(g, a, 3);		/* keep-alive */
	fake_now = 5000;
	connguard_phase(g, c[1], CONNGUARD_HEADERS);
	connguard_phase(g, c[2], CONNGUARD_DISPATCHED);
	connguard_phase(g, c[3], CONNGUARD_IDLE);
	connguard_sweep(g, 10999);
	ok(closed[0] == 0 && closed[1] == 0, "nothing is due before 10 s");
	connguard_sweep(g, 11000);
	ok(closed[0] == 1, "10 s after accept, a silent connection is closed");
	ok(closed[1] == 1,
	    "the first request's header time counts from accept");
	ok(closed[2] == 0 && closed[3] == 0,
	    "dispatched and idle connections stay");
	connguard_sweep(g, 64999);
	ok(closed[3] == 0, "keep-alive stays for its idle timeout");
	connguard_sweep(g, 65000);
	ok(closed[3] == 1, "then it is closed");
	connguard_sweep(g, 1000000);
	ok(closed[2] == 0 && connguard_count(g) == 1,
	    "a dispatched connection has no deadline");

	/* Later requests: headers from their first byte, then the body. */
	connguard_phase(g, c[2], CONNGUARD_IDLE);
	fake_now = 1000100;
	connguard_phase(g, c[2], CONNGUARD_HEADERS);
	fake_now = 1000200;
	connguard_phase(g, c[2], CONNGUARD_BODY);
	connguard_sweep(g, 1030199);
	ok(closed[2] == 0, "the body has 30 s from the end of the headers");
	connguard_sweep(g, 1030200);
	ok(closed[2] == 1 && connguard_count(g) == 0,
	    "and is closed when they are over");
	connguard_free(g);
}

int
main(void)
{
	tap_plan(28);
	test_peer_keys();
	test_scan();
	test_caps();
	test_deadlines();
	return tap_done();
}
