/*
 * jwt_config.c - read the EPICS_AUTH_JWT_* variables into a struct
 * jwt_config, checking each one and naming the variable in any error,
 * so that pvacms refuses to start (or keeps the old configuration on
 * reload) instead of running with a half-understood one.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pvacms/authn.h"

#include "jwt_config.h"
#include "jwt_iss.h"
#include "jwt_list.h"
#include "jwt_pattern.h"
#include "jwt_status.h"

#define JWT_TOKEN_TAG "#token#"
#define JWT_KID_TAG "#kid#"

static char	*jwt_config_trim(const char *s);
static int	jwt_config_long(const char *name, const char *s, long def,
		    long lo, long hi, long *out, char *err, size_t errlen);
static int	jwt_config_query_ok(const char *fmt);
static int	jwt_config_trusted(struct jwt_config *cfg, const char *v,
		    char *err, size_t errlen);
static int	jwt_config_script(jwt_config_get_fn get, const char *name,
		    char **out, char *err, size_t errlen);
static int	jwt_config_lists(struct jwt_config *cfg, jwt_config_get_fn get,
		    char *err, size_t errlen);

/* Returns a copy of s without surrounding white space (caller frees). */
static char *
jwt_config_trim(const char *s)
{
	size_t len;
	char *out;

	if (s == NULL)
		s = "";
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

int
jwt_config_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "1", "y", "on" };
	static const char *const no[] = { "no", "false", "0", "n", "off", "" };
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

static int
jwt_config_long(const char *name, const char *s, long def, long lo, long hi,
    long *out, char *err, size_t errlen)
{
	long v = 0;
	size_t i;

	if (s == NULL || *s == '\0') {
		*out = def;
		return 0;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 9) {
			snprintf(err, errlen, "%s: expected an integer from"
			    " %ld to %ld", name, lo, hi);
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi) {
		snprintf(err, errlen, "%s: expected an integer from %ld to"
		    " %ld, got %ld", name, lo, hi, v);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Whether a GET request format, with its #token# and #kid# tags taken
 * out, is made only of characters that may stand in a URL query
 * (RFC 3986 pchar, '/' and '?', '%' only before two hex digits).
 */
static int
jwt_config_query_ok(const char *fmt)
{
	const char *p = fmt;

	while (*p != '\0') {
		if (strncmp(p, JWT_TOKEN_TAG, strlen(JWT_TOKEN_TAG)) == 0) {
			p += strlen(JWT_TOKEN_TAG);
			continue;
		}
		if (strncmp(p, JWT_KID_TAG, strlen(JWT_KID_TAG)) == 0) {
			p += strlen(JWT_KID_TAG);
			continue;
		}
		if (*p == '%') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				return 0;
			p += 3;
			continue;
		}
		if (!isalnum((unsigned char)*p) &&
		    strchr("-._~!$&'()*+,;=:@/?", *p) == NULL)
			return 0;
		p++;
	}
	return 1;
}

/*
 * Split EPICS_AUTH_JWT_TRUSTED_URI (v, trimmed, not blank) into its
 * URIs and parse each; the first becomes trusted_uri and trusted.
 */
static int
jwt_config_trusted(struct jwt_config *cfg, const char *v, char *err,
    size_t errlen)
{
	const char *p = v, *end;
	char why[128];
	size_t i, j;

	if ((cfg->trusted_uris = calloc(JWT_TRUSTED_MAX,
	    sizeof(*cfg->trusted_uris))) == NULL ||
	    (cfg->trusted_urls = calloc(JWT_TRUSTED_MAX,
	    sizeof(*cfg->trusted_urls))) == NULL)
		goto nomem;
	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && !isspace((unsigned char)*end);
		    end++)
			;
		if (cfg->ntrusted == JWT_TRUSTED_MAX) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_TRUSTED_URI: more"
			    " than %d URIs", JWT_TRUSTED_MAX);
			return -1;
		}
		i = cfg->ntrusted;
		if ((cfg->trusted_uris[i] = strndup(p, (size_t)(end - p))) ==
		    NULL)
			goto nomem;
		cfg->ntrusted++;
		if (jwt_url_parse(cfg->trusted_uris[i], 0,
		    &cfg->trusted_urls[i], why, sizeof(why)) != 0) {
			if (i == 0)
				snprintf(err, errlen,
				    "EPICS_AUTH_JWT_TRUSTED_URI: %s", why);
			else
				snprintf(err, errlen,
				    "EPICS_AUTH_JWT_TRUSTED_URI (URI %zu): %s",
				    i + 1, why);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(cfg->trusted_uris[j],
			    cfg->trusted_uris[i]) == 0) {
				snprintf(err, errlen,
				    "EPICS_AUTH_JWT_TRUSTED_URI: a URI is listed"
				    " twice");
				return -1;
			}
		p = end;
	}
	if ((cfg->trusted_uri = strdup(cfg->trusted_uris[0])) == NULL)
		goto nomem;
	cfg->trusted = cfg->trusted_urls[0];
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
jwt_config_pick(const struct jwt_config *cfg, const char *iss,
    struct jwt_config *out, char *err, size_t errlen)
{
	char why[PVACMS_REASON_MAX], safe[128];
	size_t i, hits = 0, pick = 0;

