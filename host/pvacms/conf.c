/*
 * conf.c - option table, environment and command-line parsing for the
 * daemon.  Every option has a long flag and an EPICS_* variable; values
 * are read from the environment first and overridden by flags.  Values
 * are checked here so that a bad one stops startup with a message that
 * names the flag or variable.
 */
#include "config.h"	/* autoconf */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert.h"
#include "conf.h"
#include "paths.h"

/*
 * OPT_STR, OPT_LISTEN: a char * member.  OPT_INT: an int member, OPT_I64
 * an int64_t one, both within [min, max].  OPT_FLAG: an int member set
 * to 1, takes no value.  env is NULL for flag-only options.
 */
enum opt_kind { OPT_STR, OPT_INT, OPT_LISTEN, OPT_FLAG, OPT_I64 };

struct opt_def {
	const char *flag;	/* long flag without dashes */
	char shortopt;		/* 0 if none */
	const char *env;	/* NULL: no variable */
	const char *metavar;	/* "" for OPT_FLAG */
	const char *help;
	enum opt_kind kind;
	size_t offset;		/* of the char * member in struct config */
	long long min, max;	/* OPT_INT, OPT_I64 bounds */
	size_t int_offset;	/* of the int (int64_t) member */
};

#define S(m) offsetof(struct config, m)
#define I(m) offsetof(struct config, m)

