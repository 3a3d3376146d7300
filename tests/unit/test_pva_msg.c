/*
 * test_pva_msg.c - the PVAccess message layer (host/pva/pvamsg.c,
 * pvasearch.c) against the exact bytes PVXS puts on the wire
 * (pvaccess.md §5.5, §6.1, §6.3, §7.7), in both byte orders, with round
 * trips, and against hostile input: truncation at every byte, sizes and
 * counts over their caps, bad magic, wrong direction, segments out of
 * order.  Every failure must be an error value with a reason.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvamsg.h"
#include "pvasearch.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* §5.5: a PVXS client's SEARCH for CERT:CREATE, big-endian. */
static const uint8_t search_be[] = {
	0xca, 0x02, 0x80, 0x03, 0x00, 0x00, 0x00, 0x31,
	0x66, 0x69, 0x6e, 0x64, 0x80, 0x00, 0x00, 0x00,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xaf, 0xca, 0x01, 0x03, 't', 'c', 'p', 0x00, 0x01,
	0x12, 0x34, 0x56, 0x78, 0x0b,
	'C', 'E', 'R', 'T', ':', 'C', 'R', 'E', 'A', 'T', 'E'
};

/* §5.5: PVACMS's answer. */
static const uint8_t response_be[] = {
	0xca, 0x02, 0xc0, 0x04, 0x00, 0x00, 0x00, 0x2d,
	0xc9, 0x1d, 0xdd, 0x6c, 0x05, 0x4a, 0xae, 0xec, 0x6c, 0xcc, 0x2a, 0x42,
	0x66, 0x69, 0x6e, 0x64,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0,
	0x62, 0x57, 0x03, 't', 'c', 'p', 0x01, 0x00, 0x01,
	0x12, 0x34, 0x56, 0x78
};

/* §6.1: the server's opening, little-endian. */
static const uint8_t hello_le[] = {
	0xca, 0x02, 0x41, 0x02, 0x00, 0x00, 0x00, 0x00,
	0xca, 0x02, 0x40, 0x01, 0x14, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0xff, 0x7f, 0x02,
	0x09, 'a', 'n', 'o', 'n', 'y', 'm', 'o', 'u', 's', 0x02, 'c', 'a'
};

/* §6.1: the client's CONNECTION_VALIDATION (user root, host vm). */
static const uint8_t valid_le[] = {
	0xca, 0x02, 0x00, 0x01, 0x22, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0xff, 0x7f, 0x00, 0x00, 0x02, 'c', 'a',
	0x80, 0x00, 0x02, 0x04, 'u', 's', 'e', 'r', 0x60,
	0x04, 'h', 'o', 's', 't', 0x60,
	0x04, 'r', 'o', 'o', 't', 0x02, 'v', 'm'
};

/* The same in big-endian, as pvAccessJava may send it. */
static const uint8_t valid_be[] = {
	0xca, 0x02, 0x80, 0x01, 0x00, 0x00, 0x00, 0x22,
	0x00, 0x01, 0x00, 0x00, 0x7f, 0xff, 0x00, 0x00, 0x02, 'c', 'a',
	0x80, 0x00, 0x02, 0x04, 'u', 's', 'e', 'r', 0x60,
	0x04, 'h', 'o', 's', 't', 0x60,
	0x04, 'r', 'o', 'o', 't', 0x02, 'v', 'm'
};

static const uint8_t validated_le[] = {
	0xca, 0x02, 0x40, 0x09, 0x01, 0x00, 0x00, 0x00, 0xff
};

/* §6.3: CREATE_CHANNEL for CERT:CREATE and its answer. */
static const uint8_t create_le[] = {
	0xca, 0x02, 0x00, 0x07, 0x12, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x78, 0x56, 0x34, 0x12, 0x0b,
	'C', 'E', 'R', 'T', ':', 'C', 'R', 'E', 'A', 'T', 'E'
};

static const uint8_t create_reply_le[] = {
	0xca, 0x02, 0x40, 0x07, 0x09, 0x00, 0x00, 0x00,
	0x78, 0x56, 0x34, 0x12, 0x01, 0x03, 0x05, 0x07, 0xff
};

/* §7.7: GET INIT with the pvRequest PVXS sends; EXEC; the end. */
static const uint8_t get_init[] = {
	0x01, 0x03, 0x05, 0x07, 0x00, 0x20, 0x00, 0x10, 0x08,
	0x80, 0x00, 0x01, 0x05, 'f', 'i', 'e', 'l', 'd', 0x80, 0x00, 0x00
};
static const uint8_t get_exec[] = {
	0x01, 0x03, 0x05, 0x07, 0x00, 0x20, 0x00, 0x10, 0x00
};
static const uint8_t mon_start[] = {
	0x01, 0x03, 0x05, 0x07, 0x00, 0x20, 0x00, 0x10, 0x44
};
static const uint8_t destroy_req[] = {
	0x01, 0x03, 0x05, 0x07, 0x00, 0x20, 0x00, 0x10
};

#define SID	0x07050301u
#define IOID	0x10002000u

static const uint8_t guid[PVASEARCH_GUID_LEN] = {
	0xc9, 0x1d, 0xdd, 0x6c, 0x05, 0x4a, 0xae, 0xec, 0x6c, 0xcc, 0x2a, 0x42
};

static int
same(const struct pvamsg_buf *b, const uint8_t *want, size_t n)
{
	return b->err == 0 && b->len == n && memcmp(b->data, want, n) == 0;
}

