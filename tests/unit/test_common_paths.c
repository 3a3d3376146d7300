/*
 * test_common_paths.c - where keychains and data go by default: the
 * pva/1.4 XDG scheme, with environment overrides.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "paths.h"
#include "tap.h"

static void	check(char *got, const char *want, const char *name);

static void
check(char *got, const char *want, const char *name)
{
	is_str(got, want, name);
	free(got);
}

int
main(void)
{
	struct passwd *pw;
	char want[512];

	tap_plan(11);
	setenv("HOME", "/home/softioc", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	check(paths_config_file("client.p12"),
	    "/home/softioc/.config/pva/1.4/client.p12",
	    "client keychain under $HOME/.config");
	check(paths_data_file("certs.db"),
	    "/home/softioc/.local/share/pva/1.4/certs.db",
	    "data under $HOME/.local/share");
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	check(paths_config_file("server.p12"), "/xdg/config/pva/1.4/server.p12",
	    "XDG_CONFIG_HOME wins");
	check(paths_data_file("certs.db"), "/xdg/data/pva/1.4/certs.db",
	    "XDG_DATA_HOME wins");
	setenv("XDG_CONFIG_HOME", "", 1);
	check(paths_config_file("cert_auth.pem"),
	    "/home/softioc/.config/pva/1.4/cert_auth.pem",
	    "empty XDG_CONFIG_HOME falls back to $HOME/.config");

	setenv("EPICS_PVA_TLS_KEYCHAIN", "/etc/my.p12", 1);
	check(paths_env_or_config("EPICS_PVA_TLS_KEYCHAIN", "client.p12"),
	    "/etc/my.p12", "environment variable wins");
	setenv("EPICS_PVA_TLS_KEYCHAIN", "", 1);
	check(paths_env_or_config("EPICS_PVA_TLS_KEYCHAIN", "client.p12"),
	    "/home/softioc/.config/pva/1.4/client.p12",
	    "empty environment variable means the default");
	unsetenv("EPICS_PVA_TLS_KEYCHAIN");
	check(paths_env_or_config("EPICS_PVA_TLS_KEYCHAIN", "client.p12"),
	    "/home/softioc/.config/pva/1.4/client.p12",
	    "unset environment variable means the default");

	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	pw = getpwuid(getuid());
	snprintf(want, sizeof(want), "%s/.config/pva/1.4/client.p12",
	    pw && pw->pw_dir && strcmp(pw->pw_dir, "/") != 0 ?
	    pw->pw_dir : "");
	check(paths_config_file("client.p12"), want,
	    "HOME unset: home from the password database");
	setenv("HOME", "/", 1);
	check(paths_config_file("client.p12"), "/.config/pva/1.4/client.p12",
	    "HOME=/ gives no double slash");
	setenv("HOME", "/home/x/", 1);
	check(paths_config_file("a"), "/home/x/.config/pva/1.4/a",
	    "a trailing slash on HOME gives no double slash");
	return tap_done();
}
