/*
 * pvaconn.h - one TCP connection of the PVAccess front: the opening
 * exchange, echo, channels on status PV names, and GET_FIELD, GET and
 * MONITOR on them (pvaccess.md §6, §7), with every size read capped and
 * any malformed or out-of-order message closing that one connection.
 * Event-loop thread only.
 */
#ifndef PVACMS_PVACONN_H
#define PVACMS_PVACONN_H

#include <stdint.h>
#include <sys/socket.h>

#include <event2/util.h>

struct pva_front;

/* A connection was accepted on fd: admit it (connguard) and greet. */
void pvaconn_accept(struct pva_front *f, evutil_socket_t fd,
    const struct sockaddr *sa);

/* Post the status of serial, as it is now, to its subscriptions. */
void pvaconn_post_serial(struct pva_front *f, uint64_t serial);

/*
 * Post to every subscription whose last update is past half its
 * validity: the OCSP cache re-signs it, so agents never hold an answer
 * about to run out.
 */
void pvaconn_refresh(struct pva_front *f, int64_t now);

/* Close every connection (shutdown). */
void pvaconn_close_all(struct pva_front *f);

#endif
