/*
 * issue.h - POST /v1/certs: a certificate request from parse to reply.
 */
#ifndef PVACMS_ISSUE_H
#define PVACMS_ISSUE_H

struct app;
struct evhttp_request;

void issue_handle(struct app *app, struct evhttp_request *req);

#endif
