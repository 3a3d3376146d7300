/*
 * test_jwt_cnf.c - a token bound to a key (cnf.jkt, RFC 7800 and 9449):
 * known-answer RFC 7638 thumbprints, the forms of cnf that are refused,
 * and the plugin's step 5b on both fronts, with an older host and in a
 * dry run.  jwt_plugin.c is compiled into this program.
 *
 * The known answers were computed apart from this code:
 *   - RSA: the example key of RFC 7638 §3.1, whose thumbprint the RFC
 *     gives as NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs; its SPKI was
 *     built with "openssl asn1parse -genconf" from the RFC's n and e,
 *     and python3 (hashlib, base64) over "openssl rsa -modulus" gives
 *     the same thumbprint;
 *   - EC: keys made by "openssl genpkey"; python3 (hashlib, base64)
 *     hashed {"crv","kty","x","y"} built from the uncompressed point
 *     that "openssl pkey -pubin -outform DER" ends with.  The P-384 key
 *     was picked for an x whose first byte is 0, to check the padding.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "test_jwt_util.h"
#include "pvacms/authn.h"

#include "jwt_cnf.h"
#include "jwt_status.h"

extern struct pvacms_authn_plugin pvacms_authn_plugin;

#define TRUSTED "http://localhost:8080/default/verify"
#define ISS "http://localhost:8080/default"
#define NOW 1755147136LL

/* RFC 7638 §3.1: n and e of the example, as a SubjectPublicKeyInfo. */
static const char rsa_rfc7638[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0vx7agoebGcQSuuPiLJX\n"
    "ZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS\n"
    "oc/BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ/2W+5JsGY4Hc5n9yBXArwl93lqt\n"
    "7/RN5w6Cf0h4QyQ5v+65YGjQR0/FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0\n"
    "zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt+bFTWhAI4vMQFh6WeZu0f\n"
    "M4lFd2NcRwr3XPksINHaQ+G/xBniIqbw0Ls1jF44+csFCur+kEgU8awapJzKnqDK\n"
    "gwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
#define JKT_RSA "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static const char ec_p256[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXDP8pY8642PGhBS70VW0IZogDGji\n"
    "fPLZPTCzB4Zo46PLlZiOPt4Yx0KTWPaqW0045mR5H36VowBWXvFxQGqHbw==\n"
    "-----END PUBLIC KEY-----\n";
/* The same point, compressed: the thumbprint is the key's, not the
 * encoding's. */
static const char ec_p256_compressed[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADXDP8pY8642PGhBS70VW0IZogDGji\n"
    "fPLZPTCzB4Zo46M=\n"
    "-----END PUBLIC KEY-----\n";
#define JKT_P256 "mJhxqdKM6WBCMufDHlqG2VgfHa4Ur_U0J5OkQQ8_Rno"

/* x = 00d9a0f2...: 47 significant bytes, padded to 48. */
static const char ec_p384[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEANmg8gA7u0Pxb3VzVTpx45CZrUkUDn81\n"
    "UqNYc9UEhrVeJkAr44JRXIvXmc7Ik6Aov4o1luWvAL4QrGhFa4RH45o9Z8moAsyB\n"
    "cWEHvSGwph+SxDYWRQ2MHwFYp5/PYEba\n"
    "-----END PUBLIC KEY-----\n";
#define JKT_P384 "dWDoNxP9mE0pSBk8nnbB2EiO8pQ0m-wNBTYOjVTRnvU"

/* Keys pvacms does not certify, so no jkt of ours can name them. */
static const char ed25519[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAu/4J8OF6Enc2zF3vNeIMpJwc3K2pII56ZrK+2KN8UNU=\n"
    "-----END PUBLIC KEY-----\n";
static const char ec_p521[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQA10ct7ndRFLtLwEb6k33ybhwexsdy\n"
    "vE/oNF/5aU6s0WVFEB3WVzfEtWp9Nf95/GvgL6opKRQI0OY+ZQwdUxmNHKkBUVj+\n"
    "DCferrhI3BDl4ytza4+oR3W/GlOt6+iFehPP/Dgmkc0njd28VmmHOt0x4IrGxeLa\n"
    "inVsSKLv2bzrOapesjM=\n"
    "-----END PUBLIC KEY-----\n";

struct der {
	unsigned char *p;
	size_t len;
};

static struct der	der_of(const char *pem);
static int	thumb(const struct der *d, char out[JWT_CNF_JKT_SIZE],
		    char *err, size_t errlen);
static int	check(const char *claims, const struct der *d, char *err,
		    size_t errlen);
static char	*mktok(const char *extra);
static void	verify(const char *tok, const char *front,
		    const struct der *d, struct pvacms_authn_result *res);
static void	kats(void);
static void	forms(void);
static void	plugin(void);

static const struct pvacms_authn_plugin *pl = &pvacms_authn_plugin;

/* The DER bytes of a PEM public key, exactly as encoded; aborts. */
static struct der
der_of(const char *pem)
{
	struct der d;
	BIO *bio = BIO_new_mem_buf(pem, -1);
	long len = 0;

	if (bio == NULL || !PEM_bytes_read_bio(&d.p, &len, NULL,
	    PEM_STRING_PUBLIC, bio, NULL, NULL))
		abort();
	BIO_free(bio);
	d.len = (size_t)len;
	return d;
}

static int
thumb(const struct der *d, char out[JWT_CNF_JKT_SIZE], char *err,
    size_t errlen)
{
	err[0] = '\0';
	return jwt_cnf_thumbprint(d->p, d->len, out, err, errlen);
}

/* jwt_cnf_check on a claims text. */
static int
check(const char *claims, const struct der *d, char *err, size_t errlen)
{
	json_error_t jerr;
	/* ALLOW_NUL: jwt_token.c refuses it, but jwt_cnf.c must not rely
	 * on that. */
	json_t *c = json_loads(claims, JSON_ALLOW_NUL, &jerr);
	int rc;

	if (c == NULL)
		abort();
	err[0] = '\0';
	rc = jwt_cnf_check(c, d != NULL ? d->p : NULL, d != NULL ? d->len : 0,
	    err, errlen);
	json_decref(c);
	return rc;
}

static void
kats(void)
{
	struct der rsa = der_of(rsa_rfc7638), p256 = der_of(ec_p256);
	struct der p256c = der_of(ec_p256_compressed), p384 = der_of(ec_p384);
	struct der ed = der_of(ed25519), p521 = der_of(ec_p521);
	struct der bad;
	char out[JWT_CNF_JKT_SIZE], err[256];
	unsigned char *junk;

	is_int(thumb(&rsa, out, err, sizeof(err)), JWT_OK, "RSA: JWT_OK");
	is_str(out, JKT_RSA, "RSA: the thumbprint of RFC 7638 §3.1");
	is_int(thumb(&p256, out, err, sizeof(err)), JWT_OK, "P-256: JWT_OK");
	is_str(out, JKT_P256, "P-256: the thumbprint python3 computed");
	is_int(thumb(&p256c, out, err, sizeof(err)), JWT_OK,
	    "P-256 compressed: JWT_OK");
	is_str(out, JKT_P256, "P-256 compressed: the same thumbprint");
	is_int(thumb(&p384, out, err, sizeof(err)), JWT_OK, "P-384: JWT_OK");
	is_str(out, JKT_P384, "P-384 with a short x: padded to 48 bytes");
	is_int((long long)strlen(out), 43, "43 characters, no padding");

	is_int(thumb(&ed, out, err, sizeof(err)), JWT_KEY_MISMATCH,
	    "Ed25519: key_mismatch (no thumbprint of ours)");
	ok(strstr(err, "cnf.jkt") != NULL && out[0] == '\0',
	    "Ed25519: the reason names cnf.jkt (%s)", err);
	is_int(thumb(&p521, out, err, sizeof(err)), JWT_KEY_MISMATCH,
	    "P-521: key_mismatch");
	ok(strstr(err, "secp521r1") != NULL, "P-521: names the curve (%s)",
	    err);

	bad.p = (unsigned char *)"\x30\x03\x02\x01\x01";
	bad.len = 5;
	is_int(thumb(&bad, out, err, sizeof(err)), JWT_INTERNAL,
	    "not a SubjectPublicKeyInfo: internal");
	bad.p = NULL;
	bad.len = 0;
	is_int(thumb(&bad, out, err, sizeof(err)), JWT_INTERNAL,
	    "no DER: internal");
	if ((junk = malloc(rsa.len + 1)) == NULL)
		abort();
	memcpy(junk, rsa.p, rsa.len);
	junk[rsa.len] = 0;
	bad.p = junk;
	bad.len = rsa.len + 1;
	is_int(thumb(&bad, out, err, sizeof(err)), JWT_INTERNAL,
	    "a trailing byte after the DER: internal");
	free(junk);

	OPENSSL_free(rsa.p);
	OPENSSL_free(p256.p);
	OPENSSL_free(p256c.p);
	OPENSSL_free(p384.p);
	OPENSSL_free(ed.p);
	OPENSSL_free(p521.p);
}

static void
forms(void)
{
	struct der rsa = der_of(rsa_rfc7638), p256 = der_of(ec_p256);
	char err[256];

	is_str(jwt_status_code(JWT_KEY_MISMATCH), "key_mismatch", "code");
	is_int(jwt_status_http(JWT_KEY_MISMATCH), 403, "HTTP 403");
	is_int(jwt_status_verdict(JWT_KEY_MISMATCH), PVACMS_DENY, "a denial");

	is_int(check("{\"sub\":\"a\"}", &rsa, err, sizeof(err)), JWT_OK,
	    "no cnf: unbound, OK");
	is_int(check("{\"sub\":\"a\"}", NULL, err, sizeof(err)), JWT_OK,
	    "no cnf and no key: OK");
	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_RSA "\"}}", &rsa, err,
	    sizeof(err)), JWT_OK, "cnf.jkt of the key: OK");
	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_P256 "\"}}", &p256, err,
	    sizeof(err)), JWT_OK, "cnf.jkt of the EC key: OK");
	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_RSA "\",\"x5t#S256\":\"x\"}}",
	    &rsa, err, sizeof(err)), JWT_OK,
	    "cnf.jkt beside a method we do not check: jkt decides");

	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_P256 "\"}}", &rsa, err,
	    sizeof(err)), JWT_KEY_MISMATCH, "another key's jkt: key_mismatch");
	is_str(err, "the token is bound to another key (cnf.jkt)",
	    "mismatch: reason");
	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_RSA "=\"}}", &rsa, err,
	    sizeof(err)), JWT_KEY_MISMATCH, "a padded jkt: key_mismatch");
	is_int(check("{\"cnf\":{\"jkt\":\"\"}}", &rsa, err, sizeof(err)),
	    JWT_KEY_MISMATCH, "an empty jkt: key_mismatch");
	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_RSA "\\u0000x\"}}", &rsa, err,
	    sizeof(err)), JWT_MALFORMED, "a NUL inside jkt: malformed");

	is_int(check("{\"cnf\":\"" JKT_RSA "\"}", &rsa, err, sizeof(err)),
	    JWT_MALFORMED, "cnf a string: malformed");
	is_str(err, "token cnf is not a JSON object", "... reason");
	is_int(check("{\"cnf\":[\"" JKT_RSA "\"]}", &rsa, err, sizeof(err)),
	    JWT_MALFORMED, "cnf an array: malformed");
	is_int(check("{\"cnf\":null}", &rsa, err, sizeof(err)),
	    JWT_MALFORMED, "cnf null: malformed");
	is_int(check("{\"cnf\":{\"jkt\":42}}", &rsa, err, sizeof(err)),
	    JWT_MALFORMED, "cnf.jkt a number: malformed");
	is_str(err, "token cnf.jkt is not a string", "... reason");
	is_int(check("{\"cnf\":{\"jkt\":{\"v\":\"" JKT_RSA "\"}}}", &rsa, err,
	    sizeof(err)), JWT_MALFORMED, "cnf.jkt an object: malformed");
	is_int(check("{\"cnf\":{}}", &rsa, err, sizeof(err)), JWT_MALFORMED,
	    "cnf without a method: malformed");

	is_int(check("{\"cnf\":{\"jwk\":{\"kty\":\"EC\"}}}", &rsa, err,
	    sizeof(err)), JWT_KEY_MISMATCH, "cnf.jwk: key_mismatch");
	ok(strstr(err, "cnf.jwk") != NULL && strstr(err, "cannot check"),
	    "... the reason names the method (%s)", err);
	is_int(check("{\"cnf\":{\"x5t#S256\":\"abc\"}}", &rsa, err,
	    sizeof(err)), JWT_KEY_MISMATCH, "cnf.x5t#S256: key_mismatch");
	ok(strstr(err, "cnf.x5t#S256") != NULL,
	    "... the reason names the method (%s)", err);
	is_int(check("{\"cnf\":{\"k\\u0001id\":\"x\"}}", &rsa, err,
	    sizeof(err)), JWT_KEY_MISMATCH, "an odd method name: key_mismatch");
	ok(strstr(err, "cnf.k?id") != NULL, "... named, sanitized (%s)", err);

	is_int(check("{\"cnf\":{\"jkt\":\"" JKT_RSA "\"}}", NULL, err,
	    sizeof(err)), JWT_KEY_MISMATCH,
	    "a bound token and no key (host < 1.4): key_mismatch");
	ok(strstr(err, "1.4") != NULL, "... the reason says why (%s)", err);

	OPENSSL_free(rsa.p);
	OPENSSL_free(p256.p);
}

