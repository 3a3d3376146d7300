/*
 * test_authnjwt_pva.c - authnjwt's PVAccess client (plugins/jwt/
 * authnjwt_pva.c, authnjwt_ccr.c) against a scripted server in a child
 * process on loopback, built from the front's own message layer and
 * codec.  The server decodes the CERT:CREATE request with the project's
 * decoder and checks every field, then answers well, in big-endian, or
 * badly: an error status, a refused channel, a message over the cap,
 * silence, a closed connection, reply types without "cert", with the
 * wrong kinds, with trailing bytes, with no value.  Each bad answer must
 * give a one-line error.  Also: the pva:// URL parser and the loopback
 * rule, and the reply decoder on its own.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authnjwt_ccr.h"
#include "authnjwt_pva.h"
#include "pvamsg.h"
#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "tap.h"

#define TOKEN	"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"
#define PUBKEY	"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ==\n" \
		"-----END PUBLIC KEY-----\n"
#define CERT	"-----BEGIN CERTIFICATE-----\nnot parsed here\n" \
		"-----END CERTIFICATE-----\n"
#define SID	77

enum mode {
	M_OK, M_BE, M_REFUSE, M_NO_CHANNEL, M_HUGE, M_CLOSE, M_SILENT,
	M_NO_CERT, M_CERT_INT, M_TRAILING, M_NULL_VALUE, M_NEG_EXPIRY
};

/* The server's side of one connection. */
struct srv {
	int fd;
	int be;
	uint8_t buf[1 << 20];
	size_t len;
	size_t drop;
	struct pvamsg_framer fr;
};

static void	srv_send(struct srv *s, struct pvamsg_buf *b);
static int	srv_next(struct srv *s, struct pvamsg_frame *f);
static int	srv_check_request(const uint8_t *p, size_t len, int be);
static void	srv_reply(struct srv *s, enum mode m, uint32_t ioid);
static int	srv_run(int lfd, enum mode m);
static struct pvtype *reply_type(enum mode m);

static void
srv_send(struct srv *s, struct pvamsg_buf *b)
{
	size_t off = 0;
	ssize_t n;

	while (off < b->len) {
		if ((n = write(s->fd, b->data + off, b->len - off)) <= 0)
			_exit(90);
		off += (size_t)n;
	}
	pvamsg_buf_reset(b);
}

/* The next application message from the client; 0, or -1 at EOF. */
static int
srv_next(struct srv *s, struct pvamsg_frame *f)
{
	char err[128];
	ssize_t n;
	int r;

	for (;;) {
		if (s->drop > 0) {
			memmove(s->buf, s->buf + s->drop, s->len - s->drop);
			s->len -= s->drop;
			s->drop = 0;
		}
		r = pvamsg_frame(&s->fr, s->buf, s->len, f, err, sizeof(err));
		if (r == PVAMSG_OK) {
			s->drop = f->consumed;
			if (f->complete && !PVAMSG_IS_CONTROL(&f->hdr))
				return 0;
			continue;
		}
		if (r != PVAMSG_EAGAIN)
			_exit(91);
		if ((n = read(s->fd, s->buf + s->len,
		    sizeof(s->buf) - s->len)) <= 0)
			return -1;
		s->len += (size_t)n;
	}
}

/* The member name of t as a C string, or NULL. */
static const char *
str_of(const struct pvtype *t, const char *name)
{
	const struct pvtype *f = pvtype_find(t, name);

	return f != NULL && f->code == PVT_STRING ? f->str : NULL;
}

#define SAME(a, b)	((a) != NULL && strcmp((a), (b)) == 0)

/*
 * The EXEC body after sid, ioid and sub-command, decoded with the
 * project's decoder.  0 when it is the request PVXS's CCRManager sends,
 * with our values; else a code naming what is wrong.
 */