static const struct opt_def opt_defs[] = {
	{ "cert-auth-keychain", 0, "EPICS_CERT_AUTH_TLS_KEYCHAIN", "FILE",
	  "CA keychain (key and certificate, PKCS#12)", OPT_STR,
	  S(ca_keychain), 0, 0, 0 },
	{ "cert-auth-keychain-pwd", 0, "EPICS_CERT_AUTH_TLS_KEYCHAIN_PWD_FILE",
	  "FILE", "file holding the CA keychain password", OPT_STR,
	  S(ca_keychain_pwd_file), 0, 0, 0 },
	{ "pvacms-keychain", 0, "EPICS_PVACMS_TLS_KEYCHAIN", "FILE",
	  "the service's own TLS keychain", OPT_STR, S(tls_keychain), 0, 0,
	  0 },
	{ "pvacms-keychain-pwd", 0, "EPICS_PVACMS_TLS_KEYCHAIN_PWD_FILE",
	  "FILE", "file holding the TLS keychain password", OPT_STR,
	  S(tls_keychain_pwd_file), 0, 0, 0 },
	{ "admin-keychain", 0, "EPICS_ADMIN_TLS_KEYCHAIN", "FILE",
	  "bootstrap admin keychain", OPT_STR, S(admin_keychain), 0, 0, 0 },
	{ "admin-keychain-pwd", 0, "EPICS_ADMIN_TLS_KEYCHAIN_PWD_FILE", "FILE",
	  "file holding the admin keychain password", OPT_STR,
	  S(admin_keychain_pwd_file), 0, 0, 0 },
	{ "ca-file", 0, "EPICS_PVACMS_CA_FILE", "FILE",
	  "where to publish the CA certificate (PEM)", OPT_STR, S(ca_file),
	  0, 0, 0 },
	{ "cert-db", 'd', "EPICS_PVACMS_DB", "FILE",
	  "certificate database (SQLite)", OPT_STR, S(db_path), 0, 0, 0 },
	{ "audit-log", 0, "EPICS_PVACMS_AUDIT_LOG", "FILE",
	  "audit log, one JSON line per decision (- for stderr)", OPT_STR,
	  S(audit_log), 0, 0, 0 },
	{ "cert-auth-name", 0, "EPICS_CERT_AUTH_NAME", "NAME",
	  "CA common name", OPT_STR, S(ca_name), 0, 0, 0 },
	{ "cert-auth-org", 0, "EPICS_CERT_AUTH_ORGANIZATION", "ORG",
	  "CA organization", OPT_STR, S(ca_org), 0, 0, 0 },
	{ "cert-auth-org-unit", 0, "EPICS_CERT_AUTH_ORGANIZATIONAL_UNIT", "OU",
	  "CA organizational unit", OPT_STR, S(ca_org_unit), 0, 0, 0 },
	{ "cert-auth-country", 0, "EPICS_CERT_AUTH_COUNTRY", "CC",
	  "CA country (two letters)", OPT_STR, S(ca_country), 0, 0, 0 },
	{ "https-listen", 0, "EPICS_PVACMS_HTTPS_LISTEN", "ADDR:PORT",
	  "HTTPS listener: certificate requests", OPT_LISTEN,
	  S(https_listen_text), 0, 0, 0 },
	{ "http-listen", 0, "EPICS_PVACMS_HTTP_LISTEN", "ADDR:PORT",
	  "HTTP listener: status only", OPT_LISTEN, S(http_listen_text), 0,
	  0, 0 },
	{ "status-url", 0, "EPICS_PVACMS_STATUS_URL", "URL",
	  "status base URL put in certificates", OPT_STR, S(status_url), 0,
	  0, 0 },
	{ "hostnames", 0, "EPICS_PVACMS_HOSTNAMES", "\"NAME ...\"",
	  "extra names for the service TLS certificate", OPT_STR,
	  S(hostnames), 0, 0, 0 },
	{ "plugin-dir", 0, "EPICS_PVACMS_PLUGIN_DIR", "DIR",
	  "where authenticator plugins live", OPT_STR, S(plugin_dir), 0, 0,
	  0 },
	{ "authenticators", 0, "EPICS_PVACMS_AUTHENTICATORS", "\"NAME ...\"",
	  "authenticator plugins that serve (default: every plugin in the "
	  "plugin directory)", OPT_STR, S(authenticators), 0, 0, 0 },
	{ "plugins", 0, "EPICS_PVACMS_PLUGINS", "\"NAME ...\"",
	  "older name of --authenticators", OPT_STR, S(plugins), 0, 0, 0 },
	{ "cert-validity-mins", 0, "EPICS_PVACMS_CERT_VALIDITY_MINS", "MINS",
	  "lifetime of a certificate whose authenticator names none "
	  "(std; default 30 days)", OPT_INT, 0, 1, 5256000,
	  offsetof(struct config, cert_validity_mins) },
	{ "status-validity-mins", 0, "EPICS_PVACMS_CERT_STATUS_VALIDITY_MINS",
	  "MINS", "lifetime of a status answer", OPT_INT, 0, 1, 1440,
	  offsetof(struct config, status_validity_mins) },
	{ "admins", 0, "EPICS_PVACMS_ADMINS", "\"CN ...\"",
	  "opt-in: these CNs are administrators (default none)", OPT_STR,
	  S(admins), 0, 0, 0 },
	{ "workers", 0, "EPICS_PVACMS_WORKERS", "N",
	  "verification threads", OPT_INT, 0, 1, 64,
	  offsetof(struct config, workers) },
	{ "max-connections", 0, "EPICS_PVACMS_MAX_CONNECTIONS", "N",
	  "connections held at once, all listeners", OPT_INT, 0, 16,
	  1000000, I(max_conns) },
	{ "max-connections-per-peer", 0,
	  "EPICS_PVACMS_MAX_CONNECTIONS_PER_PEER", "N",
	  "connections per IPv4 address or IPv6 /64", OPT_INT, 0, 1,
	  1000000, I(max_conns_per_peer) },
	{ "header-timeout", 0, "EPICS_PVACMS_HEADER_TIMEOUT", "SECS",
	  "from connect or request start to the end of headers", OPT_INT,
	  0, 1, 3600, I(header_timeout) },
	{ "body-timeout", 0, "EPICS_PVACMS_BODY_TIMEOUT", "SECS",
	  "from the end of headers to the end of the body", OPT_INT, 0, 1,
	  3600, I(body_timeout) },
	{ "idle-timeout", 0, "EPICS_PVACMS_IDLE_TIMEOUT", "SECS",
	  "keep-alive connection without a request", OPT_INT, 0, 1, 3600,
	  I(idle_timeout) },
	{ "pva", 0, "EPICS_PVACMS_PVA", "yes|no",
	  "the PVAccess front: status PVs for PVXS agents (default yes)",
	  OPT_STR, S(pva), 0, 0, 0 },
	{ "pvas-intf-addr-list", 0, "EPICS_PVAS_INTF_ADDR_LIST", "\"ADDR ...\"",
	  "PVAccess front: addresses to listen on (default 127.0.0.1)",
	  OPT_STR, S(pvas_intf_addr_list), 0, 0, 0 },
	{ "pvas-server-port", 0, "EPICS_PVAS_SERVER_PORT", "PORT",
	  "PVAccess front: TCP port (default 5075; 0 picks one)", OPT_INT,
	  0, 0, 65535, I(pvas_server_port) },
	{ "pvas-broadcast-port", 0, "EPICS_PVAS_BROADCAST_PORT", "PORT",
	  "PVAccess front: UDP search port (default 5076; 0 picks one)",
	  OPT_INT, 0, 0, 65535, I(pvas_broadcast_port) },
	{ "certs-require-subscription", 0,
	  "EPICS_PVACMS_CERTS_REQUIRE_SUBSCRIPTION", "YES|NO|DEFAULT",
	  "status extension in certificates (default DEFAULT)", OPT_STR,
	  S(require_subscription), 0, 0, 0 },
	{ "listen-info", 0, "EPICS_PVACMS_LISTEN_INFO", "FILE",
	  "write the bound addresses here once listening", OPT_STR,
	  S(listen_info), 0, 0, 0 },
	{ "lua-memory-mb", 0, "EPICS_PVACMS_LUA_MEMORY_MB", "MB",
	  "memory cap of each Lua hook script", OPT_INT, 0, 1, 1024,
	  I(lua_memory_mb) },
	{ "lua-timeout-ms", 0, "EPICS_PVACMS_LUA_TIMEOUT_MS", "MS",
	  "time budget of each Lua hook call", OPT_INT, 0, 1, 10000,
	  I(lua_timeout_ms) },
	/* The offline script test: flags only, see pvacms-lua(5). */
	{ "dry-run", 0, NULL, "",
	  "decide one token offline and print the result", OPT_FLAG, 0, 0,
	  0, I(dry_run) },
	{ "token", 0, NULL, "FILE",
	  "dry run: the token to decide", OPT_STR, S(dry_token), 0, 0, 0 },
	{ "usage", 0, NULL, "USAGE",
	  "dry run: client, server or ioc (default client)", OPT_STR,
	  S(dry_usage), 0, 0, 0 },
	{ "response", 0, NULL, "FILE",
	  "dry run: a saved validator answer to judge", OPT_STR,
	  S(dry_response), 0, 0, 0 },
	{ "response-status", 0, NULL, "N",
	  "dry run: its HTTP status (default 200)", OPT_INT, 0, 100, 599,
	  I(dry_response_status) },
	{ "now", 0, NULL, "EPOCH",
	  "dry run: the time to decide at (default now)", OPT_I64, 0, 0,
	  253402300799LL, I(dry_now) },
	/* Add an administrator, offline: flags only, see pvacms(8). */
	{ "admin-keychain-new", 0, NULL, "NAME",
	  "sign a keychain for administrator CN=NAME, then exit", OPT_STR,
	  S(admin_new), 0, 0, 0 },
	{ "out", 0, NULL, "FILE",
	  "with --admin-keychain-new: where to write it", OPT_STR,
	  S(admin_out), 0, 0, 0 },
};