/* A token with the seed's claims and `extra` members; caller frees. */
static char *
mktok(const char *extra)
{
	char p[1024];

	snprintf(p, sizeof(p), "{\"sub\":\"softioc\",\"iss\":\"%s\",\"aud\":"
	    "\"default\",\"exp\":%lld,\"nbf\":%lld,\"iat\":%lld,\"jti\":"
	    "\"j-1\"%s%s}", ISS, NOW + 3600, NOW - 30, NOW - 30,
	    extra[0] != '\0' ? "," : "", extra);
	return tj_token(TJ_HDR, p, TJ_SIG);
}

/* verify() as issue.c calls it; d NULL: a request without spki_der. */
static void
verify(const char *tok, const char *front, const struct der *d,
    struct pvacms_authn_result *res)
{
	struct pvacms_authn_request req;

	memset(&req, 0, sizeof(req));
	memset(res, 0, sizeof(*res));
	req.type = "jwt";
	req.usage = PVACMS_USAGE_CLIENT;
	req.credential = tok;
	req.credential_len = strlen(tok);
	req.pubkey_sha256 = "00";
	req.now = NOW;
	req.front = front;
	req.key_proven = strcmp(front, "https") == 0;
	req.verifier_json = strcmp(front, "pva") == 0 ? "{}" : NULL;
	req.name = req.organization = req.organization_unit = "";
	req.country = "";
	if (d != NULL) {
		req.spki_der = d->p;
		req.spki_der_len = d->len;
	}
	pl->verify(&req, res);
}

