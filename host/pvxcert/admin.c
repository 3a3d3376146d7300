/*
 * admin.c - `pvxcert -A|-R|-D CERT_ID`: POST the action to the HTTPS
 * listener of the pvacms at EPICS_PVACMS_URL with a keychain as the TLS
 * client certificate; pvacms decides who may do what (pvacms(8)
 * ADMINISTRATION) and answers with the new status, which is verified
 * like any other before it is printed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "certid.h"
#include "fsutil.h"
#include "keychain.h"
#include "paths.h"
#include "pvxcert.h"

static char	*admin_keychain(const char **pwfile_env);

/*
 * The keychain that speaks for us in -A/-R/-D: EPICS_ADMIN_TLS_KEYCHAIN
 * when set, else admin.p12 in our configuration directory when it
 * exists (the bootstrap admin's place), else the client keychain
 * (EPICS_PVA_TLS_KEYCHAIN or client.p12), with which a holder revokes
 * its own certificate.  *pwfile_env names the variable that holds the
 * matching password file.  Caller frees; NULL when out of memory.
 */
static char *
admin_keychain(const char **pwfile_env)
{
	const char *env = getenv("EPICS_ADMIN_TLS_KEYCHAIN");
	char *path;

	*pwfile_env = "EPICS_ADMIN_TLS_KEYCHAIN_PWD_FILE";
	if (env != NULL && *env != '\0')
		return strdup(env);
	if ((path = paths_config_file("admin.p12")) == NULL ||
	    fs_exists(path))
		return path;
	free(path);
	*pwfile_env = "EPICS_PVA_TLS_KEYCHAIN_PWD_FILE";
	return paths_env_or_config("EPICS_PVA_TLS_KEYCHAIN", "client.p12");
}

/* -A, -R, -D: POST the action; show the new status it answers with. */
int
pvxcert_cmd_admin(const struct pvxcert *p)
{
	static const char *const verbs[] = {
		[ACT_APPROVE] = "approve", [ACT_REVOKE] = "revoke",
		[ACT_DENY] = "deny"
	};
	struct pvxcert_trust t = { NULL, NULL, NULL };
	struct pvxcert_call call;
	struct keychain kc = { 0 };
	const char *verb = verbs[p->action], *pwfile_env;
	char *base = NULL, *ca_file = NULL, *url = NULL, *p12 = NULL;
	char *password = NULL, *body = NULL;
	json_t *reason = NULL;
	char issuer[CERTID_ISSUER_LEN], cert_id[CERTID_MAX], err[512];
	size_t n;
	int rc;

	err[0] = '\0';
	if ((rc = pvxcert_target(p->action_id, cert_id, sizeof(cert_id), issuer,
	    &base, &ca_file)) != 0)
		goto out;
	if ((p12 = admin_keychain(&pwfile_env)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	/* A client certificate means nothing over plain HTTP, and pvacms
	 * answers administration on its HTTPS listener only. */
	if (strncmp(base, "https://", 8) != 0) {
		snprintf(err, sizeof(err), "EPICS_PVACMS_URL %s is not https: "
		    "administration needs the HTTPS listener", base);
		goto fail;
	}
	n = strlen(base) + strlen(cert_id) + 32;
	if ((url = malloc(n)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	snprintf(url, n, "%s/v1/certs/%s/%s", base, cert_id, verb);
	if (pvxcert_trust_ca_file(ca_file, issuer, &t, err, sizeof(err)) != 0)
		goto fail;

	/* Open the keychain here, so that a missing file or a wrong
	 * password is named as such rather than as a TLS failure. */
	if (!fs_exists(p12)) {
		snprintf(err, sizeof(err), "keychain %s not found: set "
		    "EPICS_ADMIN_TLS_KEYCHAIN", p12);
		goto fail;
	}
	if (pvxcert_password(p, pwfile_env, &password, err, sizeof(err)) != 0)
		goto fail;
	if (keychain_read(p12, password, &kc, err, sizeof(err)) != 0)
		goto fail;
	if (kc.cert == NULL || kc.key == NULL) {
		snprintf(err, sizeof(err), "%s holds no certificate and key",
		    p12);
		goto fail;
	}
	pvxcert_verbose(p, "%s %s at %s as %s, trusting %s", verb, cert_id,
	    base, p12, ca_file);
	memset(&call, 0, sizeof(call));
	call.method = "POST";
	call.url = url;
	call.ca_file = ca_file;
	call.client_p12 = p12;
	call.client_p12_password = password;
	call.verb = verb;
	if (p->reason != NULL) {
		/* pvacms checks the name and says which ones it takes. */
		if ((reason = json_pack("{s:s}", "reason", p->reason)) ==
		    NULL || (body = json_dumps(reason, JSON_COMPACT)) == NULL) {
			snprintf(err, sizeof(err), "reason is not valid UTF-8");
			goto fail;
		}
		call.json_body = body;
	}
	rc = pvxcert_show_status(p, &call, &t, cert_id, base);
	goto out;
fail:
	fprintf(stderr, "pvxcert: %s\n", err);
	rc = 1;
out:
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	keychain_clear(&kc);
	json_decref(reason);
	free(body);
	X509_STORE_free(t.store);
	sk_X509_pop_free(t.certs, X509_free);
	free(base);
	free(ca_file);
	free(url);
	free(p12);
	return rc;
}