	if (cfg->ntrusted == 0) {
		snprintf(err, errlen, "no trusted validator is configured");
		return -1;
	}
	if (cfg->ntrusted == 1) {
		/* One URI: its own reason, as before. */
		if (jwt_iss_check(iss, &cfg->trusted_urls[0],
		    cfg->trusted_uris[0], err, errlen) != 0)
			return -1;
	} else if (iss == NULL) {
		snprintf(err, errlen, "token has no iss, and %zu validators"
		    " are trusted: cannot pick one", cfg->ntrusted);
		return -1;
	} else {
		for (i = 0; i < cfg->ntrusted; i++)
			if (jwt_iss_check(iss, &cfg->trusted_urls[i],
			    cfg->trusted_uris[i], why, sizeof(why)) == 0) {
				if (hits++ == 0)
					pick = i;
			}
		jwt_status_sanitize(safe, sizeof(safe), iss, 100);
		if (hits == 0) {
			snprintf(err, errlen, "issuer '%s' is not trusted by"
			    " any of the %zu validators", safe, cfg->ntrusted);
			return -1;
		}
		if (hits > 1) {
			snprintf(err, errlen, "issuer '%s' fits %zu trusted"
			    " validators: ambiguous, refused", safe, hits);
			return -1;
		}
	}
	*out = *cfg;
	out->trusted_uri = cfg->trusted_uris[pick];
	out->trusted = cfg->trusted_urls[pick];
	return 0;
}

/*
 * A hook script path (Lua hooks, DESIGN §8): *out becomes a copy the
 * config owns, or NULL when the variable is unset or blank.  The file
 * itself is read by the host's hook_load, which names file:line.
 */
static int
jwt_config_script(jwt_config_get_fn get, const char *name, char **out,
    char *err, size_t errlen)
{
	char *v;
	size_t i;

	*out = NULL;
	if ((v = jwt_config_trim(get(name))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (*v == '\0') {
		free(v);
		return 0;
	}
	if (strlen(v) > JWT_SCRIPT_PATH_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes", name,
		    JWT_SCRIPT_PATH_MAX);
		free(v);
		return -1;
	}
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(err, errlen, "%s: holds a control character",
			    name);
			free(v);
			return -1;
		}
	*out = v;
	return 0;
}

/*
 * EPICS_AUTH_JWT_TYPES, and in introspect mode the issuers, their
 * endpoints (each an https URL, or http to loopback) and the audiences.
 */
