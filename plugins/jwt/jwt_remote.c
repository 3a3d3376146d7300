/*
 * jwt_remote.c - remote validation: build the validator request from
 * EPICS_AUTH_JWT_REQUEST_FORMAT and _METHOD, send it with the host's
 * http_fetch (which verifies TLS, follows no redirect, caps the answer
 * and bounds the time), and judge the answer by status code or by the
 * response pattern.  Fails closed: anything but a clear yes is a no.
 *
 * GET: the token goes in "Authorization: Bearer" and in the query.  The
 * default format "#token#" becomes "token=<url-encoded token>" (what the
 * seed's validator reads); any other format is a query written by the
 * operator (checked at configuration time to hold only query
 * characters) and is appended after '?' (or '&' when the trusted URI
 * already has a query) with the #token# and #kid# values url-encoded.
 * POST: the substituted format is the body, sent as application/json
 * when it starts with '{', as application/x-www-form-urlencoded (the
 * values url-encoded) when it starts with "name=" like an RFC 7662
 * introspection request "token=#token#", else as text/plain.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_cred.h"
#include "jwt_pattern.h"
#include "jwt_remote.h"
#include "jwt_status.h"
#include "jwt_url.h"

#define JWT_TOKEN_TAG "#token#"
#define JWT_KID_TAG "#kid#"

static void	jwt_remote_redact(char *msg, const char *token,
		    size_t toklen, int cut_query);
static int	jwt_remote_timeout(const char *msg);
static int	jwt_remote_is_form(const char *fmt);

int
jwt_remote_kid_ok(const char *kid)
{
	size_t i, len;

	if (kid == NULL || (len = strlen(kid)) == 0 || len > JWT_KID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = kid[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == ':' || ch == '-'))
			return 0;
	}
	return 1;
}

/* Whether a POST format reads as a form: a name, then '='. */
static int
jwt_remote_is_form(const char *fmt)
{
	const char *p = fmt;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p == '#')
		return 0;	/* "#token#..." */
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.')
		p++;
	return p != fmt && *p == '=';
}

char *
jwt_remote_format(const char *fmt, const char *token, size_t toklen,
    const char *kid, int urlencode)
{
	size_t tl = strlen(JWT_TOKEN_TAG), kl = strlen(JWT_KID_TAG);
	size_t pass, n = 0;
	size_t kidlen = kid != NULL ? strlen(kid) : 0;
	char *out = NULL;
	const char *p;

	/* Pass 0 measures, pass 1 writes. */
	for (pass = 0; pass < 2; pass++) {
		n = 0;
		for (p = fmt; *p != '\0';) {
			if (strncmp(p, JWT_TOKEN_TAG, tl) == 0) {
				n += jwt_url_encode(out ? out + n : NULL, token,
				    toklen, urlencode);
				p += tl;
			} else if (strncmp(p, JWT_KID_TAG, kl) == 0) {
				n += jwt_url_encode(out ? out + n : NULL,
				    kid != NULL ? kid : "", kidlen, urlencode);
				p += kl;
			} else {
				if (out != NULL)
					out[n] = *p;
				n++;
				p++;
			}
		}
		if (pass == 0 && (out = malloc(n + 1)) == NULL)
			return NULL;
	}
	out[n] = '\0';
	return out;
}

