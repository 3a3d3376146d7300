/*
 * jwt_plugin.c - the "jwt" authenticator plugin of pvacms: the one
 * exported symbol, and verify() and dry_run(), which share one decision
 * that runs the checks in order:
 *
 *   1. parse the token (token_malformed)
 *   2. remote and both modes: the issuer rule picks the one trusted URI
 *      the token's iss belongs to (issuer_mismatch)
 *   3. local claims: exp, nbf, sub (token_expired, token_not_yet_valid,
 *      subject_invalid)
 *   4. the default identity: CN = sub, O = host of iss, exp/nbf window
 *   4b. local and both modes: local verification (jwt_local.c): the
 *      signature against the issuer's JWKS or HS secret, alg, iss, aud
 *      (alg_not_allowed, kid_unknown, bad_signature, issuer_mismatch,
 *      audience_mismatch, jwks_unreachable, jwks_refresh_pending: the
 *      last two are 503 with retry_after); in both, both must accept
 *   5. remote and both modes: the remote validator, judged by the
 *      response pattern or by the
 *      interpret_response hook (token_rejected, validator_error,
 *      validator_unreachable, validator_timeout, script_denied,
 *      script_error); a dry run judges a saved answer or skips this
 *   5b. the key binding of a verified token: a cnf.jkt must be the
 *      thumbprint of the key to certify (jwt_cnf.c; key_mismatch,
 *      token_malformed), on both fronts; a dry run has no key and
 *      skips the comparison
 *   6. the extract_claims hook, merged over the defaults and clamped to
 *      the token's window (script_denied, script_error).
 *
 * verify() runs concurrently in the host's worker threads; the config
 * is a reference-counted object that reload() replaces whole, so a
 * request always sees one consistent configuration.  The hook handles
 * are the host's: loaded once by init() and rebuilt by the host itself
 * on SIGHUP, so reload() only refuses a changed script path.  The token
 * never appears in a reason or a log line.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pvacms/authn.h"

#include "jwt_claims.h"
#include "jwt_cnf.h"
#include "jwt_config.h"
#include "jwt_cred.h"
#include "jwt_discovery.h"
#include "jwt_hooks.h"
#include "jwt_introspect.h"
#include "jwt_list.h"
#include "jwt_local.h"
#include "jwt_remote.h"
#include "jwt_status.h"
#include "jwt_token.h"
#include "jwt_trust.h"

struct jwt_state {
	struct jwt_config *cfg;
	struct jwt_local *local;	/* local and both modes, else NULL */
	struct jwt_creds *creds;	/* per validator or issuer; may be empty */
	unsigned long refs;
};

static int	jwt_plugin_init(const struct pvacms_host_services *services,
		    char *err, size_t errlen);
static int	jwt_plugin_load(int first, char *err, size_t errlen);
static int	jwt_plugin_reload(char *err, size_t errlen);
static void	jwt_plugin_verify(const struct pvacms_authn_request *req,
		    struct pvacms_authn_result *res);
static void	jwt_plugin_dry_run(const struct pvacms_authn_request *req,
		    const struct pvacms_http_response *saved,
		    struct pvacms_authn_result *res);
static void	jwt_plugin_decide(const struct pvacms_authn_request *req,
		    int offline, const struct pvacms_http_response *saved,
		    struct pvacms_authn_result *res);
static int	jwt_plugin_remote(struct jwt_config *cfg, const char *tok,
		    size_t len, const char *kid, int offline,
		    const struct pvacms_http_response *saved, char *why,
		    size_t whylen);
static int	jwt_plugin_cnf(const struct pvacms_authn_request *req,
		    const struct jwt_token *tok, int offline, char *note,
		    size_t notelen, char *why, size_t whylen);
static int	jwt_plugin_hooks_load(const struct jwt_config *cfg,
		    char *err, size_t errlen);
static int	jwt_plugin_same(const char *a, const char *b);
static const char *jwt_plugin_get(const char *name);
static int	jwt_plugin_discover(int first, char *err, size_t errlen);
static struct jwt_creds *jwt_plugin_creds(const struct jwt_config *cfg,
		    char *err, size_t errlen);
static void	jwt_plugin_fini(void);
static void	jwt_plugin_audit(struct pvacms_authn_result *res,
		    const struct jwt_token *tok);
static struct jwt_state *jwt_plugin_acquire(void);
static void	jwt_plugin_release(struct jwt_state *st);
static void	jwt_plugin_set(struct pvacms_authn_result *res, int status,
		    const char *reason);
static void	jwt_plugin_retry(struct pvacms_authn_result *res,
		    int seconds);

static const struct pvacms_host_services *jwt_host;	/* the host's own */
static const struct pvacms_host_services *jwt_services;	/* what we use */

