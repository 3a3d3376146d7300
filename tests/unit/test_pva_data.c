/*
 * test_pva_data.c - the pvData codec of the PVAccess front (host/pva/):
 * Size, string, Status and scalars in both byte orders; type descriptors
 * and values round trip; the exact bytes of pvaccess.md §4.6, §7.7 and
 * §8.2 (the 497-byte CERT:STATUS descriptor, the minimal variant's
 * update, PVACMS's first-update BitSet); the big-endian BitSet word
 * order; and a table of hostile inputs that must fail cleanly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvdata.h"
#include "pvtype.h"
#include "pvvalue.h"
#include "statusval.h"
#include "tap.h"

/* §8.2, written out from the reference text. */
#define NTENUM_MEMBERS							\
	"\x05" "value" "\x80\x06" "enum_t" "\x02"			\
	    "\x05" "index" "\x22" "\x07" "choices" "\x68"		\
	"\x05" "alarm" "\x80\x07" "alarm_t" "\x03"			\
	    "\x08" "severity" "\x22" "\x06" "status" "\x22"		\
	    "\x07" "message" "\x60"					\
	"\x09" "timeStamp" "\x80\x06" "time_t" "\x03"			\
	    "\x10" "secondsPastEpoch" "\x23" "\x0b" "nanoseconds" "\x22" \
	    "\x07" "userTag" "\x22"					\
	"\x07" "display" "\x80\x00\x01" "\x0b" "description" "\x60"

static const char status_type_ref[] =
	"\x80\x13" "epics:nt/NTEnum:1.0" "\x0e"
	NTENUM_MEMBERS
	"\x06" "serial" "\x27" "\x05" "state" "\x60"
	"\x08" "renew_by" "\x27" "\x0b" "renewal_due" "\x00"
	"\x0b" "ocsp_status" "\x80\x13" "epics:nt/NTEnum:1.0" "\x04"
	NTENUM_MEMBERS
	"\x0a" "ocsp_state" "\x60"
	"\x10" "ocsp_status_date" "\x60"
	"\x14" "ocsp_certified_until" "\x60"
	"\x14" "ocsp_revocation_date" "\x60"
	"\x0d" "ocsp_response" "\x2c";

static const char minimal_type_ref[] =
	"\x80\x00\x05" "\x05" "value" "\x80\x00\x01" "\x05" "index" "\x22"
	"\x10" "ocsp_status_date" "\x60"
	"\x14" "ocsp_certified_until" "\x60"
	"\x14" "ocsp_revocation_date" "\x60"
	"\x0d" "ocsp_response" "\x2c";

/* §4.6: the pvRequest of every PVXS agent. */
static const char pvrequest_ref[] = "\x80\x00\x01\x05" "field" "\x80\x00\x00";

#define D1 "Fri Dec 04 22:21:12 2026 UTC"
#define D2 "Fri Dec 04 22:51:12 2026 UTC"

static int	same_bytes(const struct pvdata_buf *b, const void *want,
		    size_t len);
static int	all_prefixes_fail_type(const void *p, size_t len, int be);
static int	decode_type_r(const void *p, size_t len, int be);
static int	all_prefixes_fail_masked(const void *p, size_t len, int be);
static void	test_primitives(int be);
static void	test_bits(void);
static void	test_status_type(void);
static void	test_minimal_update(void);
static void	test_pvacms_update(int be);
static void	test_full_update(int be);
static void	test_roundtrip(int be);
static void	test_pvrequest(int be);
static void	test_cache(void);
static void	test_hostile(void);
static struct pvtype *every_type(void);

static int
same_bytes(const struct pvdata_buf *b, const void *want, size_t len)
{
	size_t i;

	if (b->err != 0 || b->len != len || memcmp(b->data, want, len) != 0) {
		printf("#   got %zu bytes (err %d), want %zu\n", b->len,
		    b->err, len);
		for (i = 0; i < b->len && i < len; i++)
			if (b->data[i] != ((const uint8_t *)want)[i]) {
				printf("#   first difference at byte %zu:"
				    " %02x != %02x\n", i, b->data[i],
				    ((const uint8_t *)want)[i]);
				break;
			}
		return 0;
	}
	return 1;
}

/* The result code of decoding p[0..len) as a type descriptor. */
static int
decode_type_r(const void *p, size_t len, int be)
{
	struct pvdata_cur c;
	struct pvtype *t = NULL;
	char err[200];
	int r;

	pvdata_cur_init(&c, p, len, be);
	r = pvtype_decode(&c, NULL, &t, err, sizeof(err));
	if (r != 0 && (t != NULL || c.off != 0 || err[0] == '\0'))
		r = 99;		/* a failure that did not fail cleanly */
	pvtype_free(t);
	return r;
}

/* Every proper prefix fails with PVDATA_ETRUNC and consumes nothing. */
static int
all_prefixes_fail_type(const void *p, size_t len, int be)
{
	uint8_t *copy;
	size_t n;
	int r;

	for (n = 0; n < len; n++) {
		/* An exact-size copy so that the sanitizers see over-reads. */
		if ((copy = malloc(n > 0 ? n : 1)) == NULL)
			return 0;
		memcpy(copy, p, n);
		r = decode_type_r(copy, n, be);
		free(copy);
		if (r != PVDATA_ETRUNC) {
			printf("#   prefix of %zu bytes: %d\n", n, r);
			return 0;
		}
	}
	return 1;
}

