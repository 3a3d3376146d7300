/*
 * test_jwt_plugin_local.c - the plugin in local and both modes, as the
 * host sees it: real signed tokens against a pinned JWKS, the stable
 * codes and HTTP statuses of the new outcomes, "both must accept", no
 * validator call for a forged token, several trusted URIs picked by
 * iss, the audience warning, a dry run that does not fetch a JWKS, and
 * an unknown kid the cooldown keeps us from looking for: 503 with
 * retry_after, not 401.
 * jwt_plugin.c is compiled into this program.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "test_jwt_keys.h"
#include "pvacms/authn.h"

#include "jwt_status.h"

extern struct pvacms_authn_plugin pvacms_authn_plugin;

#define ISS "http://localhost:8080/default"
#define TRUSTED ISS "/verify"
#define NOW 1755147136LL

static void	run(const char *tok, int dry,
		    struct pvacms_authn_result *res);
static char	*mk(const cjose_jwk_t *k, const char *alg, const char *kid,
		    const char *iss, const char *aud);

static const struct pvacms_authn_plugin *pl = &pvacms_authn_plugin;

static void
run(const char *tok, int dry, struct pvacms_authn_result *res)
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
	if (dry)
		pl->dry_run(&req, NULL, res);
	else
		pl->verify(&req, res);
}

/* A token for iss signed by k (caller frees). */
static char *
mk(const cjose_jwk_t *k, const char *alg, const char *kid, const char *iss,
    const char *aud)
{
	char *c = tk_claims(iss, aud, NOW + 3600), *t;

	t = tk_sign(k, alg, kid, NULL, NULL, c);
	free(c);
	return t;
}

