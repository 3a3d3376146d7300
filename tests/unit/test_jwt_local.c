/*
 * test_jwt_local.c - local verification end to end on real tokens
 * signed by cjose: good RS, PS, ES and HS tokens; the attacks (wrong
 * key under a real kid, unknown kid, header-supplied keys, HS256 keyed
 * with the RSA public key, alg none, key type confusion, tampered
 * payload, truncated MAC); claims (exp, aud, iss); several issuers
 * without fallthrough; the configuration and the mode choice.
 */
#include "config.h"

#include <stdarg.h>

#include "tap.h"
#include "test_jwt_keys.h"

#include "jwt_local.h"
#include "jwt_status.h"
#include "jwt_token.h"

#define NOW 1700000000LL
#define ISS "https://idp.example/realm"
#define ISS2 "https://other.example"

static const char *cf_get(const char *name);
static void	cf_set(const char *name, const char *value);
static void	cf_clear(void);
static void	lg_log(int level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static int	fake_fetch(const struct pvacms_http_request *req,
		    struct pvacms_http_response *resp, char *err,
		    size_t errlen);
static void	fake_free(struct pvacms_http_response *resp);
static int	check(struct jwt_local *l, const char *tok);
static int	run(struct jwt_local *l, const cjose_jwk_t *k,
		    const char *alg, const char *kid, const char *xname,
		    const char *xval, const char *iss, const char *aud,
		    long long exp);
static struct jwt_local *load(char *err, size_t errlen);

static const char *cf_names[16];
static const char *cf_values[16];
static size_t cf_n;
static char lg[8192];
static int fetches;
static const char *fetch_body;

static const char *
cf_get(const char *name)
{
	size_t i;

	for (i = 0; i < cf_n; i++)
		if (strcmp(cf_names[i], name) == 0)
			return cf_values[i];
	return NULL;
}

static void
cf_set(const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < cf_n; i++)
		if (strcmp(cf_names[i], name) == 0) {
			cf_values[i] = value;
			return;
		}
	cf_names[cf_n] = name;
	cf_values[cf_n++] = value;
}

static void
cf_clear(void)
{
	cf_n = 0;
}

static void __attribute__((format(printf, 2, 3)))
lg_log(int level, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(lg);

	if (n + 300 > sizeof(lg))
		n = 0;
	n += (size_t)snprintf(lg + n, sizeof(lg) - n, "%s ",
	    level == PVACMS_LOG_WARN ? "WARN" : "INFO");
	va_start(ap, fmt);
	vsnprintf(lg + n, sizeof(lg) - n - 1, fmt, ap);
	va_end(ap);
	strcat(lg, "\n");
}

static int
fake_fetch(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *err, size_t errlen)
{
	fetches++;
	if (strcmp(req->url, "https://idp2.example/jwks") != 0) {
		snprintf(err, errlen, "unexpected URL");
		return -1;
	}
	resp->status = 200;
	resp->body = strdup(fetch_body);
	resp->body_len = strlen(fetch_body);
	resp->content_type = NULL;
	return 0;
}

static void
fake_free(struct pvacms_http_response *resp)
{
	free(resp->body);
}

static const struct pvacms_host_services svc = {
	.version = PVACMS_AUTHN_ABI_VERSION,
	.size = sizeof(struct pvacms_host_services),
	.log = lg_log,
	.config_get = cf_get,
	.http_fetch = fake_fetch,
	.http_free = fake_free,
};

static char why[512];

/* Parse and verify tok under l; the status of the parse or the check. */
static int
check(struct jwt_local *l, const char *tok)
{
	struct jwt_token t;
	int r, retry;

	why[0] = '\0';
	if ((r = jwt_token_parse(tok, strlen(tok), &t, why, sizeof(why))) !=
	    JWT_OK)
		return r;
	r = jwt_local_verify(l, tok, strlen(tok), &t, NOW, 60, 0, &retry,
	    why, sizeof(why));
	jwt_token_free(&t);
	return r;
}

/* Sign claims(iss, aud, exp) with k under alg and kid; verify. */
static int
run(struct jwt_local *l, const cjose_jwk_t *k, const char *alg,
    const char *kid, const char *xname, const char *xval, const char *iss,
    const char *aud, long long exp)
{
	char *claims = tk_claims(iss, aud, exp);
	char *tok = tk_sign(k, alg, kid, xname, xval, claims);
	int r = check(l, tok);

	free(claims);
	free(tok);
	return r;
}

static struct jwt_local *
load(char *err, size_t errlen)
{
	return jwt_local_load(cf_get, &svc, 1000, err, errlen);
}

