/*
 * test_common_httpc.c - the HTTP client as the tools use it, against a
 * one-shot server forked on an ephemeral loopback port: bodies, status
 * codes and content types come back; redirects are not followed; the
 * size cap and the timeout give clear errors; a refused connection and
 * plain http to a remote host are reported as users should read them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "httpc.h"
#include "tap.h"

enum mode { M_ECHO, M_NOTFOUND, M_REDIRECT, M_BIG_CL, M_BIG_STREAM, M_HANG };

static int	listen_any(int *port);
static pid_t	serve_once(int lfd, enum mode m);
static void	serve(int fd, enum mode m);
static void	reap(pid_t pid);
static void	say(int fd, const char *s);

static void
say(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static int
listen_any(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Read one request; answer it according to m. */
static void
serve(int fd, enum mode m)
{
	char req[8192], resp[16384], body[1024];
	size_t got = 0, blen = 0;
	long clen = 0;
	char *eoh = NULL, *cl;
	ssize_t n;

	while (got < sizeof(req) - 1 && (eoh = strstr(req, "\r\n\r\n")) ==
	    NULL) {
		if ((n = read(fd, req + got, sizeof(req) - 1 - got)) <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
	}
	if (eoh == NULL)
		return;
	if ((cl = strstr(req, "Content-Length: ")) != NULL)
		clen = strtol(cl + 16, NULL, 10);
	blen = got - (size_t)(eoh + 4 - req);
	while ((long)blen < clen && got < sizeof(req) - 1) {
		if ((n = read(fd, req + got, sizeof(req) - 1 - got)) <= 0)
			return;
		got += (size_t)n;
		blen += (size_t)n;
	}
	req[got] = '\0';
	switch (m) {
	case M_ECHO:
		snprintf(body, sizeof(body), "%.*s|%s", (int)strcspn(req, " "),
		    req, strstr(req, "X-Test: yes") ? "hdr" : "nohdr");
		if (clen > 0)
			snprintf(body + strlen(body), sizeof(body) -
			    strlen(body), "|%s", eoh + 4);
		snprintf(resp, sizeof(resp), "HTTP/1.1 201 Created\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "Cache-Control:  max-age=600 \r\n"
		    "Connection: close\r\n\r\n%s", strlen(body), body);
		say(fd, resp);
		break;
	case M_NOTFOUND:
		say(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
		    "Connection: close\r\n\r\nnot found");
		break;
	case M_REDIRECT:
		say(fd, "HTTP/1.1 302 Found\r\n"
		    "Location: http://127.0.0.1:1/\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		break;
	case M_BIG_CL:
	case M_BIG_STREAM:
		memset(body, 'x', 1000);
		body[1000] = '\0';
		snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n%s"
		    "Connection: close\r\n\r\n%s", m == M_BIG_CL ?
		    "Content-Length: 1000\r\n" : "", body);
		say(fd, resp);
		break;
	case M_HANG:
		sleep(5);
		break;
	}
}

static pid_t
serve_once(int lfd, enum mode m)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	if ((fd = accept(lfd, NULL, NULL)) >= 0) {
		serve(fd, m);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	_exit(0);
}

static void
reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

int
main(void)
{
	static const char *const hdrs[] = { "X-Test: yes", NULL };
	struct httpc_request rq;
	struct httpc_response rs;
	char url[128], err[512], want[256];
	int lfd, port, dead;
	pid_t pid;

	tap_plan(41);
	if (httpc_global_init(err, sizeof(err)) != 0 ||
	    (lfd = listen_any(&port)) < 0) {
		printf("Bail out! setup: %s\n", err);
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/certs", port);

	/* Loopback detection. */
	ok(httpc_url_is_loopback("http://127.0.0.1:8089/x"), "127.0.0.1");
	ok(httpc_url_is_loopback("http://127.1.2.3/"), "127.1.2.3");
	ok(httpc_url_is_loopback("https://[::1]:8443/v1"), "[::1]");
	ok(httpc_url_is_loopback("http://localhost/"), "localhost");
	ok(httpc_url_is_loopback("http://LocalHost:80/"), "LocalHost");
	ok(!httpc_url_is_loopback("http://example.org/"), "example.org not");
	ok(!httpc_url_is_loopback("http://128.0.0.1/"), "128.0.0.1 not");
	ok(!httpc_url_is_loopback("http://127.0.0.1.example.org/"),
	    "127.0.0.1.example.org not");
	ok(!httpc_url_is_loopback("http://localhost.example.org/"),
	    "localhost.example.org not");
	ok(!httpc_url_is_loopback("http://example.org@evil.test/") &&
	    httpc_url_is_loopback("http://evil.test@127.0.0.1/"),
	    "userinfo does not fool the host check");
	ok(!httpc_url_is_loopback("ftp://127.0.0.1/") &&
	    !httpc_url_is_loopback("not a url") &&
	    !httpc_url_is_loopback(NULL), "other schemes and junk not");

	/* Refusals before any connection. */
	memset(&rq, 0, sizeof(rq));
	rq.url = "http://example.org/v1/certs/x/status";
	rq.plain_loopback_only = 1;
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), -1,
	    "plain http to a remote host refused");
	is_str(err, "refusing plain http to non-loopback host example.org; "
	    "use https", "refusal message");
	rq.url = "ftp://127.0.0.1/";
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), -1,
	    "ftp refused");
	ok(strstr(err, "unsupported URL scheme") != NULL, "reason: %s", err);
	rq.url = "http://127.0.0.1/";
	rq.method = "DELETE";
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), -1,
	    "methods other than GET and POST refused");

	/* GET with a header; POST with a body. */
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.headers = hdrs;
	rq.plain_loopback_only = 1;
	pid = serve_once(lfd, M_ECHO);
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), 0, "GET works");
	reap(pid);
	is_int(rs.status, 201, "status code returned");
	is_str(rs.body, "GET|hdr", "body returned; extra header was sent");
	is_str(rs.content_type, "application/json", "content type returned");
	httpc_response_free(&rs);
	ok(rs.body == NULL && rs.content_type == NULL,
	    "httpc_response_free zeroes");
	/* The answer's headers, names lower-cased, when asked for. */
	{
		char headers[512], tiny[24];

		rq.headers_out = headers;
		rq.headers_out_len = sizeof(headers);
		pid = serve_once(lfd, M_ECHO);
		is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), 0,
		    "GET with header capture works");
		reap(pid);
		ok(strstr(headers, "cache-control:  max-age=600\n") != NULL &&
		    strstr(headers, "content-type: application/json\n") !=
		    NULL && strstr(headers, "HTTP/") == NULL,
		    "headers captured, names lower-cased, no status line");
		httpc_response_free(&rs);
		rq.headers_out = tiny;
		rq.headers_out_len = sizeof(tiny);
		pid = serve_once(lfd, M_ECHO);
		is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), 0,
		    "a small header buffer is not an error");
		reap(pid);
		ok(strlen(tiny) < sizeof(tiny) && (tiny[0] == '\0' ||
		    tiny[strlen(tiny) - 1] == '\n'),
		    "lines that do not fit are left out whole (%zu bytes)",
		    strlen(tiny));
		httpc_response_free(&rs);
		rq.headers_out = NULL;
		rq.headers_out_len = 0;
	}
	rq.method = "POST";
	rq.body = "{\"a\":1}";
	rq.body_len = 7;
	pid = serve_once(lfd, M_ECHO);
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), 0, "POST works");
	reap(pid);
	is_str(rs.body, "POST|hdr|{\"a\":1}", "POST body arrived intact");
	is_int((long long)rs.body_len, 16, "body length");
	httpc_response_free(&rs);

	/* Status codes are not errors; redirects are not followed. */
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	pid = serve_once(lfd, M_NOTFOUND);
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), 0, "404 is a result");
	reap(pid);
	is_int(rs.status, 404, "404 status");
	is_str(rs.body, "not found", "404 body");
	httpc_response_free(&rs);
	pid = serve_once(lfd, M_REDIRECT);
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), 0, "302 is a result");
	reap(pid);
	is_int(rs.status, 302, "redirect not followed");
	httpc_response_free(&rs);

	/* Size cap, announced and streamed. */
	rq.max_response = 100;
	pid = serve_once(lfd, M_BIG_CL);
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), -1,
	    "announced oversize response refused");
	reap(pid);
	snprintf(want, sizeof(want), "%s: response larger than 100 bytes",
	    url);
	is_str(err, want, "size cap message");
	pid = serve_once(lfd, M_BIG_STREAM);
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), -1,
	    "streamed oversize response refused");
	reap(pid);
	is_str(err, want, "size cap message (streamed)");

	/* Timeout. */
	rq.max_response = 0;
	rq.timeout_ms = 300;
	pid = serve_once(lfd, M_HANG);
	httpc_fetch(&rq, &rs, err, sizeof(err));
	reap(pid);
	snprintf(want, sizeof(want), "%s: timed out after 300 ms", url);
	is_str(err, want, "timeout message");

	/* Connection refused on a port that was just free. */
	close(lfd);
	if ((dead = listen_any(&port)) >= 0)
		close(dead);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	rq.url = url;
	rq.timeout_ms = 0;
	is_int(httpc_fetch(&rq, &rs, err, sizeof(err)), -1,
	    "connection refused is an error");
	snprintf(want, sizeof(want), "%s: Couldn't connect to server (Failed "
	    "to connect to 127.0.0.1 port %d", url, port);
	ok(strncmp(err, want, strlen(want)) == 0, "refused message: %s", err);
	ok(rs.body == NULL, "no body on failure");

	httpc_global_cleanup();
	return tap_done();
}