static int
jwt_config_lists(struct jwt_config *cfg, jwt_config_get_fn get, char *err,
    size_t errlen)
{
	char **uris = NULL, why[160];
	size_t nuris = 0, i;
	const char *u;

	if (jwt_list_split("EPICS_AUTH_JWT_TYPES", get("EPICS_AUTH_JWT_TYPES"),
	    JWT_LIST_MAX, &cfg->types, &cfg->ntypes, err,
	    errlen) != 0)
		return -1;
	if (!(cfg->mode & JWT_MODE_INTROSPECT))
		return 0;
	if (jwt_list_split("EPICS_AUTH_JWT_ISSUER",
	    get("EPICS_AUTH_JWT_ISSUER"), JWT_LIST_MAX,
	    &cfg->issuers, &cfg->nissuers, err, errlen) != 0 ||
	    jwt_list_split("EPICS_AUTH_JWT_AUDIENCE",
	    get("EPICS_AUTH_JWT_AUDIENCE"), JWT_LIST_MAX,
	    &cfg->audiences, &cfg->naudiences, err, errlen) != 0 ||
	    jwt_list_split("EPICS_AUTH_JWT_INTROSPECTION_URI",
	    get("EPICS_AUTH_JWT_INTROSPECTION_URI"), JWT_LIST_MAX,
	    &uris, &nuris, err, errlen) != 0)
		goto bad;
	if (nuris > 1 && nuris != cfg->nissuers) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_INTROSPECTION_URI: %zu"
		    " entries for %zu issuers (give one, or one per issuer)",
		    nuris, cfg->nissuers);
		goto bad;
	}
	if ((cfg->introspect_uris = calloc(cfg->nissuers,
	    sizeof(*cfg->introspect_uris))) == NULL)
		goto nomem;
	for (i = 0; i < cfg->nissuers; i++) {
		if ((u = jwt_list_pick(uris, nuris, i)) == NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_INTROSPECTION_URI:"
			    " none for issuer %s, and its OpenID configuration"
			    " names no introspection_endpoint",
			    cfg->issuers[i]);
			goto bad;
		}
		if (jwt_config_fetchable(u, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_INTROSPECTION_URI:"
			    " %s", why);
			goto bad;
		}
		if ((cfg->introspect_uris[i] = strdup(u)) == NULL)
			goto nomem;
	}
	jwt_list_free(uris, nuris);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
bad:
	jwt_list_free(uris, nuris);
	return -1;
}

long
jwt_config_issuer(const struct jwt_config *cfg, int is_jwt, const char *iss,
    char *err, size_t errlen)
{
	char safe[128];
	size_t i;

	if (!is_jwt) {
		if (cfg->nissuers == 1)
			return 0;
		snprintf(err, errlen, "an opaque token names no issuer, and"
		    " %zu issuers are configured: cannot pick one",
		    cfg->nissuers);
		return -1;
	}
	if (iss == NULL) {
		snprintf(err, errlen, "token has no iss");
		return -1;
	}
	for (i = 0; i < cfg->nissuers; i++)
		if (strcmp(cfg->issuers[i], iss) == 0)
			return (long)i;
	jwt_status_sanitize(safe, sizeof(safe), iss, 100);
	snprintf(err, errlen, "issuer '%s' is not in EPICS_AUTH_JWT_ISSUER",
	    safe);
	return -1;
}

int
jwt_config_type_ok(const struct jwt_config *cfg, const char *typ,
    char *err, size_t errlen)
{
	const char *t = typ, *w;
	char safe[64];
	size_t i;

	if (cfg->ntypes == 0)
		return 1;
	if (t != NULL && strncasecmp(t, "application/", 12) == 0)
		t += 12;
	for (i = 0; t != NULL && i < cfg->ntypes; i++) {
		w = cfg->types[i];
		if (strncasecmp(w, "application/", 12) == 0)
			w += 12;
		if (strcasecmp(w, t) == 0)
			return 1;
	}
	jwt_status_sanitize(safe, sizeof(safe), typ, 40);
	snprintf(err, errlen, "token typ %s%s%s is not one of"
	    " EPICS_AUTH_JWT_TYPES (e.g. an ID token where an access token"
	    " is wanted)", typ != NULL ? "'" : "", typ != NULL ? safe :
	    "(none)", typ != NULL ? "'" : "");
	return 0;
}

/*
 * Whether url may be fetched: https, or plain http to a loopback host
 * only (a token or a secret never crosses a network in the clear).
 */