int
jwt_remote_build(const struct jwt_config *cfg, const char *token,
    size_t toklen, const char *kid, char **url, char **body,
    const char **ctype)
{
	char *query = NULL;
	const char *f;
	size_t len;

	*url = *body = NULL;
	*ctype = NULL;
	if (!cfg->method_get) {
		int form = jwt_remote_is_form(cfg->request_format);

		if ((*body = jwt_remote_format(cfg->request_format, token,
		    toklen, kid, form)) == NULL)
			return -1;
		for (f = cfg->request_format; *f == ' ' || *f == '\t' ||
		    *f == '\r' || *f == '\n'; f++)
			;
		if (form)
			*ctype = "application/x-www-form-urlencoded";
		else
			*ctype = *f == '{' ? "application/json" : "text/plain";
		if ((*url = strdup(cfg->trusted_uri)) == NULL) {
			free(*body);
			*body = NULL;
			return -1;
		}
		return 0;
	}
	if (strcmp(cfg->request_format, JWT_TOKEN_TAG) == 0)
		query = jwt_remote_format("token=" JWT_TOKEN_TAG, token, toklen,
		    kid, 1);
	else
		query = jwt_remote_format(cfg->request_format, token, toklen,
		    kid, 1);
	if (query == NULL)
		return -1;
	len = strlen(cfg->trusted_uri) + 1 + strlen(query) + 1;
	if ((*url = malloc(len)) == NULL) {
		free(query);
		return -1;
	}
	snprintf(*url, len, "%s%c%s", cfg->trusted_uri,
	    cfg->trusted.has_query ? '&' : '?', query);
	free(query);
	return 0;
}

int
jwt_remote_has_cred(const struct jwt_config *cfg)
{
	return cfg->cred != NULL && (cfg->cred->client_id != NULL ||
	    cfg->cred->bearer != NULL || cfg->cred->keychain != NULL);
}

int
jwt_remote_judge(const struct jwt_config *cfg, long status, const char *body,
    size_t len, char *err, size_t errlen)
{
	char why[PVACMS_REASON_MAX], value[40];

	if (status >= 500 || status <= 0) {
		snprintf(err, errlen, "validator error: HTTP %ld", status);
		return JWT_VALIDATOR_ERROR;
	}
	if (status >= 300 && status < 400) {
		snprintf(err, errlen, "validator error: HTTP %ld (redirects"
		    " are not followed)", status);
		return JWT_VALIDATOR_ERROR;
	}
	if ((status == 401 || status == 403) && jwt_remote_has_cred(cfg)) {
		snprintf(err, errlen, "validator refused pvacms's own"
		    " credentials (HTTP %ld)", status);
		return JWT_VALIDATOR_AUTH;
	}
	if (status < 200 || status >= 300) {
		snprintf(err, errlen, "validator rejected the token (HTTP %ld)",
		    status);
		return JWT_REJECTED;
	}
	if (cfg->use_response_code) {
		if (status == 200)
			return JWT_OK;
		snprintf(err, errlen, "validator rejected the token (HTTP %ld,"
		    " not 200)", status);
		return JWT_REJECTED;
	}
	if (body == NULL)
		len = 0;
	/* An answer the pattern cannot read is the validator's fault (or
	 * the site's configuration), not the token's: 502, not 401. */
	if (jwt_pattern_extract(cfg->response_format, body != NULL ? body :
	    "", len, value, sizeof(value), why, sizeof(why)) != 0) {
		snprintf(err, errlen, "validator error: its answer does not "
		    "match the response pattern: %s", why);
		return JWT_VALIDATOR_ERROR;
	}
	if (jwt_pattern_truthy(value))
		return JWT_OK;
	snprintf(err, errlen, "validator rejected the token: validator "
	    "answered '%s'", value);
	return JWT_REJECTED;
}

/*
 * The host's fetch error may quote the URL, which for GET holds the
 * token: cut the message at the query, and at anything that looks like
 * the start of the token.
 */
static void
jwt_remote_redact(char *msg, const char *token, size_t toklen, int cut_query)
{
	char probe[17];
	char *hit;
	size_t n = toklen < 16 ? toklen : 16;

	/*
	 * Cut only the query ("?token=...") and keep the reason after it
	 * ("<url>?...: timed out after 1000 ms"): the user needs the why.
	 */
	if (cut_query && (hit = strchr(msg, '?')) != NULL) {
		char *rest = strstr(hit, ": ");

		if (rest == NULL)
			snprintf(hit, strlen(hit) + 1, "?...");
		else if (rest - hit >= 4) {
			memmove(hit + 4, rest, strlen(rest) + 1);
			memcpy(hit, "?...", 4);
		}
	}
	if (n == 0)
		return;
	memcpy(probe, token, n);
	probe[n] = '\0';
	if ((hit = strstr(msg, probe)) != NULL)
		snprintf(hit, strlen(hit) + 1, "...");
}

