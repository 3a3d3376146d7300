/*
 * fuzz_pattern.c - libFuzzer target for the response pattern matcher
 * (plugins/jwt/jwt_pattern.c).  The input is cut at its first NUL or
 * newline: the text before is the pattern, the bytes after are the
 * validator's answer.  Beyond "no crash, no leak" it checks what the
 * header promises: the value is terminated within its buffer, is made of
 * scalar characters only, and jwt_pattern_valid agrees with extracting
 * the value and asking jwt_pattern_truthy.  Replayed over
 * tests/fuzz/corpus/pattern in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_pattern_value(const char *value, size_t valuelen);

/* Abort unless value is a terminated run of scalar characters. */
static void
fuzz_pattern_value(const char *value, size_t valuelen)
{
	size_t i;
	unsigned char ch;

	if (memchr(value, '\0', valuelen) == NULL)
		abort();
	for (i = 0; value[i] != '\0'; i++) {
		ch = (unsigned char)value[i];
		if (ch <= 0x20 || ch >= 0x7f || strchr("\"\\,:{}[]", ch))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut;
	char *pattern = NULL, *body = NULL;
	char value[40], tiny[4], err[256];
	size_t plen, blen;
	int ex, valid;

	cut = memchr(data, '\n', size);
	{
		const uint8_t *nul = memchr(data, '\0', size);

		if (nul != NULL && (cut == NULL || nul < cut))
			cut = nul;
	}
	plen = cut != NULL ? (size_t)(cut - data) : size;
	blen = cut != NULL ? size - plen - 1 : 0;
	/* Exact-size copies, so that ASan sees any read past the end. */
	if ((pattern = malloc(plen + 1)) == NULL ||
	    (body = malloc(blen > 0 ? blen : 1)) == NULL)
		goto out;
	memcpy(pattern, data, plen);
	pattern[plen] = '\0';
	if (blen > 0)
		memcpy(body, cut + 1, blen);

	(void)jwt_pattern_check(pattern, err, sizeof(err));
	ex = jwt_pattern_extract(pattern, body, blen, value, sizeof(value),
	    err, sizeof(err));
	if (ex == 0)
		fuzz_pattern_value(value, sizeof(value));
	else if (value[0] != '\0' || memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	valid = jwt_pattern_valid(pattern, body, blen, err, sizeof(err));
	if (valid != (ex == 0 && jwt_pattern_truthy(value)))
		abort();
	/* A buffer too small for most values takes the truncation path. */
	if (jwt_pattern_extract(pattern, body, blen, tiny, sizeof(tiny), err,
	    sizeof(err)) != ex)
		abort();
	if (ex == 0)
		fuzz_pattern_value(tiny, sizeof(tiny));
out:
	free(pattern);
	free(body);
	return 0;
}
