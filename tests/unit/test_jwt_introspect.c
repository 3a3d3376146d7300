/*
 * test_jwt_introspect.c - identity providers as sites run them: the
 * credentials pvacms presents (files, modes, Basic, post, bearer), RFC
 * 7662 introspection (the request, every kind of answer, the identity of
 * an opaque token), OpenID discovery (exact issuer, usable URLs, a key
 * set that parses), EPICS_AUTH_JWT_TYPES and the introspect mode's
 * configuration errors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "jwt_config.h"
#include "jwt_cred.h"
#include "jwt_discovery.h"
#include "jwt_introspect.h"
#include "jwt_remote.h"
#include "jwt_status.h"

#define ISS "https://idp.example"
#define EP ISS "/token/introspect"
#define OPAQUE "Xyz0paqueT0kenValue-123_abc"

static char tmpdir[] = "/tmp/test_jwt_introspect.XXXXXX";

/* Write a file with mode; returns its path (static buffer per slot). */
static const char *
put(int slot, const char *name, const char *text, mode_t mode)
{
	static char paths[4][512];
	FILE *f;

	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", tmpdir, name);
	f = fopen(paths[slot], "w");
	fputs(text, f);
	fclose(f);
	chmod(paths[slot], mode);
	return paths[slot];
}

/* ---- discovery answers, by URL */
static const char *disc_doc, *disc_jwks;
static long disc_status = 200;

static int
disc_fetch(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *err, size_t errlen)
{
	const char *b;

	memset(resp, 0, sizeof(*resp));
	if (strstr(req->url, "/.well-known/openid-configuration") != NULL)
		b = disc_doc;
	else if (strstr(req->url, "/jwks") != NULL)
		b = disc_jwks;
	else {
		snprintf(err, errlen, "connection refused");
		return -1;
	}
	resp->status = disc_status;
	resp->body = strdup(b != NULL ? b : "");
	resp->body_len = strlen(resp->body);
	return 0;
}

#define JWKS_OK "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\"," \
	"\"use\":\"sig\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}"

static void
test_creds(void)
{
	struct jwt_creds *c;
	const struct jwt_cred *e;
	char err[512], *auth, *form;

	fk.nvars = 0;
	fk_set("EPICS_AUTH_JWT_CLIENT_ID", "pvacms");
	fk_set("EPICS_AUTH_JWT_CLIENT_SECRET_FILE",
	    put(0, "secret", "s3cr:t&x\n", 0644));
	ok((c = jwt_creds_load(fk_get, 1, "EPICS_AUTH_JWT_ISSUER", err,
	    sizeof(err))) == NULL, "secret file open to others: refused");
	ok(strstr(err, "EPICS_AUTH_JWT_CLIENT_SECRET_FILE") == err &&
	    strstr(err, "chmod 600") != NULL, "the reason names the variable"
	    " and the fix");
	ok(strstr(err, "s3cr") == NULL, "the secret is not in the reason");
	chmod(put(0, "secret", "s3cr:t&x\n", 0600), 0600);
	ok((c = jwt_creds_load(fk_get, 1, "EPICS_AUTH_JWT_ISSUER", err,
	    sizeof(err))) != NULL, "mode 0600: read");
	e = jwt_creds_get(c, 0);
	is_str(e->secret, "s3cr:t&x", "one trailing newline dropped");
	ok(jwt_cred_request(e, &auth, &form) == 0 && form == NULL,
	    "basic: no form part");
	/* base64("pvacms:s3cr%3At%26x") */
	is_str(auth, "Authorization: Basic cHZhY21zOnMzY3IlM0F0JTI2eA==",
	    "basic: RFC 6749 2.3.1 encoding");
	jwt_cred_wipe(auth);
	jwt_creds_free(c);

	fk_set("EPICS_AUTH_JWT_CLIENT_AUTH", "post");
	c = jwt_creds_load(fk_get, 1, "EPICS_AUTH_JWT_ISSUER", err,
	    sizeof(err));
	ok(c != NULL && jwt_cred_request(jwt_creds_get(c, 0), &auth,
	    &form) == 0 && auth == NULL, "post: no header");
	is_str(form, "client_id=pvacms&client_secret=s3cr%3At%26x",
	    "post: id and secret in the form");
	jwt_cred_wipe(form);
	jwt_creds_free(c);

	fk_set("EPICS_AUTH_JWT_CLIENT_AUTH", "digest");
	ok(jwt_creds_load(fk_get, 1, "X", err, sizeof(err)) == NULL &&
	    strstr(err, "EPICS_AUTH_JWT_CLIENT_AUTH") == err,
	    "an unknown client auth is refused by name");
	fk_set("EPICS_AUTH_JWT_CLIENT_AUTH", "basic");
	fk_set("EPICS_AUTH_JWT_CLIENT_ID", "a b c");
	ok(jwt_creds_load(fk_get, 2, "EPICS_AUTH_JWT_ISSUER", err,
	    sizeof(err)) == NULL && strstr(err, "3 entries for 2") != NULL,
	    "a list of the wrong length is refused");
	fk_set("EPICS_AUTH_JWT_CLIENT_ID", "pvacms -");
	fk_set("EPICS_AUTH_JWT_CLIENT_SECRET_FILE", "");
	ok(jwt_creds_load(fk_get, 2, "X", err, sizeof(err)) == NULL &&
	    strstr(err, "EPICS_AUTH_JWT_CLIENT_SECRET_FILE") == err,
	    "a client id without a secret is refused");

	fk.nvars = 0;
	fk_set("EPICS_AUTH_JWT_BEARER_FILE", put(1, "bearer", "b-tok\n",
	    0600));
	c = jwt_creds_load(fk_get, 2, "X", err, sizeof(err));
	ok(c != NULL && c->any, "a bearer file for every endpoint");
	ok(jwt_cred_request(jwt_creds_get(c, 1), &auth, &form) == 0,
	    "bearer request");
	is_str(auth, "Authorization: Bearer b-tok", "bearer header");
	jwt_cred_wipe(auth);
	jwt_creds_free(c);
	fk_set("EPICS_AUTH_JWT_CLIENT_ID", "pvacms");
	fk_set("EPICS_AUTH_JWT_CLIENT_SECRET_FILE", put(0, "secret", "x\n",
	    0600));
	ok(jwt_creds_load(fk_get, 1, "X", err, sizeof(err)) == NULL &&
	    strstr(err, "not both") != NULL, "bearer and client id: refused");
	fk.nvars = 0;
	fk_set("EPICS_AUTH_JWT_CLIENT_KEYCHAIN", put(2, "kc.p12", "x", 0640));
	ok(jwt_creds_load(fk_get, 1, "X", err, sizeof(err)) == NULL &&
	    strstr(err, "EPICS_AUTH_JWT_CLIENT_KEYCHAIN") == err,
	    "a keychain open to the group is refused");
	fk.nvars = 0;
}