/* The host's fetch stopped reading an answer over the cap. */
static int
jwt_remote_too_large(const char *msg)
{
	return strstr(msg, "larger than") != NULL;
}

static int
jwt_remote_timeout(const char *msg)
{
	return strcasestr(msg, "timed out") != NULL ||
	    strcasestr(msg, "timeout") != NULL;
}

int
jwt_remote_call(const struct pvacms_host_services *svc,
    const struct pvacms_http_request *req, const char *keychain,
    const char *token, size_t toklen, struct pvacms_http_response *resp,
    char *err, size_t errlen)
{
	struct pvacms_http_tls tls;
	char why[PVACMS_REASON_MAX];
	int rc;

	memset(resp, 0, sizeof(*resp));
	why[0] = '\0';
	if (keychain != NULL) {
		/* Mutual TLS needs the 1.5 host: never fall back without it. */
		if (PVACMS_AUTHN_ABI_GET_MINOR(svc->version) < 5 ||
		    svc->size < offsetof(struct pvacms_host_services,
		    http_fetch_tls) + sizeof(svc->http_fetch_tls) ||
		    svc->http_fetch_tls == NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLIENT_KEYCHAIN:"
			    " this pvacms cannot present a client keychain"
			    " (needs plugin ABI 1.5)");
			return JWT_INTERNAL;
		}
		memset(&tls, 0, sizeof(tls));
		tls.client_keychain = keychain;
		rc = svc->http_fetch_tls(req, &tls, resp, NULL, 0, why,
		    sizeof(why));
	} else
		rc = svc->http_fetch(req, resp, why, sizeof(why));
	if (rc != 0) {
		memset(resp, 0, sizeof(*resp));
		why[sizeof(why) - 1] = '\0';
		jwt_remote_redact(why, token, toklen, 1);
		if (jwt_remote_too_large(why)) {
			/* It answered, with too much: not unreachable. */
			snprintf(err, errlen, "validator error: %s", why);
			return JWT_VALIDATOR_ERROR;
		}
		if (jwt_remote_timeout(why)) {
			snprintf(err, errlen, "validator timed out: %s", why);
			return JWT_TIMEOUT;
		}
		snprintf(err, errlen, "validator unreachable: %s",
		    why[0] != '\0' ? why : "no reason given");
		return JWT_UNREACHABLE;
	}
	if (resp->body_len > req->max_response && req->max_response > 0) {
		svc->http_free(resp);
		memset(resp, 0, sizeof(*resp));
		snprintf(err, errlen, "validator error: answer larger than %zu"
		    " bytes", req->max_response);
		return JWT_VALIDATOR_ERROR;
	}
	return JWT_OK;
}

void
jwt_remote_excerpt(char *dst, size_t dstlen, const char *body, size_t len,
    const char *token, size_t toklen)
{
	char raw[JWT_EXCERPT_MAX + 1];
	size_t n = len < JWT_EXCERPT_MAX ? len : JWT_EXCERPT_MAX, i;

	if (dstlen == 0)
		return;
	memcpy(raw, body != NULL ? body : "", body != NULL ? n : 0);
	raw[body != NULL ? n : 0] = '\0';
	/* One line: white space runs become one space. */
	for (i = 0; raw[i] != '\0'; i++)
		if (raw[i] == '\n' || raw[i] == '\r' || raw[i] == '\t')
			raw[i] = ' ';
	/* An answer that echoes the token must not put it in a log. */
	jwt_remote_redact(raw, token, toklen, 0);
	jwt_status_sanitize(dst, dstlen, raw, len > JWT_EXCERPT_MAX ?
	    JWT_EXCERPT_MAX - 3 : JWT_EXCERPT_MAX);
	if (len > JWT_EXCERPT_MAX && strlen(dst) + 4 < dstlen)
		strcat(dst, "...");
}