/* The same for a masked CERT:STATUS value. */
static int
all_prefixes_fail_masked(const void *p, size_t len, int be)
{
	struct pvdata_bits bits;
	struct pvdata_cur c;
	struct pvtype *t;
	uint8_t *copy;
	char err[200];
	size_t n;
	int r, good = 1;

	if ((t = statusval_type()) == NULL)
		return 0;
	for (n = 0; n < len && good; n++) {
		if ((copy = malloc(n > 0 ? n : 1)) == NULL)
			break;
		memcpy(copy, p, n);
		pvdata_cur_init(&c, copy, n, be);
		r = pvvalue_decode_masked(&c, t, &bits, err, sizeof(err));
		if (r != PVDATA_ETRUNC || c.off != 0 || err[0] == '\0' ||
		    bits.words != NULL) {
			printf("#   prefix of %zu bytes: %d\n", n, r);
			good = 0;
		}
		if (r == 0)
			pvdata_bits_free(&bits);
		free(copy);
	}
	pvtype_free(t);
	return good && n == len;
}

static void
test_primitives(int be)
{
	static const uint8_t big_le[] = { 0xfe, 0x00, 0x01, 0x00, 0x00 };
	static const uint8_t big_be[] = { 0xfe, 0x00, 0x00, 0x01, 0x00 };
	const char *o = be ? "BE" : "LE";
	struct pvdata_status st;
	struct pvdata_buf b;
	struct pvdata_cur c;
	const char *s;
	uint32_t n;
	uint64_t u64;
	uint16_t u16;
	double f;
	size_t len;
	char *dup;
	int isnull;

	pvdata_buf_init(&b, be, 0);
	pvdata_put_size(&b, 0);
	pvdata_put_size(&b, 253);
	ok(same_bytes(&b, "\x00\xfd", 2), "%s: Size 0 and 253 take one byte",
	    o);
	b.len = 0;
	pvdata_put_size(&b, 256);
	ok(same_bytes(&b, be ? big_be : big_le, 5), "%s: Size 256 is FE and"
	    " a u32", o);
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvdata_get_size(&c, &n, NULL) == 0 && n == 256 && c.off == 5,
	    "%s: Size 256 reads back", o);

	b.len = 0;
	pvdata_put_u16(&b, 0x1234);
	pvdata_put_u64(&b, 0x0102030405060708ULL);
	pvdata_put_f64(&b, 1.5);
	ok(same_bytes(&b, be ? "\x12\x34\x01\x02\x03\x04\x05\x06\x07\x08"
	    "\x3f\xf8\x00\x00\x00\x00\x00\x00" :
	    "\x34\x12\x08\x07\x06\x05\x04\x03\x02\x01"
	    "\x00\x00\x00\x00\x00\x00\xf8\x3f", 18),
	    "%s: u16, u64 and float64 in message order", o);
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvdata_get_u16(&c, &u16) == 0 && u16 == 0x1234 &&
	    pvdata_get_u64(&c, &u64) == 0 && u64 == 0x0102030405060708ULL &&
	    pvdata_get_f64(&c, &f) == 0 && f == 1.5 &&
	    pvdata_get_u16(&c, &u16) == PVDATA_ETRUNC,
	    "%s: scalars read back, then the end", o);

	b.len = 0;
	pvdata_put_cstr(&b, "tcp");
	pvdata_put_null_size(&b);
	ok(same_bytes(&b, "\x03tcp\xff", 5), "%s: string, null string", o);
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvdata_get_string(&c, &s, &len) == 0 && len == 3 &&
	    memcmp(s, "tcp", 3) == 0 &&
	    pvdata_get_string_dup(&c, &dup, &len) == 0 && len == 0 &&
	    strcmp(dup, "") == 0, "%s: strings read back; FF is \"\"", o);
	free(dup);
	pvdata_cur_init(&c, "\xff", 1, be);
	ok(pvdata_get_size(&c, &n, NULL) == PVDATA_EBAD && c.off == 0 &&
	    pvdata_get_size(&c, &n, &isnull) == 0 && isnull,
	    "%s: FF is a Size only where null is allowed", o);

	b.len = 0;
	pvdata_put_status(&b, PVDATA_STATUS_OK, NULL, NULL);
	pvdata_put_status(&b, PVDATA_STATUS_FATAL, "Refused to create"
	    " Channel", "");
	ok(same_bytes(&b, "\xff\x03\x19Refused to create Channel\x00", 29),
	    "%s: Status OK is FF; Fatal has code, message, stack", o);
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvdata_get_status(&c, &st) == 0 && st.code == 0 &&
	    pvdata_get_status(&c, &st) == 0 && st.code == 3 &&
	    st.msg_len == 25 && memcmp(st.msg, "Refused", 7) == 0 &&
	    st.stack_len == 0 && pvdata_cur_left(&c) == 0,
	    "%s: Statuses read back", o);
	pvdata_buf_free(&b);
}

static void
test_bits(void)
{
	static const uint8_t le[] = { 0x09, 0x01, 0x02, 0, 0, 0, 0, 0, 0,
	    0x41 };
	static const uint8_t be[] = { 0x09, 0, 0, 0, 0, 0, 0, 0x02, 0x01,
	    0x41 };
	struct pvdata_bits bs, rd;
	struct pvdata_buf b;
	struct pvdata_cur c;
	int o;

	pvdata_bits_init(&bs, 80);
	pvdata_bits_set(&bs, 0);
	pvdata_bits_set(&bs, 9);
	pvdata_bits_set(&bs, 64);
	pvdata_bits_set(&bs, 70);
	for (o = 0; o < 2; o++) {
		pvdata_buf_init(&b, o, 0);
		pvdata_put_bits(&b, &bs);
		ok(same_bytes(&b, o ? be : le, sizeof(le)), "BitSet {0,9,64,"
		    "70} in %s: %s", o ? "BE" : "LE", o ?
		    "the whole word big-endian, the tail byte as is" :
		    "byte i/8, bit i%8");
		pvdata_bits_init(&rd, 71);
		pvdata_cur_init(&c, b.data, b.len, o);
		ok(pvdata_get_bits(&c, &rd) == 0 &&
		    rd.words[0] == bs.words[0] &&
		    rd.words[1] == bs.words[1] && pvdata_cur_left(&c) == 0,
		    "BitSet in %s reads back", o ? "BE" : "LE");
		pvdata_bits_free(&rd);
		/* Bits past the structure are read and dropped. */
		pvdata_bits_init(&rd, 10);
		pvdata_cur_init(&c, b.data, b.len, o);
		ok(pvdata_get_bits(&c, &rd) == 0 && pvdata_bits_test(&rd, 0) &&
		    pvdata_bits_test(&rd, 9) && !pvdata_bits_test(&rd, 64) &&
		    pvdata_cur_left(&c) == 0,
		    "BitSet in %s: bits beyond the structure ignored",
		    o ? "BE" : "LE");
		pvdata_bits_free(&rd);
		pvdata_buf_free(&b);
	}
	pvdata_bits_clear_all(&bs);
	pvdata_buf_init(&b, 0, 0);
	pvdata_put_bits(&b, &bs);
	pvdata_bits_set(&bs, 0);
	pvdata_put_bits(&b, &bs);
	ok(same_bytes(&b, "\x00\x01\x01", 3), "empty BitSet is 00; {0} is"
	    " 01 01 (trailing zero bytes trimmed)");
	pvdata_buf_free(&b);
	pvdata_bits_free(&bs);
}

