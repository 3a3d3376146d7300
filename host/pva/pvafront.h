/*
 * pvafront.h - the PVAccess front (DESIGN §10, pvaccess.md): a plain-TCP
 * PVAccess server on the daemon's event loop, beside the HTTP front,
 * that serves CERT:STATUS:<issuer_id>:<serial> to unmodified PVXS agents
 * (GET, GET_FIELD, MONITOR), answers their UDP searches for those names,
 * and posts every state change and every re-signed answer to the
 * subscribers.  Its state hangs off app->pva; app->guard bounds its
 * connections as it bounds the HTTP front's.
 */
#ifndef PVACMS_PVAFRONT_H
#define PVACMS_PVAFRONT_H

#include <stddef.h>
#include <stdint.h>

struct app;

/*
 * Bind the TCP and UDP sockets on every address of
 * EPICS_PVAS_INTF_ADDR_LIST (ports EPICS_PVAS_SERVER_PORT and
 * EPICS_PVAS_BROADCAST_PORT; 0 picks a free one, the same on every
 * address), start serving and listen for state changes.  Creates
 * app->pva.  0, or -1 with err set (nothing left open).
 */
int pvafront_start(struct app *app, char *err, size_t errlen);

/* "127.0.0.1:5075": the TCP (udp 0) or UDP (udp 1) address bound first. */
const char *pvafront_bound(const struct app *app, int udp);

/* Stop accepting and answering searches (SIGTERM); serving goes on. */
void pvafront_stop_accepting(struct app *app);

/* Close everything and free app->pva (NULL is fine). */
void pvafront_free(struct app *app);

#endif
