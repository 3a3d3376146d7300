/*
 * test_std_plugin.c - the "std" plugin as the host sees it: the exported
 * struct, init against a fake services table (test_jwt_fake.h; refusing
 * an old host and a bad setting), verify() on PVAccess creation requests (subject checks,
 * validity, approval per usage) and reload().  std_plugin.c is compiled
 * into this program.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "test_jwt_fake.h"
#include "pvacms/authn.h"

extern struct pvacms_authn_plugin pvacms_authn_plugin;

#define NOW 1755147136LL

static void	fake_clear(void);
static void	req_init(struct pvacms_authn_request *req, int usage,
		    const char *name);
static void	run(const struct pvacms_authn_request *req,
		    struct pvacms_authn_result *res);
static void	deny(const char *what, const char *name, const char *o,
		    const char *ou, const char *c, const char *reason);
static int	approval_of(int usage);
static void	approvals(const char *what, int client, int server, int ioc);

static const struct pvacms_authn_plugin *pl = &pvacms_authn_plugin;

/* Forget the settings and the log lines of the last test. */
static void
fake_clear(void)
{
	fk.nvars = 0;
	fk.log[0] = '\0';
}

/* A request as the PVAccess front builds it for authnstd. */
static void
req_init(struct pvacms_authn_request *req, int usage, const char *name)
{
	memset(req, 0, sizeof(*req));
	req->type = "std";
	req->usage = usage;
	req->pubkey_sha256 = "00";
	req->now = NOW;
	req->front = "pva";
	req->key_proven = 0;
	req->verifier_json = "{}";
	req->name = name;
	req->organization = "";
	req->organization_unit = "";
	req->country = "";
}

static void
run(const struct pvacms_authn_request *req, struct pvacms_authn_result *res)
{
	memset(res, 0, sizeof(*res));
	pl->verify(req, res);
}

/* A subject that must be refused with 400 and exactly this reason. */
static void
deny(const char *what, const char *name, const char *o, const char *ou,
    const char *c, const char *reason)
{
	struct pvacms_authn_request req;
	struct pvacms_authn_result res;

	req_init(&req, PVACMS_USAGE_CLIENT, name);
	req.organization = o;
	req.organization_unit = ou;
	req.country = c;
	run(&req, &res);
	ok(res.verdict == PVACMS_DENY && res.http_status == 400 &&
	    strcmp(res.code, "bad_request") == 0, "%s: 400 bad_request", what);
	is_str(res.reason, reason, "... with a reason naming the field");
	is_str(res.cn, "", "... and no certificate subject");
}

static int
approval_of(int usage)
{
	struct pvacms_authn_request req;
	struct pvacms_authn_result res;

	req_init(&req, usage, "softioc");
	run(&req, &res);
	if (res.verdict != PVACMS_ALLOW)
		return -1;
	return res.approval;
}

/* Reload with the current fake settings and check all three usages. */
static void
approvals(const char *what, int client, int server, int ioc)
{
	char err[256];

	err[0] = '\0';
	if (!ok(pl->reload(err, sizeof(err)) == 0, "%s: reload", what))
		printf("#   %s\n", err);
	is_int(approval_of(PVACMS_USAGE_CLIENT), client, "... client");
	is_int(approval_of(PVACMS_USAGE_SERVER), server, "... server");
	is_int(approval_of(PVACMS_USAGE_IOC), ioc, "... ioc");
}