static void
test_status_type(void)
{
	struct pvtype *t, *d;
	struct pvdata_buf b;
	struct pvdata_cur c;
	char err[200];
	int o;

	is_int(sizeof(status_type_ref) - 1, 497, "the §8.2 reference is 497"
	    " bytes");
	t = statusval_type();
	pvdata_buf_init(&b, 0, 0);
	statusval_encode_type(&b);
	ok(same_bytes(&b, status_type_ref, sizeof(status_type_ref) - 1),
	    "CERT:STATUS type descriptor is byte for byte §8.2");
	pvdata_buf_free(&b);
	ok(t != NULL && pvtype_find(t, "value.index")->bit == 2 &&
	    pvtype_find(t, "value.choices")->bit == 3 &&
	    pvtype_find(t, "timeStamp.secondsPastEpoch")->bit == 9 &&
	    pvtype_find(t, "serial")->bit == 14 &&
	    pvtype_find(t, "renewal_due")->bit == 17 &&
	    pvtype_find(t, "ocsp_status")->bit == 18 &&
	    pvtype_find(t, "ocsp_status.value.choices")->bit == 21 &&
	    pvtype_find(t, "ocsp_status.timeStamp.secondsPastEpoch")->bit ==
	    27 && pvtype_find(t, "ocsp_state")->bit == 32 &&
	    pvtype_find(t, "ocsp_response")->bit == 36 &&
	    t->nbits == STATUSVAL_NBITS, "§8.1 bit numbers, 37 nodes");
	ok(pvtype_at(t, 33) == pvtype_find(t, "ocsp_status_date") &&
	    pvtype_at(t, 30) == pvtype_find(t, "ocsp_status.display") &&
	    pvtype_at(t, 37) == NULL, "pvtype_at walks to a bit");
	for (o = 0; o < 2; o++) {
		pvdata_cur_init(&c, status_type_ref,
		    sizeof(status_type_ref) - 1, o);
		d = NULL;
		ok(pvtype_decode(&c, NULL, &d, err, sizeof(err)) == 0 &&
		    pvdata_cur_left(&c) == 0 && d != NULL &&
		    pvtype_number(d) == 37 &&
		    strcmp(d->id, "epics:nt/NTEnum:1.0") == 0 &&
		    pvtype_find(d, "ocsp_response")->code == 0x2c,
		    "§8.2 decodes (%s)", o ? "BE" : "LE");
		pvdata_buf_init(&b, o, 0);
		pvtype_encode(&b, d);
		ok(same_bytes(&b, status_type_ref,
		    sizeof(status_type_ref) - 1), "and re-encodes the same");
		pvdata_buf_free(&b);
		pvtype_free(d);
	}
	ok(all_prefixes_fail_type(status_type_ref,
	    sizeof(status_type_ref) - 1, 0), "all 497 truncations of §8.2"
	    " fail cleanly with ETRUNC");
	pvtype_free(t);
}

/* §8.2: the minimal variant and its full update, little-endian. */
static void
test_minimal_update(void)
{
	struct pvdata_bits bits;
	struct pvdata_buf b, want;
	struct pvtype *t, *v;
	uint8_t *der;
	size_t i;

	t = pvtype_new(PVT_STRUCT, NULL);
	v = pvtype_add(t, "value", PVT_STRUCT, NULL);
	pvvalue_set_int(pvtype_add(v, "index", PVT_INT32, NULL), 1);
	pvvalue_set_string(pvtype_add(t, "ocsp_status_date", PVT_STRING,
	    NULL), D1, strlen(D1));
	pvvalue_set_string(pvtype_add(t, "ocsp_certified_until", PVT_STRING,
	    NULL), D2, strlen(D2));
	pvvalue_set_string(pvtype_add(t, "ocsp_revocation_date", PVT_STRING,
	    NULL), STATUSVAL_EPOCH_1970, strlen(STATUSVAL_EPOCH_1970));
	der = malloc(1754);
	for (i = 0; i < 1754; i++)
		der[i] = (uint8_t)i;
	pvvalue_set_bytes(pvtype_add(t, "ocsp_response", PVT_UINT8 |
	    PVT_ARRAY, NULL), der, 1754);
	pvdata_buf_init(&b, 0, 0);
	pvtype_encode(&b, t);
	ok(same_bytes(&b, minimal_type_ref, sizeof(minimal_type_ref) - 1),
	    "minimal status type is §8.2's");
	is_int(pvtype_number(t), 7, "minimal type has 7 nodes");
	pvdata_bits_init(&bits, 7);
	pvdata_bits_set(&bits, 0);
	b.len = 0;
	pvvalue_encode_masked(&b, t, &bits);
	pvdata_buf_init(&want, 0, 0);
	pvdata_put_bytes(&want, "\x01\x01\x01\x00\x00\x00", 6);
	pvdata_put_bytes(&want, "\x1c" D1 "\x1c" D2 "\x1c"
	    STATUSVAL_EPOCH_1970, 87);
	pvdata_put_bytes(&want, "\xfe\xda\x06\x00\x00", 5);
	pvdata_put_bytes(&want, der, 1754);
	ok(same_bytes(&b, want.data, want.len), "its full update is §8.2's"
	    " (01 01 ... fe da 06 00 00 <1754 bytes>)");
	pvdata_buf_free(&want);
	pvdata_buf_free(&b);
	pvdata_bits_free(&bits);
	pvtype_free(t);
	free(der);
}

