/*
 * authnjwt_pva.h - authnjwt's PVAccess client (DESIGN §10): one
 * CERT:CREATE RPC over plain TCP to pvacms's PVAccess front, as
 * `authnjwt --cms pva://HOST[:PORT]`.  It connects, answers the
 * server's validation as "anonymous", creates the channel, runs RPC
 * INIT and EXEC with the request of authnjwt_ccr.h and returns the
 * reply's fields.  It proves nothing about the server: the caller
 * verifies the certificate in the reply (authnjwt_answer.h) before it
 * uses any of it.
 */
#ifndef PVACMS_AUTHNJWT_PVA_H
#define PVACMS_AUTHNJWT_PVA_H

#include <stddef.h>
#include <stdint.h>

#include "authnjwt_ccr.h"

#define AUTHNJWT_PVA_PORT	5075	/* EPICS_PVAS_SERVER_PORT default */
#define AUTHNJWT_PVA_HOST_MAX	256

/* Where to send the request: from authnjwt_pva_parse_url. */
struct authnjwt_pva_target {
	char		 host[AUTHNJWT_PVA_HOST_MAX];	/* no brackets */
	uint16_t	 port;
	int		 loopback;	/* localhost or a loopback literal */
};

/* Bounds of one request. */
struct authnjwt_pva_limits {
	int		 connect_ms;	/* each TCP connect */
	int		 total_ms;	/* the whole exchange */
	size_t		 max_msg;	/* largest message accepted */
	int		 plaintext_ok;	/* --pva-plaintext: any host */
	/* Progress lines for -v (may be NULL); never the token. */
	void		(*note)(const char *line);
};

/*
 * Parse "pva://HOST[:PORT]" (an optional trailing '/'; HOST a name, an
 * IPv4 literal or a bracketed IPv6 literal; PORT 1-65535, default
 * 5075) into *t.  Userinfo, paths, queries and fragments are refused.
 * 0, or -1 with a one-line reason in err.
 */
int	authnjwt_pva_parse_url(const char *url, struct authnjwt_pva_target *t,
	    char *err, size_t errlen);

/*
 * Send req as a CERT:CREATE RPC to t and read the reply into *rep (the
 * caller frees it with authnjwt_ccr_reply_free).  Unless
 * lim->plaintext_ok, the target must be loopback and every address it
 * resolves to too: the token travels unencrypted.  Every wait is
 * bounded by lim, every size from the wire by lim->max_msg.  An error
 * status from pvacms gives its message, cleaned for the terminal.
 * 0, or -1 with a one-line reason in err and *rep empty.
 */
int	authnjwt_pva_request(const struct authnjwt_pva_target *t,
	    const struct authnjwt_ccr *req,
	    const struct authnjwt_pva_limits *lim,
	    struct authnjwt_ccr_reply *rep, char *err, size_t errlen);

#endif