int
main(void)
{
	static const char *const badvars[] = {
		"EPICS_PVACMS_REQUIRE_APPROVAL",
		"EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL",
		"EPICS_PVACMS_REQUIRE_SERVER_APPROVAL",
		"EPICS_PVACMS_REQUIRE_IOC_APPROVAL",
	};
	struct pvacms_host_services old;
	struct pvacms_authn_request req;
	struct pvacms_authn_result res, dry;
	char err[512], want[256], long64[65], long63[64];
	size_t i;

	/* The exported struct. */
	is_int(pl->abi_version, PVACMS_AUTHN_ABI_VERSION, "ABI version 1.4");
	is_str(pl->name, "std", "serves type std");
	is_str(pl->options[0].flag, "require-approval", "--require-approval");
	is_str(pl->options[0].env_name, "EPICS_PVACMS_REQUIRE_APPROVAL",
	    "... is EPICS_PVACMS_REQUIRE_APPROVAL");
	is_str(pl->options[1].flag, "require-client-approval",
	    "--require-client-approval");
	is_str(pl->options[2].flag, "require-server-approval",
	    "--require-server-approval");
	is_str(pl->options[3].flag, "require-ioc-approval",
	    "--require-ioc-approval");
	is_str(pl->options[3].env_name, "EPICS_PVACMS_REQUIRE_IOC_APPROVAL",
	    "... is EPICS_PVACMS_REQUIRE_IOC_APPROVAL");
	ok(pl->options[4].flag == NULL, "four options");

	/* A host older than 1.4 is refused, at init and in verify. */
	old = fk_services;
	old.version = (1 << 16) | 3;
	ok(pl->init(&old, err, sizeof(err)) != 0, "host 1.3: init refused");
	ok(strstr(err, "1.3") != NULL && strstr(err, "1.4") != NULL &&
	    strchr(err, '\n') == NULL, "... one line naming both versions");
	req_init(&req, PVACMS_USAGE_CLIENT, "softioc");
	run(&req, &res);
	ok(res.verdict == PVACMS_ERROR && strcmp(res.code, "internal") == 0 &&
	    res.http_status == 500, "... and verify() issues nothing");
	old.version = (2 << 16) | 4;
	ok(pl->init(&old, err, sizeof(err)) != 0, "host 2.4: init refused");
	ok(pl->init(NULL, err, sizeof(err)) != 0, "no services: refused");

	/* A setting that is neither yes nor no stops the start. */
	for (i = 0; i < sizeof(badvars) / sizeof(badvars[0]); i++) {
		fake_clear();
		fk_set(badvars[i], "maybe");
		ok(pl->init(&fk_services, err, sizeof(err)) != 0, "%s=maybe: init"
		    " fails", badvars[i]);
		snprintf(want, sizeof(want), "%s", badvars[i]);
		ok(strncmp(err, want, strlen(want)) == 0 &&
		    strstr(err, "'maybe'") != NULL &&
		    strchr(err, '\n') == NULL,
		    "... one line naming the variable and the value");
	}
	fake_clear();
	fk_set("EPICS_PVACMS_REQUIRE_APPROVAL", "no\x1b[2J");
	ok(pl->init(&fk_services, err, sizeof(err)) != 0 &&
	    strchr(err, '\x1b') == NULL, "a bad value is not echoed raw");
	run(&req, &res);
	is_int(res.verdict, PVACMS_ERROR, "after a failed init nothing is"
	    " issued");

	/* Defaults: every usage waits for approval. */
	fake_clear();
	ok(pl->init(&fk_services, err, sizeof(err)) == 0, "init with defaults");
	ok(strstr(fk.log, "client yes, server yes, ioc yes") != NULL,
	    "the log says what needs approval");
	req_init(&req, PVACMS_USAGE_CLIENT, "softioc");
	req.organization = "site.example";
	req.organization_unit = "controls";
	req.country = "us";
	run(&req, &res);
	is_int(res.verdict, PVACMS_ALLOW, "authnstd request with key_proven 0"
	    " allowed");
	is_int(res.approval, 1, "... pending approval");
	is_str(res.cn, "softioc", "... CN = name");
	is_str(res.o, "site.example", "... O = organization");
	is_str(res.ou, "controls", "... OU = organization_unit");
	is_str(res.c, "US", "... C = country, upper-cased");
	is_str(res.sub, "softioc", "... audit sub = CN");
	is_str(res.iss, "std", "... audit iss = std");
	is_str(res.jti, "", "... no jti");
	is_str(res.reason, "", "... no reason");
	is_int(res.not_before, 0, "... host picks not_before");
	is_int(res.not_after, 0, "... host picks not_after");
	memset(&dry, 0, sizeof(dry));
	pl->dry_run(&req, NULL, &dry);
	ok(memcmp(&dry, &res, sizeof(res)) == 0, "dry run decides the same");
	is_int(approval_of(PVACMS_USAGE_SERVER), 1, "server: pending");
	is_int(approval_of(PVACMS_USAGE_IOC), 1, "ioc: pending");

	/* Validity: passed through for the host to clamp, past starts not. */
	req.requested_not_after = NOW + 3600;
	req.requested_not_before = NOW - 60;
	run(&req, &res);
	is_int(res.not_after, NOW + 3600, "requested not_after passed on");
	is_int(res.not_before, 0, "past not_before left to the host");
	req.requested_not_before = NOW + 600;
	run(&req, &res);
	is_int(res.not_before, NOW + 600, "future not_before passed on");

	/* The subject. */
	deny("no name", NULL, "", "", "", "the request names no subject"
	    " (name)");
	deny("empty name", "", "", "", "", "the request names no subject"
	    " (name)");
	memset(long64, 'a', 64);
	long64[64] = '\0';
	memset(long63, 'a', 63);
	long63[63] = '\0';
	deny("64-byte name", long64, "", "", "", "name is longer than 63"
	    " bytes");
	req_init(&req, PVACMS_USAGE_CLIENT, long63);
	run(&req, &res);
	ok(res.verdict == PVACMS_ALLOW && strcmp(res.cn, long63) == 0,
	    "63-byte name allowed whole");
	deny("64-byte organization", "bob", long64, "", "", "organization"
	    " is longer than 63 bytes");
	deny("64-byte organization_unit", "bob", "", long64, "",
	    "organization_unit is longer than 63 bytes");
	deny("newline in name", "bob\nadmin", "", "", "",
	    "name holds a control character");
	deny("escape in name", "bob\x1b[31m", "", "", "",
	    "name holds a control character");
	deny("DEL in organization", "bob", "a\x7f", "", "",
	    "organization holds a control character");
	deny("C1 NEL in organization_unit", "bob", "", "a\xc2\x85", "",
	    "organization_unit holds a control character");
	deny("invalid UTF-8 in name", "bob\xff", "", "", "",
	    "name is not valid UTF-8");
	deny("overlong UTF-8 in name", "\xc0\xaf", "", "", "",
	    "name is not valid UTF-8");
	req_init(&req, PVACMS_USAGE_CLIENT, "J\xc3\xbcrgen");
	run(&req, &res);
	ok(res.verdict == PVACMS_ALLOW && strcmp(res.cn, "J\xc3\xbcrgen") ==
	    0, "UTF-8 name allowed");
	for (i = 0; i < 5; i++) {
		static const char *const bad[] = { "USA", "U", "1A", "U$",
			"\xc3\x9c" "S" };

		deny(bad[i], "bob", "", "", bad[i], "country must be two"
		    " letters A-Z (an ISO 3166 code such as US)");
	}
	req_init(&req, PVACMS_USAGE_CLIENT, "bob\x1b");
	run(&req, &res);
	is_str(res.sub, "bob?", "a refused name reaches the audit log"
	    " printable");
	req_init(&req, 4, "bob");
	run(&req, &res);
	ok(res.verdict == PVACMS_DENY && res.http_status == 400 &&
	    strstr(res.reason, "usage") != NULL, "usage 4: 400");

	/* Approval per usage; the ioc follows only its own setting. */
	fk_set("EPICS_PVACMS_REQUIRE_APPROVAL", "no");
	approvals("REQUIRE_APPROVAL=no", 0, 0, 0);
	ok(strstr(fk.log, "std client certificates are issued without"
	    " approval") != NULL, "... and the log warns about it");
	fk_set("EPICS_PVACMS_REQUIRE_IOC_APPROVAL", "yes");
	approvals("REQUIRE_APPROVAL=no, IOC=yes", 0, 0, 1);
	fake_clear();
	fk_set("EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL", "No");
	approvals("CLIENT=No", 0, 1, 1);
	fake_clear();
	fk_set("EPICS_PVACMS_REQUIRE_SERVER_APPROVAL", " off ");
	approvals("SERVER=' off '", 1, 0, 1);
	fk_set("EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL", "FALSE");
	approvals("CLIENT and SERVER off", 0, 0, 1);
	fake_clear();
	fk_set("EPICS_PVACMS_REQUIRE_IOC_APPROVAL", "0");
	approvals("IOC=0", 1, 1, 0);
	fk_set("EPICS_PVACMS_REQUIRE_APPROVAL", "NO");
	fk_set("EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL", "TRUE");
	fk_set("EPICS_PVACMS_REQUIRE_SERVER_APPROVAL", "On");
	fk_set("EPICS_PVACMS_REQUIRE_IOC_APPROVAL", "1");
	approvals("all on over REQUIRE_APPROVAL=NO", 1, 1, 1);
	fk_set("EPICS_PVACMS_REQUIRE_APPROVAL", "");
	fk_set("EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL", "no");
	fk_set("EPICS_PVACMS_REQUIRE_SERVER_APPROVAL", "");
	fk_set("EPICS_PVACMS_REQUIRE_IOC_APPROVAL", "  ");
	approvals("blank settings count as unset", 0, 1, 1);

	/* A bad value on reload keeps the running settings. */
	fk_set("EPICS_PVACMS_REQUIRE_SERVER_APPROVAL", "nope");
	ok(pl->reload(err, sizeof(err)) != 0 &&
	    strstr(err, "EPICS_PVACMS_REQUIRE_SERVER_APPROVAL") != NULL,
	    "reload with a bad value fails naming the variable");
	is_int(approval_of(PVACMS_USAGE_CLIENT), 0, "... client still off");
	is_int(approval_of(PVACMS_USAGE_SERVER), 1, "... server still on");

	pl->fini();
	req_init(&req, PVACMS_USAGE_CLIENT, "bob");
	run(&req, &res);
	is_int(res.verdict, PVACMS_ERROR, "after fini nothing is issued");
	ok(pl->reload(err, sizeof(err)) != 0, "reload after fini refused");

	tap_plan(tap_n);
	return tap_done();
}
