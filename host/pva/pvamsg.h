/*
 * pvamsg.h - the PVAccess message layer of the pvacms front, as a pure
 * library: no sockets, no event loop, no daemon state.  It reads and
 * writes the 8-byte header (PVA §3.1), frames a TCP byte stream into
 * messages (§3.4), answers control messages (§3.3) and reads or builds
 * the bodies the front needs to open a connection, keep it alive and
 * manage channels (§6), plus the routing header of operations (§7.1).
 * Operation bodies (pvRequest, values) are pvData and belong to the
 * codec (host/pva/pvdata.h); UDP search is in pvasearch.h.
 *
 * Conventions.  Every function that can fail returns 0 or a negative
 * PVAMSG_E* code and writes a one-line reason into err (errlen bytes,
 * always terminated when errlen > 0).  Parsers never read past the
 * length they are given and never allocate: strings they return are
 * views into the caller's bytes (struct pvamsg_str, not terminated), so
 * they live exactly as long as those bytes.  Builders append complete
 * messages to a struct pvamsg_buf, which the caller owns and frees with
 * pvamsg_buf_free.  be is the byte order: non-zero for big-endian.
 * Messages the builders make carry the server flag (0x40): the front is
 * always the server.
 */
#ifndef PVACMS_PVAMSG_H
#define PVACMS_PVAMSG_H

#include <stddef.h>
#include <stdint.h>

/* Error codes. */
#define PVAMSG_OK		0
#define PVAMSG_EAGAIN		(-1)	/* framer: not a whole message yet */
#define PVAMSG_ETRUNC		(-2)	/* a body ends before its fields do */
#define PVAMSG_EMALFORMED	(-3)	/* bad magic, flags, values, trailing */
#define PVAMSG_ETOOBIG		(-4)	/* a size or count over its cap */
#define PVAMSG_ESEQUENCE	(-5)	/* segments out of order */
#define PVAMSG_ENOMEM		(-6)	/* out of memory, or output cap */
#define PVAMSG_EINVAL		(-7)	/* the caller's arguments */

/* A short description of code, e.g. "truncated".  Static. */
const char *pvamsg_strerror(int code);

/* Header (§3.1). */
#define PVAMSG_MAGIC		0xca
#define PVAMSG_VERSION		2
#define PVAMSG_HDR_LEN		8
#define PVAMSG_F_CONTROL	0x01
#define PVAMSG_F_SEGMASK	0x30
#define PVAMSG_SEG_NONE		0x00
#define PVAMSG_SEG_FIRST	0x10
#define PVAMSG_SEG_LAST		0x20
#define PVAMSG_SEG_MIDDLE	0x30
#define PVAMSG_F_SERVER		0x40
#define PVAMSG_F_BE		0x80

/* Application commands (§3.5). */
enum pvamsg_cmd {
	PVAMSG_BEACON = 0x00,
	PVAMSG_CONNECTION_VALIDATION = 0x01,
	PVAMSG_ECHO = 0x02,
	PVAMSG_SEARCH = 0x03,
	PVAMSG_SEARCH_RESPONSE = 0x04,
	PVAMSG_AUTHNZ = 0x05,
	PVAMSG_ACL_CHANGE = 0x06,
	PVAMSG_CREATE_CHANNEL = 0x07,
	PVAMSG_DESTROY_CHANNEL = 0x08,
	PVAMSG_CONNECTION_VALIDATED = 0x09,
	PVAMSG_GET = 0x0a,
	PVAMSG_PUT = 0x0b,
	PVAMSG_PUT_GET = 0x0c,
	PVAMSG_MONITOR = 0x0d,
	PVAMSG_ARRAY = 0x0e,
	PVAMSG_DESTROY_REQUEST = 0x0f,
	PVAMSG_PROCESS = 0x10,
	PVAMSG_GET_FIELD = 0x11,
	PVAMSG_MESSAGE = 0x12,
	PVAMSG_MULTIPLE_DATA = 0x13,
	PVAMSG_RPC = 0x14,
	PVAMSG_CANCEL_REQUEST = 0x15,
	PVAMSG_ORIGIN_TAG = 0x16
};

