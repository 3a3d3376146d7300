/*
 * test_jwt_alg.c - the algorithm policy of local verification: the
 * table, the allow-list, the header rules (no token-supplied keys, no
 * crit, no none) and the key-type and signature-length checks, with
 * real keys made by cjose.
 */
#include "config.h"

#include "tap.h"
#include "test_jwt_keys.h"

#include "jwt_alg.h"
#include "jwt_status.h"

static int	header_status(const char *text);
static int	key_status(const char *alg, const cjose_jwk_t *k);

static int
header_status(const char *text)
{
	char err[256];
	json_t *h = json_loads(text, 0, NULL);
	int r;

	if (h == NULL)
		abort();
	r = jwt_alg_header_check(h, err, sizeof(err));
	json_decref(h);
	return r;
}

static int
key_status(const char *alg, const cjose_jwk_t *k)
{
	char err[256];

	return jwt_alg_key_check(jwt_alg_find(alg), k, err, sizeof(err));
}

int
main(void)
{
	static const char *const names[] = { "RS256", "RS384", "RS512",
	    "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256",
	    "HS384", "HS512" };
	static const char *const key_members[] = { "jku", "jwk", "x5u",
	    "x5c" };
	cjose_jwk_t *rsa, *rsa1k, *p256, *p384, *p521, *oct32, *oct64;
	unsigned char secret[64];
	unsigned int mask;
	char err[256], buf[256], hdr[128];
	size_t i;
	int found;

	tap_plan(52);

	/* The table. */
	for (i = 0, found = 0; i < 12; i++)
		found += jwt_alg_find(names[i]) != NULL &&
		    strcmp(jwt_alg_find(names[i])->name, names[i]) == 0;
	is_int(found, 12, "all twelve algorithms are known");
	ok(jwt_alg_find("none") == NULL, "none is not an algorithm");
	ok(jwt_alg_find("rs256") == NULL, "names are case-sensitive");
	ok(jwt_alg_find("EdDSA") == NULL, "EdDSA is not supported");
	ok(jwt_alg_find(NULL) == NULL, "NULL name");
	is_int(jwt_alg_find("ES512")->sig_bytes, 132, "ES512 sig is 132 bytes");

	/* The allow-list. */
	ok(jwt_alg_parse_list(NULL, &mask, err, sizeof(err)) == 0 &&
	    mask == JWT_ALGS_DEFAULT, "unset list: RS, PS and ES families");
	ok(jwt_alg_parse_list("  ", &mask, err, sizeof(err)) == 0 &&
	    mask == JWT_ALGS_DEFAULT, "blank list: default");
	ok((mask & JWT_ALGS_HS) == 0, "default holds no HS");
	ok(jwt_alg_parse_list("RS256 ES256", &mask, err, sizeof(err)) == 0 &&
	    mask == (jwt_alg_find("RS256")->bit | jwt_alg_find("ES256")->bit),
	    "RS256 ES256");
	ok(jwt_alg_parse_list("PS384,HS512", &mask, err, sizeof(err)) == 0 &&
	    mask == (jwt_alg_find("PS384")->bit | jwt_alg_find("HS512")->bit),
	    "commas separate too");
	ok(jwt_alg_parse_list("RS256 none", &mask, err, sizeof(err)) != 0,
	    "none refused in the list");
	ok(strstr(err, "EPICS_AUTH_JWT_ALGORITHMS") != NULL,
	    "the reason names the variable");
	ok(jwt_alg_parse_list("rs256", &mask, err, sizeof(err)) != 0,
	    "wrong case refused");
	ok(jwt_alg_parse_list("RS256XXXXXXXXXXXXXXXXXXX", &mask, err,
	    sizeof(err)) != 0, "overlong entry refused");
	jwt_alg_format(JWT_ALGS_DEFAULT, buf, sizeof(buf));
	is_str(buf, "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512",
	    "default formatted");

	/* The header rules. */
	is_int(header_status("{\"alg\":\"RS256\",\"kid\":\"a\"}"), JWT_OK,
	    "plain header accepted");
	for (i = 0; i < 4; i++) {
		snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"%s\":"
		    "\"https://evil.example/k\"}", key_members[i]);
		is_int(header_status(hdr), JWT_ALG_NOT_ALLOWED, key_members[i]);
	}
	is_int(header_status("{\"alg\":\"RS256\",\"jwk\":{\"kty\":\"oct\"}}"),
	    JWT_ALG_NOT_ALLOWED, "embedded jwk object refused");
	is_int(header_status("{\"alg\":\"RS256\",\"crit\":[\"exp\"]}"),
	    JWT_MALFORMED, "crit refused");
	is_int(header_status("{\"alg\":\"none\"}"), JWT_ALG_NOT_ALLOWED,
	    "alg none refused");
	is_int(header_status("{\"alg\":\"HS1\"}"), JWT_ALG_NOT_ALLOWED,
	    "unknown alg refused");
	is_int(header_status("{\"kid\":\"a\"}"), JWT_MALFORMED, "no alg");
	is_int(header_status("{\"alg\":256}"), JWT_MALFORMED,
	    "alg not a string");

	/* Keys for algorithms. */
	rsa = tk_rsa(2048, "r");
	rsa1k = tk_rsa(1024, "small");
	p256 = tk_ec(CJOSE_JWK_EC_P_256, "e1");
	p384 = tk_ec(CJOSE_JWK_EC_P_384, "e3");
	p521 = tk_ec(CJOSE_JWK_EC_P_521, "e5");
	memset(secret, 'k', sizeof(secret));
	oct32 = tk_oct(secret, 32);
	oct64 = tk_oct(secret, 64);

	is_int(key_status("RS256", rsa), JWT_OK, "RSA key for RS256");
	is_int(key_status("PS512", rsa), JWT_OK, "RSA key for PS512");
	is_int(key_status("ES256", rsa), JWT_ALG_NOT_ALLOWED,
	    "RSA key for ES256 refused");
	is_int(key_status("HS256", rsa), JWT_ALG_NOT_ALLOWED,
	    "RSA key for HS256 refused");
	is_int(key_status("RS256", rsa1k), JWT_ALG_NOT_ALLOWED,
	    "1024-bit RSA refused");
	is_int(key_status("ES256", p256), JWT_OK, "P-256 for ES256");
	is_int(key_status("ES384", p256), JWT_ALG_NOT_ALLOWED,
	    "P-256 for ES384 refused");
	is_int(key_status("ES384", p384), JWT_OK, "P-384 for ES384");
	is_int(key_status("ES256", p384), JWT_ALG_NOT_ALLOWED,
	    "P-384 for ES256 refused");
	is_int(key_status("ES512", p521), JWT_OK, "P-521 for ES512");
	is_int(key_status("RS256", p256), JWT_ALG_NOT_ALLOWED,
	    "EC key for RS256 refused");
	is_int(key_status("PS256", p256), JWT_ALG_NOT_ALLOWED,
	    "EC key for PS256 refused");
	is_int(key_status("HS256", oct32), JWT_OK, "32-byte secret for HS256");
	is_int(key_status("HS512", oct32), JWT_ALG_NOT_ALLOWED,
	    "32-byte secret for HS512 refused");
	is_int(key_status("HS512", oct64), JWT_OK, "64-byte secret for HS512");
	is_int(key_status("RS256", oct64), JWT_ALG_NOT_ALLOWED,
	    "secret for RS256 refused");
	is_int(key_status("ES256", oct64), JWT_ALG_NOT_ALLOWED,
	    "secret for ES256 refused");

	/* Signature lengths (cjose trusts the length it is given). */
	ok(jwt_alg_sig_len_ok(jwt_alg_find("RS256"), rsa, 256),
	    "RS256 2048-bit: 256 bytes");
	ok(!jwt_alg_sig_len_ok(jwt_alg_find("RS256"), rsa, 255),
	    "RS256: 255 bytes refused");
	ok(jwt_alg_sig_len_ok(jwt_alg_find("ES256"), p256, 64),
	    "ES256: 64 bytes");
	ok(!jwt_alg_sig_len_ok(jwt_alg_find("ES256"), p256, 72),
	    "ES256: DER-sized 72 bytes refused");
	ok(jwt_alg_sig_len_ok(jwt_alg_find("ES512"), p521, 132),
	    "ES512: 132 bytes");
	ok(jwt_alg_sig_len_ok(jwt_alg_find("HS256"), oct32, 32),
	    "HS256: 32 bytes");
	ok(!jwt_alg_sig_len_ok(jwt_alg_find("HS256"), oct32, 1),
	    "HS256: truncated MAC refused");
	ok(!jwt_alg_sig_len_ok(jwt_alg_find("HS256"), oct32, 0),
	    "HS256: empty MAC refused");

	cjose_jwk_release(rsa);
	cjose_jwk_release(rsa1k);
	cjose_jwk_release(p256);
	cjose_jwk_release(p384);
	cjose_jwk_release(p521);
	cjose_jwk_release(oct32);
	cjose_jwk_release(oct64);
	return tap_done();
}