static void
test_introspect(void)
{
	struct jwt_creds *c;
	struct jwt_token t;
	json_t *answer;
	char err[512], big[400];
	int rc;

	fk_set("EPICS_AUTH_JWT_CLIENT_ID", "pvacms");
	fk_set("EPICS_AUTH_JWT_CLIENT_SECRET_FILE", put(0, "secret",
	    "pw\n", 0600));
	fk_set("EPICS_AUTH_JWT_CLIENT_AUTH", "post");
	c = jwt_creds_load(fk_get, 1, "X", err, sizeof(err));

	fk.status = 200;
	fk.body = "{\"active\":true,\"username\":\"alice\",\"client_id\":"
	    "\"agent\",\"exp\":2000000000,\"iss\":\"" ISS "\","
	    "\"aud\":[\"urn:pvacms\"],\"jti\":\"j-1\"}";
	rc = jwt_introspect_call(&fk_services, EP, jwt_creds_get(c, 0), 3000,
	    OPAQUE, strlen(OPAQUE), &answer, err, sizeof(err));
	is_int(rc, JWT_OK, "active true: accepted");
	is_str(fk.method, "POST", "POST");
	is_str(fk.url, EP, "to the endpoint");
	is_str(fk.body_sent, "token=" OPAQUE "&token_type_hint=access_token"
	    "&client_id=pvacms&client_secret=pw", "RFC 7662 form, with"
	    " client_secret_post");
	ok(strstr(fk.headers, "Content-Type: application/x-www-form-urlencoded")
	    != NULL, "as a form");
	is_int(fk.timeout_ms, 3000, "with the timeout");
	rc = jwt_introspect_token(answer, &t, err, sizeof(err));
	is_int(rc, JWT_OK, "an opaque token's identity");
	is_str(t.sub, "alice", "no sub: username");
	is_str(t.iss, ISS, "iss");
	is_str(t.jti, "j-1", "jti");
	ok(t.has_exp && t.exp == 2000000000, "exp");
	jwt_token_free(&t);
	json_decref(answer);

	fk.body = "{\"active\":true,\"sub\":\"s-1\",\"username\":\"alice\"}";
	jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err));
	jwt_introspect_token(answer, &t, err, sizeof(err));
	is_str(t.sub, "s-1", "sub comes first");
	ok(strstr(fk.headers, "Authorization") == NULL &&
	    strstr(fk.body_sent, "client_id") == NULL,
	    "no credential configured: none sent");
	jwt_token_free(&t);
	json_decref(answer);
	fk.body = "{\"active\":true,\"client_id\":\"agent\",\"exp\":\"soon\"}";
	jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err));
	is_int(jwt_introspect_token(answer, &t, err, sizeof(err)),
	    JWT_VALIDATOR_ERROR, "exp of the wrong type: the IdP's fault");
	json_decref(answer);

	fk.body = "{\"active\":false}";
	rc = jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err));
	is_int(rc, JWT_INACTIVE, "active false: token_inactive");
	is_str(jwt_status_code(rc), "token_inactive", "code");
	is_int(jwt_status_http(rc), 401, "401");
	ok(answer == NULL, "no answer kept");

	fk.status = 401;
	fk.body = "{\"error\":\"invalid_client\",\"error_description\":"
	    "\"client authentication failed\"}";
	rc = jwt_introspect_call(&fk_services, EP, jwt_creds_get(c, 0), 0,
	    OPAQUE, strlen(OPAQUE), &answer, err, sizeof(err));
	is_int(rc, JWT_VALIDATOR_AUTH, "401: our credentials refused");
	is_int(jwt_status_http(rc), 502, "the site's problem: 502");
	is_str(jwt_status_code(rc), "validator_auth_failed", "its own code");
	ok(strstr(err, "HTTP 401") != NULL &&
	    strstr(err, "client authentication failed") != NULL,
	    "the reason quotes the status and the IdP's words");
	ok(strstr(err, "pw") == NULL || strstr(err, "pw") ==
	    strstr(err, "pvacms"), "not the secret");

	fk.status = 503;
	fk.body = "down for maintenance";
	is_int(jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "5xx: validator_error");
	ok(strstr(err, "down for maintenance") != NULL, "with an excerpt");
	fk.status = 200;
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fk.body = big;
	is_int(jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "garbage: validator_error");
	ok(strstr(err, "AAAA...") != NULL && strlen(err) < 300,
	    "the excerpt is capped");
	fk.body = "{\"active\":\"yes\",\"echo\":\"" OPAQUE "\"}";
	is_int(jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err)), JWT_VALIDATOR_ERROR,
	    "active not a boolean: validator_error");
	ok(strstr(err, OPAQUE) == NULL && strstr(err, "Xyz0paqueT0kenVa") ==
	    NULL, "an echoed token is cut from the excerpt");
	fk.fail = 1;
	fk.fail_reason = "timed out after 3000 ms";
	is_int(jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err)), JWT_TIMEOUT,
	    "a timeout: validator_timeout");
	fk.fail_reason = "connection refused";
	is_int(jwt_introspect_call(&fk_services, EP, NULL, 0, OPAQUE,
	    strlen(OPAQUE), &answer, err, sizeof(err)), JWT_UNREACHABLE,
	    "refused: validator_unreachable");
	fk.fail = 0;

	fk_set("EPICS_AUTH_JWT_CLIENT_KEYCHAIN", put(2, "kc.p12", "x", 0600));
	jwt_creds_free(c);
	c = jwt_creds_load(fk_get, 1, "X", err, sizeof(err));
	{
		struct pvacms_host_services old = fk_services;

		old.version = (1 << 16) | 4;
		is_int(jwt_introspect_call(&old, EP, jwt_creds_get(c, 0), 0,
		    OPAQUE, strlen(OPAQUE), &answer, err, sizeof(err)),
		    JWT_INTERNAL, "a keychain on a 1.4 host: refused");
		ok(strstr(err, "ABI 1.5") != NULL, "and says why");
	}
	jwt_creds_free(c);
	ok(jwt_introspect_is_jwt("a.b.c", 5), "a.b.c is a JWT");
	ok(!jwt_introspect_is_jwt(OPAQUE, strlen(OPAQUE)), "opaque is not");
	ok(!jwt_introspect_is_jwt("a..c", 4) && !jwt_introspect_is_jwt(
	    "a.b.c.d", 7), "empty parts or four parts are not");
	fk.nvars = 0;
}

