/*
 * test_jwt_config.c - reading EPICS_AUTH_JWT_* through a lookup
 * function: defaults, the seed's configuration, and an error naming the
 * variable for every bad value.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "jwt_config.h"
#include "jwt_local.h"

#define MAXVARS 16

static const char *names[MAXVARS];
static const char *values[MAXVARS];
static size_t nvars;

static const char	*get(const char *name);
static void	setv(const char *name, const char *value);
static void	reset(void);
static int	loads(char *err, size_t errlen);

static const char *
get(const char *name)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (strcmp(names[i], name) == 0)
			return values[i];
	return NULL;
}

static void
setv(const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (strcmp(names[i], name) == 0) {
			values[i] = value;
			return;
		}
	names[nvars] = name;
	values[nvars++] = value;
}

static void
reset(void)
{
	nvars = 0;
	setv("EPICS_AUTH_JWT_TRUSTED_URI",
	    "http://localhost:8080/default/verify");
}

static int
loads(char *err, size_t errlen)
{
	struct jwt_config *cfg;

	err[0] = '\0';
	cfg = jwt_config_load(get, err, errlen);
	jwt_config_free(cfg);
	return cfg != NULL;
}

int
main(void)
{
	static const struct {
		const char *var, *val;
	} bad[] = {
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "ftp://localhost/verify" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "localhost:8080/verify" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "/default/verify" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "http://user:pw@idp/verify" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "http://idp/verify#x" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "http://idp:99999/verify" },
		{ "EPICS_AUTH_JWT_REQUEST_METHOD", "PUT" },
		{ "EPICS_AUTH_JWT_REQUEST_METHOD", "GETX" },
		{ "EPICS_AUTH_JWT_RESPONSE_FORMAT", "{*,\"valid\":*}" },
		{ "EPICS_AUTH_JWT_RESPONSE_FORMAT", "#response##response#" },
		{ "EPICS_AUTH_JWT_USE_RESPONSE_CODE", "maybe" },
		{ "EPICS_AUTH_JWT_USE_RESPONSE_CODE", "2" },
		{ "EPICS_AUTH_JWT_LEEWAY", "-1" },
		{ "EPICS_AUTH_JWT_LEEWAY", "3601" },
		{ "EPICS_AUTH_JWT_LEEWAY", "60s" },
		{ "EPICS_AUTH_JWT_LEEWAY", "1e3" },
		{ "EPICS_AUTH_JWT_LEEWAY", "99999999999999999999" },
		{ "EPICS_AUTH_JWT_TIMEOUT_MS", "99" },
		{ "EPICS_AUTH_JWT_TIMEOUT_MS", "60001" },
		{ "EPICS_AUTH_JWT_TIMEOUT_MS", "five" },
		{ "EPICS_AUTH_JWT_MODE", "local" },
		{ "EPICS_AUTH_JWT_MODE", "both" },
		{ "EPICS_AUTH_JWT_MODE", "sometimes" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "http://a/v ftp://b/v" },
		{ "EPICS_AUTH_JWT_TRUSTED_URI", "http://a/v http://a/v" },
		{ NULL, NULL }
	};
	static const char *yes[] = { "yes", "YES", "true", "True", "1", "y",
	    "on", " yes ", NULL };
	static const char *no[] = { "no", "NO", "false", "0", "n", "off", "",
	    NULL };
	struct jwt_config *cfg;
	char err[512];
	size_t i;

	/* Missing trusted URI. */
	nvars = 0;
	ok(!loads(err, sizeof(err)), "no trusted URI: refused");
	ok(strncmp(err, "no token check is configured", 28) == 0 &&
	    strstr(err, "EPICS_AUTH_JWT_ISSUER") != NULL,
	    "reason names the variables that would do");
	setv("EPICS_AUTH_JWT_TRUSTED_URI", "   ");
	ok(!loads(err, sizeof(err)), "blank trusted URI: refused");

	/* Defaults. */
	reset();
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL, "minimal config loads");
	is_str(cfg->trusted_uri, "http://localhost:8080/default/verify",
	    "trusted URI");
	is_str(cfg->trusted.host, "localhost", "trusted host parsed");
	is_str(cfg->request_format, "#token#", "request format default");
	is_int(cfg->method_get, 0, "POST by default");
	is_str(cfg->response_format, "#response#", "response format default");
	is_int(cfg->use_response_code, 0, "response code off by default");
	is_int(cfg->leeway, 60, "leeway default 60");
	is_int(cfg->timeout_ms, 5000, "timeout default 5000");
	jwt_config_free(cfg);

	/* The seed's configuration. */
	reset();
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "#token#");
	setv("EPICS_AUTH_JWT_REQUEST_METHOD", "GET");
	setv("EPICS_AUTH_JWT_RESPONSE_FORMAT",
	    "{ *, \"valid\": \"#response#\" }");
	setv("EPICS_AUTH_JWT_USE_RESPONSE_CODE", "NO");
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL, "seed config loads");
	is_int(cfg->method_get, 1, "GET");
	is_str(cfg->response_format, "{ *, \"valid\": \"#response#\" }",
	    "response format kept verbatim");
	jwt_config_free(cfg);

	reset();
	setv("EPICS_AUTH_JWT_REQUEST_METHOD", "post");
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "{ \"token\": \"#token#\" }");
	setv("EPICS_AUTH_JWT_LEEWAY", "0");
	setv("EPICS_AUTH_JWT_TIMEOUT_MS", "100");
	setv("EPICS_AUTH_JWT_MODE", "remote");
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL && !cfg->method_get && cfg->leeway == 0 &&
	    cfg->timeout_ms == 100, "post, leeway 0, timeout 100, mode remote");
	jwt_config_free(cfg);
	setv("EPICS_AUTH_JWT_LEEWAY", "3600");
	setv("EPICS_AUTH_JWT_TIMEOUT_MS", "60000");
	ok(loads(err, sizeof(err)), "leeway 3600, timeout 60000");

	/* GET query formats. */
	reset();
	setv("EPICS_AUTH_JWT_REQUEST_METHOD", "get");
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "access_token=#token#&kid=#kid#");
	ok(loads(err, sizeof(err)), "GET with a query format");
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "{\"token\":\"#token#\"}");
	ok(!loads(err, sizeof(err)), "GET with a JSON format refused");
	ok(strstr(err, "EPICS_AUTH_JWT_REQUEST_FORMAT") == err,
	    "reason names the variable");
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "t=#token#&x=a b");
	ok(!loads(err, sizeof(err)), "GET format with a space refused");
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "t=#token#&x=%zz");
	ok(!loads(err, sizeof(err)), "GET format with a bad escape refused");
	setv("EPICS_AUTH_JWT_REQUEST_FORMAT", "t=#token#&x=%20");
	ok(loads(err, sizeof(err)), "GET format with a good escape");

	/* Booleans. */
	for (i = 0; yes[i] != NULL; i++) {
		reset();
		setv("EPICS_AUTH_JWT_USE_RESPONSE_CODE", yes[i]);
		cfg = jwt_config_load(get, err, sizeof(err));
		ok(cfg != NULL && cfg->use_response_code == 1, "'%s' is yes",
		    yes[i]);
		jwt_config_free(cfg);
	}
	for (i = 0; no[i] != NULL; i++) {
		reset();
		setv("EPICS_AUTH_JWT_USE_RESPONSE_CODE", no[i]);
		cfg = jwt_config_load(get, err, sizeof(err));
		ok(cfg != NULL && cfg->use_response_code == 0, "'%s' is no",
		    no[i]);
		jwt_config_free(cfg);
	}
	reset();
	setv("EPICS_AUTH_JWT_USE_RESPONSE_CODE", "x");
	ok(!loads(err, sizeof(err)), "'x' refused");
	is_str(err, "EPICS_AUTH_JWT_USE_RESPONSE_CODE: expected yes or no,"
	    " got 'x'", "boolean reason");

	/* Mode: what is configured, unless told (keys: test_jwt_local). */
	reset();
	setv("EPICS_AUTH_JWT_JWKS_URI", "/etc/pvacms/jwks.json");
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL && cfg->mode == JWT_MODE_BOTH && cfg->ntrusted == 1,
	    "trusted URI and JWKS: mode both");
	jwt_config_free(cfg);
	setv("EPICS_AUTH_JWT_MODE", "local");
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL && cfg->mode == JWT_MODE_LOCAL && cfg->ntrusted == 0 &&
	    cfg->trusted_uri == NULL, "mode local: trusted URI unused");
	jwt_config_free(cfg);
	nvars = 0;
	setv("EPICS_AUTH_JWT_HS_SECRET_FILE", "/etc/pvacms/hs.secret");
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL && cfg->mode == JWT_MODE_LOCAL,
	    "HS secret alone: mode local, no trusted URI needed");
	jwt_config_free(cfg);
	reset();
	cfg = jwt_config_load(get, err, sizeof(err));
	ok(cfg != NULL && cfg->mode == JWT_MODE_REMOTE, "default: remote");
	jwt_config_free(cfg);

	/* Several trusted URIs: iss picks exactly one. */
	{
		struct jwt_config pick;

		reset();
		setv("EPICS_AUTH_JWT_TRUSTED_URI", " http://a:8080/r1/verify"
		    "  https://b.example/r2/verify ");
		cfg = jwt_config_load(get, err, sizeof(err));
		ok(cfg != NULL && cfg->ntrusted == 2, "two trusted URIs");
		is_str(cfg->trusted_uri, "http://a:8080/r1/verify",
		    "trusted_uri is the first");
		ok(jwt_config_pick(cfg, "http://a:8080/r1", &pick, err,
		    sizeof(err)) == 0 && strcmp(pick.trusted_uri,
		    "http://a:8080/r1/verify") == 0 &&
		    strcmp(pick.trusted.host, "a") == 0, "iss a picks a");
		ok(jwt_config_pick(cfg, "https://b.example/r2", &pick, err,
		    sizeof(err)) == 0 && strcmp(pick.trusted_uri,
		    "https://b.example/r2/verify") == 0 &&
		    strcmp(pick.trusted.host, "b.example") == 0 &&
		    pick.leeway == cfg->leeway, "iss b picks b");
		ok(jwt_config_pick(cfg, "https://c.example/r2", &pick, err,
		    sizeof(err)) != 0 && strstr(err, "any of the 2") != NULL,
		    "unknown iss refused");
		ok(jwt_config_pick(cfg, NULL, &pick, err, sizeof(err)) != 0,
		    "no iss among two URIs refused");
		jwt_config_free(cfg);
		setv("EPICS_AUTH_JWT_TRUSTED_URI", "http://a/x/verify"
		    " http://a/x/other");
		cfg = jwt_config_load(get, err, sizeof(err));
		ok(cfg != NULL && jwt_config_pick(cfg, "http://a/x", &pick,
		    err, sizeof(err)) != 0 && strstr(err, "ambiguous") != NULL,
		    "iss fitting two URIs refused");
		ok(jwt_config_pick(cfg, "http://a/x/verify", &pick, err,
		    sizeof(err)) == 0 && strcmp(pick.trusted_uri,
		    "http://a/x/verify") == 0, "the exact one is unambiguous");
		jwt_config_free(cfg);
		reset();
		cfg = jwt_config_load(get, err, sizeof(err));
		ok(jwt_config_pick(cfg, NULL, &pick, err, sizeof(err)) == 0,
		    "one URI: a token without iss is checked against it");
		jwt_config_free(cfg);
	}

	/* Every bad value names its variable. */
	for (i = 0; bad[i].var != NULL; i++) {
		reset();
		setv(bad[i].var, bad[i].val);
		ok(!loads(err, sizeof(err)) &&
		    strncmp(err, bad[i].var, strlen(bad[i].var)) == 0 &&
		    strchr(err, '\n') == NULL,
		    "%s='%s' refused, naming the variable", bad[i].var,
		    bad[i].val);
	}
	reset();
	setv("EPICS_AUTH_JWT_LEEWAY", "3601");
	loads(err, sizeof(err));
	is_str(err, "EPICS_AUTH_JWT_LEEWAY: expected an integer from 0 to"
	    " 3600, got 3601", "range reason");

	tap_plan(tap_n);
	return tap_done();
}