static int
srv_check_request(const uint8_t *p, size_t len, int be)
{
	static const char *const order[] = { "type", "name", "country",
	    "organization", "organization_unit", "usage", "not_before",
	    "not_after", "pub_key", "config_uri_base", "no_status",
	    "verifier" };
	struct pvdata_cur c;
	struct pvtype *t = NULL, *q;
	size_t i;
	int r = 0;

	pvdata_cur_init(&c, p, len, be);
	if (pvtype_decode(&c, NULL, &t, NULL, 0) != 0 || t == NULL ||
	    pvvalue_decode(&c, t, NULL, 0) != 0 || pvdata_cur_left(&c) != 0)
		r = 20;
	else if (t->id == NULL || strcmp(t->id, "epics:nt/NTURI:1.0") != 0 ||
	    t->nkids != 4 || strcmp(t->kids[3]->name, "query") != 0)
		r = 21;
	else if (!SAME(str_of(t, "scheme"), "") ||
	    !SAME(str_of(t, "authority"), "") ||
	    !SAME(str_of(t, "path"), "CERT:CREATE"))
		r = 22;
	else if ((q = pvtype_find(t, "query")) == NULL || q->nkids != 12)
		r = 23;
	for (i = 0; r == 0 && i < 12; i++)
		if (strcmp(q->kids[i]->name, order[i]) != 0)
			r = 24;
	if (r == 0 && (!SAME(str_of(t, "query.type"), "jwt") ||
	    !SAME(str_of(t, "query.name"), "") ||
	    !SAME(str_of(t, "query.pub_key"), PUBKEY) ||
	    !SAME(str_of(t, "query.verifier.token"), TOKEN)))
		r = 25;
	if (r == 0 && (pvtype_find(t, "query.usage")->code != PVT_UINT16 ||
	    pvtype_find(t, "query.usage")->num.u != 3 ||
	    pvtype_find(t, "query.not_before")->code != PVT_UINT64 ||
	    pvtype_find(t, "query.not_after")->num.u != 0 ||
	    pvtype_find(t, "query.no_status")->code != PVT_BOOL ||
	    pvtype_find(t, "query.no_status")->num.u != 1))
		r = 26;
	pvtype_free(t);
	return r;
}

/* PVACMS's reply type (pvaccess.md §12.4), bent as m asks. */
static struct pvtype *
reply_type(enum mode m)
{
	struct pvtype *t, *k;

	t = pvtype_new(PVT_STRUCT, "epics:nt/NTEnum:1.0");
	k = pvtype_add(t, "value", PVT_STRUCT, "enum_t");
	pvtype_add(k, "index", PVT_INT32, NULL);
	pvtype_add(k, "choices", PVT_STRING | PVT_ARRAY, NULL);
	k = pvtype_add(t, "alarm", PVT_STRUCT, "alarm_t");
	pvtype_add(k, "severity", PVT_INT32, NULL);
	pvtype_add(k, "status", PVT_INT32, NULL);
	pvtype_add(k, "message", PVT_STRING, NULL);
	k = pvtype_add(t, "timeStamp", PVT_STRUCT, "time_t");
	pvtype_add(k, "secondsPastEpoch", PVT_INT64, NULL);
	pvtype_add(k, "nanoseconds", PVT_INT32, NULL);
	pvtype_add(k, "userTag", PVT_INT32, NULL);
	k = pvtype_add(t, "display", PVT_STRUCT, NULL);
	pvtype_add(k, "description", PVT_STRING, NULL);
	pvtype_add(t, "issuer", PVT_STRING, NULL);
	pvtype_add(t, "serial", PVT_UINT64, NULL);
	pvtype_add(t, "state", PVT_STRING, NULL);
	pvtype_add(t, "cert_id", PVT_STRING, NULL);
	pvtype_add(t, "status_pv", PVT_STRING, NULL);
	pvtype_add(t, "renew_by", PVT_UINT64, NULL);
	pvtype_add(t, "expiration", m == M_NEG_EXPIRY ? PVT_INT64 :
	    PVT_UINT64, NULL);
	if (m == M_CERT_INT)
		pvtype_add(t, "cert", PVT_UINT32, NULL);
	else if (m != M_NO_CERT)
		pvtype_add(t, "cert", PVT_STRING, NULL);
	return t;
}

