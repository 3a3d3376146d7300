/*
 * httpc.c - the one HTTP client of pvacms, on the libcurl easy
 * interface.  Every request has a connect and a total timeout, a cap on
 * the response size, no redirects, http/https only, and TLS peer and
 * host verification always on.  Each call owns its own easy handle, so
 * the functions are thread-safe once httpc_global_init() has run.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "httpc.h"

#define HTTPC_CONNECT_TIMEOUT_MAX_MS 5000L

struct httpc_sink {
	char	*buf;
	size_t	 len;
	size_t	 size;
	size_t	 cap;
	int	 overflow;
	int	 nomem;
};

static size_t	httpc_write_cb(char *ptr, size_t size, size_t nmemb,
		    void *userdata);
static size_t	httpc_header_cb(char *ptr, size_t size, size_t nmemb,
		    void *userdata);
static int	httpc_host_is_loopback(const char *host);
static int	httpc_check_url(const struct httpc_request *req, char *err,
		    size_t errlen);

int
httpc_global_init(char *err, size_t errlen)
{
	CURLcode c;

	if ((c = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init: %s",
		    curl_easy_strerror(c));
		return -1;
	}
	return 0;
}

void
httpc_global_cleanup(void)
{
	curl_global_cleanup();
}

/* Where header lines go: a caller's buffer, filled as far as it fits. */
struct httpc_hdrsink {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

/*
 * One header line from curl.  A status line starts a new answer (after a
 * 100 Continue, say), so only the final answer's headers are kept.  Names
 * are lower-cased, CR/LF stripped, and a line that does not fit whole is
 * dropped rather than cut.
 */
static size_t
httpc_header_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_hdrsink *h = userdata;
	size_t n = size * nmemb, len = n, i;
	int in_name = 1;

	if (strncmp(ptr, "HTTP/", n < 5 ? n : 5) == 0 && n >= 5) {
		h->len = 0;
		h->buf[0] = '\0';
		return n;
	}
	while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n' ||
	    ptr[len - 1] == ' ' || ptr[len - 1] == '\t'))
		len--;
	if (len == 0 || memchr(ptr, ':', len) == NULL ||
	    h->len + len + 2 > h->size)
		return n;
	for (i = 0; i < len; i++) {
		char ch = ptr[i];

		if (ch == ':')
			in_name = 0;
		if ((unsigned char)ch < 0x20 && ch != '\t')
			ch = ' ';
		h->buf[h->len++] = in_name ? (char)tolower((unsigned char)ch) :
		    ch;
	}
	h->buf[h->len++] = '\n';
	h->buf[h->len] = '\0';
	return n;
}