/* Control types (§3.3; 3 and 4 are pvAccessCPP's echo pair). */
#define PVAMSG_CTL_SET_MARKER	0
#define PVAMSG_CTL_ACK_MARKER	1
#define PVAMSG_CTL_SET_ENDIAN	2
#define PVAMSG_CTL_ECHO_REQ	3
#define PVAMSG_CTL_ECHO_RESP	4

/* Caps. */
#define PVAMSG_MAX_NAME		256	/* channel name bytes */
#define PVAMSG_MAX_CREATE	16	/* channels in one CREATE_CHANNEL */
#define PVAMSG_MAX_METHOD	64	/* authentication method name */
#define PVAMSG_MAX_AUTHDATA	4096	/* method data bytes kept */
#define PVAMSG_MAX_AUTHSTR	256	/* user, host */
#define PVAMSG_MAX_ECHO		1024	/* ECHO body echoed back */
#define PVAMSG_MAX_SUBFIELD	256	/* GET_FIELD sub-field */
#define PVAMSG_BUF_MAX		(1024 * 1024)	/* one pvamsg_buf, bytes */

/* Status codes (§4.1). */
#define PVAMSG_STATUS_OK	0
#define PVAMSG_STATUS_WARNING	1
#define PVAMSG_STATUS_ERROR	2
#define PVAMSG_STATUS_FATAL	3

/* Sub-command bits (§7.1). */
#define PVAMSG_SUB_INIT		0x08
#define PVAMSG_SUB_DESTROY	0x10
#define PVAMSG_SUB_GET		0x40
#define PVAMSG_SUB_START_STOP	0x04
#define PVAMSG_SUB_PIPELINE	0x80

#define PVAMSG_SID_NONE		0xffffffffu	/* a refused channel */

/* A view into the caller's bytes: not terminated, not owned. */
struct pvamsg_str {
	const char *ptr;
	size_t len;
};

struct pvamsg_header {
	uint8_t version;
	uint8_t flags;
	uint8_t command;	/* or the control type */
	uint32_t size;		/* payload bytes, or the control value */
};

/* Byte order, control and segmentation of a parsed header. */
#define PVAMSG_IS_BE(h)		(((h)->flags & PVAMSG_F_BE) != 0)
#define PVAMSG_IS_CONTROL(h)	(((h)->flags & PVAMSG_F_CONTROL) != 0)
#define PVAMSG_SEG(h)		((h)->flags & PVAMSG_F_SEGMASK)

/*
 * An output buffer that grows up to PVAMSG_BUF_MAX bytes.  Errors latch:
 * after a failed append (out of memory, over the cap) err is set, later
 * appends do nothing, and builders return PVAMSG_ENOMEM.  Start with
 * pvamsg_buf_init (or a zeroed struct); the caller frees with
 * pvamsg_buf_free.  pvamsg_buf_reset empties it and clears err, keeping
 * the memory.
 */
struct pvamsg_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};

void	pvamsg_buf_init(struct pvamsg_buf *b);
void	pvamsg_buf_reset(struct pvamsg_buf *b);
void	pvamsg_buf_free(struct pvamsg_buf *b);
void	pvamsg_buf_put(struct pvamsg_buf *b, const void *p, size_t n);

/*
 * Parse the 8-byte header at p (len >= 8).  Checks magic 0xCA and a
 * non-zero version (PVXS accepts any); flags and size are returned as
 * they are, in the header's byte order.  PVAMSG_ETRUNC when len < 8.
 */
int	pvamsg_header_parse(const uint8_t *p, size_t len,
	    struct pvamsg_header *h, char *err, size_t errlen);

/* Write a header (version 2) into out[0..8). */
void	pvamsg_header_build(uint8_t out[PVAMSG_HDR_LEN], uint8_t flags,
	    uint8_t command, uint32_t size);

/*
 * Messages with a body: pvamsg_begin appends a header with size 0 and
 * returns its offset in b; the caller appends the body (with the
 * codec, or pvamsg_buf_put); pvamsg_end patches the size.  pvamsg_end
 * returns 0, or PVAMSG_ENOMEM when an append failed on the way.
 * flags usually is PVAMSG_F_SERVER plus PVAMSG_F_BE for big-endian.
 */