#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

static int conf_set(struct config *, const struct opt_def *, const char *,
    const char *, char *, size_t);
static int conf_check_dry_run(struct config *, char *, size_t);
static int conf_check_pva(struct config *, char *, size_t);
static int conf_set_default(char **, char *);
static int conf_add_extra(struct config *, const char *, const char *);
static const struct opt_def *conf_find(const char *, char);

static char **
conf_member(struct config *cfg, const struct opt_def *d)
{
	return (char **)(void *)((char *)cfg + d->offset);
}

/* Assign one value, checking it; `source` names it in errors. */
static int
conf_set(struct config *cfg, const struct opt_def *d, const char *value,
    const char *source, char *err, size_t errlen)
{
	char *copy, *end;
	long long n;
	int64_t n64;

	if (d->kind == OPT_INT || d->kind == OPT_I64) {
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
		    n < d->min || n > d->max) {
			snprintf(err, errlen, "%s: expected a whole number "
			    "from %lld to %lld, got '%s'", source, d->min,
			    d->max, value);
			return -1;
		}
		if (d->kind == OPT_INT)
			*(int *)(void *)((char *)cfg + d->int_offset) = (int)n;
		else {
			n64 = (int64_t)n;
			memcpy((char *)cfg + d->int_offset, &n64, sizeof(n64));
		}
		return 0;
	}
	if (d->kind == OPT_LISTEN) {
		struct listen_addr la;
		char why[128];

		if (conf_parse_listen(value, &la, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", source, why);
			return -1;
		}
	}
	if ((copy = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*conf_member(cfg, d));
	*conf_member(cfg, d) = copy;
	return 0;
}

static int
conf_set_default(char **member, char *value)
{
	if (*member != NULL) {
		free(value);
		return 0;
	}
	*member = value;
	return value == NULL ? -1 : 0;
}

static const struct opt_def *
conf_find(const char *flag, char shortopt)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++) {
		if (flag != NULL && strcmp(opt_defs[i].flag, flag) == 0)
			return &opt_defs[i];
		if (shortopt != 0 && opt_defs[i].shortopt == shortopt)
			return &opt_defs[i];
	}
	return NULL;
}