int
main(void)
{
	static const struct {
		int st;
		const char *code;
		int http;
	} codes[] = {
		{ JWT_ALG_NOT_ALLOWED, "alg_not_allowed", 401 },
		{ JWT_KID_UNKNOWN, "kid_unknown", 401 },
		{ JWT_BAD_SIGNATURE, "bad_signature", 401 },
		{ JWT_AUDIENCE_MISMATCH, "audience_mismatch", 401 },
		{ JWT_REPLAY, "replay", 409 },
		{ JWT_JWKS_UNREACHABLE, "jwks_unreachable", 503 },
		{ JWT_JWKS_REFRESH_PENDING, "jwks_refresh_pending", 503 },
		{ JWT_SCRIPT_ERROR, "script_error", 403 },
	};
	struct pvacms_authn_result res;
	cjose_jwk_t *k, *evil, *ks[1];
	char dir[] = "/tmp/test_jwt_plugin_local.XXXXXX", err[512], *jwks,
	    *jfile, *tok, *forged, *other;
	size_t i;

	tap_plan(54);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		ok(strcmp(jwt_status_code(codes[i].st), codes[i].code) == 0 &&
		    jwt_status_http(codes[i].st) == codes[i].http,
		    "%s is HTTP %d", codes[i].code, codes[i].http);
	is_int(jwt_status_verdict(JWT_JWKS_UNREACHABLE), PVACMS_ERROR,
	    "jwks_unreachable is an error, not a denial");

	if (mkdtemp(dir) == NULL)
		abort();
	k = tk_rsa(2048, "k1");
	evil = tk_rsa(2048, "k1");
	ks[0] = k;
	jwks = tk_jwks(ks, 1);
	jfile = tk_file(dir, "jwks.json", jwks, strlen(jwks));
	tok = mk(k, "RS256", "k1", ISS, "\"pvacms\"");
	forged = mk(evil, "RS256", "k1", ISS, "\"pvacms\"");

	/* Local mode. */
	fk_set("EPICS_AUTH_JWT_JWKS_URI", jfile);
	fk_set("EPICS_AUTH_JWT_ISSUER", ISS);
	ok(pl->init(&fk_services, err, sizeof(err)) == 0, "init, local: %s",
	    err);
	ok(strstr(fk.log, "mode local") != NULL, "mode local logged");
	ok(strstr(fk.log, "EPICS_AUTH_JWT_AUDIENCE is not set") != NULL,
	    "loud warning without an audience");
	fk.calls = 0;
	run(tok, 0, &res);
	ok(res.verdict == PVACMS_ALLOW, "good token allowed: %s", res.reason);
	is_str(res.cn, "alice", "CN = sub");
	is_str(res.o, "localhost", "O = host of iss");
	is_int(res.not_after, NOW + 3600, "not_after = exp");
	run(forged, 0, &res);
	ok(res.verdict == PVACMS_DENY, "forged token denied");
	is_str(res.code, "bad_signature", "code bad_signature");
	is_int(res.http_status, 401, "HTTP 401");
	ok(strstr(res.iss, "localhost") != NULL, "iss in the audit fields");
	is_int(fk.calls, 0, "local mode makes no HTTP call");
	other = mk(k, "RS256", "k1", "http://elsewhere/x", "\"pvacms\"");
	run(other, 0, &res);
	is_str(res.code, "issuer_mismatch", "foreign iss: issuer_mismatch");
	free(other);
	other = mk(k, "RS256", "k9", ISS, "\"pvacms\"");
	run(other, 0, &res);
	is_str(res.code, "kid_unknown", "unknown kid");
	free(other);

	/* Reload with an audience; the old caches' counters are logged. */
	fk_set("EPICS_AUTH_JWT_AUDIENCE", "pvacms");
	fk.log[0] = '\0';
	ok(pl->reload(err, sizeof(err)) == 0, "reload with an audience");
	ok(strstr(fk.log, "JWKS ") != NULL && strstr(fk.log, "fetches") !=
	    NULL, "key set counters logged at reload");
	ok(strstr(fk.log, "AUDIENCE is not set") == NULL, "no warning now");
	other = mk(k, "RS256", "k1", ISS, "\"someone-else\"");
	run(other, 0, &res);
	is_str(res.code, "audience_mismatch", "other audience refused");
	free(other);
	fk_set("EPICS_AUTH_JWT_ALGORITHMS", "RS256 HS256");
	ok(pl->reload(err, sizeof(err)) != 0 &&
	    strstr(err, "EPICS_AUTH_JWT_HS_SECRET_FILE") != NULL,
	    "HS without a secret: reload refused");
	run(tok, 0, &res);
	ok(res.verdict == PVACMS_ALLOW, "old config kept after the refusal");
	fk_set("EPICS_AUTH_JWT_ALGORITHMS", NULL);

	/* Both: local and remote must accept. */
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	ok(pl->reload(err, sizeof(err)) == 0, "reload: both");
	ok(strstr(fk.log, "mode both") != NULL, "mode both logged");
	fk.calls = 0;
	fk.status = 200;
	fk.body = "true";
	run(tok, 0, &res);
	ok(res.verdict == PVACMS_ALLOW && fk.calls == 1,
	    "both accept: allowed after one validator call");
	fk.body = "false";	/* the default pattern: the whole body */
	run(tok, 0, &res);
	ok(res.verdict == PVACMS_DENY, "validator says no: denied (%s)",
	    res.reason);
	is_str(res.code, "token_rejected", "code token_rejected");
	fk.calls = 0;
	fk.body = "true";
	run(forged, 0, &res);
	is_str(res.code, "bad_signature", "forged: local says no");
	is_int(fk.calls, 0, "the validator is never asked about a forgery");

	/* Several trusted URIs with local keys for one issuer. */
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED
	    " https://idp2.example/r/verify");
	ok(pl->reload(err, sizeof(err)) == 0, "two trusted URIs");
	fk.calls = 0;
	run(tok, 0, &res);
	ok(res.verdict == PVACMS_ALLOW && strcmp(fk.url, TRUSTED) == 0,
	    "iss picks its own validator");
	other = mk(k, "RS256", "k1", "https://idp2.example/r", "\"pvacms\"");
	fk.calls = 0;
	run(other, 0, &res);
	ok(res.verdict == PVACMS_DENY && fk.calls == 0,
	    "issuer 2 has no local keys: refused before any call (%s)",
	    res.code);
	free(other);

	/* Explicit remote: local settings ignored, with a warning. */
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", TRUSTED);
	fk_set("EPICS_AUTH_JWT_MODE", "remote");
	fk.log[0] = '\0';
	ok(pl->reload(err, sizeof(err)) == 0, "mode remote");
	ok(strstr(fk.log, "local verification settings are ignored") != NULL,
	    "ignored local settings warned about");
	run(forged, 0, &res);
	ok(res.verdict == PVACMS_ALLOW, "remote only: the validator decides");
	pl->fini();

	/* Dry run against a JWKS URL: no fetch, reported as skipped. */
	fk_set("EPICS_AUTH_JWT_MODE", "local");
	fk_set("EPICS_AUTH_JWT_JWKS_URI", "https://idp.example/jwks");
	ok(pl->init(&fk_services, err, sizeof(err)) == 0, "init: JWKS URL");
	fk.calls = 0;
	run(tok, 1, &res);
	ok(res.verdict == PVACMS_ALLOW && fk.calls == 0,
	    "dry run: no JWKS fetch");
	ok(strstr(res.reason, "local check skipped") != NULL,
	    "dry run says the local check was skipped: %s", res.reason);
	fk.body = jwks;
	fk.status = 200;
	run(tok, 0, &res);
	ok(res.verdict == PVACMS_ALLOW && fk.calls == 1,
	    "verify fetches the JWKS once: %s", res.reason);
	run(tok, 1, &res);
	ok(strstr(res.reason, "signature verified locally") != NULL,
	    "dry run uses keys already held");

	/* Unknown kids right after that fetch: one refetch, then 503. */
	other = mk(k, "RS256", "k2", ISS, "\"pvacms\"");
	run(other, 0, &res);
	ok(strcmp(res.code, "kid_unknown") == 0 && res.http_status == 401 &&
	    fk.calls == 2 && res.retry_after == 0,
	    "unknown kid: refetched at once, then kid_unknown (%s)",
	    res.reason);
	free(other);
	other = mk(k, "RS256", "k3", ISS, "\"pvacms\"");
	fk.log[0] = '\0';
	run(other, 0, &res);
	ok(res.verdict == PVACMS_ERROR && res.http_status == 503 &&
	    strcmp(res.code, "jwks_refresh_pending") == 0,
	    "another, inside the cooldown: 503 jwks_refresh_pending");
	is_int(res.retry_after, 30, "... retry_after 30 s");
	ok(strstr(res.reason, "kid 'k3' unknown; retry in 30 s") != NULL,
	    "... the reason says when: %s", res.reason);
	is_int(fk.calls, 2, "... no fetch");
	ok(strstr(fk.log, "k3") == NULL, "... no warning logged per token");
	/* An ABI 1.2 host has no retry_after member: left alone. */
	fk_services.version = (PVACMS_AUTHN_ABI_MAJOR << 16) | 2;
	res.retry_after = -7;
	pl->verify(&(struct pvacms_authn_request){ .type = "jwt",
	    .usage = PVACMS_USAGE_CLIENT, .credential = other,
	    .credential_len = strlen(other), .pubkey_sha256 = "00",
	    .now = NOW }, &res);
	ok(res.http_status == 503 && res.retry_after == -7,
	    "ABI 1.2 host: retry_after not written");
	fk_services.version = PVACMS_AUTHN_ABI_VERSION;
	free(other);
	pl->fini();

	unlink(jfile);
	rmdir(dir);
	free(jfile);
	free(jwks);
	free(tok);
	free(forged);
	cjose_jwk_release(k);
	cjose_jwk_release(evil);
	return tap_done();
}