/* The EXEC reply for mode m. */
static void
srv_reply(struct srv *s, enum mode m, uint32_t ioid)
{
	static const char *const choices[] = { "UNKNOWN", "VALID" };
	struct pvamsg_buf b;
	struct pvdata_buf d;
	struct pvtype *t;
	uint8_t sub = 0, *bytes;
	size_t at, n;

	pvamsg_buf_init(&b);
	at = pvamsg_begin(&b, PVAMSG_F_SERVER | (s->be ? PVAMSG_F_BE : 0),
	    PVAMSG_RPC);
	pvdata_buf_init(&d, s->be, 0);
	pvdata_put_u32(&d, ioid);
	pvdata_put_u8(&d, sub);
	if (m == M_REFUSE) {
		/* The escape must not reach the terminal as it is. */
		pvdata_put_status(&d, PVDATA_STATUS_ERROR,
		    "token expired\033[2J", "");
	} else if (m == M_NULL_VALUE) {
		pvdata_put_status(&d, PVDATA_STATUS_OK, NULL, NULL);
		pvdata_put_u8(&d, 0xff);
	} else {
		pvdata_put_status(&d, PVDATA_STATUS_OK, NULL, NULL);
		t = reply_type(m);
		pvvalue_set_int(pvtype_find(t, "value.index"), 1);
		pvvalue_set_strings(pvtype_find(t, "value.choices"), choices,
		    2);
		pvvalue_set_string(pvtype_find(t, "issuer"), "0123abcd", 8);
		pvvalue_set_uint(pvtype_find(t, "serial"), 42);
		pvvalue_set_string(pvtype_find(t, "state"), "VALID", 5);
		pvvalue_set_string(pvtype_find(t, "cert_id"),
		    "0123abcd:00000000000000000042", 29);
		pvvalue_set_int(pvtype_find(t, "expiration"),
		    m == M_NEG_EXPIRY ? -5 : 1900000000);
		if (m != M_CERT_INT && m != M_NO_CERT)
			pvvalue_set_string(pvtype_find(t, "cert"), CERT,
			    strlen(CERT));
		pvtype_encode(&d, t);
		pvvalue_encode(&d, t);
		pvtype_free(t);
		if (m == M_TRAILING)
			pvdata_put_u8(&d, 0);
	}
	bytes = pvdata_buf_take(&d, &n);
	pvamsg_buf_put(&b, bytes, n);
	free(bytes);
	pvamsg_end(&b, at);
	srv_send(s, &b);
	pvamsg_buf_free(&b);
}

/*
 * Serve one connection on lfd as m says; the exit code of the child:
 * 0 when everything the client sent was right.
 */