static int
conf_add_extra(struct config *cfg, const char *flag, const char *value)
{
	size_t n = cfg->n_extra + 1;
	char **f, **v;
	int *u;

	if ((f = realloc(cfg->extra_flags, n * sizeof(*f))) == NULL)
		return -1;
	cfg->extra_flags = f;
	if ((v = realloc(cfg->extra_values, n * sizeof(*v))) == NULL)
		return -1;
	cfg->extra_values = v;
	if ((u = realloc(cfg->extra_used, n * sizeof(*u))) == NULL)
		return -1;
	cfg->extra_used = u;
	f[n - 1] = strdup(flag);
	v[n - 1] = strdup(value);
	u[n - 1] = 0;
	cfg->n_extra = n;
	return (f[n - 1] == NULL || v[n - 1] == NULL) ? -1 : 0;
}

int
conf_parse_listen(const char *text, struct listen_addr *out, char *err,
    size_t errlen)
{
	const char *colon, *host, *port;
	size_t hostlen;
	char *end;
	long n;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "expected [ADDRESS]:PORT, got "
			    "'%s'", text);
			return -1;
		}
		host = text + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
	} else {
		if ((colon = strrchr(text, ':')) == NULL ||
		    memchr(text, ':', (size_t)(colon - text)) != NULL) {
			snprintf(err, errlen, "expected ADDRESS:PORT, got "
			    "'%s'", text);
			return -1;
		}
		host = text;
		hostlen = (size_t)(colon - text);
		port = colon + 1;
	}
	if (hostlen == 0) {
		host = "0.0.0.0";
		hostlen = strlen(host);
	}
	if (hostlen >= sizeof(out->host)) {
		snprintf(err, errlen, "address too long in '%s'", text);
		return -1;
	}
	errno = 0;
	n = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || n < 0 ||
	    n > 65535 || !isdigit((unsigned char)*port)) {
		snprintf(err, errlen, "bad port in '%s' (expected 0 to "
		    "65535)", text);
		return -1;
	}
	memcpy(out->host, host, hostlen);
	out->host[hostlen] = '\0';
	out->port = (unsigned short)n;
	return 0;
}

