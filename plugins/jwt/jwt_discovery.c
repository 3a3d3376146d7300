/*
 * jwt_discovery.c - read each issuer's OpenID configuration through the
 * host's http_fetch, hold it to the issuer it claims to describe, and
 * check what it points to before pvacms relies on it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jwt_config.h"
#include "jwt_discovery.h"
#include "jwt_jwks.h"
#include "jwt_list.h"
#include "jwt_status.h"
#include "jwt_url.h"

struct jwt_strbuf {
	char *s;
	size_t len;
};

static int	jwt_discovery_append(struct jwt_strbuf *b, const char *word);
static int	jwt_discovery_get(const struct pvacms_host_services *svc,
		    const char *url, long timeout_ms, size_t cap,
		    struct pvacms_http_response *resp, char *err,
		    size_t errlen);
static int	jwt_discovery_one(const struct pvacms_host_services *svc,
		    const char *iss, int want_jwks, int want_introspection,
		    long timeout_ms, struct jwt_strbuf *jwks,
		    struct jwt_strbuf *intro, char *err, size_t errlen);
static const char *jwt_discovery_member(json_t *doc, const char *name,
		    const char *iss, char *err, size_t errlen);

/* Append a space (unless first) and word; -1 on allocation failure. */
static int
jwt_discovery_append(struct jwt_strbuf *b, const char *word)
{
	size_t n = strlen(word);
	char *s;

	if ((s = realloc(b->s, b->len + n + 2)) == NULL)
		return -1;
	b->s = s;
	if (b->len > 0)
		b->s[b->len++] = ' ';
	memcpy(b->s + b->len, word, n + 1);
	b->len += n;
	return 0;
}

/* GET url; a transport failure or a non-200 status is an error. */
static int
jwt_discovery_get(const struct pvacms_host_services *svc, const char *url,
    long timeout_ms, size_t cap, struct pvacms_http_response *resp,
    char *err, size_t errlen)
{
	struct pvacms_http_request req;
	const char *headers[] = { "Accept: application/json", NULL };
	char why[256];

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.timeout_ms = timeout_ms;
	req.max_response = cap;
	why[0] = '\0';
	if (svc->http_fetch(&req, resp, why, sizeof(why)) != 0) {
		memset(resp, 0, sizeof(*resp));
		why[sizeof(why) - 1] = '\0';
		snprintf(err, errlen, "%s", why[0] != '\0' ? why :
		    "cannot fetch");
		return -1;
	}
	if (resp->status != 200) {
		snprintf(err, errlen, "%s answered HTTP %ld", url,
		    resp->status);
		svc->http_free(resp);
		return -1;
	}
	return 0;
}

/* A string member that must be a URL pvacms may fetch. */
static const char *
jwt_discovery_member(json_t *doc, const char *name, const char *iss,
    char *err, size_t errlen)
{
	const char *v = json_string_value(json_object_get(doc, name));
	char why[128];

	if (v == NULL) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: the OpenID"
		    " configuration of %s has no %s", iss, name);
		return NULL;
	}
	if (strlen(v) > JWT_LIST_ITEM_MAX || strchr(v, ' ') != NULL ||
	    jwt_config_fetchable(v, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: the %s of %s"
		    " is not usable: %s", name, iss, strlen(v) >
		    JWT_LIST_ITEM_MAX || strchr(v, ' ') != NULL ?
		    "too long or holds a space" : why);
		return NULL;
	}
	return v;
}