static void
test_pvacms_update(int be)
{
	static const uint8_t der[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
	const char *o = be ? "BE" : "LE";
	struct statusval_in in;
	struct pvdata_buf b, want;
	struct pvdata_bits bits;
	struct pvdata_cur c;
	struct pvtype *t;
	char err[200];
	const char *const *sv;

	memset(&in, 0, sizeof(in));
	in.state = STATUSVAL_VALID;
	in.serial = 5894900123797320592ULL;
	in.renew_by = 0 - 631152000ULL;
	in.stamp = 1133734872;
	in.status_date = D1;
	in.certified_until = D2;
	in.ocsp = der;
	in.ocsp_len = sizeof(der);
	pvdata_buf_init(&b, be, 0);
	ok(statusval_encode_update(&b, &in, STATUSVAL_PVACMS) == 0,
	    "%s: PVACMS-style update encodes", o);
	/* Built again from the primitives, field by field (§7.7, §8.5). */
	pvdata_buf_init(&want, be, 0);
	pvdata_put_bytes(&want, "\x05\x0c\xc2\x21\x08\x1f", 6);
	pvdata_put_u32(&want, 1);
	pvdata_put_bytes(&want, "\x07\x07UNKNOWN\x05VALID\x07PENDING"
	    "\x10PENDING_APPROVAL\x0fPENDING_RENEWAL\x07" "EXPIRED"
	    "\x07REVOKED", 72);
	pvdata_put_u64(&want, 1133734872);
	pvdata_put_u64(&want, 5894900123797320592ULL);
	pvdata_put_cstr(&want, "VALID");
	pvdata_put_u64(&want, 0 - 631152000ULL);
	pvdata_put_bytes(&want, "\x03\x14OCSP_CERTSTATUS_GOOD"
	    "\x17OCSP_CERTSTATUS_REVOKED\x17OCSP_CERTSTATUS_UNKNOWN", 70);
	pvdata_put_u64(&want, 1133734872);
	pvdata_put_cstr(&want, "OCSP_CERTSTATUS_GOOD");
	pvdata_put_cstr(&want, D1);
	pvdata_put_cstr(&want, D2);
	pvdata_put_cstr(&want, STATUSVAL_EPOCH_1970);
	pvdata_put_size(&want, sizeof(der));
	pvdata_put_bytes(&want, der, sizeof(der));
	ok(same_bytes(&b, want.data, want.len), "%s: BitSet 05 0c c2 21 08"
	    " 1f and PVACMS's fields in bit order (§7.7, §8.5)", o);
	ok(all_prefixes_fail_masked(b.data, b.len, be), "%s: every"
	    " truncation of the update fails cleanly with ETRUNC", o);
	t = statusval_type();
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvvalue_decode_masked(&c, t, &bits, err, sizeof(err)) == 0 &&
	    pvdata_cur_left(&c) == 0 && pvdata_bits_test(&bits, 36) &&
	    !pvdata_bits_test(&bits, 17) &&
	    pvtype_find(t, "value.index")->num.i == 1 &&
	    pvtype_find(t, "serial")->num.u == 5894900123797320592ULL &&
	    strcmp(pvtype_find(t, "ocsp_status_date")->str, D1) == 0 &&
	    pvtype_find(t, "ocsp_response")->count == sizeof(der),
	    "%s: the update decodes back into the status type", o);
	sv = pvtype_find(t, "value.choices")->arr;
	ok(sv != NULL && pvtype_find(t, "value.choices")->count == 7 &&
	    strcmp(sv[6], "REVOKED") == 0, "%s: choices read back", o);
	pvdata_bits_free(&bits);
	pvtype_free(t);
	pvdata_buf_free(&want);
	pvdata_buf_free(&b);
}