static int
srv_run(int lfd, enum mode m)
{
	static const char *const methods[] = { "anonymous", "ca" };
	static struct srv s;
	struct pvamsg_validation v;
	struct pvamsg_create_req cr;
	struct pvamsg_frame f;
	struct pvamsg_op op;
	struct pvamsg_buf b;
	uint8_t huge[PVAMSG_HDR_LEN];

	alarm(20);
	if ((s.fd = accept(lfd, NULL, NULL)) < 0)
		return 80;
	s.be = m == M_BE;
	pvamsg_framer_init(&s.fr, sizeof(s.buf) / 2, sizeof(s.buf) / 2, 0);
	pvamsg_buf_init(&b);
	if (m == M_SILENT) {
		while (read(s.fd, s.buf, sizeof(s.buf)) > 0)
			;
		return 0;
	}
	if (m == M_HUGE) {
		/* 64 MiB announced: the client must not wait for it. */
		pvamsg_set_endian_build(&b, 0);
		pvamsg_header_build(huge, PVAMSG_F_SERVER,
		    PVAMSG_CONNECTION_VALIDATION, 64u << 20);
		pvamsg_buf_put(&b, huge, sizeof(huge));
		srv_send(&s, &b);
		while (read(s.fd, s.buf, sizeof(s.buf)) > 0)
			;
		return 0;
	}
	pvamsg_hello_build(&b, s.be, 0x10000, 0x7fff, methods, 2);
	srv_send(&s, &b);
	if (srv_next(&s, &f) != 0 ||
	    f.hdr.command != PVAMSG_CONNECTION_VALIDATION ||
	    PVAMSG_IS_BE(&f.hdr) != s.be ||
	    pvamsg_validation_parse(f.payload, f.len, PVAMSG_IS_BE(&f.hdr),
	    &v, NULL, 0) != 0 || v.method.len != 9 ||
	    memcmp(v.method.ptr, "anonymous", 9) != 0)
		return 10;
	if (m == M_CLOSE)
		return 0;	/* all read: a FIN, not a reset */
	pvamsg_validated_build(&b, s.be, PVAMSG_STATUS_OK, NULL);
	srv_send(&s, &b);
	if (srv_next(&s, &f) != 0 || f.hdr.command != PVAMSG_CREATE_CHANNEL ||
	    pvamsg_create_parse(f.payload, f.len, PVAMSG_IS_BE(&f.hdr), &cr,
	    NULL, 0) != 0 || cr.n != 1 || cr.chan[0].name.len != 11 ||
	    memcmp(cr.chan[0].name.ptr, "CERT:CREATE", 11) != 0)
		return 11;
	if (m == M_NO_CHANNEL) {
		pvamsg_create_reply_build(&b, s.be, cr.chan[0].cid,
		    PVAMSG_SID_NONE, PVAMSG_STATUS_FATAL,
		    "Refused to create Channel");
		srv_send(&s, &b);
		return 0;
	}
	pvamsg_create_reply_build(&b, s.be, cr.chan[0].cid, SID,
	    PVAMSG_STATUS_OK, NULL);
	srv_send(&s, &b);
	if (srv_next(&s, &f) != 0 || f.hdr.command != PVAMSG_RPC ||
	    pvamsg_op_parse(PVAMSG_RPC, f.payload, f.len,
	    PVAMSG_IS_BE(&f.hdr), &op, NULL, 0) != 0 || op.sid != SID ||
	    op.sub != PVAMSG_SUB_INIT)
		return 12;
	{
		uint8_t hd[5];
		size_t at;

		at = pvamsg_begin(&b, PVAMSG_F_SERVER |
		    (s.be ? PVAMSG_F_BE : 0), PVAMSG_RPC);
		memcpy(hd, f.payload + 4, 4);	/* the ioid, as sent */
		hd[4] = PVAMSG_SUB_INIT;
		pvamsg_buf_put(&b, hd, 5);
		pvamsg_status_put(&b, s.be, PVAMSG_STATUS_OK, NULL);
		pvamsg_end(&b, at);
		srv_send(&s, &b);
	}
	if (srv_next(&s, &f) != 0 || f.hdr.command != PVAMSG_RPC ||
	    pvamsg_op_parse(PVAMSG_RPC, f.payload, f.len,
	    PVAMSG_IS_BE(&f.hdr), &op, NULL, 0) != 0 || op.sid != SID ||
	    op.sub != 0)
		return 13;
	if (srv_check_request(op.body, op.bodylen, PVAMSG_IS_BE(&f.hdr)) !=
	    0)
		return srv_check_request(op.body, op.bodylen,
		    PVAMSG_IS_BE(&f.hdr));
	srv_reply(&s, m, op.ioid);
	if (m == M_OK || m == M_BE) {
		if (srv_next(&s, &f) != 0 ||
		    f.hdr.command != PVAMSG_DESTROY_REQUEST)
			return 14;
	}
	pvamsg_buf_free(&b);
	return 0;
}

/* One request against a server in mode m; *code: the server's verdict. */
static int
exchange(enum mode m, int total_ms, struct authnjwt_ccr_reply *rep,
    char *err, size_t errlen, int *code)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct authnjwt_pva_target t;
	struct authnjwt_pva_limits lim;
	struct authnjwt_ccr req;
	char url[64];
	pid_t pid;
	int lfd, st, r;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
		return -2;
	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(srv_run(lfd, m));
	close(lfd);
	snprintf(url, sizeof(url), "pva://127.0.0.1:%u",
	    (unsigned)ntohs(sa.sin_port));
	authnjwt_pva_parse_url(url, &t, err, errlen);
	memset(&req, 0, sizeof(req));
	req.type = "jwt";
	req.name = req.country = req.organization = "";
	req.organization_unit = req.config_uri_base = "";
	req.usage = 3;
	req.pub_key = PUBKEY;
	req.no_status = 1;
	req.token = TOKEN;
	memset(&lim, 0, sizeof(lim));
	lim.connect_ms = 2000;
	lim.total_ms = total_ms;
	lim.max_msg = 1024 * 1024;
	r = authnjwt_pva_request(&t, &req, &lim, rep, err, errlen);
	waitpid(pid, &st, 0);
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
	return r;
}