/*
 * What discovery found at the last load, served by jwt_plugin_get in
 * place of the unset variables it stands for.  Written only by load,
 * which runs while no verify does.
 */
static struct jwt_discovery jwt_found;
static char *jwt_found_for;	/* "<wants> <issuers>" jwt_found answers */
static pthread_mutex_t jwt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct jwt_state *jwt_current;

/* The host's script handles (set by init, valid until fini). */
static struct pvacms_hook *jwt_claims_hook;
static struct pvacms_hook *jwt_response_hook;
static char *jwt_claims_path;
static char *jwt_response_path;

static const struct pvacms_authn_option jwt_options[] = {
	{ "jwt-trusted-uri", "EPICS_AUTH_JWT_TRUSTED_URI",
	    "URL of the token validator; a token's iss must belong to it" },
	{ "jwt-request-format", "EPICS_AUTH_JWT_REQUEST_FORMAT",
	    "validator request with #token# and #kid# (default #token#)" },
	{ "jwt-request-method", "EPICS_AUTH_JWT_REQUEST_METHOD",
	    "GET or POST (default POST)" },
	{ "jwt-response-format", "EPICS_AUTH_JWT_RESPONSE_FORMAT",
	    "pattern with #response# for the verdict (default #response#)" },
	{ "jwt-use-response-code", "EPICS_AUTH_JWT_USE_RESPONSE_CODE",
	    "yes: HTTP 200 alone means valid (default no)" },
	{ "jwt-leeway", "EPICS_AUTH_JWT_LEEWAY",
	    "clock leeway for exp and nbf in seconds (default 60)" },
	{ "jwt-timeout-ms", "EPICS_AUTH_JWT_TIMEOUT_MS",
	    "validator call timeout in milliseconds (default 5000)" },
	{ "jwt-claims-script", "EPICS_AUTH_JWT_CLAIMS_SCRIPT",
	    "Lua script defining extract_claims(token) (pvacms-lua(5))" },
	{ "jwt-response-script", "EPICS_AUTH_JWT_RESPONSE_SCRIPT",
	    "Lua script defining interpret_response(r) (pvacms-lua(5))" },
	{ "jwt-mode", "EPICS_AUTH_JWT_MODE",
	    "remote, local or both (default: what is configured)" },
	{ "jwt-jwks-uri", "EPICS_AUTH_JWT_JWKS_URI",
	    "JWKS URL or pinned file for local verification (per issuer)" },
	{ "jwt-issuer", "EPICS_AUTH_JWT_ISSUER",
	    "exact iss accepted by local verification (space-separated)" },
	{ "jwt-audience", "EPICS_AUTH_JWT_AUDIENCE",
	    "accepted aud values, space-separated (local verification)" },
	{ "jwt-algorithms", "EPICS_AUTH_JWT_ALGORITHMS",
	    "allowed algorithms (default the RS, PS and ES families)" },
	{ "jwt-hs-secret-file", "EPICS_AUTH_JWT_HS_SECRET_FILE",
	    "shared secret file enabling HS256/384/512 (never with JWKS)" },
	{ "jwt-jwks-cooldown", "EPICS_AUTH_JWT_JWKS_COOLDOWN",
	    "least seconds between unknown-kid JWKS fetches (default 30)" },
	{ "jwt-introspection-uri", "EPICS_AUTH_JWT_INTROSPECTION_URI",
	    "RFC 7662 endpoint for introspect mode (default: discovered)" },
	{ "jwt-client-id", "EPICS_AUTH_JWT_CLIENT_ID",
	    "client id pvacms presents to the validator (per issuer)" },
	{ "jwt-client-secret-file", "EPICS_AUTH_JWT_CLIENT_SECRET_FILE",
	    "file (mode 0600) holding that client's secret" },
	{ "jwt-client-auth", "EPICS_AUTH_JWT_CLIENT_AUTH",
	    "basic (HTTP Basic, default) or post (in the form body)" },
	{ "jwt-bearer-file", "EPICS_AUTH_JWT_BEARER_FILE",
	    "file (mode 0600) holding a bearer token for the validator" },
	{ "jwt-client-keychain", "EPICS_AUTH_JWT_CLIENT_KEYCHAIN",
	    "PKCS#12 file (mode 0600) for validators that want mutual TLS" },
	{ "jwt-types", "EPICS_AUTH_JWT_TYPES",
	    "allowed typ values, e.g. at+jwt (default: any)" },
	{ "jwt-ca-file", "EPICS_AUTH_JWT_CA_FILE",
	    "PEM trust anchors for the provider's https (default: system)" },
	{ NULL, NULL, NULL }
};