static void
test_full_update(int be)
{
	const char *o = be ? "BE" : "LE";
	struct statusval_in in;
	struct pvdata_buf b;
	struct pvdata_bits bits;
	struct pvdata_cur c;
	struct pvtype *t;
	char err[200];

	memset(&in, 0, sizeof(in));
	in.state = STATUSVAL_REVOKED;
	in.serial = 42;
	in.status_date = D1;
	in.certified_until = D2;
	in.revocation_date = D1;
	pvdata_buf_init(&b, be, 0);
	ok(statusval_encode_update(&b, &in, STATUSVAL_FULL) == 0 &&
	    b.len > 2 && memcmp(b.data, "\x01\x01", 2) == 0,
	    "%s: full update starts 01 01", o);
	t = statusval_type();
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvvalue_decode_masked(&c, t, &bits, err, sizeof(err)) == 0 &&
	    pvdata_cur_left(&c) == 0 &&
	    pvtype_find(t, "value.index")->num.i == 6 &&
	    strcmp(pvtype_find(t, "state")->str, "REVOKED") == 0 &&
	    pvtype_find(t, "ocsp_status.value.index")->num.i == 1 &&
	    strcmp(pvtype_find(t, "ocsp_state")->str, "**UNCERTIFIED**:"
	    " OCSP_CERTSTATUS_UNKNOWN") == 0 &&
	    strcmp(pvtype_find(t, "ocsp_revocation_date")->str, D1) == 0 &&
	    pvtype_find(t, "ocsp_response")->count == 0,
	    "%s: full REVOKED update without OCSP bytes reads back", o);
	pvdata_bits_free(&bits);
	pvtype_free(t);
	pvdata_buf_free(&b);
	t = statusval_type();
	ok(pvvalue_set_string(pvtype_find(t, "serial"), "x", 1) ==
	    PVDATA_EINVAL && pvvalue_set_int(pvtype_find(t, "state"), 1) ==
	    PVDATA_EINVAL && pvvalue_set_bytes(pvtype_find(t,
	    "value.choices"), "x", 1) == PVDATA_EINVAL &&
	    pvvalue_set_double(pvtype_find(t, "serial"), 1) ==
	    PVDATA_EINVAL && pvtype_add(pvtype_find(t, "serial"), "x",
	    PVT_INT32, NULL) == NULL && pvtype_add(t, "y", 0x30, NULL) ==
	    NULL && pvtype_find(t, "value.nothing") == NULL,
	    "%s: setters and pvtype_add refuse the wrong type", o);
	pvtype_free(t);
	ok(statusval_fill(NULL, &in) == PVDATA_EINVAL &&
	    statusval_state_name(7) == NULL &&
	    statusval_ocsp_index(STATUSVAL_PENDING) == 2,
	    "%s: state 7 and a NULL tree are refused", o);
}

/* A struct with every type the codec knows, values set. */
static struct pvtype *
every_type(void)
{
	static const int16_t i16[] = { -2, 300 };
	static const double f64[] = { 0.25, -1e300 };
	static const char *const sv[] = { "a", "", "choice" };
	struct pvtype *t, *s;

	t = pvtype_new(PVT_STRUCT, "test:every");
	pvvalue_set_int(pvtype_add(t, "b", PVT_BOOL, NULL), 1);
	pvvalue_set_int(pvtype_add(t, "i8", PVT_INT8, NULL), -5);
	pvvalue_set_int(pvtype_add(t, "i16", PVT_INT16, NULL), -300);
	pvvalue_set_int(pvtype_add(t, "i32", PVT_INT32, NULL), -70000);
	pvvalue_set_int(pvtype_add(t, "i64", PVT_INT64, NULL), INT64_MIN);
	pvvalue_set_uint(pvtype_add(t, "u8", PVT_UINT8, NULL), 250);
	pvvalue_set_uint(pvtype_add(t, "u16", PVT_UINT16, NULL), 65000);
	pvvalue_set_uint(pvtype_add(t, "u32", PVT_UINT32, NULL), 4000000000u);
	pvvalue_set_uint(pvtype_add(t, "u64", PVT_UINT64, NULL), UINT64_MAX);
	pvvalue_set_double(pvtype_add(t, "f32", PVT_FLOAT32, NULL), 0.5);
	pvvalue_set_double(pvtype_add(t, "f64", PVT_FLOAT64, NULL), -2.25);
	pvvalue_set_string(pvtype_add(t, "s", PVT_STRING, NULL), "x\0y", 3);
	pvvalue_set_bytes(pvtype_add(t, "ba", PVT_UINT8 | PVT_ARRAY, NULL),
	    "\x00\xff\x10", 3);
	pvvalue_set_strings(pvtype_add(t, "sa", PVT_STRING | PVT_ARRAY,
	    NULL), sv, 3);
	s = pvtype_add(t, "i16a", PVT_INT16 | PVT_ARRAY, NULL);
	s->arr = malloc(sizeof(i16));
	memcpy(s->arr, i16, sizeof(i16));
	s->count = 2;
	s = pvtype_add(t, "f64a", PVT_FLOAT64 | PVT_ARRAY, NULL);
	s->arr = malloc(sizeof(f64));
	memcpy(s->arr, f64, sizeof(f64));
	s->count = 2;
	s = pvtype_add(t, "u", PVT_UNION, "test:u");
	pvtype_add(s, "one", PVT_INT32, NULL);
	pvtype_add(t, "any", PVT_ANY, NULL);
	s = pvtype_add(t, "sarr", PVT_STRUCT | PVT_ARRAY, "test:elem");
	pvtype_add(s != NULL ? s->elem : NULL, "x", PVT_INT32, NULL);
	pvtype_add(t, "uarr", PVT_UNION | PVT_ARRAY, NULL);
	pvtype_add(t, "anyarr", PVT_ANY | PVT_ARRAY, NULL);
	s = pvtype_add(t, "nested", PVT_STRUCT, NULL);
	pvtype_add(s, "empty", PVT_STRUCT, NULL);
	return t;
}