static void
test_modes(void)
{
	static const struct {
		enum mode m;
		const char *err;	/* NULL: success */
		const char *name;
	} cases[] = {
		{ M_REFUSE, "request refused: token expired?[2J",
		    "an error status: its message, cleaned" },
		{ M_NO_CHANNEL, "pvacms serves no CERT:CREATE: Refused to "
		    "create Channel", "a refused channel" },
		{ M_HUGE, "pvacms sent a malformed message: ",
		    "a message over the cap is not waited for" },
		{ M_CLOSE, "pvacms closed the connection before its "
		    "validation verdict", "the server closes" },
		{ M_NO_CERT, "pvacms reply has no 'cert'", "no 'cert'" },
		{ M_CERT_INT, "pvacms reply field 'cert' is not a string",
		    "'cert' of the wrong kind" },
		{ M_TRAILING, "pvacms reply has 1 bytes after its value",
		    "bytes after the value" },
		{ M_NULL_VALUE, "pvacms reply carries no value", "no value" },
		{ M_NEG_EXPIRY, "pvacms reply field 'expiration' is negative",
		    "a negative expiration" },
	};
	struct authnjwt_ccr_reply rep;
	char err[512];
	size_t i;
	int code, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		r = exchange(cases[i].m, 5000, &rep, err, sizeof(err), &code);
		ok(r == -1 && strncmp(err, cases[i].err,
		    strlen(cases[i].err)) == 0 && strchr(err, '\n') == NULL &&
		    rep.cert == NULL, "%s: '%s'", cases[i].name, err);
		is_int(code, 0, "... and the request was right up to there");
	}
}

static void
test_good(int be)
{
	struct authnjwt_ccr_reply rep;
	char err[512] = "";
	int code, r;

	r = exchange(be ? M_BE : M_OK, 5000, &rep, err, sizeof(err), &code);
	ok(r == 0, "%s server: the request succeeds (%s)", be ? "big-endian" :
	    "little-endian", err);
	is_int(code, 0, "the server decoded the request PVXS's way, with "
	    "our token, key, usage and no_status, then got DESTROY_REQUEST");
	is_str(rep.cert, CERT, "reply: cert");
	is_str(rep.state, "VALID", "reply: state");
	is_str(rep.issuer, "0123abcd", "reply: issuer");
	ok(rep.has_serial && rep.serial == 42, "reply: serial");
	is_str(rep.cert_id, "0123abcd:00000000000000000042", "reply: cert_id");
	ok(rep.expiration == 1900000000, "reply: expiration");
	authnjwt_ccr_reply_free(&rep);
}

static void
test_silent(void)
{
	struct authnjwt_ccr_reply rep;
	char err[512] = "";
	int code, r;

	r = exchange(M_SILENT, 400, &rep, err, sizeof(err), &code);
	is_int(r, -1, "a silent server: the request fails");
	is_str(err, "no connection validation from pvacms within 400 ms",
	    "... when the deadline passes");
}