__attribute__((visibility("default")))
struct pvacms_authn_plugin pvacms_authn_plugin = {
	.abi_version = PVACMS_AUTHN_ABI_VERSION,
	.name = "jwt",
	.description = "JSON Web Token checked by the issuer's validator",
	.options = jwt_options,
	.init = jwt_plugin_init,
	.reload = jwt_plugin_reload,
	.verify = jwt_plugin_verify,
	.fini = jwt_plugin_fini,
	.dry_run = jwt_plugin_dry_run,
};

/* Returns the current state with a reference held, or NULL. */
static struct jwt_state *
jwt_plugin_acquire(void)
{
	struct jwt_state *st;

	pthread_mutex_lock(&jwt_lock);
	if ((st = jwt_current) != NULL)
		st->refs++;
	pthread_mutex_unlock(&jwt_lock);
	return st;
}

static void
jwt_plugin_release(struct jwt_state *st)
{
	int last;

	if (st == NULL)
		return;
	pthread_mutex_lock(&jwt_lock);
	last = --st->refs == 0;
	pthread_mutex_unlock(&jwt_lock);
	if (last) {
		jwt_local_free(st->local);
		jwt_creds_free(st->creds);
		jwt_config_free(st->cfg);
		free(st);
	}
}

/* Whether two optional strings are equal (both NULL counts). */
static int
jwt_plugin_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * init only: ask the host to load the configured scripts and keep the
 * handles and the paths they came from.
 */
