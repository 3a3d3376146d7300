/*
 * test_common_b64.c - base64 for OCSP responses and base64url for JWT
 * segments: RFC 4648 vectors both ways and strict rejection of anything
 * malformed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "tap.h"

static const char *const vec[][2] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static int	decodes_to(const char *in, int url, const void *want,
		    size_t wantlen);
static int	rejects(const char *in, int url);

static int
decodes_to(const char *in, int url, const void *want, size_t wantlen)
{
	size_t n = 99;
	unsigned char *out = b64_decode(in, strlen(in), url, &n);
	int r = out != NULL && n == wantlen && memcmp(out, want, n) == 0 &&
	    out[n] == '\0';

	free(out);
	return r;
}

static int
rejects(const char *in, int url)
{
	size_t n = 99;
	unsigned char *out = b64_decode(in, strlen(in), url, &n);
	int r = out == NULL;

	free(out);
	return r;
}

int
main(void)
{
	static const unsigned char bin[] = { 0xfb, 0xff, 0x00, 0x3e };
	size_t i;
	char *s;

	tap_plan(34);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		s = b64_encode((const unsigned char *)vec[i][0],
		    strlen(vec[i][0]));
		is_str(s, vec[i][1], "RFC 4648 encode vector");
		free(s);
		ok(decodes_to(vec[i][1], 0, vec[i][0], strlen(vec[i][0])),
		    "RFC 4648 decode \"%s\"", vec[i][1]);
	}
	s = b64_encode(bin, 2);
	is_str(s, "+/8=", "standard alphabet uses + and /");
	free(s);
	ok(decodes_to("-_8", 1, bin, 2), "base64url -_8 decodes to fb ff");
	ok(decodes_to("Zm9vYg", 1, "foob", 4),
	    "base64url without padding (2 chars in last group)");
	ok(decodes_to("Zm9vYmE", 1, "fooba", 5),
	    "base64url without padding (3 chars in last group)");
	ok(decodes_to("+/8APg==", 0, bin, 4), "binary with a NUL inside");
	ok(decodes_to("", 1, "", 0), "empty base64url is empty");

	ok(rejects("Zg", 0), "standard base64 requires padding");
	ok(rejects("Zg==", 1), "base64url refuses padding");
	ok(rejects("+/8", 1), "base64url refuses + and /");
	ok(rejects("-_8=", 0), "standard base64 refuses - and _");
	ok(rejects("Zm9vY", 1), "length 1 mod 4 is never valid");
	ok(rejects("Zm9v\n", 0), "no newline");
	ok(rejects("Zm9 v", 0), "no spaces");
	ok(rejects("Zg==Zg==", 0), "no padding in the middle");
	ok(rejects("Z===", 0), "three padding characters");
	ok(rejects("=Zg=", 0), "padding at the start");
	ok(rejects("Zm9v*A==", 0), "a character outside the alphabet");
	ok(rejects("Zm9v\xc3\xa9" "A=", 0), "non-ASCII bytes");
	ok(b64_decode("Zm9v", 4, 0, NULL) == NULL, "NULL outlen refused");
	{
		size_t n = 0;
		unsigned char *out = b64_decode("Zm9vYmFyXX", 8, 0, &n);

		ok(out != NULL && n == 6 && memcmp(out, "foobar", 6) == 0,
		    "only len bytes of the input are read");
		free(out);
	}
	return tap_done();
}
