/*
 * ca_admin.c - administrator keychains.  An administrator is a client
 * certificate of this CA that is either recorded with usage "admin" (made
 * here, by the bootstrap or pvacms --admin-keychain-new: whoever can run
 * this code holds the CA key anyway) or whose CN is listed in
 * EPICS_PVACMS_ADMINS (admin.c).  Making one is: a key, a certificate
 * with clientAuth, a record in the database (so that it can be revoked,
 * is recognised as ours, and carries the role), and a PKCS#12 file with
 * the CA in its chain, which is what curl, pvxcert and PVXS read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "ca_admin.h"
#include "ca_priv.h"
#include "keychain.h"

#define CA_ADMIN_DAYS	366
#define CA_ADMIN_BACKDATE 60	/* seconds: tolerate a peer's slow clock */

int
ca_admin_check_name(const char *name, char *why, size_t whylen)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CA_ADMIN_CN_MAX) {
		snprintf(why, whylen, "administrator name must be 1 to %d "
		    "characters", CA_ADMIN_CN_MAX);
		return -1;
	}
	if (name[0] == '.' || name[0] == '-') {
		snprintf(why, whylen, "administrator name must not start "
		    "with '%c'", name[0]);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-' || ch == '@')
			continue;
		snprintf(why, whylen, "administrator name may hold only "
		    "letters, digits, '.', '_', '-' and '@'");
		return -1;
	}
	return 0;
}

X509 *
ca_admin_keychain(struct ca *ca, const char *cn, const char *path,
    const char *password, ca_record_cb record_cb, void *record_arg,
    char *err, size_t errlen)
{
	struct ca_subject subj;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int64_t now = (int64_t)time(NULL);
	int ok = 0;

	memset(&subj, 0, sizeof(subj));
	subj.cn = cn;
	if ((key = EVP_EC_gen("P-256")) == NULL) {
		ca_seterr(err, errlen, "cannot generate the admin key");
		goto out;
	}
	/* A client certificate like any other; only its record differs.
	 * A serial already taken fails the record below. */
	if (ca_sign_leaf(ca, key, &subj, USAGE_ADMIN,
	    now - CA_ADMIN_BACKDATE, now + CA_ADMIN_DAYS * 86400LL, NULL, NULL,
	    &cert, err, errlen) != 0)
		goto out;
	/* Recorded before the file exists: a keychain is never unknown. */
	if (record_cb != NULL &&
	    record_cb(record_arg, cert, USAGE_ADMIN, STATE_VALID) != 0) {
		snprintf(err, errlen, "cannot record the admin certificate");
		goto out;
	}
	if ((chain = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(chain, ca->cert)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (keychain_write(path, password, key, cert, chain, err,
	    errlen) != 0)
		goto out;
	ok = 1;
out:
	sk_X509_free(chain);	/* borrowed members */
	EVP_PKEY_free(key);
	if (!ok) {
		X509_free(cert);
		cert = NULL;
	}
	return cert;
}