size_t	pvamsg_begin(struct pvamsg_buf *b, uint8_t flags, uint8_t command);
int	pvamsg_end(struct pvamsg_buf *b, size_t at);

/*
 * The framer (§3.4) cuts a TCP byte stream into messages.  The caller
 * keeps the unread bytes (an evbuffer) and calls pvamsg_frame with
 * whatever is contiguous at its front:
 *   PVAMSG_EAGAIN: fr->need is the byte count to wait for (8, then
 *     8 + payload); nothing was used.
 *   PVAMSG_OK: drop fr->consumed bytes.  If fr->complete, fr->hdr and
 *     fr->payload/fr->len are a whole message; else a segment was
 *     stored and there is nothing to do yet.
 *   < 0 otherwise: the stream is broken, close the connection.
 * fr->payload points into the caller's bytes, or into the framer's
 * reassembly buffer for a segmented message; either way it is valid
 * until the next call or pvamsg_framer_free.
 *
 * Checks: magic and version; the direction bit (a server reads only
 * messages without 0x40: set peer_is_server = 0); payload <= max_payload
 * before waiting for it (the front uses 64 KiB); control messages are
 * always 8 bytes and never segmented.
 * Segmentation: reassembled rather than refused, so that a client
 * other than PVXS that segments a large request still works (PVXS
 * itself never segments, §3.4).  A message's segments must come first,
 * middle..., last, with the same command and byte order; only control
 * messages may come in between, since they carry no payload.  Anything
 * else is PVAMSG_ESEQUENCE, as in PVXS.  The reassembled total is capped
 * at max_total (each segment also at max_payload); fr->hdr.size is then
 * that total and its flags have no segment bits.  The reassembly buffer
 * is the framer's: pvamsg_framer_free releases it.
 */
struct pvamsg_framer {
	size_t max_payload;	/* one message or segment */
	size_t max_total;	/* a reassembled message */
	int peer_is_server;	/* expected state of the 0x40 bit */
	/* Reassembly; private. */
	uint8_t *seg;
	size_t seglen;
	size_t segcap;
	int inseg;
	struct pvamsg_header seghdr;
};

struct pvamsg_frame {
	struct pvamsg_header hdr;
	const uint8_t *payload;	/* NULL for control messages */
	size_t len;
	size_t consumed;
	size_t need;
	int complete;
};

void	pvamsg_framer_init(struct pvamsg_framer *f, size_t max_payload,
	    size_t max_total, int peer_is_server);
void	pvamsg_framer_free(struct pvamsg_framer *f);
int	pvamsg_frame(struct pvamsg_framer *f, const uint8_t *p, size_t len,
	    struct pvamsg_frame *fr, char *err, size_t errlen);

/*
 * A control message (§3.3), given its header.  An echo request (type 3)
 * gets its response (type 4, same value) appended to out; SetEndian,
 * markers and unknown types need nothing, as in PVXS.  Returns 0, or
 * PVAMSG_EMALFORMED for an application header, PVAMSG_ENOMEM.
 */
int	pvamsg_control(const struct pvamsg_header *h, struct pvamsg_buf *out,
	    char *err, size_t errlen);

/* SetEndian (control type 2, value 0): the first message of a server. */
int	pvamsg_set_endian_build(struct pvamsg_buf *out, int be);

/*
 * The reply to an application ECHO (§6.2): the same body, with the
 * server flag, in the request's byte order.  A body longer than
 * PVAMSG_MAX_ECHO is PVAMSG_ETOOBIG (PVXS sends none).
 */
int	pvamsg_echo_reply(const struct pvamsg_header *h, const uint8_t *body,
	    size_t len, struct pvamsg_buf *out, char *err, size_t errlen);

/*
 * The server's opening (§6.1): SetEndian, then CONNECTION_VALIDATION
 * with the buffer size, registry size and methods (n names, e.g.
 * "anonymous", "ca" in rising preference).
 */
int	pvamsg_hello_build(struct pvamsg_buf *out, int be, uint32_t bufsize,
	    uint16_t regsize, const char *const *methods, size_t n);

