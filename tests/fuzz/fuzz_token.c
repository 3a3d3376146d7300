/*
 * fuzz_token.c - libFuzzer target for the compact JWS parser
 * (plugins/jwt/jwt_token.c): any byte string goes in, the parser must
 * return 0 or -1 with a terminated reason, and free everything.  The
 * base64url decoder is fed each dot-separated part on its own as well.
 * Built with clang -fsanitize=fuzzer by `make fuzz`, and replayed over
 * tests/fuzz/corpus/token by replay_main.c in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_token t;
	char err[256];
	const char *tok;
	const char *p, *end, *dot;
	unsigned char *raw;
	size_t rawlen;
	char *copy;

	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	tok = copy;

	err[0] = '\0';
	if (jwt_token_parse(tok, size, &t, err, sizeof(err)) == 0) {
		if (t.header == NULL || t.claims == NULL || t.alg == NULL ||
		    t.signing_len >= size || t.sig_len == 0)
			abort();
		jwt_token_free(&t);
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
		abort();
	jwt_token_free(&t);	/* must be safe on an emptied token too */

	for (p = tok, end = tok + size; p <= end; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(end - p))) == NULL)
			dot = end;
		raw = jwt_token_b64url_decode(p, (size_t)(dot - p), &rawlen);
		if (raw != NULL && raw[rawlen] != '\0')
			abort();
		free(raw);
		if (dot == end)
			break;
	}
	free(copy);
	return 0;
}