/* An exact-size heap copy, so that ASan catches any over-read. */
static uint8_t *
dup(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n > 0 ? n : 1);

	if (q != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

static int
serves_create(void *arg, const char *name, size_t len)
{
	int *calls = arg;

	(*calls)++;
	return len == strlen(name) && strcmp(name, "CERT:CREATE") == 0;
}

static int
serves_none(void *arg, const char *name, size_t len)
{
	return 0;
}

static void
test_header(void)
{
	struct pvamsg_header h;
	uint8_t b[8], bad[8];
	char err[128];

	ok(pvamsg_header_parse(search_be, sizeof(search_be), &h, err,
	    sizeof(err)) == 0 && h.version == 2 && h.command == 3 &&
	    h.size == 0x31 && PVAMSG_IS_BE(&h) && !PVAMSG_IS_CONTROL(&h),
	    "header: §5.5 SEARCH, big-endian, 49 bytes");
	ok(pvamsg_header_parse(valid_le, sizeof(valid_le), &h, err,
	    sizeof(err)) == 0 && h.size == 0x22 && !PVAMSG_IS_BE(&h),
	    "header: §6.1 reply, little-endian, 34 bytes");
	ok(pvamsg_header_parse(hello_le, 8, &h, err, sizeof(err)) == 0 &&
	    PVAMSG_IS_CONTROL(&h) && h.command == PVAMSG_CTL_SET_ENDIAN &&
	    h.size == 0, "header: SetEndian is a control message");
	pvamsg_header_build(b, PVAMSG_F_SERVER | PVAMSG_F_BE, 4, 0x2d);
	ok(memcmp(b, response_be, 8) == 0, "header build: big-endian");
	pvamsg_header_build(b, 0, 7, 0x12);
	ok(memcmp(b, create_le, 8) == 0, "header build: little-endian");
	pvamsg_header_build(b, PVAMSG_F_BE, 0x0a, 0x01020304);
	ok(pvamsg_header_parse(b, 8, &h, err, sizeof(err)) == 0 &&
	    h.size == 0x01020304 && h.command == 0x0a,
	    "header: big-endian round trip");
	pvamsg_header_build(b, 0, 0x0a, 0x01020304);
	ok(pvamsg_header_parse(b, 8, &h, err, sizeof(err)) == 0 &&
	    h.size == 0x01020304 && b[4] == 0x04,
	    "header: little-endian round trip");
	memcpy(bad, b, 8);
	bad[0] = 0xcb;
	err[0] = '\0';
	ok(pvamsg_header_parse(bad, 8, &h, err, sizeof(err)) ==
	    PVAMSG_EMALFORMED && strstr(err, "magic") != NULL,
	    "header: bad magic refused (%s)", err);
	memcpy(bad, b, 8);
	bad[1] = 0;
	ok(pvamsg_header_parse(bad, 8, &h, err, sizeof(err)) ==
	    PVAMSG_EMALFORMED, "header: version 0 refused (%s)", err);
	ok(pvamsg_header_parse(b, 7, &h, err, sizeof(err)) == PVAMSG_ETRUNC,
	    "header: 7 bytes are truncated (%s)", err);
	ok(pvamsg_header_parse(NULL, 8, &h, err, sizeof(err)) ==
	    PVAMSG_ETRUNC, "header: NULL is truncated");
	ok(strcmp(pvamsg_strerror(PVAMSG_ETOOBIG), "too large") == 0 &&
	    strcmp(pvamsg_strerror(-99), "unknown error") == 0,
	    "pvamsg_strerror names codes");
}

/* Feed a stream through the framer n bytes at a time; count messages. */
static int
frame_stream(const uint8_t *s, size_t len, size_t step, uint8_t *cmds,
    size_t maxcmds, size_t *ncmds)
{
	struct pvamsg_framer f;
	struct pvamsg_frame fr;
	size_t have = 0, off = 0;
	char err[128];
	int r = 0;

	*ncmds = 0;
	pvamsg_framer_init(&f, 64 * 1024, 256 * 1024, 0);
	while (off < len) {
		if (have < len - off)
			have += step;
		if (have > len - off)
			have = len - off;
		r = pvamsg_frame(&f, s + off, have, &fr, err, sizeof(err));
		if (r == PVAMSG_EAGAIN) {
			if (fr.need <= have) {
				r = -100;
				break;
			}
			continue;
		}
		if (r != 0)
			break;
		if (fr.complete && *ncmds < maxcmds)
			cmds[(*ncmds)++] = fr.hdr.command;
		off += fr.consumed;
		have -= fr.consumed;
	}
	pvamsg_framer_free(&f);
	return r;
}

static void
test_framer(void)
{
	uint8_t stream[512], cmds[16], seg[64];
	struct pvamsg_framer f;
	struct pvamsg_frame fr;
	struct pvamsg_create_req cr;
	size_t len = 0, n, step, i;
	char err[128];
	int good, r;

	/* A client's first messages: validation, create, an echo. */
	memcpy(stream + len, valid_le, sizeof(valid_le));
	len += sizeof(valid_le);
	memcpy(stream + len, create_le, sizeof(create_le));
	len += sizeof(create_le);
	memcpy(stream + len, "\xca\x02\x00\x02\x00\x00\x00\x00", 8);
	len += 8;
	memcpy(stream + len, "\xca\x02\x01\x00\x05\x00\x00\x00", 8);
	len += 8;			/* SetMarker: control */
	good = 1;
	for (step = 1; step <= len; step++) {
		r = frame_stream(stream, len, step, cmds, N(cmds), &n);
		if (r != 0 || n != 4 || cmds[0] != 1 || cmds[1] != 7 ||
		    cmds[2] != 2 || cmds[3] != 0)
			good = 0;
	}
	ok(good, "framer: a client stream fed 1..%zu bytes at a time gives "
	    "4 messages", len);

	pvamsg_framer_init(&f, 64 * 1024, 64 * 1024, 0);
	r = pvamsg_frame(&f, create_le, 5, &fr, err, sizeof(err));
	ok(r == PVAMSG_EAGAIN && fr.need == 8, "framer: 5 bytes: need 8");
	r = pvamsg_frame(&f, create_le, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_EAGAIN && fr.need == sizeof(create_le),
	    "framer: a header: need 8 + 18");
	r = pvamsg_frame(&f, create_le, sizeof(create_le), &fr, err,
	    sizeof(err));
	ok(r == 0 && fr.complete && fr.consumed == sizeof(create_le) &&
	    fr.len == 18 && fr.payload == create_le + 8 &&
	    pvamsg_create_parse(fr.payload, fr.len, 0, &cr, err,
	    sizeof(err)) == 0 && cr.n == 1,
	    "framer: the whole CREATE_CHANNEL");
	r = pvamsg_frame(&f, validated_le, sizeof(validated_le), &fr, err,
	    sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "framer: a server message on the "
	    "server's side is refused (%s)", err);
	memcpy(seg, "\xca\x02\x00\x0a\x01\x00\x01\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "framer: a 65537-byte payload is refused "
	    "before it arrives (%s)", err);
	memcpy(seg, "\xca\x02\x80\x0a\xff\xff\xff\xff", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "framer: a 4 GiB big-endian size is "
	    "refused (%s)", err);
	memcpy(seg, "\xcb\x02\x00\x0a\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "framer: bad magic (%s)", err);
	memcpy(seg, "\xca\x02\x11\x02\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "framer: a segmented control message "
	    "(%s)", err);

	/*
	 * A control message has no payload: its size field is a value, so
	 * bytes after it are the next message, here not a message at all.
	 */
	memcpy(seg, "\xca\x02\x01\x03\x04\x00\x00\x00garbage!", 16);
	r = pvamsg_frame(&f, seg, 16, &fr, err, sizeof(err));
	ok(r == 0 && fr.consumed == 8 && fr.payload == NULL && fr.len == 0 &&
	    fr.hdr.size == 4, "framer: a control message is 8 bytes");
	r = pvamsg_frame(&f, seg + 8, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "framer: a control message's 'payload' "
	    "is garbage (%s)", err);
	pvamsg_framer_free(&f);

	/* Segments: first, middle, control in between, last. */
	pvamsg_framer_init(&f, 64, 64, 0);
	memcpy(seg, "\xca\x02\x10\x07\x06\x00\x00\x00", 8);
	memcpy(seg + 8, create_le + 8, 6);
	r = pvamsg_frame(&f, seg, 14, &fr, err, sizeof(err));
	good = r == 0 && !fr.complete && fr.consumed == 14;
	memcpy(seg, "\xca\x02\x30\x07\x06\x00\x00\x00", 8);
	memcpy(seg + 8, create_le + 14, 6);
	r = pvamsg_frame(&f, seg, 14, &fr, err, sizeof(err));
	good = good && r == 0 && !fr.complete;
	r = pvamsg_frame(&f, (const uint8_t *)"\xca\x02\x01\x00\0\0\0\0", 8,
	    &fr, err, sizeof(err));
	good = good && r == 0 && fr.complete && PVAMSG_IS_CONTROL(&fr.hdr);
	memcpy(seg, "\xca\x02\x20\x07\x06\x00\x00\x00", 8);
	memcpy(seg + 8, create_le + 20, 6);
	r = pvamsg_frame(&f, seg, 14, &fr, err, sizeof(err));
	ok(good && r == 0 && fr.complete && fr.len == 18 &&
	    fr.hdr.size == 18 && PVAMSG_SEG(&fr.hdr) == 0 &&
	    memcmp(fr.payload, create_le + 8, 18) == 0,
	    "framer: three segments reassemble into the CREATE_CHANNEL");
	memcpy(seg, "\xca\x02\x20\x07\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_ESEQUENCE, "framer: a last segment without a first "
	    "(%s)", err);
	memcpy(seg, "\xca\x02\x10\x07\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	memcpy(seg, "\xca\x02\x00\x07\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_ESEQUENCE, "framer: an unsegmented message inside a "
	    "segmented one (%s)", err);
	pvamsg_framer_free(&f);
	pvamsg_framer_init(&f, 64, 64, 0);
	memcpy(seg, "\xca\x02\x10\x07\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	memcpy(seg, "\xca\x02\x30\x0a\x00\x00\x00\x00", 8);
	r = pvamsg_frame(&f, seg, 8, &fr, err, sizeof(err));
	ok(r == PVAMSG_ESEQUENCE, "framer: a segment of another command "
	    "(%s)", err);
	pvamsg_framer_free(&f);
	pvamsg_framer_init(&f, 40, 100, 0);
	memset(seg, 0, sizeof(seg));
	memcpy(seg, "\xca\x02\x10\x07\x28\x00\x00\x00", 8);
	r = 0;
	for (i = 0; i < 3 && r == 0; i++) {
		r = pvamsg_frame(&f, seg, 48, &fr, err, sizeof(err));
		seg[2] = 0x30;
	}
	ok(r == PVAMSG_ETOOBIG && i == 3, "framer: reassembly stops at the "
	    "total cap (%s)", err);
	pvamsg_framer_free(&f);
	pvamsg_framer_free(&f);		/* twice is harmless */

	/* The client side, for completeness: expects the server bit. */
	pvamsg_framer_init(&f, 64, 64, 1);
	r = pvamsg_frame(&f, validated_le, sizeof(validated_le), &fr, err,
	    sizeof(err));
	ok(r == 0 && fr.complete && fr.len == 1, "framer: a client reads a "
	    "server's CONNECTION_VALIDATED");
	pvamsg_framer_free(&f);
}

static void
test_control(void)
{
	struct pvamsg_header h;
	struct pvamsg_buf b;
	char err[128];
	static const uint8_t echo_req[] = {
		0xca, 0x02, 0x81, 0x03, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t echo_resp[] = {
		0xca, 0x02, 0xc1, 0x04, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t app_echo[] = {
		0xca, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t app_echo_reply[] = {
		0xca, 0x02, 0x40, 0x02, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t app_echo_be[] = {
		0xca, 0x02, 0xc0, 0x02, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c' };
	uint8_t big[PVAMSG_MAX_ECHO + 1];

	pvamsg_buf_init(&b);
	ok(pvamsg_set_endian_build(&b, 0) == 0 && same(&b, hello_le, 8),
	    "SetEndian, little-endian: ca 02 41 02 00 00 00 00");
	pvamsg_buf_reset(&b);
	ok(pvamsg_set_endian_build(&b, 1) == 0 && b.len == 8 &&
	    b.data[2] == 0xc1, "SetEndian, big-endian: flags c1");
	pvamsg_buf_reset(&b);
	pvamsg_header_parse(echo_req, 8, &h, err, sizeof(err));
	ok(pvamsg_control(&h, &b, err, sizeof(err)) == 0 &&
	    same(&b, echo_resp, 8), "control echo request gets its "
	    "response with the same value");
	pvamsg_buf_reset(&b);
	pvamsg_header_parse(hello_le, 8, &h, err, sizeof(err));
	ok(pvamsg_control(&h, &b, err, sizeof(err)) == 0 && b.len == 0,
	    "SetEndian received: nothing to send");
	pvamsg_header_parse(app_echo, 8, &h, err, sizeof(err));
	ok(pvamsg_control(&h, &b, err, sizeof(err)) == PVAMSG_EMALFORMED,
	    "pvamsg_control refuses an application message (%s)", err);
	ok(pvamsg_echo_reply(&h, NULL, 0, &b, err, sizeof(err)) == 0 &&
	    same(&b, app_echo_reply, 8), "ECHO: the reply is ca 02 40 02 "
	    "00 00 00 00");
	pvamsg_buf_reset(&b);
	h.flags = 0x80;
	ok(pvamsg_echo_reply(&h, (const uint8_t *)"abc", 3, &b, err,
	    sizeof(err)) == 0 && same(&b, app_echo_be, sizeof(app_echo_be)),
	    "ECHO: a big-endian body comes back in big-endian");
	pvamsg_buf_reset(&b);
	memset(big, 'x', sizeof(big));
	ok(pvamsg_echo_reply(&h, big, sizeof(big), &b, err, sizeof(err)) ==
	    PVAMSG_ETOOBIG && b.len == 0, "ECHO: a body over the cap is "
	    "refused (%s)", err);
	pvamsg_buf_free(&b);
}

static void
test_opening(void)
{
	static const char *const methods[] = { "anonymous", "ca" };
	struct pvamsg_validation v;
	struct pvamsg_buf b;
	struct pvamsg_header h;
	uint8_t *p;
	char err[128];
	static const uint8_t anon[] = {
		0x00, 0x00, 0x01, 0x00, 0xff, 0x7f, 0x00, 0x00,
		0x09, 'a', 'n', 'o', 'n', 'y', 'm', 'o', 'u', 's', 0xff };
	static const uint8_t err_status[] = {
		0xca, 0x02, 0x40, 0x09, 0x08, 0x00, 0x00, 0x00,
		0x02, 0x05, 'n', 'o', 'p', 'e', '!', 0x00 };

	pvamsg_buf_init(&b);
	ok(pvamsg_hello_build(&b, 0, 0x10000, 0x7fff, methods, 2) == 0 &&
	    same(&b, hello_le, sizeof(hello_le)), "opening: SetEndian + "
	    "CONNECTION_VALIDATION as §6.1 shows");
	pvamsg_buf_reset(&b);
	ok(pvamsg_hello_build(&b, 1, 0x10000, 0x7fff, methods, 2) == 0 &&
	    b.len == sizeof(hello_le) && b.data[2] == 0xc1 &&
	    b.data[10] == 0xc0 && b.data[15] == 0x14 && b.data[17] == 0x01 &&
	    b.data[20] == 0x7f, "opening: the big-endian twin");
	pvamsg_buf_reset(&b);
	ok(pvamsg_hello_build(&b, 0, 1, 1, NULL, 1) == PVAMSG_EINVAL,
	    "opening: NULL methods refused");
	pvamsg_buf_reset(&b);

	p = dup(valid_le + 8, sizeof(valid_le) - 8);
	ok(pvamsg_validation_parse(p, sizeof(valid_le) - 8, 0, &v, err,
	    sizeof(err)) == 0 && v.bufsize == 0x10000 && v.regsize == 0x7fff &&
	    v.qos == 0 && v.method.len == 2 &&
	    memcmp(v.method.ptr, "ca", 2) == 0 && v.has_ca &&
	    v.user.len == 4 && memcmp(v.user.ptr, "root", 4) == 0 &&
	    v.host.len == 2 && memcmp(v.host.ptr, "vm", 2) == 0 &&
	    v.datalen == 23, "validation: §6.1 reply: ca, root@vm");
	free(p);
	p = dup(valid_be + 8, sizeof(valid_be) - 8);
	pvamsg_header_parse(valid_be, 8, &h, err, sizeof(err));
	ok(pvamsg_validation_parse(p, h.size, PVAMSG_IS_BE(&h), &v, err,
	    sizeof(err)) == 0 && v.bufsize == 0x10000 &&
	    v.regsize == 0x7fff && v.has_ca && v.user.len == 4,
	    "validation: the big-endian twin");
	free(p);
	p = dup(anon, sizeof(anon));
	ok(pvamsg_validation_parse(p, sizeof(anon), 0, &v, err,
	    sizeof(err)) == 0 && v.method.len == 9 && !v.has_ca &&
	    v.datalen == 1 && v.data[0] == 0xff,
	    "validation: anonymous with the null type");
	free(p);

	ok(pvamsg_validated_build(&b, 0, PVAMSG_STATUS_OK, NULL) == 0 &&
	    same(&b, validated_le, sizeof(validated_le)),
	    "CONNECTION_VALIDATED: ca 02 40 09 01 00 00 00 ff");
	pvamsg_buf_reset(&b);
	ok(pvamsg_validated_build(&b, 0, PVAMSG_STATUS_ERROR, "nope!") == 0 &&
	    same(&b, err_status, sizeof(err_status)),
	    "CONNECTION_VALIDATED with an error status and message");
	pvamsg_buf_reset(&b);
	ok(pvamsg_validated_build(&b, 0, 7, NULL) == PVAMSG_EINVAL,
	    "CONNECTION_VALIDATED: status code 7 refused");
	pvamsg_buf_free(&b);
}

static void
test_channels(void)
{
	static const uint8_t create_be[] = {
		0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0x0b,
		'C', 'E', 'R', 'T', ':', 'C', 'R', 'E', 'A', 'T', 'E' };
	static const uint8_t refuse_be[] = {
		0xca, 0x02, 0xc0, 0x07, 0x00, 0x00, 0x00, 0x24,
		0x12, 0x34, 0x56, 0x78, 0xff, 0xff, 0xff, 0xff, 0x03, 0x19,
		'R', 'e', 'f', 'u', 's', 'e', 'd', ' ', 't', 'o', ' ',
		'c', 'r', 'e', 'a', 't', 'e', ' ',
		'C', 'h', 'a', 'n', 'n', 'e', 'l', 0x00 };
	struct pvamsg_create_req cr;
	struct pvamsg_buf b;
	uint32_t sid, cid;
	uint8_t *p;
	char err[128];

	pvamsg_buf_init(&b);
	p = dup(create_le + 8, 18);
	ok(pvamsg_create_parse(p, 18, 0, &cr, err, sizeof(err)) == 0 &&
	    cr.n == 1 && cr.chan[0].cid == 0x12345678 &&
	    cr.chan[0].name.len == 11 &&
	    memcmp(cr.chan[0].name.ptr, "CERT:CREATE", 11) == 0,
	    "CREATE_CHANNEL: §6.3 request");
	free(p);
	p = dup(create_be, sizeof(create_be));
	ok(pvamsg_create_parse(p, sizeof(create_be), 1, &cr, err,
	    sizeof(err)) == 0 && cr.n == 1 && cr.chan[0].cid == 0x12345678,
	    "CREATE_CHANNEL: the big-endian twin");
	ok(pvamsg_create_parse(p, sizeof(create_be), 0, &cr, err,
	    sizeof(err)) == PVAMSG_ETOOBIG && cr.n == 0,
	    "CREATE_CHANNEL: big-endian read as little: 256 channels, "
	    "refused (%s)", err);
	free(p);
	ok(pvamsg_create_reply_build(&b, 0, 0x12345678, SID,
	    PVAMSG_STATUS_OK, NULL) == 0 &&
	    same(&b, create_reply_le, sizeof(create_reply_le)),
	    "CREATE_CHANNEL reply: §6.3 bytes");
	pvamsg_buf_reset(&b);
	ok(pvamsg_create_reply_build(&b, 1, 0x12345678, PVAMSG_SID_NONE,
	    PVAMSG_STATUS_FATAL, "Refused to create Channel") == 0 &&
	    same(&b, refuse_be, sizeof(refuse_be)),
	    "CREATE_CHANNEL refusal: FFFFFFFF and a fatal status, "
	    "big-endian");
	pvamsg_buf_reset(&b);

	ok(pvamsg_destroy_chan_build(&b, 0, SID, 0x12345678) == 0 &&
	    b.len == 16 && b.data[3] == 8 && b.data[4] == 8 &&
	    pvamsg_destroy_chan_parse(b.data + 8, 8, 0, &sid, &cid, err,
	    sizeof(err)) == 0 && sid == SID && cid == 0x12345678,
	    "DESTROY_CHANNEL: little-endian round trip");
	pvamsg_buf_reset(&b);
	ok(pvamsg_destroy_chan_build(&b, 1, SID, 0x12345678) == 0 &&
	    b.data[8] == 0x07 && b.data[12] == 0x12 &&
	    pvamsg_destroy_chan_parse(b.data + 8, 8, 1, &sid, &cid, err,
	    sizeof(err)) == 0 && sid == SID && cid == 0x12345678,
	    "DESTROY_CHANNEL: big-endian round trip");
	ok(pvamsg_destroy_chan_parse(b.data + 8, 7, 1, &sid, &cid, err,
	    sizeof(err)) == PVAMSG_ETRUNC, "DESTROY_CHANNEL: 7 bytes (%s)",
	    err);
	ok(pvamsg_destroy_chan_parse(b.data + 7, 9, 1, &sid, &cid, err,
	    sizeof(err)) == PVAMSG_EMALFORMED, "DESTROY_CHANNEL: 9 bytes "
	    "(%s)", err);
	pvamsg_buf_free(&b);

	p = dup(destroy_req, sizeof(destroy_req));
	ok(pvamsg_end_op_parse(p, 8, 0, &sid, &cid, err, sizeof(err)) == 0 &&
	    sid == SID && cid == IOID, "DESTROY_REQUEST: §7.7 bytes");
	free(p);
}

static void
test_ops(void)
{
	struct pvamsg_op op;
	struct pvamsg_buf b;
	uint8_t *p, ack[13], gf[12], rpc[29];
	char err[128];
	static const uint8_t msg_le[] = {
		0xca, 0x02, 0x40, 0x12, 0x08, 0x00, 0x00, 0x00,
		0x00, 0x20, 0x00, 0x10, 0x01, 0x02, 'h', 'i' };

	p = dup(get_init, sizeof(get_init));
	ok(pvamsg_op_parse(PVAMSG_GET, p, sizeof(get_init), 0, &op, err,
	    sizeof(err)) == 0 && op.sid == SID && op.ioid == IOID &&
	    op.sub == PVAMSG_SUB_INIT && op.bodylen == 12 &&
	    op.body == p + 9 && op.body[0] == 0x80,
	    "GET INIT: §7.7 sid, ioid, 08, the pvRequest left for the codec");
	free(p);
	p = dup(get_exec, sizeof(get_exec));
	ok(pvamsg_op_parse(PVAMSG_GET, p, sizeof(get_exec), 0, &op, err,
	    sizeof(err)) == 0 && op.sub == 0 && op.bodylen == 0,
	    "GET EXEC: §7.7 sub-command 00, no body");
	ok(pvamsg_op_parse(PVAMSG_GET, p, 8, 0, &op, err, sizeof(err)) ==
	    PVAMSG_ETRUNC, "GET without its sub-command (%s)", err);
	free(p);
	p = dup(mon_start, sizeof(mon_start));
	ok(pvamsg_op_parse(PVAMSG_MONITOR, p, sizeof(mon_start), 0, &op, err,
	    sizeof(err)) == 0 && op.sub == 0x44 && !op.has_ack,
	    "MONITOR START: §7.7 sub-command 44");
	free(p);
	memcpy(ack, mon_start, 9);
	ack[8] = 0xc4;
	memcpy(ack + 9, "\x00\x00\x00\x05", 4);
	p = dup(ack, sizeof(ack));
	ok(pvamsg_op_parse(PVAMSG_MONITOR, p, sizeof(ack), 1, &op, err,
	    sizeof(err)) == 0 && op.has_ack && op.ack == 5 &&
	    op.sid == 0x01030507, "MONITOR START with a pipeline ack of 5, "
	    "big-endian");
	ok(pvamsg_op_parse(PVAMSG_MONITOR, p, sizeof(ack) - 1, 1, &op, err,
	    sizeof(err)) == PVAMSG_ETRUNC, "MONITOR ack cut short (%s)", err);
	free(p);
	memcpy(gf, destroy_req, 8);
	memcpy(gf + 8, "\x03" "abc", 4);
	p = dup(gf, sizeof(gf));
	ok(pvamsg_op_parse(PVAMSG_GET_FIELD, p, sizeof(gf), 0, &op, err,
	    sizeof(err)) == 0 && op.subfield.len == 3 &&
	    memcmp(op.subfield.ptr, "abc", 3) == 0,
	    "GET_FIELD: sid, ioid, sub-field");
	free(p);
	memcpy(rpc, get_exec, 9);
	memcpy(rpc + 9, "\x80\x12" "epics:nt/NTURI:1.0", 20);
	p = dup(rpc, sizeof(rpc));
	ok(pvamsg_op_parse(PVAMSG_RPC, p, sizeof(rpc), 0, &op, err,
	    sizeof(err)) == 0 && op.sub == 0 && op.bodylen == 20 &&
	    op.body[0] == 0x80 && op.body[1] == 0x12,
	    "RPC EXEC: §7.7 sub-command 00, the NTURI argument left for "
	    "the codec");
	free(p);
	ok(pvamsg_op_parse(PVAMSG_CREATE_CHANNEL, get_exec, 9, 0, &op, err,
	    sizeof(err)) == PVAMSG_EINVAL, "op parse refuses a non-operation "
	    "(%s)", err);

	pvamsg_buf_init(&b);
	ok(pvamsg_message_build(&b, 0, IOID, 1, "hi") == 0 &&
	    same(&b, msg_le, sizeof(msg_le)), "MESSAGE: a warning");
	pvamsg_buf_free(&b);
}

static void
test_search(void)
{
	struct pvasearch_dgram *dg = calloc(1, sizeof(*dg));
	struct pvasearch_req *req = calloc(1, sizeof(*req));
	struct pvamsg_buf b, fwd;
	uint8_t le[sizeof(search_be)], *p, two[64 + sizeof(search_be)];
	uint8_t dest[16], src[16], mine[16];
	size_t nfound;
	char err[128];
	int calls = 0;
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	static const uint8_t ip[4] = { 10, 1, 2, 3 };
	static const uint8_t beacon[] = {
		0xca, 0x02, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x27,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0,
		0x13, 0xd3, 0x03, 't', 'c', 'p', 0xff };

	pvamsg_buf_init(&b);
	pvamsg_buf_init(&fwd);
	p = dup(search_be, sizeof(search_be));
	ok(pvasearch_datagram(p, sizeof(search_be), dg, err,
	    sizeof(err)) == 0 && dg->has_search && !dg->has_origin &&
	    dg->req.be && dg->req.seq == 0x66696e64 &&
	    dg->req.flags == PVASEARCH_F_UNICAST && dg->req.port == 45002 &&
	    dg->req.tcp && !dg->req.tls && dg->req.nchan == 1 &&
	    dg->req.chan[0].cid == 0x12345678 &&
	    dg->req.chan[0].name.len == 11 && dg->search == p &&
	    dg->search_len == sizeof(search_be),
	    "SEARCH: §5.5 datagram: find, unicast, port 45002, tcp, "
	    "CERT:CREATE");
	ok(pvasearch_respond(&dg->req, guid, NULL, 25175, serves_create,
	    &calls, &b, &nfound, err, sizeof(err)) == 0 && nfound == 1 &&
	    calls == 1 && same(&b, response_be, sizeof(response_be)),
	    "SEARCH_RESPONSE: exactly the §5.5 bytes");
	pvamsg_buf_reset(&b);

	/* §2.6: the forwarded datagram, and reading it back. */
	pvasearch_addr_v4(dest, ip);
	pvasearch_addr_v4(src, lo);
	ok(pvasearch_forward_build(dg->search, dg->search_len, dest, src,
	    &fwd, err, sizeof(err)) == 0 &&
	    fwd.len == 24 + sizeof(search_be) && fwd.data[3] == 0x16 &&
	    fwd.data[2] == 0x80 && fwd.data[7] == 16 &&
	    memcmp(fwd.data + 8, dest, 16) == 0,
	    "forward: ORIGIN_TAG with the original destination first");
	ok(pvasearch_datagram(fwd.data, fwd.len, dg, err, sizeof(err)) == 0 &&
	    dg->has_origin && memcmp(dg->origin, dest, 16) == 0 &&
	    dg->has_search && dg->req.flags == 0 &&
	    memcmp(dg->req.addr, src, 16) == 0 && dg->req.port == 45002 &&
	    dg->req.nchan == 1, "forward: read back, unicast cleared, reply "
	    "address the sender's");
	ok(pvasearch_forward_build(fwd.data, fwd.len, dest, src, &b, err,
	    sizeof(err)) == PVAMSG_EINVAL && b.len == 0, "forward: a "
	    "forwarded datagram is not forwarded again (%s)", err);
	free(p);

	/* A reply address already set is kept. */
	memcpy(two, search_be, sizeof(search_be));
	pvasearch_addr_v4(mine, ip);
	memcpy(two + 8 + 8, mine, 16);
	pvamsg_buf_reset(&fwd);
	ok(pvasearch_forward_build(two, sizeof(search_be), dest, src, &fwd,
	    err, sizeof(err)) == 0 && pvasearch_datagram(fwd.data, fwd.len,
	    dg, err, sizeof(err)) == 0 && memcmp(dg->req.addr, mine, 16) == 0,
	    "forward: a reply address the client set is kept");

	/* Little-endian twin, built by hand, answered in little-endian. */
	memcpy(le, search_be, sizeof(le));
	le[2] = 0x00;
	memcpy(le + 4, "\x31\x00\x00\x00", 4);
	memcpy(le + 8, "\x64\x6e\x69\x66", 4);
	le[32] = 0xca;
	le[33] = 0xaf;
	le[39] = 0x01;
	le[40] = 0x00;
	memcpy(le + 41, "\x78\x56\x34\x12", 4);
	p = dup(le, sizeof(le));
	calls = 0;
	ok(pvasearch_datagram(p, sizeof(le), dg, err, sizeof(err)) == 0 &&
	    !dg->req.be && dg->req.seq == 0x66696e64 &&
	    dg->req.port == 45002 && dg->req.chan[0].cid == 0x12345678,
	    "SEARCH: the little-endian twin reads the same");
	pvamsg_buf_reset(&b);
	ok(pvasearch_respond(&dg->req, guid, NULL, 25175, serves_create,
	    &calls, &b, &nfound, err, sizeof(err)) == 0 && nfound == 1 &&
	    b.len == sizeof(response_be) && b.data[2] == 0x40 &&
	    b.data[4] == 0x2d && memcmp(b.data + 20, "\x64\x6e\x69\x66", 4) ==
	    0 && b.data[40] == 0x57 && b.data[41] == 0x62 &&
	    memcmp(b.data + 49, "\x78\x56\x34\x12", 4) == 0,
	    "SEARCH_RESPONSE: little-endian for a little-endian search");

	/* Not ours: silence; must-reply: an empty answer; no tcp: none. */
	pvamsg_buf_reset(&b);
	ok(pvasearch_respond(&dg->req, guid, NULL, 25175, serves_none, NULL,
	    &b, &nfound, err, sizeof(err)) == 0 && nfound == 0 && b.len == 0,
	    "SEARCH_RESPONSE: nothing for names not served");
	memcpy(req, &dg->req, sizeof(*req));
	req->flags |= PVASEARCH_F_MUST_REPLY;
	ok(pvasearch_respond(req, guid, NULL, 25175, serves_none, NULL, &b,
	    &nfound, err, sizeof(err)) == 0 && nfound == 0 && b.len == 49 &&
	    b.data[4] == 0x29 && b.data[46] == 0 && b.data[47] == 0 &&
	    b.data[48] == 0, "SEARCH_RESPONSE: must-reply gets found 0, "
	    "count 0");
	pvamsg_buf_reset(&b);
	req->flags = 0;
	req->tcp = 0;
	calls = 0;
	ok(pvasearch_respond(req, guid, NULL, 25175, serves_create, &calls,
	    &b, &nfound, err, sizeof(err)) == 0 && b.len == 0 && calls == 0,
	    "SEARCH_RESPONSE: names ignored without \"tcp\"");
	free(p);		/* the names were views into it */

	/* A BEACON first is skipped; a BEACON alone is nothing. */
	memcpy(two, beacon, sizeof(beacon));
	memcpy(two + sizeof(beacon), search_be, sizeof(search_be));
	p = dup(two, sizeof(beacon) + sizeof(search_be));
	ok(pvasearch_datagram(p, sizeof(beacon) + sizeof(search_be), dg, err,
	    sizeof(err)) == 0 && dg->has_search &&
	    dg->search == p + sizeof(beacon), "datagram: BEACON skipped, "
	    "SEARCH found");
	ok(pvasearch_datagram(p, sizeof(beacon), dg, err, sizeof(err)) ==
	    0 && !dg->has_search && !dg->has_origin, "datagram: a BEACON "
	    "alone is ignored");
	free(p);

	/* §5.3: SEARCH over TCP to a name server; the answer gives port 0. */
	{
		struct pvamsg_framer f;
		struct pvamsg_frame fr;
		uint8_t tcp[sizeof(le)];

		memcpy(tcp, le, sizeof(le));
		tcp[8 + 4] = PVASEARCH_F_UNICAST;
		tcp[32] = tcp[33] = 0;		/* reply port 0 */
		pvamsg_framer_init(&f, 64 * 1024, 64 * 1024, 0);
		pvamsg_buf_reset(&b);
		calls = 0;
		ok(pvamsg_frame(&f, tcp, sizeof(tcp), &fr, err,
		    sizeof(err)) == 0 && fr.hdr.command == PVAMSG_SEARCH &&
		    pvasearch_parse(fr.payload, fr.len, PVAMSG_IS_BE(&fr.hdr),
		    req, err, sizeof(err)) == 0 && req->port == 0 &&
		    pvasearch_respond(req, guid, NULL, 0, serves_create,
		    &calls, &b, &nfound, err, sizeof(err)) == 0 &&
		    nfound == 1 && b.len == 53 && b.data[40] == 0 &&
		    b.data[41] == 0, "SEARCH over TCP: framed, parsed, "
		    "answered with port 0");
		pvamsg_framer_free(&f);
	}
	pvamsg_buf_free(&b);
	pvamsg_buf_free(&fwd);
	free(dg);
	free(req);
}

/* Truncation at every byte offset of a body must fail cleanly. */
static int
trunc_all(int (*parse)(const uint8_t *, size_t, int, void *, char *,
    size_t), const uint8_t *p, size_t len, int be, void *out)
{
	char err[128];
	uint8_t *q;
	size_t i;
	int r, good = 1;

	for (i = 0; i < len; i++) {
		q = dup(p, i);
		err[0] = '\0';
		r = parse(q, i, be, out, err, sizeof(err));
		if (r >= 0 || err[0] == '\0')
			good = 0;
		free(q);
	}
	return good;
}

static int
p_valid(const uint8_t *p, size_t n, int be, void *o, char *e, size_t el)
{
	return pvamsg_validation_parse(p, n, be, o, e, el);
}

static int
p_create(const uint8_t *p, size_t n, int be, void *o, char *e, size_t el)
{
	return pvamsg_create_parse(p, n, be, o, e, el);
}

static int
p_get(const uint8_t *p, size_t n, int be, void *o, char *e, size_t el)
{
	return pvamsg_op_parse(PVAMSG_GET, p, n, be, o, e, el);
}

static int
p_end(const uint8_t *p, size_t n, int be, void *o, char *e, size_t el)
{
	uint32_t a, b;

	return pvamsg_end_op_parse(p, n, be, &a, &b, e, el);
}

static int
p_search(const uint8_t *p, size_t n, int be, void *o, char *e, size_t el)
{
	return pvasearch_datagram(p, n, o, e, el);
}

static int
p_search_body(const uint8_t *p, size_t n, int be, void *o, char *e,
    size_t el)
{
	return pvasearch_parse(p, n, be, o, e, el);
}

static void
test_hostile(void)
{
	struct pvasearch_dgram *dg = calloc(1, sizeof(*dg));
	struct pvamsg_validation v;
	struct pvamsg_create_req cr;
	struct pvamsg_op op;
	uint8_t *buf, *p;
	size_t len, i;
	char err[128];
	int r;

	ok(trunc_all(p_valid, valid_le + 8, sizeof(valid_le) - 8, 0, &v),
	    "truncated CONNECTION_VALIDATION at every offset fails");
	ok(trunc_all(p_create, create_le + 8, 18, 0, &cr),
	    "truncated CREATE_CHANNEL at every offset fails");
	ok(trunc_all(p_get, get_init, 9, 0, &op),
	    "truncated GET header at every offset fails");
	ok(trunc_all(p_end, destroy_req, 8, 0, NULL),
	    "truncated DESTROY_REQUEST at every offset fails");
	ok(trunc_all(p_search, search_be, sizeof(search_be), 1, dg),
	    "truncated SEARCH datagram at every offset fails");
	ok(trunc_all(p_search_body, search_be + 8, sizeof(search_be) - 8, 1,
	    &dg->req), "truncated SEARCH body at every offset fails");

	/* CREATE_CHANNEL: 17 channels; a 257-byte name; NUL; empty. */
	buf = calloc(1, 8192);
	buf[0] = 17;
	for (i = 0, len = 2; i < 17; i++) {
		memcpy(buf + len, "\1\0\0\0\1x", 6);
		len += 6;
	}
	r = pvamsg_create_parse(buf, len, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG && cr.n == 0, "CREATE_CHANNEL: 17 channels "
	    "refused (%s)", err);
	buf[0] = 16;
	r = pvamsg_create_parse(buf, len - 6, 0, &cr, err, sizeof(err));
	ok(r == 0 && cr.n == 16, "CREATE_CHANNEL: 16 channels accepted");
	memcpy(buf, "\1\0\1\0\0\0\xfe\x01\x01\0\0", 11);
	memset(buf + 11, 'a', 257);
	r = pvamsg_create_parse(buf, 11 + 257, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "CREATE_CHANNEL: a 257-byte name refused "
	    "(%s)", err);
	memcpy(buf, "\1\0\1\0\0\0\xfe\x00\x01\0\0", 11);
	r = pvamsg_create_parse(buf, 11 + 256, 0, &cr, err, sizeof(err));
	ok(r == 0 && cr.chan[0].name.len == 256, "CREATE_CHANNEL: a 256-"
	    "byte name in the long Size form accepted");
	memcpy(buf, "\1\0\1\0\0\0\xfe\xff\xff\xff\xff", 11);
	r = pvamsg_create_parse(buf, 11, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "CREATE_CHANNEL: a 4 GiB name length "
	    "refused (%s)", err);
	memcpy(buf, "\1\0\1\0\0\0\3a\0b", 10);
	r = pvamsg_create_parse(buf, 10, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "CREATE_CHANNEL: a name with NUL (%s)",
	    err);
	memcpy(buf, "\1\0\1\0\0\0\0", 7);
	r = pvamsg_create_parse(buf, 7, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "CREATE_CHANNEL: an empty name (%s)", err);
	memcpy(buf, "\0\0", 2);
	r = pvamsg_create_parse(buf, 2, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "CREATE_CHANNEL: zero channels (%s)", err);
	p = dup(create_le + 8, 18);
	memcpy(buf, create_le + 8, 18);
	buf[18] = 0;
	r = pvamsg_create_parse(buf, 19, 0, &cr, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "CREATE_CHANNEL: a trailing byte (%s)",
	    err);
	free(p);

	/* Validation: a long method; data over the cap; the null Size. */
	memcpy(buf, valid_le + 8, 8);
	buf[8] = 65;
	memset(buf + 9, 'm', 65);
	buf[74] = 0xff;
	r = pvamsg_validation_parse(buf, 75, 0, &v, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "validation: a 65-byte method refused (%s)",
	    err);
	buf[8] = 2;
	memset(buf + 11, 0, PVAMSG_MAX_AUTHDATA + 1);
	r = pvamsg_validation_parse(buf, 11 + PVAMSG_MAX_AUTHDATA + 1, 0, &v,
	    err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "validation: method data over %d bytes "
	    "refused (%s)", PVAMSG_MAX_AUTHDATA, err);
	r = pvamsg_validation_parse(buf, 11 + PVAMSG_MAX_AUTHDATA, 0, &v, err,
	    sizeof(err));
	ok(r == 0 && !v.has_ca, "validation: odd method data at the cap is "
	    "kept raw");
	memcpy(buf, valid_le + 8, sizeof(valid_le) - 8);
	buf[sizeof(valid_le) - 8 - 3] = 0x09;	/* "vm" claims 9 bytes */
	r = pvamsg_validation_parse(buf, sizeof(valid_le) - 8, 0, &v, err,
	    sizeof(err));
	ok(r == PVAMSG_EMALFORMED && !v.has_ca && v.user.ptr == NULL,
	    "validation: ca data whose host runs past the end (%s)", err);
	memcpy(buf, "\0\0\1\0\xff\x7f\0\0\x02" "ca\xff\x00", 13);
	r = pvamsg_validation_parse(buf, 13, 0, &v, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "validation: the null type followed by a "
	    "byte (%s)", err);
	memcpy(buf, "\0\0\1\0\xff\x7f\0\0\x02" "ca\x80\x00\x01\x01n\x22"
	    "\x05\0\0\0", 20);
	r = pvamsg_validation_parse(buf, 20, 0, &v, err, sizeof(err));
	ok(r == 0 && !v.has_ca && v.datalen == 9, "validation: a structure "
	    "with an int32 field is kept raw for the codec");

	/* SEARCH: 257 names, 9 protocols, long names, NUL, bad headers. */
	memcpy(buf, search_be, 8 + 26);
	len = 8 + 26;
	buf[len++] = 0x01;
	memcpy(buf + len, "\x03tcp", 4);
	len += 4;
	buf[len++] = 0x01;
	buf[len++] = 0x01;			/* 257 names */
	for (i = 0; i < 257; i++) {
		memcpy(buf + len, "\0\0\0\1\1x", 6);
		len += 6;
	}
	buf[4] = 0;
	buf[5] = 0;
	buf[6] = (uint8_t)((len - 8) >> 8);
	buf[7] = (uint8_t)(len - 8);
	r = pvasearch_datagram(buf, len, dg, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG && !dg->has_search, "SEARCH: 257 names "
	    "refused (%s)", err);
	buf[8 + 32] = 0x00;			/* 256 names */
	r = pvasearch_datagram(buf, len - 6, dg, err, sizeof(err));
	ok(r == PVAMSG_ETRUNC, "SEARCH: header size past the datagram (%s)",
	    err);
	buf[7] = (uint8_t)(len - 14);
	buf[6] = (uint8_t)((len - 14) >> 8);
	r = pvasearch_datagram(buf, len - 6, dg, err, sizeof(err));
	ok(r == 0 && dg->req.nchan == 256, "SEARCH: 256 names accepted");
	buf[8 + 26] = 9;
	r = pvasearch_parse(buf + 8, len - 14, 1, &dg->req, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "SEARCH: 9 protocols refused (%s)", err);
	buf[8 + 26] = 1;
	buf[8 + 27] = 17;
	r = pvasearch_parse(buf + 8, len - 14, 1, &dg->req, err, sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "SEARCH: a 17-byte protocol refused (%s)",
	    err);
	memcpy(buf, search_be, sizeof(search_be));
	buf[sizeof(search_be) - 12] = 0xfe;	/* name Size: FE + u32 */
	r = pvasearch_datagram(buf, sizeof(search_be), dg, err, sizeof(err));
	ok(r < 0, "SEARCH: a name length in the long form past the end "
	    "(%s)", err);
	memcpy(buf, search_be, sizeof(search_be));
	buf[sizeof(search_be) - 5] = 0;
	r = pvasearch_datagram(buf, sizeof(search_be), dg, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "SEARCH: a name with NUL (%s)", err);
	memcpy(buf, search_be, sizeof(search_be));
	buf[0] = 0xcb;
	r = pvasearch_datagram(buf, sizeof(search_be), dg, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "SEARCH: bad magic (%s)", err);
	buf[0] = 0xca;
	buf[2] |= PVAMSG_F_CONTROL;
	r = pvasearch_datagram(buf, sizeof(search_be), dg, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "SEARCH: a control message in a datagram "
	    "(%s)", err);
	buf[2] = 0x90;
	r = pvasearch_datagram(buf, sizeof(search_be), dg, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "SEARCH: segment bits in a datagram (%s)",
	    err);
	memcpy(buf, "\xca\x02\x80\x16\x00\x00\x00\x0f", 8);
	memset(buf + 8, 0, 15);
	r = pvasearch_datagram(buf, 23, dg, err, sizeof(err));
	ok(r == PVAMSG_EMALFORMED, "ORIGIN_TAG of 15 bytes (%s)", err);
	buf[7] = 0xff;
	buf[6] = 0xff;
	r = pvasearch_datagram(buf, 23, dg, err, sizeof(err));
	ok(r == PVAMSG_ETRUNC, "a message claiming 64 KiB in 23 bytes (%s)",
	    err);
	r = pvasearch_datagram(buf, 0, dg, err, sizeof(err));
	ok(r == PVAMSG_ETRUNC, "an empty datagram (%s)", err);
	r = pvasearch_datagram(buf, PVASEARCH_MAX_DGRAM + 1, dg, err,
	    sizeof(err));
	ok(r == PVAMSG_ETOOBIG, "a datagram over 65507 bytes (%s)", err);

	/* The output cap latches. */
	{
		struct pvamsg_buf b;

		pvamsg_buf_init(&b);
		pvamsg_buf_put(&b, buf, 8192);
		for (i = 0; i < 200 && b.err == 0; i++)
			pvamsg_buf_put(&b, buf, 8192);
		r = pvamsg_message_build(&b, 0, 1, 0, "x");
		ok(b.err == PVAMSG_ENOMEM && r == PVAMSG_ENOMEM &&
		    b.len <= PVAMSG_BUF_MAX, "pvamsg_buf: the 1 MiB cap "
		    "latches an error");
		pvamsg_buf_free(&b);
	}
	free(buf);
	free(dg);
}

int
main(void)
{
	test_header();
	test_framer();
	test_control();
	test_opening();
	test_channels();
	test_ops();
	test_search();
	test_hostile();
	tap_plan(tap_n);
	return tap_done();
}