int
conf_load(struct config *cfg, int argc, char **argv, char *err,
    size_t errlen)
{
	const struct opt_def *d;
	char source[128];
	size_t i;
	int a;

	memset(cfg, 0, sizeof(*cfg));
	cfg->status_validity_mins = 30;
	cfg->cert_validity_mins = 30 * 24 * 60;
	cfg->workers = 4;
	cfg->max_conns = 4096;
	cfg->max_conns_per_peer = 128;
	cfg->header_timeout = 10;
	cfg->body_timeout = 30;
	cfg->idle_timeout = 60;
	cfg->pvas_server_port = 5075;
	cfg->pvas_broadcast_port = 5076;
	cfg->lua_memory_mb = 16;
	cfg->lua_timeout_ms = 100;
	cfg->dry_now = -1;

	/* The environment first... */
	for (i = 0; i < N_OPTS; i++) {
		const char *v;

		if (opt_defs[i].env == NULL)
			continue;
		v = getenv(opt_defs[i].env);
		if (v == NULL || *v == '\0')
			continue;
		if (conf_set(cfg, &opt_defs[i], v, opt_defs[i].env, err,
		    errlen) != 0)
			return -1;
	}
	if (getenv("EPICS_PVACMS_VERBOSE") != NULL &&
	    strchr("yYtT1", getenv("EPICS_PVACMS_VERBOSE")[0]) != NULL)
		cfg->verbose = 1;

	/* ...then flags, which win. */
	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *value = NULL, *eq;
		char flag[96];

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			cfg->help = 1;
			continue;
		}
		if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			cfg->version = 1;
			continue;
		}
		if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			cfg->verbose = 1;
			continue;
		}
		if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0' &&
		    arg[2] == '\0') {
			d = conf_find(NULL, arg[1]);
			if (d == NULL) {
				snprintf(err, errlen, "unknown option %s", arg);
				return -1;
			}
			snprintf(flag, sizeof(flag), "%s", d->flag);
		} else if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
			eq = strchr(arg + 2, '=');
			if (eq != NULL) {
				snprintf(flag, sizeof(flag), "%.*s",
				    (int)(eq - arg - 2), arg + 2);
				value = eq + 1;
			} else
				snprintf(flag, sizeof(flag), "%s", arg + 2);
			d = conf_find(flag, 0);
		} else {
			snprintf(err, errlen, "unexpected argument '%s'", arg);
			return -1;
		}
		if (d != NULL && d->kind == OPT_FLAG) {
			if (value != NULL) {
				snprintf(err, errlen, "option --%s takes no "
				    "value", d->flag);
				return -1;
			}
			*(int *)(void *)((char *)cfg + d->int_offset) = 1;
			continue;
		}
		if (value == NULL) {
			if (a + 1 >= argc) {
				snprintf(err, errlen, "option --%s needs a "
				    "value", flag);
				return -1;
			}
			value = argv[++a];
		}
		if (d == NULL) {
			/* Perhaps a plugin's; checked once plugins load. */
			if (conf_add_extra(cfg, flag, value) != 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			continue;
		}
		snprintf(source, sizeof(source), "--%s", d->flag);
		if (conf_set(cfg, d, value, source, err, errlen) != 0)
			return -1;
	}

	/* Defaults for what is still unset. */
	if (conf_set_default(&cfg->ca_keychain,
	    paths_config_file("cert_auth.p12")) != 0 ||
	    conf_set_default(&cfg->tls_keychain,
	    paths_config_file("pvacms.p12")) != 0 ||
	    conf_set_default(&cfg->admin_keychain,
	    paths_config_file("admin.p12")) != 0 ||
	    conf_set_default(&cfg->ca_file,
	    paths_config_file("cert_auth.pem")) != 0 ||
	    conf_set_default(&cfg->db_path,
	    paths_data_file("certs.db")) != 0 ||
	    conf_set_default(&cfg->audit_log,
	    paths_data_file("audit.log")) != 0 ||
	    conf_set_default(&cfg->ca_name,
	    strdup("EPICS Root Certificate Authority")) != 0 ||
	    conf_set_default(&cfg->ca_org, strdup("certs.epics.org")) != 0 ||
	    conf_set_default(&cfg->ca_org_unit,
	    strdup("EPICS Certificate Authority")) != 0 ||
	    conf_set_default(&cfg->ca_country, strdup("US")) != 0 ||
	    conf_set_default(&cfg->https_listen_text,
	    strdup("127.0.0.1:8443")) != 0 ||
	    conf_set_default(&cfg->http_listen_text,
	    strdup("127.0.0.1:8089")) != 0 ||
	    conf_set_default(&cfg->admins, strdup("")) != 0 ||
	    conf_set_default(&cfg->hostnames, strdup("")) != 0 ||
	    conf_set_default(&cfg->pva, strdup("yes")) != 0 ||
	    conf_set_default(&cfg->pvas_intf_addr_list,
	    strdup("127.0.0.1")) != 0 ||
	    conf_set_default(&cfg->require_subscription,
	    strdup("DEFAULT")) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (strlen(cfg->ca_country) != 2 ||
	    !isupper((unsigned char)cfg->ca_country[0]) ||
	    !isupper((unsigned char)cfg->ca_country[1])) {
		snprintf(err, errlen, "CA country must be two capital "
		    "letters, got '%s'", cfg->ca_country);
		return -1;
	}
	if (cfg->status_url != NULL &&
	    strncmp(cfg->status_url, "http://", 7) != 0 &&
	    strncmp(cfg->status_url, "https://", 8) != 0) {
		snprintf(err, errlen, "status URL must start with http:// or "
		    "https://, got '%s'", cfg->status_url);
		return -1;
	}
	if (conf_check_pva(cfg, err, errlen) != 0 ||
	    conf_check_dry_run(cfg, err, errlen) != 0)
		return -1;
	if (cfg->admin_out != NULL && cfg->admin_new == NULL) {
		snprintf(err, errlen, "--out is only for --admin-keychain-new");
		return -1;
	}
	if (cfg->admin_new != NULL && cfg->dry_run) {
		snprintf(err, errlen, "--admin-keychain-new and --dry-run "
		    "cannot be combined");
		return -1;
	}
	(void)conf_parse_listen(cfg->https_listen_text, &cfg->https_listen,
	    err, errlen);
	(void)conf_parse_listen(cfg->http_listen_text, &cfg->http_listen,
	    err, errlen);
	err[0] = '\0';
	return 0;
}

