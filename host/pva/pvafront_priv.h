/*
 * pvafront_priv.h - the PVAccess front's state, shared by its listener
 * and search half (pvafront.c) and its connection half (pvaconn.c).
 * Private to host/pva/.
 */
#ifndef PVACMS_PVAFRONT_PRIV_H
#define PVACMS_PVAFRONT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/util.h>

#include "conf.h"

struct app;
struct event;
struct evconnlistener;
struct pva_conn;

#define PVAFRONT_MAX_INTF	CONF_MAX_PVAS_ADDRS	/* + 1 group socket */
#define PVAFRONT_PENDING	64	/* changes queued for one loop turn */

struct pva_front {
	struct app *app;
	struct evconnlistener *lev[PVAFRONT_MAX_INTF];
	size_t nlev;
	evutil_socket_t udp[PVAFRONT_MAX_INTF + 1];
	struct event *udp_ev[PVAFRONT_MAX_INTF + 1];
	size_t nudp;
	char tcp_bound[64], udp_bound[64];
	uint16_t tcp_port, udp_port;
	uint8_t guid[12];		/* constant for the server's life */
	TAILQ_HEAD(, pva_conn) conns;
	size_t nconns;
	uint32_t next_sid;
	struct event *refresh;		/* re-signed answers to subscribers */
	struct event *post;		/* changes, posted after the reply */
	uint64_t pending[PVAFRONT_PENDING];	/* serials changed, to post */
	size_t npending;
	unsigned long dropped;		/* connections closed for cause */
	int64_t log_window;		/* rate limit of cause lines */
	unsigned log_lines;
};

#endif