int
jwt_config_fetchable(const char *url, char *err, size_t errlen)
{
	struct jwt_url u;
	char why[128];

	if (jwt_url_parse(url, 0, &u, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (strcmp(u.scheme, "https") != 0 && strcmp(u.host, "localhost") !=
	    0 && strcmp(u.host, "::1") != 0 && strncmp(u.host, "127.", 4) !=
	    0) {
		snprintf(err, errlen, "plain http:// is allowed to a loopback"
		    " host only (use https)");
		return -1;
	}
	return 0;
}

struct jwt_config *
jwt_config_load(jwt_config_get_fn get, char *err, size_t errlen)
{
	struct jwt_config *cfg;
	char *v = NULL, why[128];
	const char *raw;
	int b;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Remote, local or both (DESIGN §7); local keys: jwt_local.c. */
	if ((v = jwt_config_trim(get("EPICS_AUTH_JWT_TRUSTED_URI"))) == NULL)
		goto nomem;
	if ((cfg->mode = jwt_config_mode(get, *v != '\0', err, errlen)) < 0)
		goto bad;
	if ((cfg->mode & JWT_MODE_REMOTE) &&
	    jwt_config_trusted(cfg, v, err, errlen) != 0)
		goto bad;
	free(v);
	v = NULL;

	if ((v = jwt_config_trim(get("EPICS_AUTH_JWT_REQUEST_METHOD"))) ==
	    NULL)
		goto nomem;
	if (*v == '\0' || strcasecmp(v, "POST") == 0)
		cfg->method_get = 0;
	else if (strcasecmp(v, "GET") == 0)
		cfg->method_get = 1;
	else {
		snprintf(err, errlen, "EPICS_AUTH_JWT_REQUEST_METHOD: expected"
		    " GET or POST");
		goto bad;
	}
	free(v);
	v = NULL;

	/* Formats are taken verbatim: white space may matter in a body. */
	raw = get("EPICS_AUTH_JWT_REQUEST_FORMAT");
	cfg->request_format = strdup(raw != NULL && *raw != '\0' ? raw :
	    JWT_TOKEN_TAG);
	raw = get("EPICS_AUTH_JWT_RESPONSE_FORMAT");
	cfg->response_format = strdup(raw != NULL && *raw != '\0' ? raw :
	    JWT_PATTERN_VALUE);
	if (cfg->request_format == NULL || cfg->response_format == NULL)
		goto nomem;
	if (strlen(cfg->request_format) > JWT_FORMAT_MAX) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_REQUEST_FORMAT: longer"
		    " than %d bytes", JWT_FORMAT_MAX);
		goto bad;
	}
	if (cfg->method_get && !jwt_config_query_ok(cfg->request_format)) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_REQUEST_FORMAT: with GET"
		    " it must be a URL query such as token=#token#");
		goto bad;
	}
	if (jwt_pattern_check(cfg->response_format, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_RESPONSE_FORMAT: %s",
		    why);
		goto bad;
	}

	if ((v = jwt_config_trim(get("EPICS_AUTH_JWT_USE_RESPONSE_CODE"))) ==
	    NULL)
		goto nomem;
	if ((b = jwt_config_bool(v)) < 0) {
		char safe[40];
		size_t i;

		snprintf(safe, sizeof(safe), "%s", v);
		for (i = 0; safe[i] != '\0'; i++)
			if (!isprint((unsigned char)safe[i]))
				safe[i] = '?';
		snprintf(err, errlen, "EPICS_AUTH_JWT_USE_RESPONSE_CODE:"
		    " expected yes or no, got '%s'", safe);
		goto bad;
	}
	cfg->use_response_code = b;
	free(v);
	v = NULL;

	if ((v = jwt_config_trim(get("EPICS_AUTH_JWT_LEEWAY"))) == NULL)
		goto nomem;
	if (jwt_config_long("EPICS_AUTH_JWT_LEEWAY", v, JWT_LEEWAY_DEFAULT, 0,
	    JWT_LEEWAY_MAX, &cfg->leeway, err, errlen) != 0)
		goto bad;
	free(v);
	v = NULL;

	if ((v = jwt_config_trim(get("EPICS_AUTH_JWT_TIMEOUT_MS"))) == NULL)
		goto nomem;
	if (jwt_config_long("EPICS_AUTH_JWT_TIMEOUT_MS", v,
	    JWT_TIMEOUT_DEFAULT, JWT_TIMEOUT_MIN, JWT_TIMEOUT_MAX,
	    &cfg->timeout_ms, err, errlen) != 0)
		goto bad;
	free(v);
	v = NULL;

	if (jwt_config_lists(cfg, get, err, errlen) != 0)
		goto bad;
	if (jwt_config_script(get, "EPICS_AUTH_JWT_CLAIMS_SCRIPT",
	    &cfg->claims_script, err, errlen) != 0 ||
	    jwt_config_script(get, "EPICS_AUTH_JWT_RESPONSE_SCRIPT",
	    &cfg->response_script, err, errlen) != 0)
		goto bad;
	return cfg;
nomem:
	snprintf(err, errlen, "out of memory");
bad:
	free(v);
	jwt_config_free(cfg);
	return NULL;
}

