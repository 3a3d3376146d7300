/*
 * dryrun.c - pvacms --dry-run, the way a site tests a script before it
 * deploys it: the plugin decides the token with every local check and
 * hook but no network (a saved validator answer may stand in for the
 * live one), then the host applies the checks it applies before signing
 * (subject fields, expiry), and the outcome is printed:
 *
 *   Dry run        : jwt (offline: no CA, no database, no network)
 *   Decision       : ALLOW
 *   Subject        : CN=softioc, O=localhost
 *   Valid From     : Sat Mar 08 15:23:21 2025 UTC
 *   Expires On     : Sun Mar 09 15:23:09 2025 UTC
 *   Initial State  : VALID
 *   Remote Check   : skipped: no --response given
 *
 * The host's checks mirror issue_sign() in issue.c; the CA's own validity
 * clamp is not applied, as no CA is opened.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cert.h"
#include "conf.h"
#include "dryrun.h"
#include "fsutil.h"
#include "plugin.h"
#include "policy.h"
#include "timefmt.h"

#define DRYRUN_MAX_TOKEN	(16 * 1024)	/* as issue.c takes */
#define DRYRUN_MAX_RESPONSE	(1024 * 1024)

static int dryrun_host_checks(struct pvacms_authn_result *, int64_t);
static void dryrun_print(const char *, const struct pvacms_authn_result *,
    int64_t);

/* What the host refuses after an ALLOW; turns r into the refusal. */
static int
dryrun_host_checks(struct pvacms_authn_result *r, int64_t now)
{
	struct policy_refusal refusal;

	if (policy_check_identity(r, now, &refusal) == 0)
		return 0;
	r->verdict = refusal.verdict;
	snprintf(r->code, sizeof(r->code), "%s", refusal.code);
	snprintf(r->reason, sizeof(r->reason), "%s", refusal.reason);
	return -1;
}

static void
dryrun_print(const char *name, const struct pvacms_authn_result *r,
    int64_t now)
{
	char from[TIMEFMT_LEN], until[TIMEFMT_LEN];
	int64_t nb;

	printf("Dry run        : %s (offline: no CA, no database, no "
	    "network)\n", name);
	if (r->verdict != PVACMS_ALLOW) {
		printf("Decision       : %s\n", r->verdict == PVACMS_DENY ?
		    "DENY" : "ERROR");
		printf("Code           : %s\n", r->code[0] ? r->code :
		    r->verdict == PVACMS_DENY ? "denied" : "internal");
		printf("Reason         : %s\n", r->reason[0] ? r->reason :
		    "(none given)");
		return;
	}
	nb = r->not_before > 0 ? r->not_before : now;
	timefmt_utc(nb, from, sizeof(from));
	timefmt_utc(r->not_after, until, sizeof(until));
	printf("Decision       : ALLOW\n");
	printf("Subject        : CN=%s%s%s%s%s%s%s\n", r->cn,
	    r->o[0] ? ", O=" : "", r->o, r->ou[0] ? ", OU=" : "", r->ou,
	    r->c[0] ? ", C=" : "", r->c);
	printf("Valid From     : %s\n", from);
	printf("Expires On     : %s\n", until);
	printf("Initial State  : %s\n", r->approval ? "PENDING_APPROVAL" :
	    nb > now ? "PENDING" : "VALID");
	if (r->admin)
		printf("Administrator  : yes (granted by the claims script)\n");
	printf("Remote Check   : %s\n", r->reason[0] ? r->reason :
	    "(not reported)");
}

int
dryrun_run(struct plugin *p, const struct config *cfg)
{
	const struct pvacms_authn_plugin *api = plugin_api(p);
	plugin_dry_run_fn dry = plugin_dry_run(p);
	struct pvacms_authn_request req;
	struct pvacms_authn_result res;
	struct pvacms_http_response saved, *savedp = NULL;
	char *token = NULL, *body = NULL, err[512];
	static const char no_key[65] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	size_t len = 0, blen = 0;
	int rc = 1;

	if (dry == NULL) {
		fprintf(stderr, "pvacms: plugin %s has no dry run\n",
		    api->name);
		return 1;
	}
	if (fs_read_file(cfg->dry_token, DRYRUN_MAX_TOKEN, &token, &len, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "pvacms: --token: %s\n", err);
		return 1;
	}
	while (len > 0 && isspace((unsigned char)token[len - 1]))
		token[--len] = '\0';
	if (cfg->dry_response != NULL) {
		if (fs_read_file(cfg->dry_response, DRYRUN_MAX_RESPONSE,
		    &body, &blen, err, sizeof(err)) != 0) {
			fprintf(stderr, "pvacms: --response: %s\n", err);
			goto out;
		}
		memset(&saved, 0, sizeof(saved));
		saved.status = cfg->dry_response_status;
		saved.body = body;
		saved.body_len = blen;
		savedp = &saved;
	}
	memset(&req, 0, sizeof(req));
	req.type = api->name;
	req.usage = cert_usage_of(cfg->dry_usage);	/* checked by conf.c */
	req.credential = token;
	req.credential_len = len;
	req.pubkey_sha256 = no_key;
	req.now = cfg->dry_now >= 0 ? cfg->dry_now : (int64_t)time(NULL);

	memset(&res, 0, sizeof(res));
	res.verdict = PVACMS_ERROR;
	dry(&req, savedp, &res);
	plugin_result_clean(api, &res);
	if (res.verdict == PVACMS_ALLOW)
		(void)dryrun_host_checks(&res, req.now);
	dryrun_print(api->name, &res, req.now);
	rc = res.verdict == PVACMS_ALLOW ? 0 : 1;
out:
	if (token != NULL) {
		OPENSSL_cleanse(token, len);
		free(token);
	}
	free(body);
	return rc;
}
