/*
 * authnjwt_pva.c - the CERT:CREATE RPC over PVAccess (see
 * authnjwt_pva.h; pvaccess.md §3, §6, §7.5).
 *
 * One blocking exchange on one connection of pvaclient.h, every wait
 * bounded by one deadline: open (connect, validation as "anonymous"),
 * CREATE_CHANNEL, RPC INIT, RPC EXEC, then DESTROY_REQUEST and close.
 * This file holds what is authnjwt's: the pva:// URL, the request and
 * reply of authnjwt_ccr.h, and the limits of `authnjwt --cms`.
 *
 * The channel is plain TCP, so the token is readable on the path: the
 * loopback rule (pvaclient_open) is checked on the name and again on
 * every address it resolves to, before anything is sent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authnjwt_pva.h"
#include "pvaclient.h"
#include "pvdata.h"

#define PVA_CID		1		/* our one channel */
#define PVA_IOID	1		/* our one operation */

static int	pva_args(struct pvdata_buf *b, const void *req, char *err,
		    size_t errlen);

int
authnjwt_pva_parse_url(const char *url, struct authnjwt_pva_target *t,
    char *err, size_t errlen)
{
	const char *p, *end, *h, *he, *q;
	struct in_addr a4;
	struct in6_addr a6;
	unsigned long port = AUTHNJWT_PVA_PORT;
	size_t n;
	int v6 = 0;

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "pva://", 6) != 0) {
		snprintf(err, errlen, "not a pva:// URL");
		return -1;
	}
	p = url + 6;
	end = p + strcspn(p, "/");
	if (*end == '/' && end[1] != '\0') {
		snprintf(err, errlen, "a pva:// URL takes no path");
		return -1;
	}
	/* Only what a host, a literal and a port are made of. */
	for (q = p; q < end; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || strchr(".-:[]", *q) != NULL)) {
			snprintf(err, errlen, "a pva:// URL is HOST[:PORT] "
			    "only");
			return -1;
		}
	if (*p == '[') {
		if ((he = memchr(p, ']', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "unclosed '[' in the pva:// URL");
			return -1;
		}
		h = p + 1;
		q = he + 1;
		v6 = 1;
	} else {
		he = memchr(p, ':', (size_t)(end - p));
		if (he == NULL)
			he = end;
		h = p;
		q = he;
	}
	n = (size_t)(he - h);
	if (n == 0 || n >= sizeof(t->host) || memchr(h, '[', n) != NULL ||
	    memchr(h, ']', n) != NULL || (!v6 && memchr(h, ':', n) != NULL)) {
		snprintf(err, errlen, "bad host in the pva:// URL");
		return -1;
	}
	memcpy(t->host, h, n);
	t->host[n] = '\0';
	if (q < end) {
		if (*q != ':' || end - q < 2 || end - q > 6 ||
		    strspn(q + 1, "0123456789") < (size_t)(end - q - 1) ||
		    (port = strtoul(q + 1, NULL, 10)) < 1 || port > 65535) {
			snprintf(err, errlen, "bad port in the pva:// URL");
			return -1;
		}
	}
	t->port = (uint16_t)port;
	if (v6) {
		if (inet_pton(AF_INET6, t->host, &a6) != 1) {
			snprintf(err, errlen, "bad IPv6 address in the pva:// "
			    "URL");
			return -1;
		}
		t->loopback = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	} else if (inet_pton(AF_INET, t->host, &a4) == 1)
		t->loopback = (ntohl(a4.s_addr) >> 24) == 127;
	else
		t->loopback = strcasecmp(t->host, "localhost") == 0 ||
		    strcasecmp(t->host, "localhost.") == 0;
	return 0;
}

/* EXEC's arguments: the request, as authnjwt_ccr.h encodes it. */
static int
pva_args(struct pvdata_buf *b, const void *req, char *err, size_t errlen)
{
	return authnjwt_ccr_encode(b, req, AUTHNJWT_CCR_PV, err, errlen);
}

int
authnjwt_pva_request(const struct authnjwt_pva_target *t,
    const struct authnjwt_ccr *req, const struct authnjwt_pva_limits *lim,
    struct authnjwt_ccr_reply *rep, char *err, size_t errlen)
{
	struct pvaclient_limits pl;
	struct pvaclient_rpc rpc;
	struct pvaclient_reply body;
	struct pvaclient c;
	uint32_t sid;
	int r = -1;

	memset(rep, 0, sizeof(*rep));
	memset(&pl, 0, sizeof(pl));
	pl.connect_ms = lim->connect_ms;
	pl.total_ms = lim->total_ms;
	pl.max_msg = lim->max_msg;
	pl.plaintext_ok = lim->plaintext_ok;
	pl.note = lim->note;
	if (pvaclient_open(&c, t->host, t->port, t->loopback, &pl, err,
	    errlen) != 0 ||
	    pvaclient_channel(&c, AUTHNJWT_CCR_PV, PVA_CID, &sid, err,
	    errlen) != 0)
		goto out;
	memset(&rpc, 0, sizeof(rpc));
	rpc.name = AUTHNJWT_CCR_PV;
	rpc.sid = sid;
	rpc.ioid = PVA_IOID;
	rpc.pvrequest = authnjwt_ccr_pvrequest;
	rpc.args = pva_args;
	rpc.arg = req;
	if (pvaclient_rpc(&c, &rpc, &body, err, errlen) != 0 ||
	    authnjwt_ccr_reply_decode(body.data, body.len, body.be, rep, err,
	    errlen) != 0)
		goto out;

	/* Courtesy only: closing ends the operation as well. */
	pvaclient_destroy_request(&c, sid, PVA_IOID);
	(void)pvaclient_send(&c, err, errlen);
	err[0] = '\0';
	r = 0;
out:
	if (r != 0)
		authnjwt_ccr_reply_free(rep);
	pvaclient_close(&c);
	return r;
}