static void
test_roundtrip(int be)
{
	const char *o = be ? "BE" : "LE";
	struct pvdata_buf b, b2;
	struct pvdata_cur c;
	struct pvtype *t, *d = NULL;
	char err[200];
	int16_t *i16;
	char **sv;
	int r;

	t = every_type();
	pvdata_buf_init(&b, be, 0);
	pvtype_encode(&b, t);
	pvvalue_encode(&b, t);
	ok(b.err == 0, "%s: every type encodes", o);
	pvdata_cur_init(&c, b.data, b.len, be);
	r = pvtype_decode(&c, NULL, &d, err, sizeof(err));
	if (r == 0)
		r = pvvalue_decode(&c, d, err, sizeof(err));
	ok(r == 0 && pvdata_cur_left(&c) == 0, "%s: every type decodes: %s",
	    o, r == 0 ? "ok" : err);
	if (r == 0) {
		i16 = pvtype_find(d, "i16a")->arr;
		sv = pvtype_find(d, "sa")->arr;
		ok(pvtype_find(d, "b")->num.i == 1 &&
		    pvtype_find(d, "i8")->num.i == -5 &&
		    pvtype_find(d, "i16")->num.i == -300 &&
		    pvtype_find(d, "i32")->num.i == -70000 &&
		    pvtype_find(d, "i64")->num.i == INT64_MIN &&
		    pvtype_find(d, "u8")->num.u == 250 &&
		    pvtype_find(d, "u16")->num.u == 65000 &&
		    pvtype_find(d, "u32")->num.u == 4000000000u &&
		    pvtype_find(d, "u64")->num.u == UINT64_MAX &&
		    pvtype_find(d, "f32")->num.f == 0.5 &&
		    pvtype_find(d, "f64")->num.f == -2.25 &&
		    pvtype_find(d, "s")->slen == 3 &&
		    memcmp(pvtype_find(d, "s")->str, "x\0y", 4) == 0 &&
		    pvtype_find(d, "ba")->count == 3 &&
		    memcmp(pvtype_find(d, "ba")->arr, "\x00\xff\x10", 3) == 0 &&
		    pvtype_find(d, "sa")->count == 3 &&
		    strcmp(sv[2], "choice") == 0 && sv[1][0] == '\0' &&
		    i16[0] == -2 && i16[1] == 300 &&
		    ((double *)pvtype_find(d, "f64a")->arr)[1] == -1e300 &&
		    strcmp(pvtype_find(d, "sarr")->elem->id, "test:elem") ==
		    0 && pvtype_find(d, "nested.empty") != NULL,
		    "%s: every value reads back", o);
		pvdata_buf_init(&b2, be, 0);
		pvtype_encode(&b2, d);
		pvvalue_encode(&b2, d);
		ok(same_bytes(&b2, b.data, b.len), "%s: and re-encodes to the"
		    " same bytes", o);
		pvdata_buf_free(&b2);
	} else {
		ok(0, "%s: every value reads back", o);
		ok(0, "%s: and re-encodes to the same bytes", o);
	}
	pvtype_free(d);
	pvtype_free(t);
	pvdata_buf_free(&b);
}

static void
test_pvrequest(int be)
{
	const char *o = be ? "BE" : "LE";
	struct pvvalue_reqopts opt;
	struct pvtype *t, *d = NULL, *opts;
	struct pvdata_buf b;
	struct pvdata_cur c;
	char err[200];

	pvdata_cur_init(&c, pvrequest_ref, sizeof(pvrequest_ref) - 1, be);
	ok(pvtype_decode(&c, NULL, &d, err, sizeof(err)) == 0 && d != NULL &&
	    pvvalue_skip(&c, d, err, sizeof(err)) == 0 &&
	    pvdata_cur_left(&c) == 0 && pvtype_find(d, "field") != NULL,
	    "%s: PVXS's pvRequest parses; its value is zero bytes", o);
	pvvalue_request_options(d, &opt);
	ok(opt.pipeline == 0 && opt.queue_size == 0, "%s: no options in it",
	    o);
	pvtype_free(d);
	d = NULL;

	t = pvtype_new(PVT_STRUCT, NULL);
	pvtype_add(t, "field", PVT_STRUCT, NULL);
	opts = pvtype_add(pvtype_add(t, "record", PVT_STRUCT, NULL),
	    "_options", PVT_STRUCT, NULL);
	pvvalue_set_string(pvtype_add(opts, "pipeline", PVT_STRING, NULL),
	    "true", 4);
	pvvalue_set_string(pvtype_add(opts, "queueSize", PVT_STRING, NULL),
	    "4", 1);
	pvdata_buf_init(&b, be, 0);
	pvtype_encode(&b, t);
	pvvalue_encode(&b, t);
	pvdata_cur_init(&c, b.data, b.len, be);
	ok(pvtype_decode(&c, NULL, &d, err, sizeof(err)) == 0 &&
	    pvvalue_decode(&c, d, err, sizeof(err)) == 0, "%s: a pvRequest"
	    " with record._options decodes", o);
	pvvalue_request_options(d, &opt);
	ok(opt.pipeline == 1 && opt.queue_size == 4, "%s: pipeline=true,"
	    " queueSize=4 found", o);
	pvtype_free(d);
	pvtype_free(t);
	pvdata_buf_free(&b);
}

static void
test_cache(void)
{
	static const char def[] = "\xfd\x01\x00\x80\x00\x01\x01x\x22";
	static const char use[] = "\x80\x00\x02\x01" "a\xfe\x01\x00"
	    "\x01" "b\xfe\x01\x00";
	struct pvtype_cache cache;
	struct pvdata_buf b;
	struct pvdata_cur c;
	struct pvtype *t = NULL, *u = NULL;
	char err[200];

	memset(&cache, 0, sizeof(cache));
	pvdata_cur_init(&c, def, sizeof(def) - 1, 0);
	ok(pvtype_decode(&c, &cache, &t, err, sizeof(err)) == 0 &&
	    t != NULL && t->nkids == 1 && cache.n == 1,
	    "FD defines a cached type and uses it");
	pvdata_cur_init(&c, use, sizeof(use) - 1, 0);
	ok(pvtype_decode(&c, &cache, &u, err, sizeof(err)) == 0 &&
	    pvtype_find(u, "a.x") != NULL && pvtype_find(u, "b.x") != NULL,
	    "FE reuses it in a later message, twice");
	pvdata_buf_init(&b, 0, 0);
	pvtype_encode(&b, u);
	ok(same_bytes(&b, "\x80\x00\x02\x01" "a\x80\x00\x01\x01x\x22\x01"
	    "b\x80\x00\x01\x01x\x22", 19), "a cached type is sent in full");
	pvdata_buf_free(&b);
	pvtype_free(t);
	pvtype_free(u);
	pvtype_cache_clear(&cache);
	is_int(decode_type_r(use, sizeof(use) - 1, 0), PVDATA_ENOTFOUND,
	    "FE with an undefined key fails");
}

