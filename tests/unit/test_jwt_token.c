/*
 * test_jwt_token.c - taking a compact JWS apart: the good case, every
 * way a token can be malformed, the size cap, integer times, and that
 * reasons never quote the token.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_jwt_util.h"
#include "jwt_status.h"
#include "jwt_token.h"

static int	parses(const char *hdr, const char *payload, const char *sig,
		    char *err, size_t errlen);
static int	parses_raw(const char *tok, char *err, size_t errlen);

#define GOOD "{\"sub\":\"softioc\",\"iss\":\"http://localhost:8080/default\"," \
	"\"aud\":\"default\",\"exp\":1755150736,\"iat\":1755147136," \
	"\"nbf\":1755147136,\"jti\":\"c40d1fc2\"}"

static int
parses_raw(const char *tok, char *err, size_t errlen)
{
	struct jwt_token t;
	int rc;

	err[0] = '\0';
	rc = jwt_token_parse(tok, strlen(tok), &t, err, errlen);
	jwt_token_free(&t);
	return rc == 0;
}

/* The status jwt_token_parse gives hdr.payload.sig. */
static int
parse_status(const char *hdr, const char *payload, const char *sig)
{
	char *tok = tj_token(hdr, payload, sig);
	struct jwt_token t;
	char err[256];
	int rc;

	rc = jwt_token_parse(tok, strlen(tok), &t, err, sizeof(err));
	jwt_token_free(&t);
	free(tok);
	return rc;
}

static int
parses(const char *hdr, const char *payload, const char *sig, char *err,
    size_t errlen)
{
	char *tok = tj_token(hdr, payload, sig);
	int rc = parses_raw(tok, err, errlen);

	free(tok);
	return rc;
}

