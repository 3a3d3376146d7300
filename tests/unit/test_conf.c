/*
 * test_conf.c - the daemon's option parsing: environment, flags winning
 * over it, value checks that name the flag or variable, listen addresses,
 * and plugin flags handed through.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"

static int
load(struct config *cfg, char *err, size_t errlen, int argc, ...)
{
	char *argv[32];
	va_list ap;
	int i;

	va_start(ap, argc);
	argv[0] = "pvacms";
	for (i = 1; i <= argc && i < 31; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[i] = NULL;
	return conf_load(cfg, i, argv, err, errlen);
}

int
main(void)
{
	struct config cfg;
	struct listen_addr la;
	char err[512];
	static const struct pvacms_authn_option jwt_opts[] = {
		{ "jwt-trusted-uri", "EPICS_AUTH_JWT_TRUSTED_URI", "" },
		{ NULL, NULL, NULL }
	};
	const struct pvacms_authn_option *all[] = { jwt_opts };

	tap_plan(36);
	setenv("HOME", "/home/softioc", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("EPICS_PVACMS_HTTPS_LISTEN");
	unsetenv("EPICS_PVACMS_DB");

	is_int(load(&cfg, err, sizeof(err), 0), 0, "no options: defaults");
	is_str(cfg.db_path, "/home/softioc/.local/share/pva/1.4/certs.db",
	    "default database under XDG data home");
	is_str(cfg.ca_file, "/home/softioc/.config/pva/1.4/cert_auth.pem",
	    "default CA file under XDG config home");
	is_str(cfg.https_listen.host, "127.0.0.1", "HTTPS on loopback");
	is_int(cfg.https_listen.port, 8443, "HTTPS port 8443");
	is_int(cfg.http_listen.port, 8089, "HTTP port 8089");
	is_int(cfg.status_validity_mins, 30, "status validity 30 minutes");
	is_str(cfg.ca_name, "EPICS Root Certificate Authority",
	    "default CA name");
	conf_free(&cfg);

	setenv("XDG_DATA_HOME", "/srv/data", 1);
	setenv("EPICS_PVACMS_DB", "/env/certs.db", 1);
	is_int(load(&cfg, err, sizeof(err), 0), 0, "env read");
	is_str(cfg.db_path, "/env/certs.db", "EPICS_PVACMS_DB is used");
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 2, "-d", "/flag/certs.db"), 0,
	    "flag read");
	is_str(cfg.db_path, "/flag/certs.db", "the flag wins over the env");
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 1, "--cert-db=/eq.db"), 0,
	    "--flag=value form");
	is_str(cfg.db_path, "/eq.db", "--flag=value sets the value");
	conf_free(&cfg);
	unsetenv("EPICS_PVACMS_DB");

	is_int(load(&cfg, err, sizeof(err), 2, "--status-validity-mins",
	    "abc"), -1, "non-numeric minutes refused");
	ok(strstr(err, "--status-validity-mins") != NULL &&
	    strstr(err, "'abc'") != NULL, "error names the flag and value: %s",
	    err);
	conf_free(&cfg);
	setenv("EPICS_PVACMS_WORKERS", "0", 1);
	is_int(load(&cfg, err, sizeof(err), 0), -1, "zero workers refused");
	ok(strstr(err, "EPICS_PVACMS_WORKERS") != NULL,
	    "error names the variable: %s", err);
	conf_free(&cfg);
	unsetenv("EPICS_PVACMS_WORKERS");

	/* Connection caps and timeouts (connguard.c). */
	is_int(load(&cfg, err, sizeof(err), 0), 0, "no connection options");
	ok(cfg.max_conns == 4096 && cfg.max_conns_per_peer == 128 &&
	    cfg.header_timeout == 10 && cfg.body_timeout == 30 &&
	    cfg.idle_timeout == 60, "connection defaults 4096/128/10/30/60");
	conf_free(&cfg);
	setenv("EPICS_PVACMS_HEADER_TIMEOUT", "5", 1);
	is_int(load(&cfg, err, sizeof(err), 2, "--header-timeout", "3"), 0,
	    "header timeout from variable and flag");
	is_int(cfg.header_timeout, 3, "the flag wins over the variable");
	conf_free(&cfg);
	unsetenv("EPICS_PVACMS_HEADER_TIMEOUT");
	is_int(load(&cfg, err, sizeof(err), 2, "--max-connections", "8"), -1,
	    "a total cap below 16 refused");
	ok(strstr(err, "--max-connections: expected a whole number from 16") !=
	    NULL, "error names the flag and range: %s", err);
	conf_free(&cfg);

	is_int(load(&cfg, err, sizeof(err), 2, "--https-listen", "nonsense"),
	    -1, "listen address without port refused");
	ok(strstr(err, "--https-listen") != NULL, "error names the flag: %s",
	    err);
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 1, "--cert-db"), -1,
	    "missing value refused");
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 2, "--cert-auth-country", "usa"),
	    -1, "bad CA country refused");
	conf_free(&cfg);

	is_int(conf_parse_listen("[::1]:0", &la, err, sizeof(err)), 0,
	    "IPv6 listen address");
	is_str(la.host, "::1", "brackets removed");
	is_int(conf_parse_listen("127.0.0.1:65536", &la, err, sizeof(err)),
	    -1, "port above 65535 refused");

	/* Plugin flags wait for their plugin, and win over its variable. */
	setenv("EPICS_AUTH_JWT_TRUSTED_URI", "http://env/verify", 1);
	is_int(load(&cfg, err, sizeof(err), 2, "--jwt-trusted-uri",
	    "http://flag/verify"), 0, "unknown --jwt flag kept for plugins");
	is_str(conf_plugin_value(&cfg, jwt_opts,
	    "EPICS_AUTH_JWT_TRUSTED_URI"), "http://flag/verify",
	    "plugin sees the flag value");
	is_int(conf_check_unused(&cfg, all, 1, err, sizeof(err)), 0,
	    "a plugin claimed the flag");
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 2, "--jwt-typo", "x"), 0,
	    "typo kept until plugins load");
	ok(conf_check_unused(&cfg, all, 1, err, sizeof(err)) == -1 &&
	    strstr(err, "--jwt-typo") != NULL,
	    "an unclaimed flag is refused by name: %s", err);
	conf_free(&cfg);
	return tap_done();
}
