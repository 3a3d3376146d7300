/*
 * httperr.h - libevent's own error pages, answered in pvacms's JSON.
 *
 * For a request it cannot parse (400) or one whose headers or body pass
 * the caps (413), evhttp answers by itself with an HTML page, before any
 * pvacms code sees the request; libevent 2.1 has no hook for it.  Every
 * other answer of pvacms is a JSON error object that clients parse.  So
 * the output buffer of each HTTP connection is watched: an answer that
 * ends in evhttp's error page (the only text/html pvacms ever sends) is
 * rewritten, before a byte of it leaves, into the same status with
 * {"error":{"code":...,"message":...}}.
 */
#ifndef PVACMS_HTTPERR_H
#define PVACMS_HTTPERR_H

struct bufferevent;

/* Watch bev's output.  0, or -1 when out of memory. */
int httperr_watch(struct bufferevent *bev);

#endif