static void
test_urls(void)
{
	static const struct {
		const char *url;
		int ok, loopback;
		const char *host;
		unsigned port;
	} cases[] = {
		{ "pva://127.0.0.1:5075", 1, 1, "127.0.0.1", 5075 },
		{ "pva://127.1.2.3", 1, 1, "127.1.2.3", 5075 },
		{ "pva://localhost:1", 1, 1, "localhost", 1 },
		{ "pva://LocalHost.", 1, 1, "LocalHost.", 5075 },
		{ "pva://[::1]:5076", 1, 1, "::1", 5076 },
		{ "pva://[::ffff:127.0.0.1]", 1, 1, "::ffff:127.0.0.1", 5075 },
		{ "pva://192.0.2.1:5075", 1, 0, "192.0.2.1", 5075 },
		{ "pva://[2001:db8::1]", 1, 0, "2001:db8::1", 5075 },
		{ "pva://localhost.example.org", 1, 0,
		    "localhost.example.org", 5075 },
		{ "pva://cms/", 1, 0, "cms", 5075 },
		{ "pva://", 0, 0, NULL, 0 },
		{ "pva://:5075", 0, 0, NULL, 0 },
		{ "pva://h:0", 0, 0, NULL, 0 },
		{ "pva://h:65536", 0, 0, NULL, 0 },
		{ "pva://h:", 0, 0, NULL, 0 },
		{ "pva://h:+1", 0, 0, NULL, 0 },
		{ "pva://h/x", 0, 0, NULL, 0 },
		{ "pva://u@h", 0, 0, NULL, 0 },
		{ "pva://h?x", 0, 0, NULL, 0 },
		{ "pva://[::1", 0, 0, NULL, 0 },
		{ "pva://[nope]", 0, 0, NULL, 0 },
		{ "pva://::1", 0, 0, NULL, 0 },
		{ "pva://h%0a", 0, 0, NULL, 0 },
		{ "https://h", 0, 0, NULL, 0 },
	};
	struct authnjwt_pva_target t;
	char err[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		r = authnjwt_pva_parse_url(cases[i].url, &t, err, sizeof(err));
		if (cases[i].ok)
			ok(r == 0 && t.loopback == cases[i].loopback &&
			    strcmp(t.host, cases[i].host) == 0 &&
			    t.port == cases[i].port, "%s: host %s port %u%s",
			    cases[i].url, cases[i].host, cases[i].port,
			    cases[i].loopback ? ", loopback" : "");
		else
			ok(r == -1 && err[0] != '\0', "%s: refused (%s)",
			    cases[i].url, err);
	}
}

/* Not loopback, no --pva-plaintext: refused before any connection. */
static void
test_not_loopback(void)
{
	struct authnjwt_pva_target t;
	struct authnjwt_pva_limits lim;
	struct authnjwt_ccr req;
	struct authnjwt_ccr_reply rep;
	char err[512] = "";

	authnjwt_pva_parse_url("pva://192.0.2.1:9", &t, err, sizeof(err));
	memset(&req, 0, sizeof(req));
	memset(&lim, 0, sizeof(lim));
	lim.connect_ms = lim.total_ms = 100;
	lim.max_msg = 1024;
	is_int(authnjwt_pva_request(&t, &req, &lim, &rep, err, sizeof(err)),
	    -1, "a non-loopback target without plaintext_ok is refused");
	ok(strstr(err, "--pva-plaintext") != NULL, "... naming the opt-in: %s",
	    err);
}

/* The reply decoder alone: a value that is not a structure. */
static void
test_decode(void)
{
	struct authnjwt_ccr_reply rep;
	struct pvdata_buf b;
	struct pvtype *t;
	char err[256] = "";
	int r;

	pvdata_buf_init(&b, 0, 0);
	t = pvtype_new(PVT_STRING, NULL);
	pvtype_encode(&b, t);
	pvvalue_encode(&b, t);
	pvtype_free(t);
	r = authnjwt_ccr_reply_decode(b.data, b.len, 0, &rep, err,
	    sizeof(err));
	ok(r == -1 && strcmp(err, "pvacms reply is not a structure") == 0,
	    "a string reply is refused: %s", err);
	r = authnjwt_ccr_reply_decode(b.data, 0, 0, &rep, err, sizeof(err));
	ok(r == -1 && strncmp(err, "pvacms reply has a bad type", 27) == 0,
	    "an empty reply is refused: %s", err);
	pvdata_buf_free(&b);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tap_plan(18 + 16 + 2 + 24 + 2 + 2);
	test_modes();
	test_good(0);
	test_good(1);
	test_silent();
	test_urls();
	test_not_loopback();
	test_decode();
	return tap_done();
}