static void
test_discovery(void)
{
	struct pvacms_host_services svc = fk_services;
	struct jwt_discovery d;
	char err[512];

	svc.http_fetch = disc_fetch;
	disc_doc = "{\"issuer\":\"" ISS "\",\"jwks_uri\":\"" ISS "/jwks\","
	    "\"introspection_endpoint\":\"" EP "\"}";
	disc_jwks = JWKS_OK;
	ok(jwt_discovery_run(&svc, ISS, 1, 1, 1000, &d, err, sizeof(err)) ==
	    0, "discovery: found");
	is_str(d.jwks_uris, ISS "/jwks", "jwks_uri");
	is_str(d.introspection_uris, EP, "introspection_endpoint");
	jwt_discovery_clear(&d);

	disc_doc = "{\"issuer\":\"" ISS "/\",\"jwks_uri\":\"" ISS "/jwks\"}";
	ok(jwt_discovery_run(&svc, ISS, 1, 0, 1000, &d, err, sizeof(err)) !=
	    0, "issuer differing by a slash: refused");
	ok(strstr(err, "EPICS_AUTH_JWT_ISSUER") == err &&
	    strstr(err, "must match exactly") != NULL, "and says so");
	disc_doc = "{\"issuer\":\"" ISS "\"}";
	ok(jwt_discovery_run(&svc, ISS, 1, 0, 1000, &d, err, sizeof(err)) !=
	    0 && strstr(err, "has no jwks_uri") != NULL, "no jwks_uri");
	disc_doc = "{\"issuer\":\"" ISS "\",\"jwks_uri\":"
	    "\"http://keys.example/jwks\"}";
	ok(jwt_discovery_run(&svc, ISS, 1, 0, 1000, &d, err, sizeof(err)) !=
	    0 && strstr(err, "loopback") != NULL,
	    "a plain http jwks_uri off loopback: refused");
	disc_doc = "{\"issuer\":\"" ISS "\",\"jwks_uri\":\"" ISS "/jwks\"}";
	disc_jwks = "{\"keys\":[]}";
	ok(jwt_discovery_run(&svc, ISS, 1, 0, 1000, &d, err, sizeof(err)) !=
	    0 && strstr(err, "jwks_uri of " ISS) != NULL,
	    "a key set that does not parse: refused at load");
	disc_status = 404;
	ok(jwt_discovery_run(&svc, ISS, 1, 0, 1000, &d, err, sizeof(err)) !=
	    0 && strstr(err, "HTTP 404") != NULL, "a 404: refused, named");
	disc_status = 200;
	disc_doc = "not json";
	ok(jwt_discovery_run(&svc, ISS, 1, 0, 1000, &d, err, sizeof(err)) !=
	    0 && strstr(err, "not a JSON object") != NULL, "not JSON");
	ok(jwt_discovery_run(&svc, "urn:issuer", 1, 0, 1000, &d, err,
	    sizeof(err)) != 0 && strstr(err, "must be its URL") != NULL,
	    "an issuer that is not a URL cannot be discovered");
	ok(jwt_discovery_run(&svc, "http://idp.example", 1, 0, 1000, &d, err,
	    sizeof(err)) != 0 && strstr(err, "loopback") != NULL,
	    "nor a plain http issuer off loopback");
}