/* The dry-run flags go together; fill their defaults. */
/* The PVAccess front's switch and the status-extension policy. */
static int
conf_check_pva(struct config *cfg, char *err, size_t errlen)
{
	static const char *const policies[] = { "YES", "NO", "DEFAULT" };
	const char *p = cfg->pvas_intf_addr_list;
	char word[64];
	size_t i, len;

	if (strcasecmp(cfg->pva, "yes") == 0)
		cfg->pva_on = 1;
	else if (strcasecmp(cfg->pva, "no") == 0)
		cfg->pva_on = 0;
	else {
		snprintf(err, errlen, "--pva (EPICS_PVACMS_PVA): expected yes "
		    "or no, got '%.40s'", cfg->pva);
		return -1;
	}
	/* The front's addresses: IPv4, at most CONF_MAX_PVAS_ADDRS. */
	cfg->n_pvas_addrs = 0;
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		len = strcspn(p, " \t,");
		if (cfg->n_pvas_addrs == CONF_MAX_PVAS_ADDRS ||
		    len >= sizeof(word)) {
			snprintf(err, errlen, "EPICS_PVAS_INTF_ADDR_LIST: more "
			    "than %d addresses, or one too long",
			    CONF_MAX_PVAS_ADDRS);
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		if (inet_pton(AF_INET, word,
		    &cfg->pvas_addrs[cfg->n_pvas_addrs]) != 1) {
			snprintf(err, errlen, "EPICS_PVAS_INTF_ADDR_LIST: '%s' "
			    "is not an IPv4 address", word);
			return -1;
		}
		cfg->n_pvas_addrs++;
	}
	if (cfg->pva_on && cfg->n_pvas_addrs == 0) {
		snprintf(err, errlen, "EPICS_PVAS_INTF_ADDR_LIST is empty");
		return -1;
	}
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strcasecmp(cfg->require_subscription, policies[i]) == 0)
			return 0;
	snprintf(err, errlen, "--certs-require-subscription "
	    "(EPICS_PVACMS_CERTS_REQUIRE_SUBSCRIPTION): expected YES, NO or "
	    "DEFAULT, got '%.40s'", cfg->require_subscription);
	return -1;
}