int
main(void)
{
	struct jwt_token t;
	char err[256], *tok, *big, *h, *p;
	unsigned char *raw;
	size_t len, n;

	/* The good case. */
	tok = tj_token(TJ_HDR, GOOD, TJ_SIG);
	ok(jwt_token_parse(tok, strlen(tok), &t, err, sizeof(err)) == 0,
	    "seed-shaped token parses");
	is_str(t.alg, "RS256", "alg");
	is_str(t.kid, "demo-key-1", "kid");
	is_str(t.typ, "JWT", "typ");
	is_str(t.sub, "softioc", "sub");
	is_str(t.iss, "http://localhost:8080/default", "iss");
	is_str(t.jti, "c40d1fc2", "jti");
	ok(t.aud != NULL && json_is_string(t.aud), "aud");
	ok(t.has_exp && t.exp == 1755150736, "exp");
	ok(t.has_nbf && t.nbf == 1755147136, "nbf");
	ok(t.has_iat && t.iat == 1755147136, "iat");
	ok(json_is_object(t.header) && json_is_object(t.claims),
	    "decoded JSON kept");
	ok(t.sig_len == strlen(TJ_SIG), "signature length");
	ok(t.signing_len == (size_t)(strrchr(tok, '.') - tok),
	    "signing input length");
	jwt_token_free(&t);
	jwt_token_free(&t);
	ok(t.header == NULL, "free is idempotent");
	free(tok);

	ok(parses(TJ_HDR, "{\"sub\":\"a\",\"aud\":[\"x\",\"y\"]}", TJ_SIG,
	    err, sizeof(err)), "aud list");
	ok(parses(TJ_HDR, "{}", TJ_SIG, err, sizeof(err)),
	    "empty claims parse (claims checks come later)");
	ok(parses(TJ_HDR, "{\"exp\":9007199254740992}", TJ_SIG, err,
	    sizeof(err)), "exp 2^53");

	/* Structure. */
	ok(!parses_raw("", err, sizeof(err)), "empty token");
	ok(!parses_raw("abc", err, sizeof(err)), "one part");
	ok(!parses_raw("e30.e30", err, sizeof(err)), "two parts");
	is_str(err, "token is not three dot-separated parts", "two: reason");
	ok(!parses_raw("e30.e30.e30.e30", err, sizeof(err)), "four parts");
	ok(!parses_raw("e30.e30.e30.e30.e30", err, sizeof(err)),
	    "five parts (JWE)");
	ok(!parses_raw(".e30.c2ln", err, sizeof(err)), "empty header");
	ok(!parses_raw("eyJhbGciOiJSUzI1NiJ9..c2ln", err, sizeof(err)),
	    "empty payload");
	ok(!parses_raw("eyJhbGciOiJSUzI1NiJ9.e30.", err, sizeof(err)),
	    "empty signature");
	is_str(err, "token signature is empty", "empty signature: reason");
	ok(!parses(TJ_HDR, "{}", "c2ln+", err, sizeof(err)),
	    "'+' in signature");
	ok(!parses(TJ_HDR, "{}", "c2ln=", err, sizeof(err)),
	    "padding in signature");
	ok(!parses_raw("eyJhbGciOiJSUzI1NiJ9.e30=.c2ln", err, sizeof(err)),
	    "padding in payload");
	ok(!parses_raw("eyJhbGciOiJSUzI1NiJ9.e31.c2ln", err, sizeof(err)),
	    "non-canonical trailing bits");
	ok(!parses_raw("eyJhbGciOiJSUzI1NiJ9.e30 .c2ln", err, sizeof(err)),
	    "space in payload");
	ok(!parses_raw("eyJhbGciOiJSUzI1NiJ9.e/0.c2ln", err, sizeof(err)),
	    "'/' in payload");
	{
		const char nul[] = "eyJhbGciOiJSUzI1NiJ9.e30.c2\0ln";

		ok(jwt_token_parse(nul, sizeof(nul) - 1, &t, err,
		    sizeof(err)) != 0, "NUL byte");
	}

	/* JSON. */
	ok(!parses(TJ_HDR, "[]", TJ_SIG, err, sizeof(err)), "array payload");
	ok(!parses(TJ_HDR, "\"str\"", TJ_SIG, err, sizeof(err)),
	    "string payload");
	ok(!parses("[1]", "{}", TJ_SIG, err, sizeof(err)), "array header");
	ok(!parses(TJ_HDR, "{\"sub\":\"secretsub\",", TJ_SIG, err,
	    sizeof(err)), "truncated JSON");
	ok(strstr(err, "secretsub") == NULL, "reason does not quote payload");
	ok(!parses(TJ_HDR, "{\"sub\":\"a\",\"sub\":\"b\"}", TJ_SIG, err,
	    sizeof(err)), "duplicate sub");
	ok(!parses(TJ_HDR, "{\"sub\":\"a\"} x", TJ_SIG, err, sizeof(err)),
	    "junk after JSON");
	ok(!parses(TJ_HDR, "{\"sub\":\"a\\u0000b\"}", TJ_SIG, err,
	    sizeof(err)), "NUL escape in a string");

	/* Header members. */
	ok(!parses("{\"typ\":\"JWT\"}", "{}", TJ_SIG, err, sizeof(err)),
	    "no alg");
	ok(!parses("{\"alg\":\"none\"}", "{}", TJ_SIG, err, sizeof(err)),
	    "alg none");
	ok(!parses("{\"alg\":\"NONE\"}", "{}", TJ_SIG, err, sizeof(err)),
	    "alg NONE");
	ok(!parses("{\"alg\":\"\"}", "{}", TJ_SIG, err, sizeof(err)),
	    "empty alg");
	ok(!parses("{\"alg\":5}", "{}", TJ_SIG, err, sizeof(err)),
	    "alg not a string");
	ok(!parses("{\"alg\":\"RS256\",\"kid\":[1]}", "{}", TJ_SIG, err,
	    sizeof(err)), "kid not a string");
	ok(!parses("{\"alg\":\"RS256\",\"crit\":[\"x\"]}", "{}", TJ_SIG, err,
	    sizeof(err)), "crit refused");

	/* Which refusals are policy (alg_not_allowed), which malformed. */
	is_int(parse_status("{\"alg\":\"none\"}", "{}", ""),
	    JWT_ALG_NOT_ALLOWED, "alg none, no signature: alg_not_allowed");
	is_int(parse_status("{\"alg\":\"none\"}", "{}", TJ_SIG),
	    JWT_ALG_NOT_ALLOWED, "alg none, a signature: alg_not_allowed");
	is_int(parse_status("{\"alg\":\"RS256\",\"jku\":\"https://x/\"}", "{}",
	    TJ_SIG), JWT_ALG_NOT_ALLOWED, "jku: alg_not_allowed");
	is_int(parse_status("{\"alg\":\"RS256\",\"x5c\":[\"AA\"]}", "{}",
	    TJ_SIG), JWT_ALG_NOT_ALLOWED, "x5c: alg_not_allowed");
	is_int(parse_status("{\"alg\":\"RS256\",\"crit\":[\"x\"]}", "{}",
	    TJ_SIG), JWT_MALFORMED, "crit: token_malformed");
	is_int(parse_status(TJ_HDR, "{}", ""), JWT_MALFORMED,
	    "RS256 with no signature: token_malformed");
	is_int(parse_status(TJ_HDR, "{}", TJ_SIG), JWT_OK, "a plain token: ok");

	/* Claim types. */
	ok(!parses(TJ_HDR, "{\"sub\":5}", TJ_SIG, err, sizeof(err)),
	    "sub number");
	ok(!parses(TJ_HDR, "{\"iss\":null}", TJ_SIG, err, sizeof(err)),
	    "iss null");
	ok(!parses(TJ_HDR, "{\"jti\":{}}", TJ_SIG, err, sizeof(err)),
	    "jti object");
	ok(!parses(TJ_HDR, "{\"aud\":5}", TJ_SIG, err, sizeof(err)),
	    "aud number");
	ok(!parses(TJ_HDR, "{\"aud\":[\"a\",5]}", TJ_SIG, err, sizeof(err)),
	    "aud list with a number");
	ok(!parses(TJ_HDR, "{\"exp\":1.5e9}", TJ_SIG, err, sizeof(err)),
	    "exp float");
	is_str(err, "token exp is not an integer", "float: reason");
	ok(!parses(TJ_HDR, "{\"exp\":1755150736.0}", TJ_SIG, err,
	    sizeof(err)), "exp with .0");
	ok(!parses(TJ_HDR, "{\"exp\":\"1755150736\"}", TJ_SIG, err,
	    sizeof(err)), "exp string");
	ok(!parses(TJ_HDR, "{\"exp\":true}", TJ_SIG, err, sizeof(err)),
	    "exp boolean");
	ok(!parses(TJ_HDR, "{\"exp\":-1}", TJ_SIG, err, sizeof(err)),
	    "exp negative");
	ok(!parses(TJ_HDR, "{\"exp\":9007199254740993}", TJ_SIG, err,
	    sizeof(err)), "exp over 2^53");
	ok(!parses(TJ_HDR, "{\"exp\":99999999999999999999999}", TJ_SIG, err,
	    sizeof(err)), "exp over 64 bits");
	ok(!parses(TJ_HDR, "{\"nbf\":1e3}", TJ_SIG, err, sizeof(err)),
	    "nbf float");
	ok(!parses(TJ_HDR, "{\"iat\":\"x\"}", TJ_SIG, err, sizeof(err)),
	    "iat string");

	/* Size cap. */
	big = malloc(JWT_TOKEN_MAX + 100);
	h = tj_b64url(TJ_HDR, strlen(TJ_HDR));
	p = tj_b64url("{}", 2);
	n = (size_t)snprintf(big, JWT_TOKEN_MAX + 100, "%s.%s.", h, p);
	memset(big + n, 'A', JWT_TOKEN_MAX - n);
	big[JWT_TOKEN_MAX] = '\0';
	/* 8192 bytes: the signature length must be a valid base64 length. */
	if ((JWT_TOKEN_MAX - n) % 4 == 1)
		big[JWT_TOKEN_MAX - 1] = '\0';
	ok(parses_raw(big, err, sizeof(err)), "token at the cap parses");
	memset(big + n, 'A', JWT_TOKEN_MAX + 1 - n);
	big[JWT_TOKEN_MAX + 1] = '\0';
	ok(!parses_raw(big, err, sizeof(err)), "8193 bytes refused");
	is_str(err, "token larger than 8192 bytes", "size: reason");
	free(big);
	free(h);
	free(p);

	/* The decoder on its own. */
	raw = jwt_token_b64url_decode("e30", 3, &len);
	ok(raw != NULL && len == 2 && memcmp(raw, "{}", 2) == 0, "e30 is {}");
	free(raw);
	raw = jwt_token_b64url_decode("", 0, &len);
	ok(raw != NULL && len == 0, "empty decodes to empty");
	free(raw);
	ok(jwt_token_b64url_decode("e", 1, &len) == NULL, "length 1 mod 4");
	ok(jwt_token_b64url_decode("e30=", 4, &len) == NULL, "padding");
	raw = jwt_token_b64url_decode("_-8", 3, &len);
	ok(raw != NULL && len == 2 && raw[0] == 0xff && raw[1] == 0xef,
	    "url alphabet decodes");
	free(raw);

	tap_plan(tap_n);
	return tap_done();
}
