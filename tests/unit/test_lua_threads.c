/*
 * test_lua_threads.c - one hook called from 4 threads x 200 calls (as
 * the verification workers do), each call checked against its own
 * input, while a second hook times out in parallel; then a reload while
 * the callers run.  Meant to run under the sanitizers too.
 */
#include "config.h"

#include <pthread.h>

#include "tap.h"
#include "test_lua_util.h"

#define NTHREADS 4
#define NCALLS 200

static struct pvacms_hook *hook, *slow;
static int wrong_answers[NTHREADS];
static int slow_ok;

static void *
caller(void *arg)
{
	int id = (int)(long)arg, i, v;
	struct pvacms_claims c;
	char claims[128], want[64], reason[256];

	for (i = 0; i < NCALLS; i++) {
		snprintf(claims, sizeof(claims), "{\"sub\":\"t%d-%d\"}", id, i);
		v = luahook_extract_claims(hook, "{}", claims,
		    PVACMS_USAGE_IOC, &c, reason, sizeof(reason));
		snprintf(want, sizeof(want), "t%d-%d/ioc", id, i);
		if (v != PVACMS_ALLOW || (strcmp(c.cn, want) != 0 &&
		    strncmp(c.cn, "v2:", 3) != 0))
			wrong_answers[id]++;
	}
	return NULL;
}

static void *
slow_caller(void *arg)
{
	char reason[256];
	int i;

	(void)arg;
	for (i = 0; i < 3; i++)
		if (luahook_interpret_response(slow, 200, "{}", 2, NULL,
		    reason, sizeof(reason)) == PVACMS_ERROR &&
		    strcmp(reason, "interpret_response: timed out after 50 "
		    "ms") == 0)
			slow_ok++;
	return NULL;
}

int
main(void)
{
	pthread_t th[NTHREADS], st;
	char err[512];
	long i;
	int bad = 0;

	tap_plan(5);
	tl_setup();
	luahook_set_limits(8 * 1024 * 1024, 50);
	hook = tl_load("extract_claims", "mt.lua",
	    "local n = 0\n"
	    "function extract_claims(t)\n"
	    "  n = n + 1\n"
	    "  local s = pvacms.json_encode({t.claims.sub, t.usage})\n"
	    "  local a = pvacms.json_decode(s)\n"
	    "  return {cn = a[1] .. '/' .. a[2]}\n"
	    "end\n", err, sizeof(err));
	slow = tl_load("interpret_response", "slow.lua",
	    "function interpret_response(r) while true do end end\n", err,
	    sizeof(err));
	ok(hook != NULL && slow != NULL, "both hooks load");
	pthread_create(&st, NULL, slow_caller, NULL);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, caller, (void *)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_join(st, NULL);
	for (i = 0; i < NTHREADS; i++)
		bad += wrong_answers[i];
	is_int(bad, 0, "4 threads x 200 calls: every answer matches its "
	    "input");
	is_int(slow_ok, 3, "a hook timing out meanwhile on another state");

	/* Reload while callers run: each answer is the old or the new. */
	memset(wrong_answers, 0, sizeof(wrong_answers));
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, caller, (void *)i);
	tl_write("mt.lua", "function extract_claims(t)\n"
	    "  return {cn = 'v2:' .. t.claims.sub}\nend\n");
	is_int(luahook_reload_all(), 0, "a reload while 4 threads call: "
	    "both hooks rebuild");
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	bad = 0;
	for (i = 0; i < NTHREADS; i++)
		bad += wrong_answers[i];
	is_int(bad, 0, "every answer during the reload was whole");
	tl_teardown();
	return tap_done();
}