static int
conf_check_dry_run(struct config *cfg, char *err, size_t errlen)
{
	const char *stray = NULL;

	if (!cfg->dry_run) {
		if (cfg->dry_token != NULL)
			stray = "--token";
		else if (cfg->dry_usage != NULL)
			stray = "--usage";
		else if (cfg->dry_response != NULL)
			stray = "--response";
		else if (cfg->dry_response_status != 0)
			stray = "--response-status";
		else if (cfg->dry_now != -1)
			stray = "--now";
		if (stray != NULL) {
			snprintf(err, errlen, "%s is only for --dry-run",
			    stray);
			return -1;
		}
		return 0;
	}
	if (cfg->dry_token == NULL) {
		snprintf(err, errlen, "--dry-run needs --token FILE");
		return -1;
	}
	if (cfg->dry_response_status != 0 && cfg->dry_response == NULL) {
		snprintf(err, errlen, "--response-status needs --response "
		    "FILE");
		return -1;
	}
	if (cfg->dry_response_status == 0)
		cfg->dry_response_status = 200;
	if (cfg->dry_usage == NULL &&
	    (cfg->dry_usage = strdup(cert_usage_name(USAGE_CLIENT))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!cert_usage_requestable(cert_usage_of(cfg->dry_usage))) {
		snprintf(err, errlen, "--usage: expected client, server or "
		    "ioc, got '%s'", cfg->dry_usage);
		return -1;
	}
	return 0;
}

const char *
conf_plugin_value(struct config *cfg,
    const struct pvacms_authn_option *opts, const char *env_name)
{
	const char *v;
	size_t i;

	for (; opts != NULL && opts->flag != NULL; opts++) {
		if (strcmp(opts->env_name, env_name) != 0)
			continue;
		/* The last occurrence of a flag wins. */
		for (i = cfg->n_extra; i-- > 0;) {
			if (strcmp(cfg->extra_flags[i], opts->flag) == 0)
				return cfg->extra_values[i];
		}
	}
	v = getenv(env_name);
	return v;
}

int
conf_check_unused(const struct config *cfg,
    const struct pvacms_authn_option *const *plugin_opts, size_t nplugins,
    char *err, size_t errlen)
{
	const struct pvacms_authn_option *o;
	size_t i, p;
	int found;

	for (i = 0; i < cfg->n_extra; i++) {
		found = 0;
		for (p = 0; p < nplugins && !found; p++)
			for (o = plugin_opts[p]; o != NULL && o->flag != NULL;
			    o++)
				if (strcmp(o->flag, cfg->extra_flags[i]) == 0)
					found = 1;
		if (!found) {
			snprintf(err, errlen, "unknown option --%s",
			    cfg->extra_flags[i]);
			return -1;
		}
	}
	return 0;
}

void
conf_usage(FILE *fp)
{
	size_t i;
	char left[64];

	fprintf(fp, "usage: pvacms [-hVv] [options]\n\n"
	    "Certificate management service for EPICS Secure PVAccess: "
	    "exchanges\nidentity tokens for short-lived X.509 certificates "
	    "and serves their status.\n\nOptions (each also read from the "
	    "variable shown; flags win):\n"
	    "  -h, --help                      this text\n"
	    "  -V, --version                   print the version\n"
	    "  -v, --verbose                   debug logging "
	    "(EPICS_PVACMS_VERBOSE)\n");
	for (i = 0; i < N_OPTS; i++) {
		const struct opt_def *d = &opt_defs[i];

		if (d->shortopt)
			snprintf(left, sizeof(left), "-%c, --%s %s",
			    d->shortopt, d->flag, d->metavar);
		else
			snprintf(left, sizeof(left), "    --%s %s", d->flag,
			    d->metavar);
		if (d->env == NULL)
			fprintf(fp, "  %-31s %s\n", left, d->help);
		else
			fprintf(fp, "  %-31s %s\n  %-31s   (%s)\n", left,
			    d->help, "", d->env);
	}
}

void
conf_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (opt_defs[i].kind == OPT_STR ||
		    opt_defs[i].kind == OPT_LISTEN)
			free(*conf_member(cfg, &opt_defs[i]));
	for (i = 0; i < cfg->n_extra; i++) {
		free(cfg->extra_flags[i]);
		free(cfg->extra_values[i]);
	}
	free(cfg->extra_flags);
	free(cfg->extra_values);
	free(cfg->extra_used);
	memset(cfg, 0, sizeof(*cfg));
}
