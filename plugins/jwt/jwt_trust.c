/*
 * jwt_trust.c - a copy of the host's services table whose fetches carry
 * the plugin's trust anchors.  The modules (jwt_jwks, jwt_remote,
 * jwt_discovery, jwt_introspect) fetch through whatever table they are
 * given, so none of them needs to know about the CA file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jwt_trust.h"

#define JWT_TRUST_PATH_MAX 4096

static const struct pvacms_host_services *jwt_trust_host;
static struct pvacms_host_services jwt_trust_table;
static char *jwt_trust_ca;

static int	jwt_trust_fetch_tls(const struct pvacms_http_request *req,
		    const struct pvacms_http_tls *tls,
		    struct pvacms_http_response *resp, char *headers,
		    size_t headers_len, char *err, size_t errlen);

/* Whether the host table has http_fetch_tls (ABI 1.5). */
static int
jwt_trust_host_tls(const struct pvacms_host_services *h)
{
	return h != NULL && PVACMS_AUTHN_ABI_GET_MINOR(h->version) >= 5 &&
	    h->size >= offsetof(struct pvacms_host_services, http_fetch_tls) +
	    sizeof(h->http_fetch_tls) && h->http_fetch_tls != NULL;
}

static int
jwt_trust_fetch_tls(const struct pvacms_http_request *req,
    const struct pvacms_http_tls *tls, struct pvacms_http_response *resp,
    char *headers, size_t headers_len, char *err, size_t errlen)
{
	struct pvacms_http_tls t;

	memset(&t, 0, sizeof(t));
	if (tls != NULL)
		t = *tls;
	if (t.ca_file == NULL)
		t.ca_file = jwt_trust_ca;
	return jwt_trust_host->http_fetch_tls(req, &t, resp, headers,
	    headers_len, err, errlen);
}

static int
jwt_trust_fetch_headers(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *headers, size_t headers_len,
    char *err, size_t errlen)
{
	if (jwt_trust_ca != NULL)
		return jwt_trust_fetch_tls(req, NULL, resp, headers,
		    headers_len, err, errlen);
	return jwt_trust_host->http_fetch_headers(req, resp, headers,
	    headers_len, err, errlen);
}

static int
jwt_trust_fetch(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *err, size_t errlen)
{
	if (jwt_trust_ca != NULL)
		return jwt_trust_fetch_tls(req, NULL, resp, NULL, 0, err,
		    errlen);
	return jwt_trust_host->http_fetch(req, resp, err, errlen);
}

/* Fill jwt_trust_table: host's, with our fetch services. */
static void
jwt_trust_wrap(const struct pvacms_host_services *host)
{
	size_t n = host->size < sizeof(jwt_trust_table) ? host->size :
	    sizeof(jwt_trust_table);

	jwt_trust_host = host;
	memset(&jwt_trust_table, 0, sizeof(jwt_trust_table));
	memcpy(&jwt_trust_table, host, n);
	jwt_trust_table.size = n;
	jwt_trust_table.http_fetch = jwt_trust_fetch;
	/* Members the host lacks stay absent (size says so). */
	if (n >= offsetof(struct pvacms_host_services, http_fetch_headers) +
	    sizeof(host->http_fetch_headers) && host->http_fetch_headers !=
	    NULL)
		jwt_trust_table.http_fetch_headers = jwt_trust_fetch_headers;
	if (jwt_trust_host_tls(host))
		jwt_trust_table.http_fetch_tls = jwt_trust_fetch_tls;
}

const struct pvacms_host_services *
jwt_trust_set(const struct pvacms_host_services *host, const char *ca_file,
    char *err, size_t errlen)
{
	const char *p = ca_file;
	char *copy;

	while (p != NULL && (*p == ' ' || *p == '\t'))
		p++;
	if (p == NULL || *p == '\0')
		return host;	/* nothing to add: the host's own table */
	if (strlen(p) > JWT_TRUST_PATH_MAX || strchr(p, ' ') != NULL) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_CA_FILE: one path of at"
		    " most %d bytes", JWT_TRUST_PATH_MAX);
		return NULL;
	}
	if (access(p, R_OK) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_CA_FILE: %s: %s", p,
		    strerror(errno));
		return NULL;
	}
	if (!jwt_trust_host_tls(host)) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_CA_FILE: this pvacms"
		    " cannot take trust anchors from a plugin (needs plugin ABI"
		    " 1.5)");
		return NULL;
	}
	if ((copy = strdup(p)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	free(jwt_trust_ca);
	jwt_trust_ca = copy;
	jwt_trust_wrap(host);
	return &jwt_trust_table;
}

void
jwt_trust_clear(void)
{
	free(jwt_trust_ca);
	jwt_trust_ca = NULL;
	jwt_trust_host = NULL;
	memset(&jwt_trust_table, 0, sizeof(jwt_trust_table));
}