struct hostile {
	const char	*what;
	const char	*bytes;
	size_t		 len;
	int		 want;
};

#define H(w, s, r) { w, s, sizeof(s) - 1, r }

static const struct hostile hostile_types[] = {
	H("empty input", "", PVDATA_ETRUNC),
	H("fixed int8 array (0x10)", "\x30", PVDATA_EUNSUPP),
	H("bounded int32 array (0x18)", "\x3a", PVDATA_EUNSUPP),
	H("fixed struct array", "\x90\x80\x00\x00", PVDATA_EUNSUPP),
	H("fixed member", "\x80\x00\x01\x01x\x32", PVDATA_EUNSUPP),
	H("unknown code 41", "\x41", PVDATA_EBAD),
	H("bounded string 83", "\x83", PVDATA_EBAD),
	H("null type as a member", "\x80\x00\x01\x01x\xff", PVDATA_EBAD),
	H("FF member count", "\x80\x00\xff", PVDATA_EBAD),
	H("oversized member count", "\x80\x00\xfe\x10\x00\x00\x10",
	    PVDATA_ELIMIT),
	H("member count past the input", "\x80\x00\x05\x01x\x22",
	    PVDATA_ETRUNC),
	H("oversized id length", "\x80\xfe\xff\xff\xff\x7f", PVDATA_ELIMIT),
	H("id length past the input", "\x80\x10" "abc", PVDATA_ETRUNC),
	H("duplicate member", "\x80\x00\x02\x01x\x22\x01x\x60",
	    PVDATA_EBAD),
	H("NUL in a name", "\x80\x00\x01\x02x\x00\x22", PVDATA_EBAD),
	H("struct[] of int32", "\x88\x22", PVDATA_EBAD),
	H("union[] of struct", "\x89\x80\x00\x00", PVDATA_EBAD),
	H("FD FD", "\xfd\x01\x00\xfd\x01\x00\x22", PVDATA_EBAD),
	H("FD FE", "\xfd\x01\x00\xfe\x01\x00", PVDATA_EBAD),
	H("FD without key", "\xfd\x01", PVDATA_ETRUNC),
};

struct hostile_value {
	const char	*what;
	const char	*type;
	size_t		 type_len;
	const char	*value;
	size_t		 value_len;
	int		 want;
};

#define HV(w, t, v, r) { w, t, sizeof(t) - 1, v, sizeof(v) - 1, r }

static const struct hostile_value hostile_values[] = {
	HV("string past the input", "\x60", "\x05" "abc", PVDATA_ETRUNC),
	HV("oversized string", "\x60", "\xfe\x00\x00\x00\x7f", PVDATA_ELIMIT),
	HV("FF array count", "\x2c", "\xff", PVDATA_EBAD),
	HV("uint8[] past the input", "\x2c", "\x04\x01\x02", PVDATA_ETRUNC),
	HV("int64[] past the input", "\x2b", "\x02\x01\x02\x03\x04\x05\x06"
	    "\x07\x08\x09", PVDATA_ETRUNC),
	HV("huge string[] count", "\x68", "\xfe\x00\x00\x00\x01",
	    PVDATA_ETRUNC),
	HV("union selector out of range", "\x81\x00\x01\x01x\x22",
	    "\x01\x00\x00\x00\x00", PVDATA_EBAD),
	HV("struct[] element marker 02", "\x88\x80\x00\x00", "\x01\x02",
	    PVDATA_EBAD),
	HV("any with a fixed type", "\x82", "\x30", PVDATA_EUNSUPP),
	HV("int32 cut short", "\x80\x00\x01\x01x\x22", "\x01\x02",
	    PVDATA_ETRUNC),
};

