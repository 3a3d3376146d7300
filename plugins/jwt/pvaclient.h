/*
 * pvaclient.h - one plain-TCP PVAccess client connection (pvaccess.md
 * §3, §6, §7.5): open it (resolve, the loopback rule, connect with a
 * deadline, answer the server's validation as "anonymous"), create a
 * channel, run RPC INIT + EXEC on it, queue and send messages, wait for
 * a message of one command, close.  authnjwt_pva.c runs its one
 * CERT:CREATE exchange on it; bench/create_rate keeps one open for many.
 *
 * Framing and headers are the front's message layer (pvamsg.h), bodies
 * its pvData codec (pvdata.h).  Messages are sent in the byte order the
 * server's SetEndian asks for, and read in each message's own.  Every
 * wait is a poll against the connection's current deadline.  Nothing
 * here proves anything about the server.
 */
#ifndef PVACMS_PVACLIENT_H
#define PVACMS_PVACLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "pvamsg.h"
#include "pvdata.h"

/* How to open a connection. */
struct pvaclient_limits {
	int		 connect_ms;	/* each TCP connect */
	int		 total_ms;	/* the first deadline: open and on */
	size_t		 max_msg;	/* largest message accepted */
	int		 plaintext_ok;	/* any host, not only loopback */
	/* Progress lines (may be NULL); never a token. */
	void		(*note)(const char *line);
};

/* One connection.  Its members are the module's; read only fd. */
struct pvaclient {
	int		 fd;		/* -1 when closed */
	int64_t		 deadline;	/* CLOCK_MONOTONIC ms: every wait */
	int		 wait_ms;	/* what deadline was set from */
	int		 be;		/* the order we send in */
	size_t		 max_msg;
	uint8_t		*rx;		/* bytes read, not yet framed */
	size_t		 rxlen;
	size_t		 rxcap;
	size_t		 drop;		/* the last frame's bytes */
	struct pvamsg_framer fr;
	int		 fr_init;
	struct pvdata_buf out;		/* queued messages, sent together */
	void		(*note)(const char *);
};

/* One RPC (§7.5) on an open channel. */
struct pvaclient_rpc {
	const char	*name;		/* the channel, for notes */
	uint32_t	 sid;		/* from pvaclient_channel */
	uint32_t	 ioid;		/* new for each RPC */
	/* Append INIT's pvRequest to b: 0 or -1 (out of memory). */
	int		(*pvrequest)(struct pvdata_buf *b);
	/* Append EXEC's arguments to b: 0, or -1 with a reason in err. */
	int		(*args)(struct pvdata_buf *b, const void *arg,
			    char *err, size_t errlen);
	const void	*arg;
};

/* The value that follows an RPC reply's Status; valid until next read. */
struct pvaclient_reply {
	const uint8_t	*data;
	size_t		 len;
	int		 be;
};

/* The return of pvaclient_rpc when pvacms answers with an error Status. */
#define PVACLIENT_REFUSED	1

/*
 * Open a connection to host:port (loopback set when the name itself is
 * loopback) and validate it.  Unless lim->plaintext_ok, host must be
 * loopback and every address it resolves to too.  The deadline is
 * lim->total_ms from now.  0, or -1 with a one-line reason in err; in
 * both cases the caller ends with pvaclient_close.
 */
int	pvaclient_open(struct pvaclient *c, const char *host, uint16_t port,
	    int loopback, const struct pvaclient_limits *lim, char *err,
	    size_t errlen);

/* Set the deadline of every wait from now on to ms from now. */
void	pvaclient_deadline(struct pvaclient *c, int ms);

/*
 * Append a message header of command cmd to the queue and return its
 * offset, for pvaclient_end once the body is appended after it.
 */
size_t	pvaclient_begin(struct pvaclient *c, uint8_t cmd);
void	pvaclient_end(struct pvaclient *c, size_t at);

/*
 * Send every queued message in one write, whole, before the deadline;
 * the queue is then wiped (it may hold a token) and emptied, its memory
 * kept.  0 or -1 with a reason in err.
 */
int	pvaclient_send(struct pvaclient *c, char *err, size_t errlen);

/*
 * The next application message of command cmd into *fr (valid until the
 * next read); what names it in errors.  Control messages, ECHO, MESSAGE
 * and BEACON are passed over, any other command is an error.  0 or -1.
 */
int	pvaclient_wait(struct pvaclient *c, uint8_t cmd, const char *what,
	    struct pvamsg_frame *fr, char *err, size_t errlen);

/* §6.3: a channel on name as our cid; *sid is the server's id.  0 or -1. */
int	pvaclient_channel(struct pvaclient *c, const char *name, uint32_t cid,
	    uint32_t *sid, char *err, size_t errlen);

/*
 * §7.5: RPC INIT (sent with whatever is queued) and EXEC on r->ioid,
 * their replies; *rep is the value after the EXEC reply's Status.  0;
 * PVACLIENT_REFUSED when pvacms answered either with an error Status
 * (its text in err; the connection is fine); -1 on anything else.  The
 * operation stays open: see pvaclient_destroy_request.
 */
int	pvaclient_rpc(struct pvaclient *c, const struct pvaclient_rpc *r,
	    struct pvaclient_reply *rep, char *err, size_t errlen);

/*
 * Queue the DESTROY_REQUEST that ends operation ioid (§6.4: not
 * answered).  It leaves with the next pvaclient_send.
 */
void	pvaclient_destroy_request(struct pvaclient *c, uint32_t sid,
	    uint32_t ioid);

/* Close the socket and free (wiping the queue).  Safe to call twice. */
void	pvaclient_close(struct pvaclient *c);

#endif
