/*
 * httpc.h - the one HTTP client of pvacms (libcurl easy interface), used
 * by the command-line tools and by the host's http_fetch plugin service.
 * Every request has a connect and a total timeout, a response-size cap,
 * no redirects, http/https only, and TLS peer verification always on.
 */
#ifndef PVACMS_HTTPC_H
#define PVACMS_HTTPC_H

#include <stddef.h>

#define HTTPC_DEFAULT_TIMEOUT_MS 10000
#define HTTPC_DEFAULT_MAX_RESPONSE (256 * 1024)

struct httpc_request {
	const char *method;		/* "GET" or "POST"; NULL means GET */
	const char *url;
	const char *const *headers;	/* NULL-terminated, or NULL */
	const char *body;		/* for POST */
	size_t body_len;
	long timeout_ms;		/* <= 0: HTTPC_DEFAULT_TIMEOUT_MS */
	size_t max_response;		/* 0: HTTPC_DEFAULT_MAX_RESPONSE */
	const char *ca_file;		/* PEM trust anchors for https; NULL: system store */
	const char *client_p12;		/* client keychain for mutual TLS, or NULL */
	const char *client_p12_password;
	int plain_loopback_only;	/* refuse http:// to non-loopback hosts */
	char *headers_out;		/* if set: the final answer's headers as */
	size_t headers_out_len;		/* "name: value\n" lines, names lower-cased,
					   NUL-terminated, truncated to fit */
};

struct httpc_response {
	long status;
	char *body;			/* NUL-terminated; owned, see httpc_response_free */
	size_t body_len;
	char *content_type;		/* owned; may be NULL */
};

/* Call once from main before any thread starts. */
int httpc_global_init(char *err, size_t errlen);
void httpc_global_cleanup(void);

/*
 * Perform one request.  0 with *resp filled (free with
 * httpc_response_free) or -1 with a one-line reason ("timed out after
 * 5000 ms", "response larger than 262144 bytes", "connection refused").
 * Any HTTP status is success here; the caller judges it.
 */
int httpc_fetch(const struct httpc_request *req, struct httpc_response *resp,
    char *err, size_t errlen);

void httpc_response_free(struct httpc_response *resp);

/* 1 if url is http:// or https:// to 127.0.0.0/8, ::1 or localhost. */
int httpc_url_is_loopback(const char *url);

#endif