static void
plugin(void)
{
	struct der rsa = der_of(rsa_rfc7638), p256 = der_of(ec_p256);
	struct pvacms_authn_request req;
	struct pvacms_authn_result res;
	char err[512], *bound, *other, *plain, *bad, *jwk;

	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "GET");
	fk_set("EPICS_AUTH_JWT_RESPONSE_FORMAT",
	    "{ *, \"valid\": \"#response#\" }");
	fk.status = 200;
	fk.body = FK_SEED_BODY;
	if (!ok(pl->init(&fk_services, err, sizeof(err)) == 0, "init"))
		printf("# %s\n", err);

	bound = mktok("\"cnf\":{\"jkt\":\"" JKT_RSA "\"}");
	other = mktok("\"cnf\":{\"jkt\":\"" JKT_P256 "\"}");
	plain = mktok("");
	bad = mktok("\"cnf\":\"" JKT_RSA "\"");
	jwk = mktok("\"cnf\":{\"jwk\":{\"kty\":\"RSA\"}}");

	verify(bound, "https", &rsa, &res);
	is_int(res.verdict, PVACMS_ALLOW, "https: bound to the CSR's key");
	is_str(res.cn, "softioc", "... CN from sub");
	verify(bound, "pva", &rsa, &res);
	is_int(res.verdict, PVACMS_ALLOW, "pva: bound to the named key");
	verify(plain, "pva", &p256, &res);
	is_int(res.verdict, PVACMS_ALLOW, "pva: an unbound token as before");

	verify(bound, "https", &p256, &res);
	is_int(res.verdict, PVACMS_DENY, "https: another key: denied");
	is_str(res.code, "key_mismatch", "... key_mismatch");
	is_int(res.http_status, 403, "... 403");
	is_str(res.reason, "the token is bound to another key (cnf.jkt)",
	    "... reason");
	is_str(res.sub, "softioc", "... audit sub kept");
	verify(other, "pva", &rsa, &res);
	is_str(res.code, "key_mismatch", "pva: another key: key_mismatch");
	ok(strstr(res.reason, "cnf.jkt") != NULL, "... reason names cnf.jkt");

	verify(bad, "https", &rsa, &res);
	is_str(res.code, "token_malformed", "cnf a string: token_malformed");
	is_int(res.http_status, 401, "... 401");
	verify(jwk, "pva", &rsa, &res);
	is_str(res.code, "key_mismatch", "cnf.jwk: key_mismatch");
	is_int(res.http_status, 403, "... 403");
	ok(strstr(res.reason, "cnf.jwk") != NULL, "... names cnf.jwk (%s)",
	    res.reason);

	/* A host of ABI 1.3 hands a request without spki_der. */
	fk_services.version = (1 << 16) | 3;
	verify(bound, "https", &rsa, &res);
	is_str(res.code, "key_mismatch", "host 1.3: a bound token is refused");
	ok(strstr(res.reason, "1.4") != NULL, "... because of the ABI (%s)",
	    res.reason);
	verify(plain, "https", &rsa, &res);
	is_int(res.verdict, PVACMS_ALLOW, "host 1.3: an unbound token passes");
	fk_services.version = PVACMS_AUTHN_ABI_VERSION;

	/* A host of 1.4 that names no key: refuse, never take it unbound. */
	verify(bound, "pva", NULL, &res);
	is_str(res.code, "key_mismatch", "no spki_der: a bound token refused");

	/* A dry run has no key: the form is checked, the comparison not. */
	memset(&req, 0, sizeof(req));
	req.type = "jwt";
	req.usage = PVACMS_USAGE_CLIENT;
	req.credential = bound;
	req.credential_len = strlen(bound);
	req.pubkey_sha256 = "00";
	req.now = NOW;
	memset(&res, 0, sizeof(res));
	pl->dry_run(&req, NULL, &res);
	is_int(res.verdict, PVACMS_ALLOW, "dry run: a bound token passes");
	ok(strstr(res.reason, "cnf.jkt) not checked") != NULL,
	    "... and says the binding was not checked (%s)", res.reason);
	req.credential = bad;
	req.credential_len = strlen(bad);
	memset(&res, 0, sizeof(res));
	pl->dry_run(&req, NULL, &res);
	is_str(res.code, "token_malformed", "dry run: a malformed cnf refused");
	req.credential = plain;
	req.credential_len = strlen(plain);
	memset(&res, 0, sizeof(res));
	pl->dry_run(&req, NULL, &res);
	ok(res.verdict == PVACMS_ALLOW && strstr(res.reason, "cnf") == NULL,
	    "dry run: an unbound token, no word of cnf (%s)", res.reason);

	pl->fini();
	free(bound);
	free(other);
	free(plain);
	free(bad);
	free(jwk);
	OPENSSL_free(rsa.p);
	OPENSSL_free(p256.p);
}

int
main(void)
{
	kats();
	forms();
	plugin();
	tap_plan(tap_n);
	return tap_done();
}