int
main(void)
{
	cjose_jwk_t *rsa, *rsa_evil, *p256, *p384, *k2, *hs, *hs_pub, *ks[3];
	struct jwt_local *l;
	struct jwt_jwks_stats st;
	char dir[] = "/tmp/test_jwt_local.XXXXXX", err[512], *jwks, *jwks2,
	    *jfile, *j2file, *sfile, *shortfile, *pub, *tok, *claims, *dot,
	    *bad, *p;
	unsigned char secret[48];
	const char *aud = "\"pvacms\"";

	tap_plan(72);
	if (mkdtemp(dir) == NULL)
		abort();
	rsa = tk_rsa(2048, "rsa-1");
	rsa_evil = tk_rsa(2048, "rsa-1");
	p256 = tk_ec(CJOSE_JWK_EC_P_256, "ec-256");
	p384 = tk_ec(CJOSE_JWK_EC_P_384, "ec-384");
	k2 = tk_rsa(2048, "other-1");
	ks[0] = rsa;
	ks[1] = p256;
	ks[2] = p384;
	jwks = tk_jwks(ks, 3);
	jfile = tk_file(dir, "jwks.json", jwks, strlen(jwks));
	ks[0] = k2;
	jwks2 = tk_jwks(ks, 1);
	j2file = tk_file(dir, "jwks2.json", jwks2, strlen(jwks2));
	memset(secret, 0x5a, sizeof(secret));
	sfile = tk_file(dir, "hs.secret", (const char *)secret,
	    sizeof(secret));
	shortfile = tk_file(dir, "short.secret", "tooshort\n", 9);
	hs = tk_oct(secret, sizeof(secret));

	/* --- one issuer, pinned JWKS, audience set --- */
	cf_set("EPICS_AUTH_JWT_ISSUER", ISS);
	cf_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	cf_set("EPICS_AUTH_JWT_AUDIENCE", "pvacms other-aud");
	l = load(err, sizeof(err));
	ok(l != NULL, "local config loaded: %s", l ? "" : err);
	lg[0] = '\0';
	jwt_local_log(l, &svc);
	ok(strstr(lg, "WARN EPICS_AUTH_JWT_AUDIENCE") == NULL,
	    "no audience warning with an audience");
	ok(strstr(lg, "RS256 RS384 RS512 PS256") != NULL &&
	    strstr(lg, "HS256") == NULL, "default algorithms logged, no HS");

	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_OK, "RS256 good token");
	is_int(run(l, rsa, "RS512", "rsa-1", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_OK, "RS512 good token");
	is_int(run(l, rsa, "PS256", "rsa-1", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_OK, "PS256 good token");
	is_int(run(l, p256, "ES256", "ec-256", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_OK, "ES256 good token");
	is_int(run(l, p384, "ES384", "ec-384", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_OK, "ES384 good token");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS,
	    "[\"x\",\"other-aud\"]", NOW + 600), JWT_OK,
	    "aud array holding a configured audience");

	/* Attacks. */
	is_int(run(l, rsa_evil, "RS256", "rsa-1", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_BAD_SIGNATURE, "wrong key under a real kid");
	ok(strstr(why, "rsa-1") != NULL, "the reason names the kid");
	is_int(run(l, rsa, "RS256", "rsa-9", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_KID_UNKNOWN, "unknown kid");
	is_int(run(l, rsa_evil, "RS256", "rsa-1", "jku",
	    "https://evil.example/jwks", ISS, aud, NOW + 600),
	    JWT_ALG_NOT_ALLOWED,
	    "jku header refused");
	ok(strstr(why, "jku") != NULL, "the reason says jku");
	is_int(run(l, rsa_evil, "RS256", "rsa-1", "x5u",
	    "https://evil.example/cert", ISS, aud, NOW + 600),
	    JWT_ALG_NOT_ALLOWED,
	    "x5u header refused");
	pub = tk_pub(rsa_evil);
	claims = tk_claims(ISS, aud, NOW + 600);
	{
		/* An embedded jwk object: set it raw. */
		cjose_header_t *h = cjose_header_new(NULL);
		cjose_jws_t *jws;
		const char *ser;

		cjose_header_set(h, "alg", "RS256", NULL);
		cjose_header_set(h, "kid", "rsa-1", NULL);
		cjose_header_set_raw(h, "jwk", pub, NULL);
		jws = cjose_jws_sign(rsa_evil, h, (const uint8_t *)claims,
		    strlen(claims), NULL);
		cjose_jws_export(jws, &ser, NULL);
		is_int(check(l, ser), JWT_ALG_NOT_ALLOWED,
		    "embedded jwk header refused");
		cjose_jws_release(jws);
		cjose_header_release(h);
	}
	free(pub);

	/* The classic: HS256 keyed with the RSA public key's bytes. */
	pub = tk_pub(rsa);
	hs_pub = tk_oct(pub, strlen(pub));
	is_int(run(l, hs_pub, "HS256", "rsa-1", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_ALG_NOT_ALLOWED,
	    "HS256 keyed with the RSA public key refused");

	/* alg none: refused by the parser already. */
	tok = malloc(strlen(claims) * 2 + 64);
	{
		char *h = tk_b64("{\"alg\":\"none\",\"kid\":\"rsa-1\"}");
		char *b = tk_b64(claims);

		sprintf(tok, "%s.%s.", h, b);
		is_int(check(l, tok), JWT_ALG_NOT_ALLOWED,
		    "alg none, empty signature: alg_not_allowed");
		sprintf(tok, "%s.%s.AAAA", h, b);
		is_int(check(l, tok), JWT_ALG_NOT_ALLOWED,
		    "alg none with a signature: alg_not_allowed");
		free(h);
		free(b);
	}
	free(tok);

	/* Key type confusion: kid of an RSA key, alg ES256. */
	is_int(run(l, p256, "ES256", "rsa-1", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_ALG_NOT_ALLOWED, "ES256 token under an RSA kid");
	is_int(run(l, p384, "ES384", "ec-256", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_ALG_NOT_ALLOWED, "ES384 token under a P-256 kid");
	is_int(run(l, rsa, "RS256", "ec-256", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_ALG_NOT_ALLOWED, "RS256 token under an EC kid");

	/* Tampered payload: the signature no longer fits. */
	tok = tk_sign(rsa, "RS256", "rsa-1", NULL, NULL, claims);
	{
		char *c2 = tk_claims(ISS, aud, NOW + 999999);
		char *b = tk_b64(c2);
		char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');

		bad = malloc(strlen(tok) + strlen(b) + 8);
		sprintf(bad, "%.*s.%s%s", (int)(d1 - tok), tok, b, d2);
		is_int(check(l, bad), JWT_BAD_SIGNATURE, "tampered payload");
		/* One flipped bit in the signature. */
		strcpy(bad, tok);
		p = bad + strlen(bad) - 5;
		*p = *p == 'A' ? 'B' : 'A';
		is_int(check(l, bad), JWT_BAD_SIGNATURE, "flipped signature");
		/* Truncated signature. */
		strcpy(bad, tok);
		bad[strlen(bad) - 8] = '\0';
		is_int(check(l, bad), JWT_BAD_SIGNATURE,
		    "truncated RSA signature");
		free(bad);
		free(b);
		free(c2);
	}
	free(tok);

	/* Claims. */
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, aud, NOW - 61),
	    JWT_EXPIRED, "expired token");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, aud, NOW - 30),
	    JWT_OK, "expired within the leeway");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, "\"someone\"",
	    NOW + 600), JWT_AUDIENCE_MISMATCH, "wrong aud");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, "[]",
	    NOW + 600), JWT_AUDIENCE_MISMATCH, "empty aud array");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, NULL, NOW + 600),
	    JWT_AUDIENCE_MISMATCH, "no aud");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS "/", aud,
	    NOW + 600), JWT_ISSUER_MISMATCH, "iss with a trailing slash");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, "https://evil.example",
	    aud, NOW + 600), JWT_ISSUER_MISMATCH, "wrong iss");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, NULL, aud, NOW + 600),
	    JWT_ISSUER_MISMATCH, "no iss");
	jwt_local_free(l);

	/* --- allow-list, HS secret --- */
	cf_set("EPICS_AUTH_JWT_ALGORITHMS", "ES256");
	l = load(err, sizeof(err));
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS, aud, NOW + 600),
	    JWT_ALG_NOT_ALLOWED, "RS256 outside the allow-list");
	is_int(run(l, p256, "ES256", "ec-256", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_OK, "ES256 inside the allow-list");
	jwt_local_free(l);
	cf_set("EPICS_AUTH_JWT_ALGORITHMS", NULL);
	cf_set("EPICS_AUTH_JWT_HS_SECRET_FILE", sfile);
	l = load(err, sizeof(err));
	ok(l != NULL, "JWKS and HS secret for one issuer");
	is_int(run(l, hs, "HS256", NULL, NULL, NULL, ISS, aud, NOW + 600),
	    JWT_OK, "HS256 with the shared secret");
	is_int(run(l, hs, "HS384", NULL, NULL, NULL, ISS, aud, NOW + 600),
	    JWT_OK, "HS384 with a 48-byte secret");
	is_int(run(l, hs, "HS512", NULL, NULL, NULL, ISS, aud, NOW + 600),
	    JWT_ALG_NOT_ALLOWED, "HS512 needs 64 bytes of secret");
	is_int(run(l, hs_pub, "HS256", "rsa-1", NULL, NULL, ISS, aud,
	    NOW + 600), JWT_BAD_SIGNATURE,
	    "HS enabled: RSA-public-key-keyed HS256 still fails");
	claims = (free(claims), tk_claims(ISS, aud, NOW + 600));
	tok = tk_sign(hs, "HS256", NULL, NULL, NULL, claims);
	dot = strrchr(tok, '.');
	dot[3] = '\0';
	is_int(check(l, tok), JWT_BAD_SIGNATURE, "truncated MAC refused");
	free(tok);
	jwt_local_free(l);

	/* --- several issuers: no fallthrough --- */
	cf_clear();
	cf_set("EPICS_AUTH_JWT_ISSUER", ISS " " ISS2);
	cf_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	l = load(err, sizeof(err));
	ok(l != NULL && l->nissuers == 2 && l->ncaches == 1,
	    "one JWKS for two issuers");
	lg[0] = '\0';
	jwt_local_log(l, &svc);
	ok(strstr(lg, "WARN EPICS_AUTH_JWT_AUDIENCE is not set") != NULL,
	    "loud warning without an audience");
	is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS2, NULL,
	    NOW + 600), JWT_OK, "second issuer, shared JWKS");
	jwt_local_free(l);
	cf_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	{
		char both[512], sec[512];

		snprintf(both, sizeof(both), "%s %s", jfile, j2file);
		cf_set("EPICS_AUTH_JWT_JWKS_URI", both);
		l = load(err, sizeof(err));
		ok(l != NULL && l->ncaches == 2, "one JWKS per issuer");
		is_int(run(l, k2, "RS256", "other-1", NULL, NULL, ISS2, NULL,
		    NOW + 600), JWT_OK, "issuer 2 with its own key");
		is_int(run(l, k2, "RS256", "other-1", NULL, NULL, ISS, NULL,
		    NOW + 600), JWT_KID_UNKNOWN,
		    "issuer 1 never uses issuer 2's keys");
		is_int(run(l, rsa, "RS256", "rsa-1", NULL, NULL, ISS2, NULL,
		    NOW + 600), JWT_KID_UNKNOWN,
		    "issuer 2 never uses issuer 1's keys");
		jwt_local_free(l);

		/* A URL JWKS for issuer 2, "-" for no HS secret. */
		snprintf(both, sizeof(both), "%s https://idp2.example/jwks",
		    jfile);
		cf_set("EPICS_AUTH_JWT_JWKS_URI", both);
		snprintf(sec, sizeof(sec), "%s -", sfile);
		cf_set("EPICS_AUTH_JWT_HS_SECRET_FILE", sec);
		fetch_body = jwks2;
		fetches = 0;
		l = load(err, sizeof(err));
		ok(l != NULL && fetches == 0, "URL JWKS not fetched at load %s",
		    l == NULL ? err : "");
		is_int(run(l, k2, "RS256", "other-1", NULL, NULL, ISS2, NULL,
		    NOW + 600), JWT_OK, "issuer 2 via its URL JWKS");
		is_int(fetches, 1, "one fetch");
		is_int(run(l, hs, "HS256", NULL, NULL, NULL, ISS2, NULL,
		    NOW + 600), JWT_ALG_NOT_ALLOWED,
		    "issuer 2 has no HS secret (-)");
		is_int(run(l, hs, "HS256", NULL, NULL, NULL, ISS, NULL,
		    NOW + 600), JWT_OK, "issuer 1 has the HS secret");
		ok(jwt_local_stats(l, 1, &st) == 0 && st.fetches == 1 &&
		    st.keys == 1 && st.last_fetch == NOW,
		    "stats of issuer 2's key set");
		jwt_local_free(l);
	}

	/* --- configuration errors --- */
