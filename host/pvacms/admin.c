/*
 * admin.c - approve, deny and revoke over HTTPS with a client certificate.
 */
#include "config.h"

#include <string.h>

#include <event2/http.h>

#include "admin.h"
#include "api.h"

enum admin_action
admin_action_of(const char *rest, char *cert_id, size_t cert_id_len)
{
	static const struct {
		const char *suffix;
		enum admin_action action;
	} actions[] = {
		{ "/approve", ADMIN_APPROVE },
		{ "/deny", ADMIN_DENY },
		{ "/revoke", ADMIN_REVOKE },
	};
	size_t i, len = strlen(rest), slen;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		slen = strlen(actions[i].suffix);
		if (len <= slen || strcmp(rest + len - slen,
		    actions[i].suffix) != 0)
			continue;
		if (len - slen >= cert_id_len ||
		    memchr(rest, '/', len - slen) != NULL)
			return ADMIN_NONE;
		memcpy(cert_id, rest, len - slen);
		cert_id[len - slen] = '\0';
		return actions[i].action;
	}
	return ADMIN_NONE;
}

void
admin_handle(struct app *app, struct evhttp_request *req,
    const char *cert_id, enum admin_action action)
{
	(void)app;
	(void)cert_id;
	(void)action;
	api_reply_error(req, 501, "not_implemented",
	    "administration is not implemented yet");
}
