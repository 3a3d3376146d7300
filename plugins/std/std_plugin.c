/*
 * std_plugin.c - the "std" authenticator plugin of pvacms: the one
 * exported symbol, its lifecycle and its decision.
 *
 * "std" is the EPICS reference's default authenticator, what PVXS's
 * authnstd sends over PVAccess (CERT:CREATE, type "std", an empty
 * verifier).  Nothing in such a request proves who sent it: the caller
 * names its own subject and sends a bare public key, so it has shown
 * neither an identity nor that it holds the private key (key_proven is 0).
 * The plugin therefore checks only that the subject is well formed and
 * leaves the trust decision to an administrator: by default every
 * certificate starts in PENDING_APPROVAL (pvxcert -A approves it).  A
 * site may turn approval off per usage (std_config.c).  Re-approving a
 * subject that was approved before is the host's job, since it needs the
 * certificate database.
 *
 * The decision reads request members added in ABI 1.4, so the plugin
 * refuses to start on an older host, and verify() refuses to read them
 * from one.  verify() runs concurrently in the host's worker threads; the
 * settings are a small struct copied under a lock, so a reload() never
 * shows a request half of the old and half of the new settings.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pvacms/authn.h"

#include "std_config.h"
#include "std_subject.h"

#define STD_NEEDS_MINOR 4	/* name, organization, ... arrived in 1.4 */

static int	std_plugin_init(const struct pvacms_host_services *services,
		    char *err, size_t errlen);
static int	std_plugin_load(const struct pvacms_host_services *services,
		    char *err, size_t errlen);
static int	std_plugin_reload(char *err, size_t errlen);
static void	std_plugin_verify(const struct pvacms_authn_request *req,
		    struct pvacms_authn_result *res);
static void	std_plugin_dry_run(const struct pvacms_authn_request *req,
		    const struct pvacms_http_response *saved,
		    struct pvacms_authn_result *res);
static void	std_plugin_fini(void);
static void	std_plugin_refuse(struct pvacms_authn_result *res,
		    int verdict, const char *code, int http_status,
		    const char *reason);
static const char *std_plugin_usage_name(int usage);

static pthread_mutex_t std_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct pvacms_host_services *std_services; /* NULL: not ready */
static struct std_config std_current;

static const struct pvacms_authn_option std_options[] = {
	{ STD_CONFIG_ALL_FLAG, STD_CONFIG_ALL_ENV,
	    "yes|no: std certificates wait for approval (default yes)" },
	{ "require-client-approval", "EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL",
	    "yes|no: for client certificates (default: require-approval)" },
	{ "require-server-approval", "EPICS_PVACMS_REQUIRE_SERVER_APPROVAL",
	    "yes|no: for server certificates (default: require-approval)" },
	{ "require-ioc-approval", "EPICS_PVACMS_REQUIRE_IOC_APPROVAL",
	    "yes|no: for ioc certificates (default: require-approval)" },
	{ NULL, NULL, NULL }
};

__attribute__((visibility("default")))
struct pvacms_authn_plugin pvacms_authn_plugin = {
	.abi_version = PVACMS_AUTHN_ABI_VERSION,
	.name = "std",
	.description = "PVXS authnstd: self-named subject, held for approval",
	.options = std_options,
	.init = std_plugin_init,
	.reload = std_plugin_reload,
	.verify = std_plugin_verify,
	.fini = std_plugin_fini,
	.dry_run = std_plugin_dry_run,
};

static const char *
std_plugin_usage_name(int usage)
{
	switch (usage) {
	case PVACMS_USAGE_CLIENT:
		return "client";
	case PVACMS_USAGE_SERVER:
		return "server";
	case PVACMS_USAGE_IOC:
		return "ioc";
	}
	return "?";
}

/* Read the settings and make them current; on -1 the old ones stay. */
static int
std_plugin_load(const struct pvacms_host_services *services, char *err,
    size_t errlen)
{
	struct std_config cfg;
	size_t i;
	int u;

	if (std_config_load(services->config_get, &cfg, err, errlen) != 0)
		return -1;
	pthread_mutex_lock(&std_lock);
	std_current = cfg;
	std_services = services;
	pthread_mutex_unlock(&std_lock);

	services->log(PVACMS_LOG_INFO, "std certificates need approval:"
	    " client %s, server %s, ioc %s",
	    cfg.approval[PVACMS_USAGE_CLIENT] ? "yes" : "no",
	    cfg.approval[PVACMS_USAGE_SERVER] ? "yes" : "no",
	    cfg.approval[PVACMS_USAGE_IOC] ? "yes" : "no");
	/* Without approval nothing at all stands between a caller and a
	 * certificate in any name it likes: say so every time. */
	for (i = 0; i < sizeof(std_config_vars) / sizeof(std_config_vars[0]);
	    i++) {
		u = std_config_vars[i].usage;
		if (!cfg.approval[u])
			services->log(PVACMS_LOG_WARN, "std %s certificates"
			    " are issued without approval to anyone who asks",
			    std_plugin_usage_name(u));
	}
	return 0;
}