static void
test_config(void)
{
	struct jwt_config *cfg;
	char err[512];

	fk.nvars = 0;
	fk_set("EPICS_AUTH_JWT_MODE", "introspect");
	ok(jwt_config_load(fk_get, err, sizeof(err)) == NULL &&
	    strstr(err, "EPICS_AUTH_JWT_ISSUER") != NULL,
	    "introspect without an issuer: refused by name");
	fk_set("EPICS_AUTH_JWT_ISSUER", ISS);
	ok(jwt_config_load(fk_get, err, sizeof(err)) == NULL &&
	    strstr(err, "EPICS_AUTH_JWT_INTROSPECTION_URI") != NULL,
	    "introspect without an endpoint: refused by name");
	fk_set("EPICS_AUTH_JWT_INTROSPECTION_URI", "http://idp.example/i");
	ok(jwt_config_load(fk_get, err, sizeof(err)) == NULL &&
	    strstr(err, "loopback") != NULL, "plain http off loopback:"
	    " refused");
	fk_set("EPICS_AUTH_JWT_INTROSPECTION_URI", EP);
	fk_set("EPICS_AUTH_JWT_TYPES", "at+jwt");
	cfg = jwt_config_load(fk_get, err, sizeof(err));
	ok(cfg != NULL && cfg->mode == JWT_MODE_INTROSPECT,
	    "introspect mode");
	ok(cfg != NULL && cfg->nissuers == 1 &&
	    strcmp(cfg->introspect_uris[0], EP) == 0, "its endpoint");
	ok(jwt_config_issuer(cfg, 0, NULL, err, sizeof(err)) == 0,
	    "an opaque token belongs to the one issuer");
	ok(jwt_config_issuer(cfg, 1, ISS "/x", err, sizeof(err)) < 0,
	    "a JWT of another issuer does not");
	ok(jwt_config_type_ok(cfg, "at+jwt", err, sizeof(err)) &&
	    jwt_config_type_ok(cfg, "application/AT+JWT", err, sizeof(err)),
	    "at+jwt, in any case, with or without application/");
	ok(!jwt_config_type_ok(cfg, "JWT", err, sizeof(err)) &&
	    strstr(err, "EPICS_AUTH_JWT_TYPES") != NULL,
	    "an ID token's typ is refused by name");
	ok(!jwt_config_type_ok(cfg, NULL, err, sizeof(err)),
	    "no typ is refused");
	jwt_config_free(cfg);
	fk.nvars = 0;
	fk_set("EPICS_AUTH_JWT_MODE", "local");
	ok(jwt_config_load(fk_get, err, sizeof(err)) == NULL &&
	    strstr(err, "EPICS_AUTH_JWT_ISSUER") != NULL,
	    "local with nothing: names the issuer first (discovery)");
	fk.nvars = 0;
}