static int
jwt_discovery_one(const struct pvacms_host_services *svc, const char *iss,
    int want_jwks, int want_introspection, long timeout_ms,
    struct jwt_strbuf *jwks, struct jwt_strbuf *intro, char *err,
    size_t errlen)
{
	struct pvacms_http_response resp;
	struct jwt_keyset *set;
	json_t *doc = NULL;
	json_error_t jerr;
	const char *said, *v;
	char *url = NULL, why[384], safe[128];
	size_t n = strlen(iss), skipped;
	int rc = -1;

	if (jwt_config_fetchable(iss, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: %s: %s (an issuer"
		    " without EPICS_AUTH_JWT_JWKS_URI is discovered, so it"
		    " must be its URL)", iss, why);
		return -1;
	}
	/* Discovery §4: a terminating '/' goes before the suffix. */
	if (n > 0 && iss[n - 1] == '/')
		n--;
	if ((url = malloc(n + sizeof(JWT_DISCOVERY_PATH))) == NULL)
		goto nomem;
	memcpy(url, iss, n);
	memcpy(url + n, JWT_DISCOVERY_PATH, sizeof(JWT_DISCOVERY_PATH));
	if (jwt_discovery_get(svc, url, timeout_ms, JWT_DISCOVERY_MAX, &resp,
	    why, sizeof(why)) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: cannot read the"
		    " OpenID configuration of %s: %s", iss, why);
		goto out;
	}
	doc = json_loadb(resp.body != NULL ? resp.body : "", resp.body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	svc->http_free(&resp);
	if (doc == NULL || !json_is_object(doc)) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: the OpenID"
		    " configuration of %s is not a JSON object", iss);
		goto out;
	}
	said = json_string_value(json_object_get(doc, "issuer"));
	if (said == NULL || strcmp(said, iss) != 0) {
		jwt_status_sanitize(safe, sizeof(safe), said, 100);
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: the OpenID"
		    " configuration at %s names issuer '%s', not %s (it must"
		    " match exactly)", url, said != NULL ? safe : "(none)",
		    iss);
		goto out;
	}
	if (want_jwks) {
		if ((v = jwt_discovery_member(doc, "jwks_uri", iss, err,
		    errlen)) == NULL)
			goto out;
		/* A wrong key set is found now, not by the first user. */
		if (jwt_discovery_get(svc, v, timeout_ms, JWT_DISCOVERY_MAX,
		    &resp, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: the"
			    " jwks_uri of %s: %s", iss, why);
			goto out;
		}
		set = jwt_jwks_parse(resp.body != NULL ? resp.body : "",
		    resp.body_len, &skipped, why, sizeof(why));
		svc->http_free(&resp);
		if (set == NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: the"
			    " jwks_uri of %s: %s", iss, why);
			goto out;
		}
		jwt_keyset_free(set);
		if (jwt_discovery_append(jwks, v) != 0)
			goto nomem;
	}
	if (want_introspection) {
		v = json_string_value(json_object_get(doc,
		    "introspection_endpoint"));
		if (v == NULL) {
			/* Fine while EPICS_AUTH_JWT_INTROSPECTION_URI names it. */
			if (jwt_discovery_append(intro, "-") != 0)
				goto nomem;
		} else if ((v = jwt_discovery_member(doc,
		    "introspection_endpoint", iss, err, errlen)) == NULL)
			goto out;
		else if (jwt_discovery_append(intro, v) != 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	json_decref(doc);
	free(url);
	return rc;
}

int
jwt_discovery_run(const struct pvacms_host_services *svc,
    const char *issuers, int want_jwks, int want_introspection,
    long timeout_ms, struct jwt_discovery *out, char *err, size_t errlen)
{
	struct jwt_strbuf jwks = { NULL, 0 }, intro = { NULL, 0 };
	char **iss = NULL;
	size_t niss = 0, i;

	memset(out, 0, sizeof(*out));
	if (jwt_list_split("EPICS_AUTH_JWT_ISSUER", issuers,
	    JWT_LIST_MAX, &iss, &niss, err, errlen) != 0)
		return -1;
	if (niss == 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_ISSUER: not set");
		return -1;
	}
	for (i = 0; i < niss; i++)
		if (jwt_discovery_one(svc, iss[i], want_jwks,
		    want_introspection, timeout_ms, &jwks, &intro, err,
		    errlen) != 0)
			goto bad;
	jwt_list_free(iss, niss);
	out->jwks_uris = jwks.s;
	out->introspection_uris = intro.s;
	return 0;
bad:
	jwt_list_free(iss, niss);
	free(jwks.s);
	free(intro.s);
	return -1;
}

void
jwt_discovery_clear(struct jwt_discovery *d)
{
	if (d == NULL)
		return;
	free(d->jwks_uris);
	free(d->introspection_uris);
	d->jwks_uris = d->introspection_uris = NULL;
}