static int
std_plugin_init(const struct pvacms_host_services *services, char *err,
    size_t errlen)
{
	unsigned int major, minor;

	/* Whatever an earlier init left must not outlive a failed one. */
	std_plugin_fini();
	if (services == NULL) {
		snprintf(err, errlen, "no host services");
		return -1;
	}
	major = PVACMS_AUTHN_ABI_GET_MAJOR(services->version);
	minor = PVACMS_AUTHN_ABI_GET_MINOR(services->version);
	if (major != PVACMS_AUTHN_ABI_MAJOR) {
		snprintf(err, errlen, "host services ABI %u.%u, expected %u.x",
		    major, minor, PVACMS_AUTHN_ABI_MAJOR);
		return -1;
	}
	if (minor < STD_NEEDS_MINOR) {
		snprintf(err, errlen, "host plugin ABI %u.%u is older than"
		    " %u.%u: std needs the requested subject (name,"
		    " organization, ...) that %u.%u added", major, minor,
		    PVACMS_AUTHN_ABI_MAJOR, STD_NEEDS_MINOR,
		    PVACMS_AUTHN_ABI_MAJOR, STD_NEEDS_MINOR);
		return -1;
	}
	if (services->size < offsetof(struct pvacms_host_services,
	    http_fetch) || services->log == NULL ||
	    services->config_get == NULL) {
		snprintf(err, errlen, "host services table is incomplete");
		return -1;
	}
	return std_plugin_load(services, err, errlen);
}

static int
std_plugin_reload(char *err, size_t errlen)
{
	const struct pvacms_host_services *services;

	pthread_mutex_lock(&std_lock);
	services = std_services;
	pthread_mutex_unlock(&std_lock);
	if (services == NULL) {
		snprintf(err, errlen, "not initialised");
		return -1;
	}
	return std_plugin_load(services, err, errlen);
}

static void
std_plugin_fini(void)
{
	pthread_mutex_lock(&std_lock);
	std_services = NULL;
	memset(&std_current, 0, sizeof(std_current));
	pthread_mutex_unlock(&std_lock);
}

static void
std_plugin_refuse(struct pvacms_authn_result *res, int verdict,
    const char *code, int http_status, const char *reason)
{
	res->verdict = verdict;
	res->http_status = http_status;
	snprintf(res->code, sizeof(res->code), "%s", code);
	snprintf(res->reason, sizeof(res->reason), "%s", reason);
}

static void
std_plugin_verify(const struct pvacms_authn_request *req,
    struct pvacms_authn_result *res)
{
	const struct pvacms_host_services *services;
	struct std_config cfg;
	struct std_subject subj;
	char why[PVACMS_REASON_MAX];

	pthread_mutex_lock(&std_lock);
	services = std_services;
	cfg = std_current;
	pthread_mutex_unlock(&std_lock);

	snprintf(res->iss, sizeof(res->iss), "std");
	if (services == NULL) {
		std_plugin_refuse(res, PVACMS_ERROR, "internal", 500,
		    "std plugin not initialised");
		return;
	}
	/* Before 1.4 the request ends at `now`: reading on would overrun. */
	if (PVACMS_AUTHN_ABI_GET_MINOR(services->version) < STD_NEEDS_MINOR) {
		std_plugin_refuse(res, PVACMS_ERROR, "internal", 500,
		    "host too old for std requests (needs plugin ABI 1.4)");
		return;
	}
	std_subject_audit(res->sub, sizeof(res->sub), req->name);
	if (std_subject_check(req->name, req->organization,
	    req->organization_unit, req->country, &subj, why,
	    sizeof(why)) != 0) {
		std_plugin_refuse(res, PVACMS_DENY, "bad_request", 400, why);
		return;
	}
	if (req->usage < PVACMS_USAGE_CLIENT || req->usage > PVACMS_USAGE_IOC) {
		snprintf(why, sizeof(why), "usage %d is not client (1), server"
		    " (2) or ioc (3)", req->usage);
		std_plugin_refuse(res, PVACMS_DENY, "bad_request", 400, why);
		return;
	}

	/*
	 * key_proven is 0 for every PVAccess request (a bare public key) and
	 * is accepted: nothing else here is proven either, and approval is
	 * the gate for both.
	 */
	res->verdict = PVACMS_ALLOW;
	snprintf(res->cn, sizeof(res->cn), "%s", subj.cn);
	snprintf(res->o, sizeof(res->o), "%s", subj.o);
	snprintf(res->ou, sizeof(res->ou), "%s", subj.ou);
	snprintf(res->c, sizeof(res->c), "%s", subj.c);
	snprintf(res->sub, sizeof(res->sub), "%s", subj.cn);
	/* The host clamps both to the CA's validity. */
	if (req->requested_not_after > 0)
		res->not_after = req->requested_not_after;
	/* A start in the past means nothing; one in the future is kept. */
	if (req->requested_not_before > req->now)
		res->not_before = req->requested_not_before;
	res->approval = cfg.approval[req->usage];
}

/* Nothing here touches the network, so a dry run is the same decision. */
static void
std_plugin_dry_run(const struct pvacms_authn_request *req,
    const struct pvacms_http_response *saved,
    struct pvacms_authn_result *res)
{
	(void)saved;
	std_plugin_verify(req, res);
}
