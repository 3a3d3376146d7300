/*
 * pvasearch.h - UDP name search for the pvacms front (PVA §5, §2.6), as
 * a pure library: read a datagram (ORIGIN_TAG, SEARCH, and anything
 * else, BEACONs included, skipped), decide which names the front serves
 * through the caller's predicate, build the SEARCH_RESPONSE, and build
 * the forwarded datagram that a server sharing port 5076 re-sends to
 * the loopback multicast group.  The sockets (joining 224.0.0.128,
 * accepting ORIGIN_TAG only from that group, sending) are the front's.
 *
 * Conventions as in pvamsg.h: 0 or a negative PVAMSG_E* code with a
 * one-line reason in err; parsed names are views into the caller's
 * datagram; builders append to a struct pvamsg_buf the caller frees.
 */
#ifndef PVACMS_PVASEARCH_H
#define PVACMS_PVASEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "pvamsg.h"

#define PVASEARCH_MAX_CHANNELS	256	/* names in one SEARCH */
#define PVASEARCH_MAX_PROTOCOLS	8	/* entries in its protocol list */
#define PVASEARCH_MAX_PROTO_LEN	16	/* bytes of one protocol name */
#define PVASEARCH_MAX_DGRAM	65507	/* the largest UDP payload */

/* SEARCH flags (§5.1). */
#define PVASEARCH_F_MUST_REPLY	0x01
#define PVASEARCH_F_UNICAST	0x80

#define PVASEARCH_GUID_LEN	12
#define PVASEARCH_ADDR_LEN	16

struct pvasearch_chan {
	uint32_t cid;
	struct pvamsg_str name;		/* 0..PVAMSG_MAX_NAME bytes, no NUL */
};

/* A SEARCH body (§5.1). */
struct pvasearch_req {
	int be;				/* the message's byte order */
	uint32_t seq;			/* searchSequenceID, echoed */
	uint8_t flags;			/* PVASEARCH_F_* */
	uint8_t addr[PVASEARCH_ADDR_LEN];	/* reply address; 0 = source */
	uint16_t port;			/* reply port */
	int tcp;			/* "tcp" among the protocols */
	int tls;			/* "tls" among the protocols */
	size_t nchan;
	struct pvasearch_chan chan[PVASEARCH_MAX_CHANNELS];
};

/*
 * Parse a SEARCH body (after the header) in byte order be; also serves
 * SEARCH over TCP (§5.3).  Caps: PVASEARCH_MAX_PROTOCOLS protocols of
 * PVASEARCH_MAX_PROTO_LEN bytes, PVASEARCH_MAX_CHANNELS names of
 * PVAMSG_MAX_NAME bytes; a name holding NUL is malformed.  Trailing
 * bytes are tolerated, as PVXS does.
 */
int	pvasearch_parse(const uint8_t *p, size_t len, int be,
	    struct pvasearch_req *req, char *err, size_t errlen);

/*
 * What one datagram holds.  has_search: the first SEARCH was parsed into
 * req, and search/search_len locate that whole message (header and
 * body) in the datagram, for pvasearch_forward_build.  has_origin: an
 * ORIGIN_TAG came before it, and origin is its address (the original
 * destination).  Both clear: nothing to answer (BEACONs,
 * SEARCH_RESPONSEs, unknown commands are skipped).
 */
struct pvasearch_dgram {
	int has_origin;
	uint8_t origin[PVASEARCH_ADDR_LEN];
	int has_search;
	const uint8_t *search;
	size_t search_len;
	struct pvasearch_req req;
};

/*
 * Read a datagram: a sequence of whole messages.  Like PVXS, a control
 * message, segment bits, a message longer than what is left, or a bad
 * header makes the whole datagram malformed; so does an ORIGIN_TAG body
 * that is not 16 bytes.  Reading stops after the first SEARCH.
 */
int	pvasearch_datagram(const uint8_t *d, size_t len,
	    struct pvasearch_dgram *dg, char *err, size_t errlen);

/*
 * The predicate: non-zero when the front serves name (len bytes, also
 * NUL-terminated for convenience).
 */
typedef int (*pvasearch_serves_fn)(void *arg, const char *name, size_t len);

/*
 * Append the SEARCH_RESPONSE for req to out (§5.2), in req's byte order,
 * with the server flag: guid, req->seq, addr (NULL = ::ffff:0.0.0.0,
 * "use the datagram's source"), port (the front's TCP port; 0 over TCP
 * search), "tcp", found, the cids of the names serves() accepts.
 * Names are considered only when "tcp" is among the protocols, as in
 * PVXS.  When none is found nothing is appended unless must-reply is
 * set, which gets found 0 and no cids.  *nfound (if not NULL) is the
 * count; the caller sends out only when it grew.
 */
int	pvasearch_respond(const struct pvasearch_req *req,
	    const uint8_t guid[PVASEARCH_GUID_LEN],
	    const uint8_t *addr, uint16_t port, pvasearch_serves_fn serves,
	    void *arg, struct pvamsg_buf *out, size_t *nfound, char *err,
	    size_t errlen);

/*
 * The datagram a server re-sends to the loopback multicast group when
 * it receives a unicast SEARCH (§2.6): an ORIGIN_TAG holding dest (the
 * address the SEARCH was sent to), then a copy of the SEARCH message
 * msg (header and body, msglen bytes; e.g. dg.search) with the unicast
 * flag cleared and, when its reply address is all zeros, src (the
 * sender's address) in its place.  Both in the SEARCH's byte order.
 * msg is parsed first; a malformed one is refused.
 */
int	pvasearch_forward_build(const uint8_t *msg, size_t msglen,
	    const uint8_t dest[PVASEARCH_ADDR_LEN],
	    const uint8_t src[PVASEARCH_ADDR_LEN], struct pvamsg_buf *out,
	    char *err, size_t errlen);

/* out = ::ffff:a.b.c.d for the IPv4 address v4 (network order bytes). */
void	pvasearch_addr_v4(uint8_t out[PVASEARCH_ADDR_LEN],
	    const uint8_t v4[4]);

#endif
