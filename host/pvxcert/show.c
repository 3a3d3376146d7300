/*
 * show.c - `pvxcert -f FILE` (the keychain's certificate, then its status
 * from the pvacms its OCSP URL names, proved against the keychain's own
 * root) and `pvxcert CERT_ID` (the status alone, from EPICS_PVACMS_URL,
 * proved against EPICS_PVACMS_CA_FILE).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certid.h"
#include "fsutil.h"
#include "keychain.h"
#include "paths.h"
#include "pvxcert.h"
#include "x509show.h"

int
pvxcert_cmd_file(const struct pvxcert *p)
{
	struct keychain kc = { 0 };
	struct pvxcert_trust t = { NULL, NULL, NULL };
	struct pvxcert_call call;
	char *password = NULL, *base = NULL, *url = NULL, *ca_file = NULL;
	char err[512], cert_id[CERTID_MAX];
	X509 *c;
	int i, rc = 1;

	err[0] = '\0';
	if (pvxcert_password(p, "EPICS_PVA_TLS_KEYCHAIN_PWD_FILE", &password,
	    err, sizeof(err)) != 0)
		goto fail;
	i = keychain_read(p->file, password, &kc, err, sizeof(err));
	explicit_bzero(password, strlen(password));
	if (i != 0)
		goto fail;
	if (kc.cert == NULL) {
		snprintf(err, sizeof(err), "%s holds no entity certificate",
		    p->file);
		goto fail;
	}
	if (certid_of_leaf(kc.cert, cert_id, sizeof(cert_id)) != 0) {
		snprintf(err, sizeof(err), "%s: certificate has no "
		    "authority key id or a serial beyond 64 bits", p->file);
		goto fail;
	}
	if (x509show_details(stdout, cert_id, kc.cert) != 0) {
		snprintf(err, sizeof(err), "cannot show the certificate");
		goto fail;
	}
	fflush(stdout);

	if ((base = pvxcert_status_base(kc.cert)) == NULL) {
		snprintf(err, sizeof(err), "certificate %s names no OCSP URL: "
		    "no status to ask for", cert_id);
		goto fail;
	}
	if ((url = pvxcert_status_url(base, cert_id)) == NULL ||
	    (t.store = X509_STORE_new()) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	for (i = 0; i < sk_X509_num(kc.chain); i++) {
		c = sk_X509_value(kc.chain, i);
		if (t.issuer == NULL &&
		    X509_check_issued(c, kc.cert) == X509_V_OK)
			t.issuer = c;
		if (X509_self_signed(c, 0) == 1 &&
		    X509_STORE_add_cert(t.store, c) != 1) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
	}
	ERR_clear_error();
	t.certs = kc.chain;
	if (t.issuer == NULL) {
		fflush(stdout);
		fprintf(stderr, "pvxcert: status from %s failed verification: "
		    "%s holds no issuer of the certificate\n", url, p->file);
		goto out;
	}
	/* A https status base is trusted like authnjwt trusts pvacms. */
	ca_file = paths_env_or_config("EPICS_PVACMS_CA_FILE",
	    "cert_auth.pem");
	if (ca_file != NULL && !fs_exists(ca_file)) {
		free(ca_file);
		ca_file = NULL;
	}
	pvxcert_verbose(p, "status of %s from %s", cert_id, base);
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.url = url;
	call.ca_file = ca_file;
	rc = pvxcert_show_status(p, &call, &t, cert_id, base);
	goto out;
fail:
	fflush(stdout);
	fprintf(stderr, "pvxcert: %s\n", err);
	rc = 1;
out:
	if (password != NULL)
		free(password);
	X509_STORE_free(t.store);
	keychain_clear(&kc);
	free(base);
	free(url);
	free(ca_file);
	return rc;
}

int
pvxcert_cmd_id(const struct pvxcert *p)
{
	struct pvxcert_trust t = { NULL, NULL, NULL };
	struct pvxcert_call call;
	char *base = NULL, *ca_file = NULL, *url = NULL;
	char issuer[CERTID_ISSUER_LEN], cert_id[CERTID_MAX], err[512];
	int rc;

	if ((rc = pvxcert_target(p->cert_id, cert_id, sizeof(cert_id), issuer,
	    &base, &ca_file)) != 0)
		goto out;
	if ((url = pvxcert_status_url(base, cert_id)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (pvxcert_trust_ca_file(ca_file, issuer, &t, err, sizeof(err)) != 0)
		goto fail;
	pvxcert_verbose(p, "status of %s from %s, trusting %s", cert_id, base,
	    ca_file);
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.url = url;
	call.ca_file = ca_file;
	call.loopback_only = 1;
	rc = pvxcert_show_status(p, &call, &t, cert_id, base);
	goto out;
fail:
	fprintf(stderr, "pvxcert: %s\n", err);
	rc = 1;
out:
	X509_STORE_free(t.store);
	sk_X509_pop_free(t.certs, X509_free);
	free(base);
	free(ca_file);
	free(url);
	return rc;
}