static int
jwt_plugin_hooks_load(const struct jwt_config *cfg, char *err,
    size_t errlen)
{
	char why[PVACMS_REASON_MAX];

	if (cfg->claims_script == NULL && cfg->response_script == NULL)
		return 0;
	if (!jwt_hooks_available(jwt_services)) {
		snprintf(err, errlen, "%s: host too old for Lua hooks (needs"
		    " plugin ABI 1.1)", cfg->claims_script != NULL ?
		    "EPICS_AUTH_JWT_CLAIMS_SCRIPT" :
		    "EPICS_AUTH_JWT_RESPONSE_SCRIPT");
		return -1;
	}
	if (cfg->claims_script != NULL) {
		why[0] = '\0';
		if ((jwt_claims_hook = jwt_services->hook_load(JWT_HOOK_CLAIMS,
		    cfg->claims_script, why, sizeof(why))) == NULL) {
			why[sizeof(why) - 1] = '\0';
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLAIMS_SCRIPT:"
			    " %s", why[0] != '\0' ? why :
			    "cannot load the script");
			return -1;
		}
		if ((jwt_claims_path = strdup(cfg->claims_script)) == NULL)
			goto nomem;
	}
	if (cfg->response_script != NULL) {
		why[0] = '\0';
		if ((jwt_response_hook = jwt_services->hook_load(
		    JWT_HOOK_RESPONSE, cfg->response_script, why,
		    sizeof(why))) == NULL) {
			why[sizeof(why) - 1] = '\0';
			snprintf(err, errlen, "EPICS_AUTH_JWT_RESPONSE_SCRIPT:"
			    " %s", why[0] != '\0' ? why :
			    "cannot load the script");
			return -1;
		}
		if ((jwt_response_path = strdup(cfg->response_script)) ==
		    NULL)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * config_get, with what discovery found standing in for an unset
 * EPICS_AUTH_JWT_JWKS_URI or EPICS_AUTH_JWT_INTROSPECTION_URI.
 */
static const char *
jwt_plugin_get(const char *name)
{
	const char *v = jwt_services->config_get(name);

	if (jwt_config_nonblank(v))
		return v;
	if (jwt_found.jwks_uris != NULL &&
	    strcmp(name, "EPICS_AUTH_JWT_JWKS_URI") == 0)
		return jwt_found.jwks_uris;
	if (jwt_found.introspection_uris != NULL &&
	    strcmp(name, "EPICS_AUTH_JWT_INTROSPECTION_URI") == 0)
		return jwt_found.introspection_uris;
	return v;
}

/*
 * OpenID Connect discovery, when the configuration leaves something to
 * it: an EPICS_AUTH_JWT_ISSUER without any key source (outside remote
 * mode) gets its jwks_uri; introspect mode without
 * EPICS_AUTH_JWT_INTROSPECTION_URI gets the introspection_endpoint.
 * On failure the previous findings stay (a reload keeps the old state).
 * A reload (SIGHUP, on the event loop) asks the providers again only
 * when the issuers changed: the key sets refresh themselves, and a
 * provider that is slow to answer must not stall the loop.
 */
static int
jwt_plugin_discover(int first, char *err, size_t errlen)
{
	jwt_config_get_fn get = jwt_services->config_get;
	struct jwt_discovery found;
	char word[16];
	size_t n = jwt_config_mode_word(get, word, sizeof(word));
	long timeout = JWT_TIMEOUT_DEFAULT;
	int want_jwks, want_intro;
	const char *t;
	char key[JWT_LIST_MAX * (JWT_LIST_ITEM_MAX + 1) + 8];

	want_intro = strcmp(word, "introspect") == 0 &&
	    jwt_config_nonblank(get("EPICS_AUTH_JWT_ISSUER")) &&
	    !jwt_config_nonblank(get("EPICS_AUTH_JWT_INTROSPECTION_URI"));
	/*
	 * Introspect mode with a configured endpoint discovers nothing: the
	 * issuer need not publish a configuration (give its JWKS to have
	 * JWTs verified here too).
	 */
	want_jwks = jwt_config_nonblank(get("EPICS_AUTH_JWT_ISSUER")) &&
	    !jwt_config_local_configured(get) &&
	    strcmp(word, "remote") != 0 && (n > 0 ||
	    !jwt_config_nonblank(get("EPICS_AUTH_JWT_TRUSTED_URI"))) &&
	    (strcmp(word, "introspect") != 0 || want_intro);
	if (!want_jwks && !want_intro) {
		jwt_discovery_clear(&jwt_found);
		free(jwt_found_for);
		jwt_found_for = NULL;
		return 0;
	}
	snprintf(key, sizeof(key), "%d%d %s", want_jwks, want_intro,
	    get("EPICS_AUTH_JWT_ISSUER"));
	if (!first && jwt_found_for != NULL && strcmp(key, jwt_found_for) ==
	    0) {
		jwt_services->log(PVACMS_LOG_INFO, "the issuers did not change:"
		    " what discovery found at start stays");
		return 0;
	}
	if ((t = get("EPICS_AUTH_JWT_TIMEOUT_MS")) != NULL &&
	    atol(t) >= JWT_TIMEOUT_MIN && atol(t) <= JWT_TIMEOUT_MAX)
		timeout = atol(t);
	if (jwt_discovery_run(jwt_services, get("EPICS_AUTH_JWT_ISSUER"),
	    want_jwks, want_intro, timeout, &found, err, errlen) != 0)
		return -1;
	jwt_discovery_clear(&jwt_found);
	jwt_found = found;
	free(jwt_found_for);
	jwt_found_for = strdup(key);	/* NULL only means: ask again */
	jwt_services->log(PVACMS_LOG_INFO, "discovered from the OpenID"
	    " configuration:%s%s%s%s", want_jwks ? " jwks_uri " : "",
	    want_jwks ? found.jwks_uris : "", want_intro ?
	    " introspection_endpoint " : "", want_intro ?
	    found.introspection_uris : "");
	return 0;
}

/*
 * The credentials pvacms presents, one per trusted URI (remote mode) or
 * per issuer (introspect mode).  client_secret_post in remote mode
 * needs a form request format to add itself to.
 */
static struct jwt_creds *
jwt_plugin_creds(const struct jwt_config *cfg, char *err, size_t errlen)
{
	struct jwt_creds *c;
	size_t i;

	if (cfg->mode & JWT_MODE_INTROSPECT)
		c = jwt_creds_load(jwt_plugin_get, cfg->nissuers,
		    "EPICS_AUTH_JWT_ISSUER", err, errlen);
	else
		c = jwt_creds_load(jwt_plugin_get, (cfg->mode &
		    JWT_MODE_REMOTE) ? cfg->ntrusted : 0,
		    "EPICS_AUTH_JWT_TRUSTED_URI", err, errlen);
	if (c == NULL)
		return NULL;
	for (i = 0; i < c->n && !(cfg->mode & JWT_MODE_INTROSPECT); i++)
		if (c->v[i].post && c->v[i].client_id != NULL &&
		    (cfg->method_get || strncmp(cfg->request_format,
		    "#token#", 7) == 0 || strchr(cfg->request_format, '=') ==
		    NULL)) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLIENT_AUTH: post"
			    " needs EPICS_AUTH_JWT_REQUEST_METHOD POST and a"
			    " form EPICS_AUTH_JWT_REQUEST_FORMAT such as"
			    " token=#token#");
			jwt_creds_free(c);
			return NULL;
		}
	return c;
}

/*
 * Load the configuration and make it current; the old one is released.
 * At init (first) the scripts are loaded too; on reload a changed
 * script path is refused, since the host owns and reloads the states.
 */
