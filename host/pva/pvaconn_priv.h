/*
 * pvaconn_priv.h - one connection of the PVAccess front, shared by
 * pvaconn.c (messages, channels, status PVs) and pvarpc.c (the creation
 * RPC and the CA PVs).  Private to host/pva/.
 */
#ifndef PVACMS_PVACONN_PRIV_H
#define PVACMS_PVACONN_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "pvacreate.h"
#include "pvamsg.h"

struct bufferevent;
struct connguard_conn;
struct pva_front;

#define PVACONN_MAX_MSG		(64 * 1024)	/* one request */
#define PVACONN_MAX_CHANNELS	256	/* per connection */
#define PVACONN_MAX_OPS		1024	/* per connection */
#define PVACONN_MAX_OUTPUT	(4 * 1024 * 1024) /* unread by the client */
#define PVACONN_LOG_WINDOW	10	/* seconds */
#define PVACONN_LOG_LINES	20	/* cause lines per window */

enum pvaconn_kind { OP_GET_FIELD, OP_GET, OP_MONITOR, OP_RPC };

struct pva_chan {
	uint32_t cid, sid;
	enum pvacreate_pv pv;		/* what the name names */
	uint64_t serial;		/* status PVs */
	int ours;			/* the name's issuer is this CA */
};

/* A creation request in the pipeline; c NULL once the connection went. */
struct pva_wait {
	struct pva_conn *c;
	uint32_t ioid;
	struct pva_wait *next;
};

struct pva_op {
	uint32_t ioid, sid;
	enum pvaconn_kind kind;
	int busy;			/* RPC: a request in the pipeline */
	uint8_t exec_sub;		/* RPC: the sub-command of that EXEC */
	int inited, started, pipeline;
	uint32_t window;		/* updates the client may take */
	struct pva_chan *chan;
	int64_t posted_this_update;	/* of the last update sent, or 0 */
	int posted_state;
};

struct pva_conn {
	TAILQ_ENTRY(pva_conn) link;
	struct pva_front *f;
	struct bufferevent *bev;
	struct connguard_conn *gc;
	struct pvamsg_framer framer;
	char peer[64];
	int linked;			/* on f->conns */
	int validated;
	struct pva_chan *chans;
	size_t nchans;
	struct pva_op *ops;
	size_t nops;
	struct pva_wait *waits;		/* creation requests in progress */
	size_t nwaits;
	struct pvamsg_buf out;		/* scratch for one reply */
};

/* A rate-limited log line about a client's fault (PVACONN_LOG_LINES
 * in PVACONN_LOG_WINDOW seconds, then a count). */
void	pvaconn_log_cause(struct pva_front *f, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Close for cause, with a rate-limited log line; frees c. */
void	pvaconn_close(struct pva_conn *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Queue c->out on the connection.  0, or -1 (the caller closes). */
int	pvaconn_send(struct pva_conn *c);
struct pva_op *pvaconn_find_op(struct pva_conn *c, uint32_t ioid);
void	pvaconn_drop_op(struct pva_conn *c, struct pva_op *op);

/*
 * Operations on CERT:CREATE (RPC) and on CERT:ROOT / CERT:ISSUER (GET),
 * pvarpc.c; o is the operation the ioid names, or NULL.  0, or -1 after
 * closing c.
 */
int	pvarpc_create(struct pva_conn *c, uint8_t command,
	    const struct pvamsg_op *op, int be, struct pva_op *o,
	    struct pva_chan *ch);
int	pvarpc_ca(struct pva_conn *c, uint8_t command,
	    const struct pvamsg_op *op, int be, struct pva_op *o,
	    struct pva_chan *ch);

#endif