int
jwt_remote_fetch(const struct pvacms_host_services *svc,
    const struct jwt_config *cfg, const char *token, size_t toklen,
    const char *kid, struct pvacms_http_response *resp, char *err,
    size_t errlen)
{
	struct pvacms_http_request req;
	const char *headers[4];
	char *url = NULL, *body = NULL, *auth = NULL, *ctype_hdr = NULL;
	char *cauth = NULL, *cform = NULL, *joined;
	const char *ctype;
	size_t nh = 0, len;
	int rc = JWT_INTERNAL;

	memset(resp, 0, sizeof(*resp));
	if (strstr(cfg->request_format, JWT_KID_TAG) != NULL && kid != NULL &&
	    !jwt_remote_kid_ok(kid)) {
		snprintf(err, errlen, "token kid is not a safe string");
		return JWT_MALFORMED;
	}
	if (jwt_remote_build(cfg, token, toklen, kid, &url, &body,
	    &ctype) != 0)
		goto nomem;
	if (jwt_cred_request(cfg->cred, &cauth, &cform) != 0)
		goto nomem;
	headers[nh++] = "Accept: application/json, text/plain;q=0.9, */*;q=0.1";
	if (cauth != NULL)
		headers[nh++] = cauth;	/* pvacms's own credential */
	if (cfg->method_get) {
		if (cauth == NULL) {
			len = strlen("Authorization: Bearer ") + toklen + 1;
			if ((auth = malloc(len)) == NULL)
				goto nomem;
			snprintf(auth, len, "Authorization: Bearer %.*s",
			    (int)toklen, token);
			headers[nh++] = auth;
		}
	} else {
		if (cform != NULL) {
			/* client_secret_post: a form format (checked at load). */
			len = strlen(body) + 1 + strlen(cform) + 1;
			if ((joined = malloc(len)) == NULL)
				goto nomem;
			snprintf(joined, len, "%s&%s", body, cform);
			jwt_cred_wipe(body);
			body = joined;
		}
		len = strlen("Content-Type: ") + strlen(ctype) + 1;
		if ((ctype_hdr = malloc(len)) == NULL)
			goto nomem;
		snprintf(ctype_hdr, len, "Content-Type: %s", ctype);
		headers[nh++] = ctype_hdr;
	}
	headers[nh] = NULL;

	memset(&req, 0, sizeof(req));
	req.method = cfg->method_get ? "GET" : "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_ms = cfg->timeout_ms;
	req.max_response = JWT_BODY_MAX;
	rc = jwt_remote_call(svc, &req, cfg->cred != NULL ?
	    cfg->cred->keychain : NULL, token, toklen, resp, err, errlen);
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = JWT_INTERNAL;
out:
	free(url);
	jwt_cred_wipe(body);
	jwt_cred_wipe(auth);
	jwt_cred_wipe(cauth);
	jwt_cred_wipe(cform);
	free(ctype_hdr);
	return rc;
}

int
jwt_remote_verify(const struct pvacms_host_services *svc,
    const struct jwt_config *cfg, const char *token, size_t toklen,
    const char *kid, char *err, size_t errlen)
{
	struct pvacms_http_response resp;
	int rc;

	if ((rc = jwt_remote_fetch(svc, cfg, token, toklen, kid, &resp, err,
	    errlen)) != JWT_OK)
		return rc;
	rc = jwt_remote_judge(cfg, resp.status, resp.body, resp.body_len, err,
	    errlen);
	svc->http_free(&resp);
	return rc;
}
