/*
 * test_lua_util.h - shared by the Lua hook unit tests: scripts given as
 * inline strings are written to a private temporary directory and loaded
 * through the same luahook_* functions the plugins reach via the host
 * services; log lines are captured for checks.
 */
#ifndef PVACMS_TEST_LUA_UTIL_H
#define PVACMS_TEST_LUA_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "luahost.h"

static char tl_dir[256];
static char tl_log[8192];	/* the captured log, one line per message */

static void __attribute__((format(printf, 2, 3), unused))
tl_logger(int level, const char *fmt, ...)
{
	size_t used = strlen(tl_log);
	va_list ap;

	(void)level;
	if (used + 2 >= sizeof(tl_log))
		used = 0;	/* wrap: tests only look at recent lines */
	va_start(ap, fmt);
	vsnprintf(tl_log + used, sizeof(tl_log) - used - 1, fmt, ap);
	va_end(ap);
	strcat(tl_log, "\n");
}

static void __attribute__((unused))
tl_setup(void)
{
	snprintf(tl_dir, sizeof(tl_dir), "%s/pvacms-lua-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tl_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	luahook_set_logger(tl_logger);
	luahook_set_limits(LUAHOOK_DEFAULT_MEMORY, LUAHOOK_DEFAULT_TIMEOUT);
}

/* Remove the scripts written and free every hook. */
static void __attribute__((unused))
tl_teardown(void)
{
	char cmd[300];

	luahook_free_all();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tl_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tl_dir);
}

/* Write src to <dir>/name; returns the path (static buffer). */
static const char * __attribute__((unused))
tl_write(const char *name, const char *src)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tl_dir, name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(src, 1, strlen(src), fp) != strlen(src) ||
	    fclose(fp) != 0) {
		perror(path);
		exit(99);
	}
	return path;
}

/* Load src as <name> for hook; NULL with err on failure. */
static struct pvacms_hook * __attribute__((unused))
tl_load(const char *hook, const char *name, const char *src, char *err,
    size_t errlen)
{
	err[0] = '\0';
	return luahook_load(hook, tl_write(name, src), err, errlen);
}

/* Call extract_claims with a fixed token. */
static int __attribute__((unused))
tl_claims(struct pvacms_hook *h, struct pvacms_claims *out, char *reason,
    size_t len)
{
	reason[0] = '\0';
	return luahook_extract_claims(h, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
	    "{\"sub\":\"alice\",\"iss\":\"http://localhost:8080/default\","
	    "\"exp\":1741533789,\"iat\":1741447401,\"roles\":[\"ioc\","
	    "\"ops\"],\"extra\":null}", PVACMS_USAGE_SERVER, out, reason,
	    len);
}

/* Milliseconds of the monotonic clock. */
static double __attribute__((unused))
tl_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
