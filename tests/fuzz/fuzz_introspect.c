/*
 * fuzz_introspect.c - libFuzzer target for what pvacms reads of an RFC
 * 7662 introspection answer (plugins/jwt/jwt_introspect.c): any byte
 * string goes in as the endpoint's answer, judged as a dry run judges a
 * saved one, for an opaque token of the one configured issuer.  The step
 * must return a known outcome with a terminated reason, build an
 * identity only on success, and free everything.  The same bytes are
 * also read as a token (opaque or not).  Built with clang
 * -fsanitize=fuzzer by `make fuzz`, and replayed over
 * tests/fuzz/corpus/introspect by replay_main.c in `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_config.h"
#include "jwt_introspect.h"
#include "jwt_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char iss[] = "https://idp.example";
	static char uri[] = "https://idp.example/introspect";
	static char aud[] = "urn:pvacms";
	static char *issuers[] = { iss }, *uris[] = { uri }, *auds[] = { aud };
	struct pvacms_http_response saved;
	struct jwt_config cfg;
	struct jwt_token t;
	char why[512], *copy;
	int rc;

	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	copy[size] = '\0';

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = JWT_MODE_INTROSPECT;
	cfg.issuers = issuers;
	cfg.nissuers = 1;
	cfg.introspect_uris = uris;
	cfg.audiences = auds;
	cfg.naudiences = 1;
	memset(&saved, 0, sizeof(saved));
	saved.status = 200;
	saved.body = copy;
	saved.body_len = size;
	memset(&t, 0, sizeof(t));
	why[0] = '\0';
	rc = jwt_introspect_step(NULL, &cfg, NULL, 0, "opaque", 6, 0, 1,
	    &saved, &t, why, sizeof(why));
	if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
		abort();
	if (rc == JWT_OK && t.claims == NULL)
		abort();
	if (rc != JWT_OK && strcmp(jwt_status_code(rc), "internal") == 0 &&
	    rc != JWT_INTERNAL)
		abort();	/* an outcome the table does not know */
	jwt_token_free(&t);

	(void)jwt_introspect_is_jwt(copy, size);
	why[0] = '\0';
	if (jwt_introspect_opaque_ok(copy, size, why, sizeof(why)) != JWT_OK &&
	    why[0] == '\0')
		abort();
	free(copy);
	return 0;
}