#define BADCONF(what, frag) do {					\
		l = load(err, sizeof(err));				\
		ok(l == NULL && strstr(err, frag) != NULL, "%s", what);	\
		if (l != NULL || strstr(err, frag) == NULL)		\
			printf("#   err: %s\n", err);			\
		jwt_local_free(l);					\
	} while (0)
	cf_clear();
	cf_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	BADCONF("no issuer", "EPICS_AUTH_JWT_ISSUER: required");
	cf_set("EPICS_AUTH_JWT_ISSUER", ISS " " ISS);
	BADCONF("an issuer twice", "listed twice");
	cf_set("EPICS_AUTH_JWT_ISSUER", ISS " " ISS2 " https://c.example");
	cf_set("EPICS_AUTH_JWT_JWKS_URI", "/a /b");
	BADCONF("JWKS list of the wrong length", "2 entries for 3 issuers");
	cf_set("EPICS_AUTH_JWT_ISSUER", ISS);
	cf_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	cf_set("EPICS_AUTH_JWT_ALGORITHMS", "RS256 HS256");
	BADCONF("HS allowed without a secret", "need EPICS_AUTH_JWT_HS_SECRET");
	cf_set("EPICS_AUTH_JWT_ALGORITHMS", "RS256");
	cf_set("EPICS_AUTH_JWT_HS_SECRET_FILE", sfile);
	BADCONF("secret with no HS allowed", "allows no HS algorithm");
	cf_set("EPICS_AUTH_JWT_ALGORITHMS", NULL);
	cf_set("EPICS_AUTH_JWT_HS_SECRET_FILE", shortfile);
	BADCONF("short secret", "shorter than 32 bytes");
	cf_set("EPICS_AUTH_JWT_HS_SECRET_FILE", NULL);
	cf_set("EPICS_AUTH_JWT_JWKS_COOLDOWN", "0");
	BADCONF("cooldown 0", "EPICS_AUTH_JWT_JWKS_COOLDOWN");
	cf_set("EPICS_AUTH_JWT_JWKS_COOLDOWN", "10");
	cf_set("EPICS_AUTH_JWT_JWKS_URI", "/nonexistent.json");
	BADCONF("missing JWKS file", "EPICS_AUTH_JWT_JWKS_URI: /nonexistent");
	cf_set("EPICS_AUTH_JWT_JWKS_URI", "https://user@idp.example/jwks");
	BADCONF("JWKS URL with userinfo", "EPICS_AUTH_JWT_JWKS_URI");
	cf_set("EPICS_AUTH_JWT_JWKS_URI", "ftp://idp.example/jwks");
	BADCONF("ftp JWKS URL", "http(s) URL or a file path");

	/* --- mode --- */
	cf_clear();
	is_int(jwt_config_mode(cf_get, 1, err, sizeof(err)), JWT_MODE_REMOTE,
	    "mode unset, trusted URI only: remote");
	ok(jwt_config_mode(cf_get, 0, err, sizeof(err)) == -1 &&
	    strstr(err, "EPICS_AUTH_JWT_TRUSTED_URI") != NULL,
	    "nothing configured: error");
	cf_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	is_int(jwt_config_mode(cf_get, 0, err, sizeof(err)), JWT_MODE_LOCAL,
	    "mode unset, JWKS only: local");
	is_int(jwt_config_mode(cf_get, 1, err, sizeof(err)), JWT_MODE_BOTH,
	    "mode unset, both configured: both");
	cf_set("EPICS_AUTH_JWT_MODE", "Remote");
	is_int(jwt_config_mode(cf_get, 1, err, sizeof(err)), JWT_MODE_REMOTE,
	    "mode remote chosen");
	cf_set("EPICS_AUTH_JWT_MODE", "both");
	ok(jwt_config_mode(cf_get, 0, err, sizeof(err)) == -1,
	    "mode both without a trusted URI: error");
	cf_set("EPICS_AUTH_JWT_JWKS_URI", NULL);
	cf_set("EPICS_AUTH_JWT_MODE", "local");
	ok(jwt_config_mode(cf_get, 1, err, sizeof(err)) == -1,
	    "mode local without keys: error");
	cf_set("EPICS_AUTH_JWT_MODE", "sometimes");
	ok(jwt_config_mode(cf_get, 1, err, sizeof(err)) == -1,
	    "unknown mode: error");

	free(claims);
	free(pub);
	free(jwks);
	free(jwks2);
	unlink(jfile);
	unlink(j2file);
	unlink(sfile);
	unlink(shortfile);
	free(jfile);
	free(j2file);
	free(sfile);
	free(shortfile);
	rmdir(dir);
	cjose_jwk_release(rsa);
	cjose_jwk_release(rsa_evil);
	cjose_jwk_release(p256);
	cjose_jwk_release(p384);
	cjose_jwk_release(k2);
	cjose_jwk_release(hs);
	cjose_jwk_release(hs_pub);
	return tap_done();
}