static void
test_hostile(void)
{
	const struct hostile *h;
	const struct hostile_value *hv;
	struct pvdata_status st;
	struct pvdata_buf b;
	struct pvdata_cur c;
	struct pvtype *t;
	uint8_t *deep, *copy;
	char err[200];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(hostile_types) / sizeof(hostile_types[0]);
	    i++) {
		h = &hostile_types[i];
		copy = malloc(h->len > 0 ? h->len : 1);
		memcpy(copy, h->bytes, h->len);
		is_int(decode_type_r(copy, h->len, i & 1), h->want, h->what);
		free(copy);
	}
	for (i = 0; i < sizeof(hostile_values) / sizeof(hostile_values[0]);
	    i++) {
		hv = &hostile_values[i];
		t = NULL;
		pvdata_cur_init(&c, hv->type, hv->type_len, 0);
		r = pvtype_decode(&c, NULL, &t, err, sizeof(err));
		if (r == 0) {
			copy = malloc(hv->value_len);
			memcpy(copy, hv->value, hv->value_len);
			pvdata_cur_init(&c, copy, hv->value_len, 0);
			r = pvvalue_decode(&c, t, err, sizeof(err));
			if (r != 0 && (c.off != 0 || err[0] == '\0'))
				r = 99;
			if (r == hv->want) {
				pvdata_cur_init(&c, copy, hv->value_len, 0);
				if (pvvalue_skip(&c, t, err, sizeof(err)) !=
				    r || c.off != 0)
					r = 98;
			}
			free(copy);
		}
		is_int(r, hv->want, hv->what);
		pvtype_free(t);
	}

	/* Depth: 20 nested structs inside the top decode, 21 do not. */
	deep = malloc(8 * 23);
	for (n = 20; n <= 21; n++) {
		size_t len = 0, k;

		for (k = 0; k < n; k++) {
			memcpy(deep + len, "\x80\x00\x01\x01x", 5);
			len += 5;
		}
		memcpy(deep + len, "\x80\x00\x00", 3);
		len += 3;
		is_int(decode_type_r(deep, len, 0), n == 20 ? 0 :
		    PVDATA_ELIMIT, n == 20 ? "nesting depth 20 decodes" :
		    "nesting depth 21 is refused");
	}
	/* An empty "any" at the deepest level still reads (fuzz find). */
	{
		size_t len = 0, k;
		struct pvtype *dt = NULL;

		for (k = 0; k < 20; k++) {
			memcpy(deep + len, "\x80\x00\x01\x01x", 5);
			len += 5;
		}
		deep[len++] = PVT_ANY;
		deep[len++] = PVT_NULL;		/* its value: no type */
		pvdata_cur_init(&c, deep, len, 0);
		ok(pvtype_decode(&c, NULL, &dt, err, sizeof(err)) == 0 &&
		    pvvalue_decode(&c, dt, err, sizeof(err)) == 0 &&
		    pvdata_cur_left(&c) == 0, "an empty any at depth 20"
		    " decodes");
		pvtype_free(dt);
	}
	free(deep);

	/* Node cap: a cached 200-member struct reused 30 times. */
	pvdata_buf_init(&b, 0, 0);
	pvdata_put_bytes(&b, "\x80\x00", 2);
	pvdata_put_size(&b, 31);
	pvdata_put_bytes(&b, "\x01" "d\xfd\x07\x00\x80\x00", 7);
	pvdata_put_size(&b, 200);
	for (i = 0; i < 200; i++) {
		char name[8];

		snprintf(name, sizeof(name), "m%zu", i);
		pvdata_put_cstr(&b, name);
		pvdata_put_u8(&b, PVT_INT32);
	}
	for (i = 0; i < 30; i++) {
		char name[8];

		snprintf(name, sizeof(name), "r%zu", i);
		pvdata_put_cstr(&b, name);
		pvdata_put_bytes(&b, "\xfe\x07\x00", 3);
	}
	is_int(decode_type_r(b.data, b.len, 0), PVDATA_ELIMIT,
	    "type-cache reuse past the node cap is refused");
	pvdata_buf_free(&b);

	/* Member cap and name cap. */
	pvdata_buf_init(&b, 0, 0);
	pvdata_put_bytes(&b, "\x80\x00", 2);
	pvdata_put_size(&b, PVTYPE_MAX_MEMBERS + 1);
	for (i = 0; i <= PVTYPE_MAX_MEMBERS; i++)
		pvdata_put_bytes(&b, "\x00\x22", 2);
	is_int(decode_type_r(b.data, b.len, 0), PVDATA_ELIMIT,
	    "1025 members are refused");
	b.len = 0;
	pvdata_put_bytes(&b, "\x80\x00\x01", 3);
	pvdata_put_size(&b, PVTYPE_MAX_NAME + 1);
	for (i = 0; i <= PVTYPE_MAX_NAME; i++)
		pvdata_put_u8(&b, 'n');
	pvdata_put_u8(&b, PVT_INT32);
	is_int(decode_type_r(b.data, b.len, 0), PVDATA_ELIMIT,
	    "a 257-byte member name is refused");
	pvdata_buf_free(&b);

	/* Truncations of the primitives and of the pvRequest. */
	ok(all_prefixes_fail_type(pvrequest_ref, sizeof(pvrequest_ref) - 1,
	    1), "every truncation of the pvRequest fails cleanly");
	pvdata_cur_init(&c, "\x02\x03" "abc\x02" "x", 7, 0);
	ok(pvdata_get_status(&c, &st) == PVDATA_ETRUNC && c.off == 0,
	    "a Status cut inside its stack fails and consumes nothing");
	pvdata_cur_init(&c, "\x04\x00\x00", 3, 0);
	ok(pvdata_get_status(&c, &st) == PVDATA_EBAD, "Status code 4 is"
	    " refused");
	pvdata_cur_init(&c, "\xfe\x00\x01", 3, 0);
	ok(pvdata_get_size(&c, (uint32_t *)&r, NULL) == PVDATA_ETRUNC &&
	    c.off == 0, "a Size cut inside its u32 fails");
	pvdata_cur_init(&c, "\x02\x01", 2, 0);
	{
		struct pvdata_bits bs;

		pvdata_bits_init(&bs, 8);
		ok(pvdata_get_bits(&c, &bs) == PVDATA_ETRUNC && c.off == 0,
		    "a BitSet longer than the input fails");
		pvdata_bits_free(&bs);
	}

	/* The write side: the hard cap latches. */
	pvdata_buf_init(&b, 0, 10);
	pvdata_put_bytes(&b, "0123456789", 10);
	{
		struct pvdata_buf t2;
		uint8_t *p;

		pvdata_buf_init(&t2, 1, 0);
		pvdata_put_f32(&t2, 2.0f);
		p = pvdata_buf_take(&t2, &n);
		ok(p != NULL && n == 4 && memcmp(p, "\x40\x00\x00\x00", 4) ==
		    0 && t2.data == NULL, "pvdata_buf_take hands the bytes"
		    " over (float32 2.0 big-endian)");
		free(p);
	}
	ok(pvdata_put_u8(&b, 1) == PVDATA_ELIMIT &&
	    pvdata_put_u8(&b, 1) == PVDATA_ELIMIT && b.len == 10 &&
	    pvdata_buf_take(&b, &n) == NULL && n == 0,
	    "a buffer stops at its cap and stays failed");
	pvdata_buf_free(&b);
	ok(strcmp(pvdata_strerror(PVDATA_ELIMIT), "a size or nesting limit"
	    " was exceeded") == 0 && strcmp(pvdata_strerror(-99),
	    "unknown error") == 0, "pvdata_strerror names the codes");
}

int
main(void)
{
	int be;

	tap_plan(121);
	for (be = 0; be < 2; be++)
		test_primitives(be);
	test_bits();
	test_status_type();
	test_minimal_update();
	for (be = 0; be < 2; be++) {
		test_pvacms_update(be);
		test_full_update(be);
		test_roundtrip(be);
		test_pvrequest(be);
	}
	test_cache();
	test_hostile();
	return tap_done();
}
