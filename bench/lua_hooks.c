/*
 * lua_hooks.c - the latency each Lua hook adds to a certificate request.
 *
 * Loads the shipped Keycloak claims mapping and the RFC 7662
 * introspection script (or the two scripts given as arguments), calls
 * each hook BENCH_CALLS times with a realistic Keycloak token and
 * introspection answer, and prints the median and 99th percentile of the
 * time per call.  An empty hook is measured too, for the fixed cost of
 * the call itself (lock, budget, argument table, return check).
 *
 *   usage: lua_hooks [CLAIMS_SCRIPT RESPONSE_SCRIPT]
 *
 * Timing is printed, never judged: this is not a test.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "luahost.h"

#define BENCH_CALLS	5000
#define BENCH_WARMUP	100

static const char header[] =
    "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"Xq3VJ1wz8NfTxA1wM0tq9f"
    "sB3bX0vQm0nS8cKk2Yp7o\"}";

static const char claims[] =
    "{\"exp\":1741533789,\"iat\":1741447401,\"auth_time\":1741447400,"
    "\"jti\":\"c40d6f0e-1b52-4c4d-8a34-0d3ee3f1b7a2\","
    "\"iss\":\"https://idp.example.org/realms/lab\","
    "\"aud\":[\"pvacms\",\"account\"],"
    "\"sub\":\"5f1e7a4c-9c8b-4d7e-a1f0-2b3c4d5e6f70\",\"typ\":\"Bearer\","
    "\"azp\":\"authnjwt\",\"session_state\":\"8a7b6c5d-4e3f-2a1b-0c9d-"
    "8e7f6a5b4c3d\",\"acr\":\"1\",\"allowed-origins\":[\"https://"
    "ops.example.org\"],\"realm_access\":{\"roles\":[\"offline_access\","
    "\"uma_authorization\",\"default-roles-lab\",\"epics-user\"]},"
    "\"resource_access\":{\"account\":{\"roles\":[\"manage-account\","
    "\"view-profile\"]}},\"scope\":\"openid profile email\","
    "\"sid\":\"8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d\","
    "\"email_verified\":true,\"name\":\"Alice Operator\","
    "\"groups\":[\"/lab/operators\",\"/lab/all\"],"
    "\"preferred_username\":\"alice\",\"given_name\":\"Alice\","
    "\"family_name\":\"Operator\",\"email\":\"alice@example.org\"}";

static const char response[] =
    "{\"active\":true,\"exp\":1741533789,\"iat\":1741447401,"
    "\"jti\":\"c40d6f0e-1b52-4c4d-8a34-0d3ee3f1b7a2\","
    "\"iss\":\"https://idp.example.org/realms/lab\",\"aud\":\"pvacms\","
    "\"sub\":\"5f1e7a4c-9c8b-4d7e-a1f0-2b3c4d5e6f70\",\"typ\":\"Bearer\","
    "\"azp\":\"authnjwt\",\"preferred_username\":\"alice\","
    "\"email_verified\":true,\"acr\":\"1\",\"scope\":\"openid profile "
    "email\",\"client_id\":\"authnjwt\",\"username\":\"alice\","
    "\"token_type\":\"Bearer\"}";

static const char *const headers[] = {
	"Content-Type: application/json",
	"Cache-Control: no-store",
	"Pragma: no-cache",
	"Content-Length: 420",
	NULL
};

static double
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One hook call of the kind given; returns its verdict. */
static int
bench_call(struct pvacms_hook *h, int response_hook)
{
	struct pvacms_claims c;
	char reason[512];

	if (response_hook)
		return luahook_interpret_response(h, 200, response,
		    sizeof(response) - 1, headers, reason, sizeof(reason));
	return luahook_extract_claims(h, header, claims, PVACMS_USAGE_CLIENT,
	    &c, reason, sizeof(reason));
}

static int
bench_run(const char *label, const char *hook_name, const char *path)
{
	static double t[BENCH_CALLS];
	struct pvacms_hook *h;
	char err[512];
	int i, response_hook = strcmp(hook_name, "interpret_response") == 0;

	if ((h = luahook_load(hook_name, path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "lua_hooks: %s\n", err);
		return -1;
	}
	if (bench_call(h, response_hook) != PVACMS_ALLOW) {
		fprintf(stderr, "lua_hooks: %s does not allow the sample "
		    "input\n", path);
		return -1;
	}
	for (i = 0; i < BENCH_WARMUP; i++)
		(void)bench_call(h, response_hook);
	for (i = 0; i < BENCH_CALLS; i++) {
		double t0 = bench_now_us();

		(void)bench_call(h, response_hook);
		t[i] = bench_now_us() - t0;
	}
	qsort(t, BENCH_CALLS, sizeof(t[0]), bench_cmp);
	printf("%s: %d calls, median %.1f us, p99 %.1f us\n", label,
	    BENCH_CALLS, t[BENCH_CALLS / 2], t[BENCH_CALLS * 99 / 100]);
	return 0;
}

/* Write an empty hook of the given name; returns its path. */
static const char *
bench_empty(const char *dir, const char *hook_name, char *path, size_t len)
{
	FILE *fp;

	snprintf(path, len, "%s/%s_empty.lua", dir, hook_name);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(fp, "function %s(x) return %s end\n", hook_name,
	    strcmp(hook_name, "extract_claims") == 0 ? "{}" : "true");
	fclose(fp);
	return path;
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") :
	    ".";
	char claims_path[1024], resp_path[1024], e1[1024], e2[1024];
	char dir[] = "/tmp/pvacms-bench-lua-XXXXXX";
	int rc = 0;

	if (argc == 3) {
		snprintf(claims_path, sizeof(claims_path), "%s", argv[1]);
		snprintf(resp_path, sizeof(resp_path), "%s", argv[2]);
	} else if (argc == 1) {
		snprintf(claims_path, sizeof(claims_path),
		    "%s/lua/keycloak_claims.lua", srcdir);
		snprintf(resp_path, sizeof(resp_path),
		    "%s/lua/introspection_response.lua", srcdir);
	} else {
		fprintf(stderr, "usage: lua_hooks [CLAIMS_SCRIPT "
		    "RESPONSE_SCRIPT]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL ||
	    bench_empty(dir, "extract_claims", e1, sizeof(e1)) == NULL ||
	    bench_empty(dir, "interpret_response", e2, sizeof(e2)) == NULL) {
		perror("lua_hooks");
		return 1;
	}
	luahook_set_limits(LUAHOOK_DEFAULT_MEMORY, LUAHOOK_DEFAULT_TIMEOUT);
	if (bench_run("extract_claims (keycloak_claims.lua)",
	    "extract_claims", claims_path) != 0 ||
	    bench_run("interpret_response (introspection_response.lua)",
	    "interpret_response", resp_path) != 0 ||
	    bench_run("extract_claims (empty hook)", "extract_claims",
	    e1) != 0 ||
	    bench_run("interpret_response (empty hook)", "interpret_response",
	    e2) != 0)
		rc = 1;
	luahook_free_all();
	unlink(e1);
	unlink(e2);
	rmdir(dir);
	return rc;
}
