/*
 * conf.h - the daemon's configuration: one table of options, each with
 * a long flag and an EPICS_* variable (flags win), parsed and checked
 * once at startup.  The offline actions (--dry-run, --admin-keychain-new)
 * and their flags are the exception: flags only.  Flags that belong to a
 * plugin (e.g. --jwt-*) are kept
 * aside and handed to the plugin through conf_plugin_value().
 */
#ifndef PVACMS_CONF_H
#define PVACMS_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netinet/in.h>

#include "pvacms/authn.h"

#define CONF_MAX_PVAS_ADDRS 8	/* addresses of the PVAccess front */

struct listen_addr {
	char host[64];		/* numeric or name, without brackets */
	unsigned short port;	/* 0 = ephemeral */
};

struct config {
	int help, version, verbose;

	char *ca_keychain, *ca_keychain_pwd_file;
	char *tls_keychain, *tls_keychain_pwd_file;
	char *admin_keychain, *admin_keychain_pwd_file;
	char *ca_file;
	char *db_path;
	char *audit_log;
	char *ca_name, *ca_org, *ca_org_unit, *ca_country;
	char *https_listen_text, *http_listen_text;
	struct listen_addr https_listen, http_listen;
	char *status_url;	/* NULL: derived from the bound HTTP address */
	char *hostnames;	/* space-separated */
	char *plugin_dir;
	char *authenticators;	/* space-separated; NULL: every plugin */
	char *plugins;		/* older name of authenticators */
	char *admins;		/* space-separated CNs */
	char *listen_info;
	int status_validity_mins;
	int cert_validity_mins;	/* when the authenticator names no end */
	int workers;

	/* Connections (connguard.c): caps, and timeouts in seconds. */
	int max_conns, max_conns_per_peer;
	int header_timeout, body_timeout, idle_timeout;

	/* The PVAccess front (DESIGN §10). */
	char *pva;		/* "yes" or "no" */
	int pva_on;		/* pva, checked */
	char *pvas_intf_addr_list;	/* space-separated addresses */
	struct in_addr pvas_addrs[CONF_MAX_PVAS_ADDRS];	/* ... parsed */
	size_t n_pvas_addrs;
	int pvas_server_port;	/* TCP; 0 = ephemeral */
	int pvas_broadcast_port;	/* UDP search; 0 = ephemeral */
	char *require_subscription;	/* YES, NO or DEFAULT */

	/* Lua hooks: limits per script state and per call. */
	int lua_memory_mb;
	int lua_timeout_ms;

	/* --dry-run and the flags that only it takes (no variables). */
	int dry_run;
	char *dry_token;		/* --token FILE (required) */
	char *dry_usage;		/* --usage, default "client" */
	char *dry_response;		/* --response FILE, or NULL */
	int dry_response_status;	/* --response-status, default 200 */
	int64_t dry_now;		/* --now EPOCH; -1: the current time */

	/* --admin-keychain-new NAME [--out FILE]: flags only, offline. */
	char *admin_new;		/* the new administrator's CN */
	char *admin_out;		/* where its keychain goes, or NULL */

	/* --flag value pairs not in the host table, for plugins. */
	size_t n_extra;
	char **extra_flags;	/* without leading dashes */
	char **extra_values;
	int *extra_used;
};

/*
 * Fill cfg from the environment, then argv.  Returns 0, or -1 with a
 * one-line reason in err (a usage error: exit 2).  Free with conf_free.
 */
int conf_load(struct config *cfg, int argc, char **argv, char *err,
    size_t errlen);
void conf_free(struct config *cfg);

/* Print the usage text to fp, listing plugin options too when given. */
void conf_usage(FILE *fp);

/*
 * The value a plugin option has: the --flag if given (marking it used),
 * else the environment variable.  NULL when unset.  Borrowed.
 */
const char *conf_plugin_value(struct config *cfg,
    const struct pvacms_authn_option *opts, const char *env_name);

/* -1 with err naming the first --flag no table claimed; else 0. */
int conf_check_unused(const struct config *cfg,
    const struct pvacms_authn_option *const *plugin_opts, size_t nplugins,
    char *err, size_t errlen);

/* Parse "host:port", "[v6]:port" or ":port".  0 or -1 with err. */
int conf_parse_listen(const char *text, struct listen_addr *out,
    char *err, size_t errlen);

#endif
