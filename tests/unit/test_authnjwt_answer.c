/*
 * test_authnjwt_answer.c - what authnjwt accepts from pvacms before it
 * writes a keychain (plugins/jwt/authnjwt_answer.c), on the PVAccess
 * path: the reply's id (issuer + serial, or a padded cert_id, agreeing
 * when both are there), the PEM bundle, the checks shared with HTTPS
 * (our key, CA chain, self-signed root, the id of the certificate), and
 * the anchor: the certificate must verify against the CA file alone,
 * and the keychain chain becomes the verified path, so that a CA the
 * server slipped into its reply is never kept.  Certificates come from
 * test_common_mkcert.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "authnjwt_answer.h"
#include "authnjwt_ccr.h"
#include "certid.h"
#include "tap.h"

EVP_PKEY	*tmk_key(void);
X509		*tmk_cert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer,
		    const char *cn, int ca, int skid, uint64_t serial);

static char	*pem_of(X509 *const *certs, int n);
static char	*write_pem(X509 *cert);
static int	 answer(const char *issuer, int has_serial, uint64_t serial,
		    const char *cert_id, const char *pem,
		    struct authnjwt_answer *an, char *err, size_t errlen);

static EVP_PKEY *root_key, *inter_key, *leaf_key, *other_key;
static X509 *root, *inter, *leaf, *ileaf, *evil, *other_root;
static char root_id[CERTID_ISSUER_LEN];

/* The certificates as one PEM text; the caller frees it. */
static char *
pem_of(X509 *const *certs, int n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	BUF_MEM *mem;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		PEM_write_bio_X509(bio, certs[i]);
	BIO_get_mem_ptr(bio, &mem);
	s = strndup(mem->data, mem->length);
	BIO_free(bio);
	return s;
}

