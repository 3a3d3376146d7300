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
 *      interpret_response hook (validator_rejected, validator_error,
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

#include "pvacms/authn.h"

#include "jwt_claims.h"
#include "jwt_cnf.h"
#include "jwt_config.h"
#include "jwt_hooks.h"
#include "jwt_local.h"
#include "jwt_remote.h"
#include "jwt_status.h"
#include "jwt_token.h"

struct jwt_state {
	struct jwt_config *cfg;
	struct jwt_local *local;	/* local and both modes, else NULL */
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
static void	jwt_plugin_fini(void);
static struct jwt_state *jwt_plugin_acquire(void);
static void	jwt_plugin_release(struct jwt_state *st);
static void	jwt_plugin_set(struct pvacms_authn_result *res, int status,
		    const char *reason);
static void	jwt_plugin_retry(struct pvacms_authn_result *res,
		    int seconds);

static const struct pvacms_host_services *jwt_services;
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
	const char *trusted;
	size_t i;

	if ((cfg = jwt_config_load(jwt_services->config_get, err,
	    errlen)) == NULL)
		return -1;
	/* Pinned key files and secrets are read now; JWKS URLs lazily. */
	if ((cfg->mode & JWT_MODE_LOCAL) && (local = jwt_local_load(
	    jwt_services->config_get, jwt_services, cfg->timeout_ms, err,
	    errlen)) == NULL) {
		jwt_config_free(cfg);
		return -1;
	}
	if (first && jwt_plugin_hooks_load(cfg, err, errlen) != 0) {
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
		jwt_local_free(local);
		jwt_config_free(cfg);
		return -1;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		jwt_local_free(local);
		jwt_config_free(cfg);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->cfg = cfg;
	st->local = local;
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
	    "remote", cfg->leeway, cfg->timeout_ms);
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
	jwt_services = services;
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
	jwt_services = NULL;
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
	const char *p;
	size_t len;
	int status, approval = 0, retry = 0;

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

	if ((status = jwt_token_parse(p, len, &tok, why, sizeof(why))) !=
	    JWT_OK) {
		jwt_plugin_set(res, status, why);
		goto out;
	}
	if (tok.sub != NULL && jwt_claims_subject_ok(tok.sub))
		snprintf(res->sub, sizeof(res->sub), "%s", tok.sub);
	else
		jwt_status_sanitize(res->sub, sizeof(res->sub), tok.sub, 200);
	jwt_status_sanitize(res->iss, sizeof(res->iss), tok.iss, 200);
	jwt_status_sanitize(res->jti, sizeof(res->jti), tok.jti, 200);

	/* The one trusted URI this iss belongs to: no fallthrough. */
	if (cfg->mode & JWT_MODE_REMOTE) {
		if (jwt_config_pick(cfg, tok.iss, &pick, why,
		    sizeof(why)) != 0) {
			jwt_plugin_set(res, JWT_ISSUER_MISMATCH, why);
			goto out;
		}
		rcfg = &pick;
	}
	if ((status = jwt_claims_check(&tok, req->now, cfg->leeway, why,
	    sizeof(why))) != JWT_OK) {
		jwt_plugin_set(res, status, why);
		goto out;
	}
	if (jwt_claims_identity(&tok, rcfg != NULL ? rcfg->trusted_uri : NULL,
	    req->now, &id, why, sizeof(why)) != 0) {
		jwt_plugin_set(res, JWT_MALFORMED, why);
		goto out;
	}
	/* Local before remote: a forged token never reaches the validator. */
	if (st->local != NULL) {
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
