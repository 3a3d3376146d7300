/*
 * test_jwt_fake.h - a fake host services table for the plugin tests: a
 * config lookup over a small table and an http_fetch that records the
 * request and answers what the test programmed.
 */
#ifndef PVACMS_TEST_JWT_FAKE_H
#define PVACMS_TEST_JWT_FAKE_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvacms/authn.h"

#define FK_MAXVARS 16

static struct {
	const char *names[FK_MAXVARS];
	const char *values[FK_MAXVARS];
	size_t nvars;

	/* What the next fetch answers. */
	int fail;			/* 1: return -1 with fail_reason */
	const char *fail_reason;
	long status;
	const char *body;

	/* What the last fetch was asked. */
	int calls;
	char method[8];
	char url[16384];
	char headers[16384];
	char body_sent[16384];
	int has_body;
	long timeout_ms;
	size_t max_response;

	char log[16384];
} fk;

static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
fk_get(const char *name)
{
	size_t i;

	for (i = 0; i < fk.nvars; i++)
		if (strcmp(fk.names[i], name) == 0)
			return fk.values[i];
	return NULL;
}

static void
fk_set(const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < fk.nvars; i++)
		if (strcmp(fk.names[i], name) == 0) {
			fk.values[i] = value;
			return;
		}
	fk.names[fk.nvars] = name;
	fk.values[fk.nvars++] = value;
}

static void __attribute__((format(printf, 2, 3)))
fk_log(int level, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	pthread_mutex_lock(&fk_lock);
	n = strlen(fk.log);
	va_start(ap, fmt);
	if (n + 2 < sizeof(fk.log))
		vsnprintf(fk.log + n, sizeof(fk.log) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(fk.log);
	if (n + 1 < sizeof(fk.log))
		strcat(fk.log, "\n");
	else
		fk.log[0] = '\0';	/* keep it from filling up */
	pthread_mutex_unlock(&fk_lock);
	(void)level;
}

static int
fk_fetch(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *err, size_t errlen)
{
	const char *const *h;
	size_t blen;
	int fail;

	pthread_mutex_lock(&fk_lock);
	fk.calls++;
	snprintf(fk.method, sizeof(fk.method), "%s", req->method);
	snprintf(fk.url, sizeof(fk.url), "%s", req->url);
	fk.headers[0] = '\0';
	for (h = req->headers; h != NULL && *h != NULL; h++) {
		strncat(fk.headers, *h, sizeof(fk.headers) -
		    strlen(fk.headers) - 2);
		strcat(fk.headers, "\n");
	}
	fk.has_body = req->body != NULL;
	snprintf(fk.body_sent, sizeof(fk.body_sent), "%.*s",
	    (int)req->body_len, req->body != NULL ? req->body : "");
	fk.timeout_ms = req->timeout_ms;
	fk.max_response = req->max_response;
	fail = fk.fail;
	if (fail)
		snprintf(err, errlen, "%s", fk.fail_reason);
	else {
		blen = fk.body != NULL ? strlen(fk.body) : 0;
		resp->status = fk.status;
		resp->body = malloc(blen + 1);
		memcpy(resp->body, fk.body != NULL ? fk.body : "", blen + 1);
		resp->body_len = blen;
		resp->content_type = NULL;
	}
	pthread_mutex_unlock(&fk_lock);
	return fail ? -1 : 0;
}

static void
fk_free(struct pvacms_http_response *resp)
{
	free(resp->body);
	free(resp->content_type);
	resp->body = NULL;
	resp->content_type = NULL;
}

static struct pvacms_host_services fk_services = {
	.version = PVACMS_AUTHN_ABI_VERSION,
	.size = sizeof(struct pvacms_host_services),
	.log = fk_log,
	.config_get = fk_get,
	.http_fetch = fk_fetch,
	.http_free = fk_free,
};

#define FK_SEED_BODY "{\"claims\":{\"aud\":\"default\",\"exp\":1755150736," \
	"\"iat\":1755147136,\"iss\":\"http://localhost:8080/default\"," \
	"\"jti\":\"c40d1fc2-40f2-4bf9-a84a-fff5fadea38a\",\"nbf\":1755147136," \
	"\"sub\":\"softioc\"},\"header\":{\"alg\":\"RS256\",\"kid\":" \
	"\"demo-key-1\",\"typ\":\"JWT\"},\"valid\":true}"
#define FK_FALSE_BODY "{\"error\":\"Signature has expired\",\"valid\":false}"

#endif
