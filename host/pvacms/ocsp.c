/*
 * ocsp.c - the RFC 6960 OCSP responder.
 */
#include "config.h"

#include <event2/http.h>

#include "api.h"
#include "ocsp.h"

void
ocsp_handle(struct app *app, struct evhttp_request *req, const char *get_path)
{
	(void)app;
	(void)get_path;
	api_reply_error(req, 501, "not_implemented",
	    "the OCSP responder is not implemented yet");
}