static size_t
httpc_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_sink *s = userdata;
	size_t n = size * nmemb;
	size_t want;
	char *nb;

	if (n == 0)
		return 0;
	if (n > s->cap - s->len) {
		s->overflow = 1;
		return 0;	/* makes curl abort with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->size) {
		want = s->size ? s->size : 4096;
		while (want < s->len + n + 1)
			want *= 2;
		if (want > s->cap + 1)
			want = s->cap + 1;
		if ((nb = realloc(s->buf, want)) == NULL) {
			s->nomem = 1;
			return 0;
		}
		s->buf = nb;
		s->size = want;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* 1 for "localhost", 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
static int
httpc_host_is_loopback(const char *host)
{
	char buf[64];
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;
	char *pct;

	if (host == NULL || *host == '\0')
		return 0;
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	n = strlen(host);
	if (host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else if (n < sizeof(buf)) {
		memcpy(buf, host, n + 1);
	} else
		return 0;
	if ((pct = strchr(buf, '%')) != NULL)
		*pct = '\0';
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

int
httpc_url_is_loopback(const char *url)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int r = 0;

	if (url == NULL || (u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0)
		goto out;
	r = httpc_host_is_loopback(host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

/*
 * The URL as error messages show it: without its query, which may hold a
 * credential (a validator called with ?token=...), and bounded in length.
 */
static void
httpc_shown_url(const char *url, char *out, size_t outlen)
{
	size_t n = strcspn(url, "?#");

	if (n > 200)
		n = 200;
	snprintf(out, outlen, "%.*s%s", (int)n, url,
	    url[n] != '\0' ? "?..." : "");
}

/* Scheme must be http or https; plain http may be limited to loopback. */
static int
httpc_check_url(const struct httpc_request *req, char *err, size_t errlen)
{
	CURLU *u;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL;
	char shown[256];
	int rc = -1;

	httpc_shown_url(req->url, shown, sizeof(shown));

	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, req->url, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0)) !=
	    CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_HOST, &host, 0)) != CURLUE_OK) {
		snprintf(err, errlen, "%s: malformed URL (%s)", shown,
		    curl_url_strerror(uc));
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    strcasecmp(scheme, "http") != 0) {
		snprintf(err, errlen, "%s: unsupported URL scheme \"%s\"; "
		    "use http or https", shown, scheme);
		goto out;
	}
	if (req->plain_loopback_only && strcasecmp(scheme, "http") == 0 &&
	    !httpc_host_is_loopback(host)) {
		snprintf(err, errlen, "refusing plain http to non-loopback "
		    "host %s; use https", host);
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int
httpc_fetch(const struct httpc_request *req, struct httpc_response *resp,
    char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE], shown[256];
	struct httpc_sink sink;
	struct httpc_hdrsink hsink;
	struct curl_slist *hdrs = NULL, *t;
	const char *method;
	const char *const *h;
	char *ct = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long timeout, ctimeout, status = 0;
	int post, rc = -1;

	memset(resp, 0, sizeof(*resp));
	memset(&sink, 0, sizeof(sink));
	errbuf[0] = '\0';
	if (req == NULL || req->url == NULL) {
		snprintf(err, errlen, "no URL");
		return -1;
	}
	httpc_shown_url(req->url, shown, sizeof(shown));
	method = req->method != NULL ? req->method : "GET";
	if (strcmp(method, "GET") == 0)
		post = 0;
	else if (strcmp(method, "POST") == 0)
		post = 1;
	else {
		snprintf(err, errlen, "%s: unsupported method %s", shown,
		    method);
		return -1;
	}
	if (httpc_check_url(req, err, errlen) != 0)
		return -1;
	timeout = req->timeout_ms > 0 ? req->timeout_ms :
	    HTTPC_DEFAULT_TIMEOUT_MS;
	ctimeout = timeout < HTTPC_CONNECT_TIMEOUT_MAX_MS ? timeout :
	    HTTPC_CONNECT_TIMEOUT_MAX_MS;
	sink.cap = req->max_response > 0 ? req->max_response :
	    HTTPC_DEFAULT_MAX_RESPONSE;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "%s: cannot create a curl handle",
		    shown);
		return -1;
	}
	for (h = req->headers; h != NULL && *h != NULL; h++) {
		if ((t = curl_slist_append(hdrs, *h)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		hdrs = t;
	}
	cc = CURLE_OK;
#define HTTPC_SET(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(c, opt, val); } \
	while (0)
	HTTPC_SET(CURLOPT_ERRORBUFFER, errbuf);
	HTTPC_SET(CURLOPT_URL, req->url);
	if (req->headers_out != NULL && req->headers_out_len > 0) {
		hsink.buf = req->headers_out;
		hsink.size = req->headers_out_len;
		hsink.len = 0;
		hsink.buf[0] = '\0';
		HTTPC_SET(CURLOPT_HEADERFUNCTION, httpc_header_cb);
		HTTPC_SET(CURLOPT_HEADERDATA, &hsink);
	}
	HTTPC_SET(CURLOPT_NOSIGNAL, 1L);
	HTTPC_SET(CURLOPT_FOLLOWLOCATION, 0L);
	HTTPC_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	HTTPC_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	HTTPC_SET(CURLOPT_CONNECTTIMEOUT_MS, ctimeout);
	HTTPC_SET(CURLOPT_TIMEOUT_MS, timeout);
	HTTPC_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	HTTPC_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	HTTPC_SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink.cap);
	HTTPC_SET(CURLOPT_WRITEFUNCTION, httpc_write_cb);
	HTTPC_SET(CURLOPT_WRITEDATA, &sink);
	HTTPC_SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	if (hdrs != NULL)
		HTTPC_SET(CURLOPT_HTTPHEADER, hdrs);
	if (post) {
		HTTPC_SET(CURLOPT_POST, 1L);
		HTTPC_SET(CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "");
		HTTPC_SET(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0));
	} else
		HTTPC_SET(CURLOPT_HTTPGET, 1L);
	if (req->ca_file != NULL) {
		/* The named anchors only: no system CA directory as well. */
		HTTPC_SET(CURLOPT_CAINFO, req->ca_file);
		HTTPC_SET(CURLOPT_CAPATH, (char *)NULL);
	}
	if (req->client_p12 != NULL) {
		HTTPC_SET(CURLOPT_SSLCERT, req->client_p12);
		HTTPC_SET(CURLOPT_SSLCERTTYPE, "P12");
		HTTPC_SET(CURLOPT_KEYPASSWD, req->client_p12_password != NULL ?
		    req->client_p12_password : "");
	}
#undef HTTPC_SET
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", shown,
		    curl_easy_strerror(cc));
		goto out;
	}

	cc = curl_easy_perform(c);
	if (sink.overflow || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "%s: response larger than %zu bytes",
		    shown, sink.cap);
		goto out;
	}
	if (sink.nomem) {
		snprintf(err, errlen, "%s: out of memory", shown);
		goto out;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		if (strncmp(errbuf, "Connection timed out", 20) == 0 ||
		    strncmp(errbuf, "Failed to connect", 17) == 0)
			snprintf(err, errlen, "%s: connect timed out after "
			    "%ld ms", shown, ctimeout);
		else
			snprintf(err, errlen, "%s: timed out after %ld ms",
			    shown, timeout);
		goto out;
	}
	if (cc != CURLE_OK) {
		const char *what = curl_easy_strerror(cc);
		size_t n = strlen(errbuf), w = strlen(what);

		while (n > 0 && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '))
			errbuf[--n] = '\0';
		/* curl often repeats its summary: "...: Couldn't connect". */
		if (n > w + 2 && strcmp(errbuf + n - w, what) == 0 &&
		    strncmp(errbuf + n - w - 2, ": ", 2) == 0) {
			n -= w + 2;
			errbuf[n] = '\0';
		}
		if (n > 0)
			snprintf(err, errlen, "%s: %s (%s)", shown, what,
			    errbuf);
		else
			snprintf(err, errlen, "%s: %s", shown, what);
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK || curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) !=
	    CURLE_OK)
		ct = NULL;
	if (ct != NULL && (resp->content_type = strdup(ct)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", shown);
		goto out;
	}
	if (sink.buf == NULL && (sink.buf = calloc(1, 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", shown);
		goto out;
	}
	resp->status = status;
	resp->body = sink.buf;
	resp->body_len = sink.len;
	sink.buf = NULL;
	rc = 0;
out:
	if (rc != 0)
		httpc_response_free(resp);
	free(sink.buf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

void
httpc_response_free(struct httpc_response *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	free(resp->content_type);
	memset(resp, 0, sizeof(*resp));
}