void
jwt_config_free(struct jwt_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->trusted_uri);
	for (i = 0; i < cfg->ntrusted; i++)
		free(cfg->trusted_uris[i]);
	free(cfg->trusted_uris);
	free(cfg->trusted_urls);
	free(cfg->request_format);
	free(cfg->response_format);
	free(cfg->claims_script);
	free(cfg->response_script);
	jwt_list_free(cfg->types, cfg->ntypes);
	jwt_list_free(cfg->introspect_uris, cfg->nissuers);
	jwt_list_free(cfg->issuers, cfg->nissuers);
	jwt_list_free(cfg->audiences, cfg->naudiences);
	free(cfg);
}

int
jwt_config_nonblank(const char *s)
{
	if (s == NULL)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	return *s != '\0';
}

int
jwt_config_local_configured(jwt_config_get_fn get)
{
	return jwt_config_nonblank(get("EPICS_AUTH_JWT_JWKS_URI")) ||
	    jwt_config_nonblank(get("EPICS_AUTH_JWT_HS_SECRET_FILE"));
}

size_t
jwt_config_mode_word(jwt_config_get_fn get, char *word, size_t size)
{
	const char *v = get("EPICS_AUTH_JWT_MODE");
	size_t n = 0;

	while (v != NULL && isspace((unsigned char)*v))
		v++;
	while (v != NULL && v[n] != '\0' && !isspace((unsigned char)v[n]) &&
	    n + 1 < size) {
		word[n] = (char)tolower((unsigned char)v[n]);
		n++;
	}
	word[n] = '\0';
	return n;
}

int
jwt_config_mode(jwt_config_get_fn get, int have_remote, char *err,
    size_t errlen)
{
	int have_local = jwt_config_local_configured(get), want;
	char word[16];
	size_t n = jwt_config_mode_word(get, word, sizeof(word));

	if (n == 0) {
		if (!have_remote && !have_local) {
			snprintf(err, errlen, "no token check is configured:"
			    " set EPICS_AUTH_JWT_ISSUER (an OpenID issuer URL:"
			    " its keys are discovered), EPICS_AUTH_JWT_JWKS_URI"
			    " with it, or EPICS_AUTH_JWT_TRUSTED_URI (a"
			    " validator)");
			return -1;
		}
		return (have_remote ? JWT_MODE_REMOTE : 0) |
		    (have_local ? JWT_MODE_LOCAL : 0);
	}
	if (strcasecmp(word, "remote") == 0)
		want = JWT_MODE_REMOTE;
	else if (strcasecmp(word, "local") == 0)
		want = JWT_MODE_LOCAL;
	else if (strcasecmp(word, "both") == 0)
		want = JWT_MODE_BOTH;
	else if (strcasecmp(word, "introspect") == 0) {
		if (!jwt_config_nonblank(get("EPICS_AUTH_JWT_ISSUER"))) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_MODE is introspect"
			    " but EPICS_AUTH_JWT_ISSUER is not set (the"
			    " issuer whose tokens are introspected)");
			return -1;
		}
		if (!jwt_config_nonblank(get(
		    "EPICS_AUTH_JWT_INTROSPECTION_URI"))) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_MODE is introspect"
			    " but EPICS_AUTH_JWT_INTROSPECTION_URI is not set"
			    " and discovery found no introspection_endpoint");
			return -1;
		}
		/* With local keys a JWT is verified here first. */
		return JWT_MODE_INTROSPECT | (have_local ? JWT_MODE_LOCAL : 0);
	} else {
		snprintf(err, errlen, "EPICS_AUTH_JWT_MODE: expected remote,"
		    " local, both or introspect");
		return -1;
	}
	if ((want & JWT_MODE_REMOTE) && !have_remote) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_MODE is %s but"
		    " EPICS_AUTH_JWT_TRUSTED_URI is not set", word);
		return -1;
	}
	if ((want & JWT_MODE_LOCAL) && !have_local) {
		snprintf(err, errlen, "EPICS_AUTH_JWT_MODE is %s but no key"
		    " source is set: EPICS_AUTH_JWT_ISSUER (an OpenID issuer"
		    " URL, discovered), EPICS_AUTH_JWT_JWKS_URI or"
		    " EPICS_AUTH_JWT_HS_SECRET_FILE", word);
		return -1;
	}
	return want;
}
