/*
 * test_lua_conf.c - the daemon options added with the Lua hooks:
 * lua-memory-mb / lua-timeout-ms (flag and variable, bounds, defaults)
 * and the flag-only --dry-run companions (--token, --usage, --response,
 * --response-status, --now), which belong together.
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
	int i, r;

	va_start(ap, argc);
	argv[0] = "pvacms";
	for (i = 1; i <= argc && i < 31; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[i] = NULL;
	err[0] = '\0';
	r = conf_load(cfg, i, argv, err, errlen);
	return r;
}

/* A usage error whose message is want. */
static void
refused(struct config *cfg, const char *want, int argc, char *a1, char *a2,
    char *a3, char *a4)
{
	char err[512];
	int r = load(cfg, err, sizeof(err), argc, a1, a2, a3, a4);

	if (!ok(r == -1 && strcmp(err, want) == 0, "refused: %s", want))
		printf("#   got %d: %s\n", r, err);
	conf_free(cfg);
}

int
main(void)
{
	struct config cfg;
	char err[512];

	tap_plan(24);
	unsetenv("EPICS_PVACMS_LUA_MEMORY_MB");
	unsetenv("EPICS_PVACMS_LUA_TIMEOUT_MS");

	is_int(load(&cfg, err, sizeof(err), 0), 0, "no options");
	ok(cfg.lua_memory_mb == 16 && cfg.lua_timeout_ms == 100,
	    "defaults: 16 MiB, 100 ms");
	ok(cfg.dry_run == 0 && cfg.dry_token == NULL && cfg.dry_now == -1,
	    "no dry run by default");
	conf_free(&cfg);

	setenv("EPICS_PVACMS_LUA_MEMORY_MB", "32", 1);
	setenv("EPICS_PVACMS_LUA_TIMEOUT_MS", "250", 1);
	is_int(load(&cfg, err, sizeof(err), 0), 0, "from the environment");
	ok(cfg.lua_memory_mb == 32 && cfg.lua_timeout_ms == 250,
	    "variables are read");
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 3, "--lua-memory-mb", "1",
	    "--lua-timeout-ms=10000"), 0, "flags");
	ok(cfg.lua_memory_mb == 1 && cfg.lua_timeout_ms == 10000,
	    "flags win over variables");
	conf_free(&cfg);
	setenv("EPICS_PVACMS_LUA_MEMORY_MB", "0", 1);
	refused(&cfg, "EPICS_PVACMS_LUA_MEMORY_MB: expected a whole number "
	    "from 1 to 1024, got '0'", 0, NULL, NULL, NULL, NULL);
	unsetenv("EPICS_PVACMS_LUA_MEMORY_MB");
	refused(&cfg, "--lua-timeout-ms: expected a whole number from 1 to "
	    "10000, got '10001'", 2, "--lua-timeout-ms", "10001", NULL,
	    NULL);
	refused(&cfg, "--lua-memory-mb: expected a whole number from 1 to "
	    "1024, got 'lots'", 2, "--lua-memory-mb", "lots", NULL, NULL);
	unsetenv("EPICS_PVACMS_LUA_TIMEOUT_MS");

	/* --dry-run */
	is_int(load(&cfg, err, sizeof(err), 3, "--dry-run", "--token",
	    "t.jwt"), 0, "--dry-run --token FILE");
	ok(cfg.dry_run == 1 && strcmp(cfg.dry_token, "t.jwt") == 0 &&
	    strcmp(cfg.dry_usage, "client") == 0 && cfg.dry_response ==
	    NULL && cfg.dry_response_status == 200 && cfg.dry_now == -1,
	    "defaults: usage client, status 200, now = the current time");
	conf_free(&cfg);
	is_int(load(&cfg, err, sizeof(err), 10, "--token", "t", "--usage",
	    "ioc", "--response=r.json", "--response-status", "401", "--now",
	    "1741447401", "--dry-run"), 0, "every dry-run flag");
	ok(strcmp(cfg.dry_usage, "ioc") == 0 &&
	    strcmp(cfg.dry_response, "r.json") == 0 &&
	    cfg.dry_response_status == 401 && cfg.dry_now == 1741447401,
	    "... each read");
	conf_free(&cfg);
	refused(&cfg, "--dry-run needs --token FILE", 1, "--dry-run", NULL,
	    NULL, NULL);
	refused(&cfg, "--token is only for --dry-run", 2, "--token", "t",
	    NULL, NULL);
	refused(&cfg, "--now is only for --dry-run", 2, "--now", "5", NULL,
	    NULL);
	refused(&cfg, "--usage: expected client, server or ioc, got 'ca'", 4,
	    "--dry-run", "--token=t", "--usage", "ca");
	refused(&cfg, "--response-status needs --response FILE", 4,
	    "--dry-run", "--token=t", "--response-status", "200");
	refused(&cfg, "--response-status: expected a whole number from 100 "
	    "to 599, got '99'", 4, "--dry-run", "--token=t",
	    "--response-status", "99");
	refused(&cfg, "--now: expected a whole number from 0 to "
	    "253402300799, got '-1'", 4, "--dry-run", "--token=t", "--now",
	    "-1");
	refused(&cfg, "option --dry-run takes no value", 1, "--dry-run=yes",
	    NULL, NULL, NULL);
	setenv("EPICS_PVACMS_TOKEN", "x", 1);
	is_int(load(&cfg, err, sizeof(err), 0), 0,
	    "dry-run flags have no variables");
	ok(cfg.dry_token == NULL, "... so none is read");
	conf_free(&cfg);
	return tap_done();
}