/*
 * The client's CONNECTION_VALIDATION (§6.1).  method is the chosen
 * method; data is its type descriptor and value, raw (1..PVAMSG_MAX_AUTHDATA
 * bytes).  Two forms are checked: the null type FF alone (anonymous,
 * x509), and a structure whose fields are all strings, the form PVXS
 * sends for "ca": then has_ca is set and user and host hold those
 * fields (empty when absent).  Either form truncated or followed by
 * bytes is PVAMSG_EMALFORMED.  Any other data is kept raw for the codec;
 * the front accepts every caller (§6.1), so that is not an error.
 */
struct pvamsg_validation {
	uint32_t bufsize;
	uint16_t regsize;
	uint16_t qos;
	struct pvamsg_str method;
	const uint8_t *data;
	size_t datalen;
	int has_ca;
	struct pvamsg_str user;
	struct pvamsg_str host;
};

int	pvamsg_validation_parse(const uint8_t *p, size_t len, int be,
	    struct pvamsg_validation *v, char *err, size_t errlen);

/* CONNECTION_VALIDATED (§6.1) with a Status (msg NULL for none). */
int	pvamsg_validated_build(struct pvamsg_buf *out, int be, int code,
	    const char *msg);

/*
 * A Status body (§4.1) on its own, for replies whose rest is the
 * codec's: FF for OK without a message, else code, message, an empty
 * call stack.
 */
void	pvamsg_status_put(struct pvamsg_buf *out, int be, int code,
	    const char *msg);

/*
 * CREATE_CHANNEL request (§6.3): 1..PVAMSG_MAX_CREATE pairs of cid and
 * a name of 1..PVAMSG_MAX_NAME bytes without NUL.  Names are views.
 */
struct pvamsg_chan {
	uint32_t cid;
	struct pvamsg_str name;
};

struct pvamsg_create_req {
	size_t n;
	struct pvamsg_chan chan[PVAMSG_MAX_CREATE];
};

int	pvamsg_create_parse(const uint8_t *p, size_t len, int be,
	    struct pvamsg_create_req *r, char *err, size_t errlen);

/*
 * CREATE_CHANNEL reply, one per name: cid, sid, Status.  A refusal is
 * sid PVAMSG_SID_NONE with PVAMSG_STATUS_FATAL (§6.3).
 */
int	pvamsg_create_reply_build(struct pvamsg_buf *out, int be,
	    uint32_t cid, uint32_t sid, int code, const char *msg);

/* DESTROY_CHANNEL (§6.3): u32 sid, u32 cid, both directions. */
int	pvamsg_destroy_chan_parse(const uint8_t *p, size_t len, int be,
	    uint32_t *sid, uint32_t *cid, char *err, size_t errlen);
int	pvamsg_destroy_chan_build(struct pvamsg_buf *out, int be,
	    uint32_t sid, uint32_t cid);

/* DESTROY_REQUEST and CANCEL_REQUEST (§6.4): u32 sid, u32 ioid. */
int	pvamsg_end_op_parse(const uint8_t *p, size_t len, int be,
	    uint32_t *sid, uint32_t *ioid, char *err, size_t errlen);

/*
 * The routing header of an operation request (§7): GET, PUT, PUT_GET,
 * MONITOR, RPC, ARRAY, PROCESS give sid, ioid, the sub-command byte;
 * GET_FIELD gives sid, ioid and its sub-field string instead.  For a
 * MONITOR that is not an INIT, with the pipeline bit, the u32 ack
 * count that follows is read into ack (at INIT the window comes after
 * the pvRequest, which the codec reads).  body/bodylen are what is
 * left: the pvRequest or the value, for the codec.
 */
struct pvamsg_op {
	uint8_t command;
	uint32_t sid;
	uint32_t ioid;
	uint8_t sub;
	int has_ack;
	uint32_t ack;
	struct pvamsg_str subfield;	/* GET_FIELD only */
	const uint8_t *body;
	size_t bodylen;
};

int	pvamsg_op_parse(uint8_t command, const uint8_t *p, size_t len,
	    int be, struct pvamsg_op *op, char *err, size_t errlen);

/* MESSAGE (§6.5): ioid, type (0 info .. 3 fatal), text. */
int	pvamsg_message_build(struct pvamsg_buf *out, int be, uint32_t ioid,
	    uint8_t type, const char *text);

#endif