/* cert in a temporary PEM file; the caller unlinks and frees the path. */
static char *
write_pem(X509 *cert)
{
	char *path = strdup("/tmp/test_authnjwt_answer.XXXXXX");
	FILE *fp;
	int fd;

	if (path == NULL || (fd = mkstemp(path)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL)
		abort();
	PEM_write_X509(fp, cert);
	fclose(fp);
	return path;
}

/* A reply with these fields through authnjwt_answer_reply. */
static int
answer(const char *issuer, int has_serial, uint64_t serial,
    const char *cert_id, const char *pem, struct authnjwt_answer *an,
    char *err, size_t errlen)
{
	struct authnjwt_ccr_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.issuer = (char *)issuer;
	rep.has_serial = has_serial;
	rep.serial = serial;
	rep.cert_id = (char *)cert_id;
	rep.cert = (char *)pem;
	memset(an, 0, sizeof(*an));
	err[0] = '\0';
	return authnjwt_answer_reply(an, &rep, err, errlen);
}

static void
test_good(const char *ca_file)
{
	X509 *c[2] = { leaf, root };
	struct authnjwt_answer an;
	char *pem = pem_of(c, 2), err[512], want[CERTID_MAX];

	certid_format(root_id, 7, want, sizeof(want));
	ok(answer(root_id, 1, 7, "", pem, &an, err, sizeof(err)) == 0,
	    "leaf + root, issuer and serial: read (%s)", err);
	is_str(an.cert_id, want, "the id is issuer:serial");
	ok(authnjwt_answer_check(&an, leaf_key, "client", err,
	    sizeof(err)) == 0, "the shared checks pass (%s)", err);
	ok(authnjwt_answer_anchor(&an, ca_file, err, sizeof(err)) == 0,
	    "it verifies against the CA file (%s)", err);
	ok(sk_X509_num(an.chain) == 1 &&
	    X509_cmp(sk_X509_value(an.chain, 0), root) == 0,
	    "the chain kept is the root");
	authnjwt_answer_clear(&an);

	snprintf(want, sizeof(want), "%s:%020d", root_id, 7);
	ok(answer("", 0, 0, want, pem, &an, err, sizeof(err)) == 0 &&
	    strcmp(an.cert_id + 9, "7") == 0,
	    "a padded cert_id alone: read, unpadded (%s)", an.cert_id);
	authnjwt_answer_clear(&an);
	ok(answer(root_id, 1, 7, want, pem, &an, err, sizeof(err)) == 0,
	    "issuer, serial and a cert_id that agrees: read");
	authnjwt_answer_clear(&an);
	free(pem);
}

static void
test_bad_ids(void)
{
	X509 *c[2] = { leaf, root };
	struct authnjwt_answer an;
	char *pem = pem_of(c, 2), err[512], id[CERTID_MAX];

	snprintf(id, sizeof(id), "%s:8", root_id);
	ok(answer(root_id, 1, 7, id, pem, &an, err, sizeof(err)) == -1 &&
	    strcmp(err, "pvacms answered a cert_id that does not match its "
	    "issuer and serial") == 0, "a cert_id that disagrees: %s", err);
	authnjwt_answer_clear(&an);
	ok(answer("", 0, 0, "", pem, &an, err, sizeof(err)) == -1 &&
	    strcmp(err, "pvacms answered no certificate id") == 0,
	    "no id at all: %s", err);
	authnjwt_answer_clear(&an);
	ok(answer("0123ABCD", 1, 7, "", pem, &an, err, sizeof(err)) == -1 &&
	    strncmp(err, "pvacms answered a bad certificate id", 36) == 0,
	    "an issuer that is not 8 lowercase hex digits: %s", err);
	authnjwt_answer_clear(&an);
	ok(answer(root_id, 1, 8, "", pem, &an, err, sizeof(err)) == 0 &&
	    authnjwt_answer_check(&an, leaf_key, "client", err,
	    sizeof(err)) == -1 && strstr(err, "does not match the "
	    "certificate") != NULL, "an id of another certificate: %s", err);
	authnjwt_answer_clear(&an);
	free(pem);
}

static void
test_bad_certs(const char *ca_file, const char *other_file)
{
	X509 *c[3] = { leaf, root, NULL };
	struct authnjwt_answer an;
	char *pem, err[512];

	pem = pem_of(c, 1);
	ok(answer(root_id, 1, 7, "", pem, &an, err, sizeof(err)) == -1 &&
	    strcmp(err, "pvacms answered no CA chain") == 0,
	    "the leaf alone: %s", err);
	authnjwt_answer_clear(&an);
	free(pem);
	ok(answer(root_id, 1, 7, "", "-----BEGIN CERTIFICATE-----\nxx\n",
	    &an, err, sizeof(err)) == -1 && strncmp(err, "pvacms answered "
	    "an unreadable certificate", 40) == 0, "garbage: %s", err);
	authnjwt_answer_clear(&an);

	pem = pem_of(c, 2);
	answer(root_id, 1, 7, "", pem, &an, err, sizeof(err));
	ok(authnjwt_answer_check(&an, other_key, "client", err,
	    sizeof(err)) == -1 && strcmp(err, "the certificate from pvacms "
	    "is not for our key") == 0, "another key: %s", err);
	ok(authnjwt_answer_anchor(&an, other_file, err, sizeof(err)) == -1 &&
	    strstr(err, "does not verify against") != NULL,
	    "another CA file: %s", err);
	ok(sk_X509_num(an.chain) == 1, "... the chain is left as it was");
	ok(authnjwt_answer_anchor(&an, "/nonexistent/ca.pem", err,
	    sizeof(err)) == -1 && strncmp(err, "cannot read the CA "
	    "certificate /nonexistent/ca.pem", 47) == 0,
	    "a missing CA file: %s", err);
	authnjwt_answer_clear(&an);
	free(pem);

	/* A root of the server's own choosing at the end: no path. */
	c[2] = evil;
	pem = pem_of(c, 3);
	answer(root_id, 1, 7, "", pem, &an, err, sizeof(err));
	ok(authnjwt_answer_check(&an, leaf_key, "client", err,
	    sizeof(err)) == -1, "a foreign root last: refused (%s)", err);
	authnjwt_answer_clear(&an);
	free(pem);
	(void)ca_file;
}

/* A self-signed CA slipped in before the real root is not kept. */
static void
test_smuggled(const char *ca_file)
{
	X509 *c[3] = { leaf, evil, root };
	struct authnjwt_answer an;
	char *pem = pem_of(c, 3), err[512];
	int i, kept = 0;

	answer(root_id, 1, 7, "", pem, &an, err, sizeof(err));
	ok(authnjwt_answer_check(&an, leaf_key, "client", err,
	    sizeof(err)) == 0 && authnjwt_answer_anchor(&an, ca_file, err,
	    sizeof(err)) == 0, "leaf + foreign CA + root: verifies (%s)", err);
	for (i = 0; i < sk_X509_num(an.chain); i++)
		if (X509_cmp(sk_X509_value(an.chain, i), evil) == 0)
			kept = 1;
	ok(!kept && sk_X509_num(an.chain) == 1,
	    "... and the foreign CA is dropped from the keychain chain");
	authnjwt_answer_clear(&an);
	free(pem);
}

/* Root, intermediate, leaf: the path keeps the intermediate. */
static void
test_intermediate(const char *ca_file)
{
	X509 *c[3] = { ileaf, inter, root };
	struct authnjwt_answer an;
	char *pem = pem_of(c, 3), err[512], iid[CERTID_ISSUER_LEN];

	certid_issuer_of_ca(inter, iid);
	answer(iid, 1, 9, "", pem, &an, err, sizeof(err));
	ok(authnjwt_answer_check(&an, leaf_key, "server", err,
	    sizeof(err)) == 0 && authnjwt_answer_anchor(&an, ca_file, err,
	    sizeof(err)) == 0, "through an intermediate: verifies (%s)", err);
	ok(sk_X509_num(an.chain) == 2 &&
	    X509_cmp(sk_X509_value(an.chain, 0), inter) == 0 &&
	    X509_cmp(sk_X509_value(an.chain, 1), root) == 0,
	    "... the chain is intermediate, root");
	authnjwt_answer_clear(&an);
	free(pem);
}

int
main(void)
{
	char *ca_file, *other_file;

	root_key = tmk_key();
	inter_key = tmk_key();
	leaf_key = tmk_key();
	other_key = tmk_key();
	root = tmk_cert(root_key, root_key, NULL, "root", 1, 1, 1);
	inter = tmk_cert(inter_key, root_key, root, "inter", 1, 1, 2);
	leaf = tmk_cert(leaf_key, root_key, root, "leaf", 0, 0, 7);
	ileaf = tmk_cert(leaf_key, inter_key, inter, "ileaf", 0, 0, 9);
	evil = tmk_cert(other_key, other_key, NULL, "evil", 1, 1, 3);
	other_root = tmk_cert(other_key, other_key, NULL, "root", 1, 1, 1);
	if (root == NULL || inter == NULL || leaf == NULL || ileaf == NULL ||
	    evil == NULL || other_root == NULL ||
	    certid_issuer_of_ca(root, root_id) != 0) {
		printf("Bail out! cannot make test certificates\n");
		return 1;
	}
	ca_file = write_pem(root);
	other_file = write_pem(other_root);
	tap_plan(7 + 4 + 7 + 2 + 2);
	test_good(ca_file);
	test_bad_ids();
	test_bad_certs(ca_file, other_file);
	test_smuggled(ca_file);
	test_intermediate(ca_file);
	unlink(ca_file);
	unlink(other_file);
	free(ca_file);
	free(other_file);
	X509_free(root);
	X509_free(inter);
	X509_free(leaf);
	X509_free(ileaf);
	X509_free(evil);
	X509_free(other_root);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(other_key);
	return tap_done();
}