static int
jwt_plugin_load(int first, char *err, size_t errlen)
{
	struct jwt_state *st, *old;
	struct jwt_config *cfg;
	struct jwt_local *local = NULL;
	struct jwt_creds *creds;
	const struct pvacms_host_services *svc;
	const char *trusted;
	size_t i;

	/* The modules fetch through a table that adds our trust anchors. */
	if ((svc = jwt_trust_set(jwt_host, jwt_host->config_get(
	    "EPICS_AUTH_JWT_CA_FILE"), err, errlen)) == NULL)
		return -1;
	jwt_services = svc;
	if (jwt_plugin_discover(first, err, errlen) != 0)
		return -1;
	if ((cfg = jwt_config_load(jwt_plugin_get, err, errlen)) == NULL)
		return -1;
	/* Pinned key files and secrets are read now; JWKS URLs lazily. */
	if ((cfg->mode & JWT_MODE_LOCAL) && (local = jwt_local_load(
	    jwt_plugin_get, jwt_services, cfg->timeout_ms, err,
	    errlen)) == NULL) {
		jwt_config_free(cfg);
		return -1;
	}
	if ((creds = jwt_plugin_creds(cfg, err, errlen)) == NULL) {
		jwt_local_free(local);
		jwt_config_free(cfg);
		return -1;
	}
	if (first && jwt_plugin_hooks_load(cfg, err, errlen) != 0) {
		jwt_creds_free(creds);
		jwt_local_free(local);
		jwt_config_free(cfg);
		return -1;
	}
	if (!first && (!jwt_plugin_same(cfg->claims_script,
	    jwt_claims_path) || !jwt_plugin_same(cfg->response_script,
	    jwt_response_path))) {
		snprintf(err, errlen, "%s: a script path change needs a"
		    " restart of pvacms (the running scripts are reloaded"
		    " from their old paths)",
		    !jwt_plugin_same(cfg->claims_script, jwt_claims_path) ?
		    "EPICS_AUTH_JWT_CLAIMS_SCRIPT" :
		    "EPICS_AUTH_JWT_RESPONSE_SCRIPT");
		jwt_creds_free(creds);
		jwt_local_free(local);
		jwt_config_free(cfg);
		return -1;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		jwt_creds_free(creds);
		jwt_local_free(local);
		jwt_config_free(cfg);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->cfg = cfg;
	st->local = local;
	st->creds = creds;
	st->refs = 1;
	pthread_mutex_lock(&jwt_lock);
	old = jwt_current;
	jwt_current = st;
	pthread_mutex_unlock(&jwt_lock);
	/* What the replaced key caches did, before they go. */
	if (old != NULL && old->local != NULL)
		jwt_local_log_stats(old->local, jwt_services);
	jwt_plugin_release(old);

	jwt_services->log(PVACMS_LOG_INFO, "mode %s, leeway %lds, timeout"
	    " %ldms", cfg->mode == JWT_MODE_BOTH ? "both (local and remote"
	    " must both accept)" : cfg->mode == JWT_MODE_LOCAL ? "local" :
	    cfg->mode == JWT_MODE_INTROSPECT ? "introspect" :
	    cfg->mode == (JWT_MODE_INTROSPECT | JWT_MODE_LOCAL) ?
	    "introspect (a JWT is verified locally too)" : "remote",
	    cfg->leeway, cfg->timeout_ms);
	for (i = 0; i < cfg->nissuers; i++)
		/* Not the query: it might carry a key. */
		jwt_services->log(PVACMS_LOG_INFO, "issuer %s introspected at"
		    " %.*s%s%s", cfg->issuers[i],
		    (int)strcspn(cfg->introspect_uris[i], "?"),
		    cfg->introspect_uris[i], strchr(cfg->introspect_uris[i],
		    '?') != NULL ? "?..." : "", jwt_creds_get(creds,
		    i)->client_id != NULL ? " with client credentials" : "");
	if (cfg->ntypes > 0)
		jwt_services->log(PVACMS_LOG_INFO, "token types allowed: %zu"
		    " (EPICS_AUTH_JWT_TYPES)", cfg->ntypes);
	/* Not the whole URI: its query might carry a key. */
	for (i = 0; i < cfg->ntrusted; i++)
		jwt_services->log(PVACMS_LOG_INFO, "validator %s://%s:%u%s"
		    " (%s)", cfg->trusted_urls[i].scheme,
		    cfg->trusted_urls[i].host, cfg->trusted_urls[i].port,
		    cfg->trusted_urls[i].path, cfg->method_get ? "GET" :
		    "POST");
	if (local != NULL)
		jwt_local_log(local, jwt_services);
	if (!(cfg->mode & JWT_MODE_LOCAL) &&
	    jwt_config_local_configured(jwt_services->config_get))
		jwt_services->log(PVACMS_LOG_WARN, "EPICS_AUTH_JWT_MODE is"
		    " remote: the local verification settings are ignored");
	trusted = jwt_services->config_get("EPICS_AUTH_JWT_TRUSTED_URI");
	if (!(cfg->mode & JWT_MODE_REMOTE) && trusted != NULL &&
	    strspn(trusted, " \t") != strlen(trusted))
		jwt_services->log(PVACMS_LOG_WARN, "EPICS_AUTH_JWT_MODE is"
		    " local: EPICS_AUTH_JWT_TRUSTED_URI is ignored");
	return 0;
}

static int
jwt_plugin_init(const struct pvacms_host_services *services, char *err,
    size_t errlen)
{
	if (services == NULL) {
		snprintf(err, errlen, "no host services");
		return -1;
	}
	if (PVACMS_AUTHN_ABI_GET_MAJOR(services->version) !=
	    PVACMS_AUTHN_ABI_MAJOR) {
		snprintf(err, errlen, "host services ABI %u.%u, expected %u.x",
		    PVACMS_AUTHN_ABI_GET_MAJOR(services->version),
		    PVACMS_AUTHN_ABI_GET_MINOR(services->version),
		    PVACMS_AUTHN_ABI_MAJOR);
		return -1;
	}
	/* The 1.0 members; the hook calls are checked when a script is set. */
	if (services->size < offsetof(struct pvacms_host_services,
	    hook_load) || services->log == NULL ||
	    services->config_get == NULL || services->http_fetch == NULL ||
	    services->http_free == NULL) {
		snprintf(err, errlen, "host services table is incomplete");
		return -1;
	}
	jwt_host = jwt_services = services;
	if (jwt_plugin_load(1, err, errlen) != 0) {
		jwt_plugin_fini();
		return -1;
	}
	return 0;
}

static int
jwt_plugin_reload(char *err, size_t errlen)
{
	if (jwt_services == NULL) {
		snprintf(err, errlen, "not initialised");
		return -1;
	}
	return jwt_plugin_load(0, err, errlen);
}

static void
jwt_plugin_fini(void)
{
	struct jwt_state *old;

	pthread_mutex_lock(&jwt_lock);
	old = jwt_current;
	jwt_current = NULL;
	pthread_mutex_unlock(&jwt_lock);
	jwt_plugin_release(old);
	/* The host frees the script states itself. */
	jwt_claims_hook = NULL;
	jwt_response_hook = NULL;
	free(jwt_claims_path);
	free(jwt_response_path);
	jwt_claims_path = NULL;
	jwt_response_path = NULL;
	jwt_discovery_clear(&jwt_found);
	free(jwt_found_for);
	jwt_found_for = NULL;
	jwt_trust_clear();
	jwt_services = jwt_host = NULL;
}

static void
jwt_plugin_set(struct pvacms_authn_result *res, int status,
    const char *reason)
{
	res->verdict = jwt_status_verdict(status);
	res->http_status = jwt_status_http(status);
	snprintf(res->code, sizeof(res->code), "%s", jwt_status_code(status));
	snprintf(res->reason, sizeof(res->reason), "%s", reason);
}

/*
 * With a 503: when a retry may succeed.  Only a host of ABI 1.3 has the
 * member (an older one hands us a shorter result).
 */
static void
jwt_plugin_retry(struct pvacms_authn_result *res, int seconds)
{
	if (seconds > 0 && res->http_status == 503 &&
	    PVACMS_AUTHN_ABI_GET_MINOR(jwt_services->version) >= 3)
		res->retry_after = seconds;
}

/*
 * Step 5: ask the validator (or, offline, judge the saved answer, or
 * skip).  Returns JWT_OK or a jwt_status with the reason in why; on
 * JWT_OK offline, why holds the text of the Remote Check line.
 */
static int
jwt_plugin_remote(struct jwt_config *cfg, const char *tok, size_t len,
    const char *kid, int offline, const struct pvacms_http_response *saved,
    char *why, size_t whylen)
{
	struct pvacms_http_response resp;
	int status;

	if (offline && saved == NULL) {
		snprintf(why, whylen, "skipped: no --response given");
		return JWT_OK;
	}
	if (offline)
		status = jwt_hooks_judge(jwt_services, jwt_response_hook, cfg,
		    saved, why, whylen);
	else {
		if ((status = jwt_remote_fetch(jwt_services, cfg, tok, len,
		    kid, &resp, why, whylen)) != JWT_OK)
			return status;
		status = jwt_hooks_judge(jwt_services, jwt_response_hook, cfg,
		    &resp, why, whylen);
		/* The site's problem: show what the validator said. */
		if (status == JWT_VALIDATOR_ERROR ||
		    status == JWT_VALIDATOR_AUTH) {
			char ex[JWT_EXCERPT_MAX + 8];
			size_t n = strlen(why);

			jwt_remote_excerpt(ex, sizeof(ex), resp.body,
			    resp.body_len, tok, len);
			if (n + 12 < whylen)
				snprintf(why + n, whylen - n, ": answer '%s'",
				    ex);
		}
		jwt_services->http_free(&resp);
	}
	if (status == JWT_OK)
		snprintf(why, whylen, "validator answer accepted");
	return status;
}

/*
 * Step 5b: a token bound to a key (cnf) goes with that key only.  Only a
 * host of ABI 1.4 names the key; with an older one a bound token cannot
 * be checked and is refused.  A dry run has no key: it checks the cnf's
 * form and says in note that the comparison was skipped.  Returns JWT_OK
 * or a jwt_status with the reason in why.
 */
static int
jwt_plugin_cnf(const struct pvacms_authn_request *req,
    const struct jwt_token *tok, int offline, char *note, size_t notelen,
    char *why, size_t whylen)
{
	const unsigned char *der = NULL;
	const char *jkt;
	size_t len = 0;
	int status;

	if (PVACMS_AUTHN_ABI_GET_MINOR(jwt_services->version) >= 4) {
		der = req->spki_der;
		len = req->spki_der_len;
	}
	if (offline && der == NULL) {
		if ((status = jwt_cnf_jkt(tok->claims, &jkt, why, whylen)) ==
		    JWT_OK && jkt != NULL)
			snprintf(note, notelen, "key binding (cnf.jkt) not "
			    "checked: a dry run has no key");
		return status;
	}
	return jwt_cnf_check(tok->claims, der, len, why, whylen);
}

/*
 * The one decision behind verify() and dry_run(): offline never touches
 * the network (saved is the answer to judge, or NULL to skip).
 */
static void
jwt_plugin_decide(const struct pvacms_authn_request *req, int offline,
    const struct pvacms_http_response *saved,
    struct pvacms_authn_result *res)
{
	struct jwt_state *st;
	struct jwt_config *cfg, pick, *rcfg = NULL;
	struct jwt_token tok;
	struct jwt_identity id;
	char why[PVACMS_REASON_MAX], remote[PVACMS_REASON_MAX];
	char local[PVACMS_REASON_MAX], lwhy[PVACMS_REASON_MAX - 64];
	char note[128];
	const char *p, *base = NULL;
	size_t len;
	long ipick = -1;
	int status, approval = 0, retry = 0, is_jwt = 1;

	memset(&tok, 0, sizeof(tok));
	remote[0] = local[0] = note[0] = '\0';
	if ((st = jwt_plugin_acquire()) == NULL) {
		jwt_plugin_set(res, JWT_INTERNAL, "jwt plugin not configured");
		return;
	}
	cfg = st->cfg;

	p = req->credential != NULL ? req->credential : "";
	len = req->credential != NULL ? req->credential_len : 0;
	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
	    p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;

	/* Introspection also takes opaque tokens; every other mode JWTs. */
	if (cfg->mode & JWT_MODE_INTROSPECT)
		is_jwt = jwt_introspect_is_jwt(p, len);
	if (!is_jwt)
		status = jwt_introspect_opaque_ok(p, len, why, sizeof(why));
	else
		status = jwt_token_parse(p, len, &tok, why, sizeof(why));
	if (status != JWT_OK) {
		jwt_plugin_set(res, status, why);
		goto out;
	}
	if (is_jwt && !jwt_config_type_ok(cfg, tok.typ, why, sizeof(why))) {
		jwt_plugin_set(res, JWT_TYPE_NOT_ALLOWED, why);
		goto out;
	}
	if (is_jwt)
		jwt_plugin_audit(res, &tok);

	/* The one trusted URI (or issuer) the token belongs to. */
	if (cfg->mode & JWT_MODE_REMOTE) {
		if (jwt_config_pick(cfg, tok.iss, &pick, why,
		    sizeof(why)) != 0) {
			jwt_plugin_set(res, JWT_ISSUER_MISMATCH, why);
			goto out;
		}
		pick.cred = jwt_creds_get(st->creds, pick.pick);
		rcfg = &pick;
		base = rcfg->trusted_uri;
	}
	if (cfg->mode & JWT_MODE_INTROSPECT) {
		if ((ipick = jwt_config_issuer(cfg, is_jwt, tok.iss, why,
		    sizeof(why))) < 0) {
			jwt_plugin_set(res, JWT_ISSUER_MISMATCH, why);
			goto out;
		}
		base = cfg->issuers[ipick];
	}
	if (is_jwt && (status = jwt_claims_check(&tok, req->now, cfg->leeway,
	    why, sizeof(why))) != JWT_OK) {
		jwt_plugin_set(res, status, why);
		goto out;
	}
	/* Local before remote: a forged token never reaches the validator. */
	if (is_jwt && st->local != NULL) {
		status = jwt_local_verify(st->local, p, len, &tok, req->now,
		    cfg->leeway, offline, &retry, lwhy, sizeof(lwhy));
		if (status == JWT_JWKS_UNREACHABLE && offline)
			snprintf(local, sizeof(local), "local check skipped:"
			    " %s", lwhy);
		else if (status != JWT_OK) {
			/* A kid flood is not worth a warning per token. */
			if (jwt_status_verdict(status) == PVACMS_ERROR &&
			    status != JWT_JWKS_REFRESH_PENDING && !offline)
				jwt_services->log(PVACMS_LOG_WARN, "%s", lwhy);
			jwt_plugin_set(res, status, lwhy);
			jwt_plugin_retry(res, retry);
			goto out;
		} else
			snprintf(local, sizeof(local), "signature verified"
			    " locally");
	}
	if (ipick >= 0) {
		status = jwt_introspect_step(jwt_services, cfg,
		    jwt_creds_get(st->creds, (size_t)ipick), (size_t)ipick, p,
		    len, is_jwt, offline, saved, &tok, remote, sizeof(remote));
		if (status != JWT_OK) {
			if (jwt_status_verdict(status) == PVACMS_ERROR &&
			    !offline)
				jwt_services->log(PVACMS_LOG_WARN, "issuer %s: %s",
				    cfg->issuers[ipick], remote);
			jwt_plugin_set(res, status, remote);
			goto out;
		}
		if (!is_jwt) {
			jwt_plugin_audit(res, &tok);
			if ((status = jwt_claims_check(&tok, req->now,
			    cfg->leeway, why, sizeof(why))) != JWT_OK) {
				jwt_plugin_set(res, status, why);
				goto out;
			}
		}
	}
	if (jwt_claims_identity(&tok, base, req->now, &id, why,
	    sizeof(why)) != 0) {
		jwt_plugin_set(res, JWT_MALFORMED, why);
		goto out;
	}
	if (rcfg != NULL && (status = jwt_plugin_remote(rcfg, p, len, tok.kid,
	    offline, saved, remote, sizeof(remote))) != JWT_OK) {
		if (jwt_status_verdict(status) == PVACMS_ERROR && !offline)
			jwt_services->log(PVACMS_LOG_WARN, "%s", remote);
		jwt_plugin_set(res, status, remote);
		goto out;
	}
	if ((status = jwt_plugin_cnf(req, &tok, offline, note, sizeof(note),
	    why, sizeof(why))) != JWT_OK) {
		jwt_plugin_set(res, status, why);
		goto out;
	}
	if (jwt_claims_hook != NULL && (status = jwt_hooks_claims(jwt_services,
	    jwt_claims_hook, &tok, req->usage, &id, &approval, why,
	    sizeof(why))) != JWT_OK) {
		jwt_plugin_set(res, status, why);
		goto out;
	}
	res->verdict = PVACMS_ALLOW;
	snprintf(res->cn, sizeof(res->cn), "%s", id.cn);
	snprintf(res->o, sizeof(res->o), "%s", id.o);
	snprintf(res->ou, sizeof(res->ou), "%s", id.ou);
	snprintf(res->c, sizeof(res->c), "%s", id.c);
	res->not_before = id.not_before;
	res->not_after = id.not_after;
	res->approval = approval;
	res->admin = id.admin;
	if (offline)
		snprintf(res->reason, sizeof(res->reason), "%s%s%s%s%s", local,
		    local[0] != '\0' && remote[0] != '\0' ? "; " : "", remote,
		    note[0] != '\0' && (local[0] != '\0' ||
		    remote[0] != '\0') ? "; " : "", note);
out:
	jwt_token_free(&tok);
	jwt_plugin_release(st);
}

/* sub, iss and jti for the audit line, made safe. */
static void
jwt_plugin_audit(struct pvacms_authn_result *res, const struct jwt_token *tok)
{
	if (tok->sub != NULL && jwt_claims_subject_ok(tok->sub))
		snprintf(res->sub, sizeof(res->sub), "%s", tok->sub);
	else
		jwt_status_sanitize(res->sub, sizeof(res->sub), tok->sub, 200);
	jwt_status_sanitize(res->iss, sizeof(res->iss), tok->iss, 200);
	jwt_status_sanitize(res->jti, sizeof(res->jti), tok->jti, 200);
}

static void
jwt_plugin_verify(const struct pvacms_authn_request *req,
    struct pvacms_authn_result *res)
{
	jwt_plugin_decide(req, 0, NULL, res);
}

static void
jwt_plugin_dry_run(const struct pvacms_authn_request *req,
    const struct pvacms_http_response *saved,
    struct pvacms_authn_result *res)
{
	jwt_plugin_decide(req, 1, saved, res);
}