/* Remote mode: pvacms's credential on the validator call, and its 401. */
static void
test_remote_cred(void)
{
	struct jwt_config *cfg;
	struct jwt_creds *c;
	char err[512];
	const char *tok = "aaa.bbb.ccc";
	int rc;

	fk.nvars = 0;
	fk_set("EPICS_AUTH_JWT_TRUSTED_URI", ISS "/verify");
	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "GET");
	fk_set("EPICS_AUTH_JWT_CLIENT_ID", "pvacms");
	fk_set("EPICS_AUTH_JWT_CLIENT_SECRET_FILE", put(0, "secret", "pw\n",
	    0600));
	cfg = jwt_config_load(fk_get, err, sizeof(err));
	c = jwt_creds_load(fk_get, 1, "EPICS_AUTH_JWT_TRUSTED_URI", err,
	    sizeof(err));
	ok(cfg != NULL && c != NULL, "remote mode with a client secret");
	cfg->cred = jwt_creds_get(c, 0);
	fk.status = 200;
	fk.body = "true";
	rc = jwt_remote_verify(&fk_services, cfg, tok, strlen(tok), NULL, err,
	    sizeof(err));
	is_int(rc, JWT_OK, "GET with Basic: accepted");
	ok(strstr(fk.headers, "Authorization: Basic cHZhY21zOnB3") != NULL &&
	    strstr(fk.headers, "Bearer") == NULL,
	    "the credential takes the Authorization header");
	ok(strstr(fk.url, "token=aaa.bbb.ccc") != NULL,
	    "the token stays in the query");
	fk.status = 403;
	fk.body = "{\"error\":\"unauthorized_client\"}";
	rc = jwt_remote_verify(&fk_services, cfg, tok, strlen(tok), NULL, err,
	    sizeof(err));
	is_int(rc, JWT_VALIDATOR_AUTH, "403 to pvacms's credential:"
	    " validator_auth_failed");
	cfg->cred = NULL;
	rc = jwt_remote_verify(&fk_services, cfg, tok, strlen(tok), NULL, err,
	    sizeof(err));
	is_int(rc, JWT_REJECTED, "403 without a credential: the token's"
	    " (token_rejected)");
	jwt_config_free(cfg);
	jwt_creds_free(c);

	fk_set("EPICS_AUTH_JWT_REQUEST_METHOD", "POST");
	fk_set("EPICS_AUTH_JWT_REQUEST_FORMAT", "token=#token#");
	fk_set("EPICS_AUTH_JWT_CLIENT_AUTH", "post");
	cfg = jwt_config_load(fk_get, err, sizeof(err));
	c = jwt_creds_load(fk_get, 1, "X", err, sizeof(err));
	cfg->cred = jwt_creds_get(c, 0);
	fk.status = 200;
	fk.body = "true";
	jwt_remote_verify(&fk_services, cfg, tok, strlen(tok), NULL, err,
	    sizeof(err));
	is_str(fk.body_sent, "token=aaa.bbb.ccc&client_id=pvacms"
	    "&client_secret=pw", "POST form: client_secret_post appended");
	jwt_config_free(cfg);
	jwt_creds_free(c);
	fk.nvars = 0;
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_creds();
	test_introspect();
	test_discovery();
	test_config();
	test_remote_cred();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	tap_plan(tap_n);
	return tap_done();
}
