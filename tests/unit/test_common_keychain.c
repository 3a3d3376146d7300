/*
 * test_common_keychain.c - PKCS#12 keychains as authnjwt writes them and
 * PVXS and openssl read them: round trip with the CA chain in order,
 * mode 0600, wrong-password and not-a-keychain errors, refusal of
 * non-CA chain members and mismatched keys, and the openssl CLI.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "fsutil.h"
#include "keychain.h"
#include "tap.h"

EVP_PKEY	*tmk_key(void);
X509		*tmk_cert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer,
		    const char *cn, int ca, int skid, uint64_t serial);

static char	root[256];

static const char *at(const char *rel);
static int	mode_of(const char *rel);
static int	count_in(const char *rel, const char *needle);
static int	is_cleared(const struct keychain *kc);

static const char *
at(const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

static int
mode_of(const char *rel)
{
	struct stat st;

	if (stat(at(rel), &st) != 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int
count_in(const char *rel, const char *needle)
{
	char err[256], *data = NULL, *p;
	size_t len;
	int n = 0;

	if (fs_read_file(at(rel), 1 << 20, &data, &len, err, sizeof(err)) != 0)
		return -1;
	for (p = data; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(data);
	return n;
}

static int
is_cleared(const struct keychain *kc)
{
	return kc->key == NULL && kc->cert == NULL && kc->chain == NULL;
}

int
main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	EVP_PKEY *rootkey, *intkey, *leafkey, *otherkey;
	X509 *rootca, *intca, *leaf, *other;
	STACK_OF(X509) *chain, *badchain;
	struct keychain kc = { 0 };
	PKCS12 *p12;
	char err[512], want[700], cmd[1400];
	unsigned char *der = NULL;
	int n;

	tap_plan(36);
	snprintf(root, sizeof(root), "%s/keychain.XXXXXX",
	    tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(root) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	rootkey = tmk_key();
	intkey = tmk_key();
	leafkey = tmk_key();
	otherkey = tmk_key();
	rootca = tmk_cert(rootkey, rootkey, NULL, "Root CA", 1, 1, 1);
	intca = tmk_cert(intkey, rootkey, rootca, "Intermediate CA", 1, 1, 2);
	leaf = tmk_cert(leafkey, intkey, intca, "ioc-server", 0, 1, 42);
	other = tmk_cert(otherkey, intkey, intca, "someone", 0, 1, 43);
	chain = sk_X509_new_null();
	sk_X509_push(chain, intca);
	sk_X509_push(chain, rootca);
	badchain = sk_X509_new_null();
	sk_X509_push(badchain, other);
	sk_X509_push(badchain, rootca);
	if (!ok(rootca && intca && leaf && other, "test certificates made"))
		return 1;

	/* Round trip with the empty password. */
	is_int(keychain_write(at("pva/1.4/server.p12"), NULL, leafkey, leaf,
	    chain, err, sizeof(err)), 0, "keychain written");
	is_int(mode_of("pva/1.4/server.p12"), 0600, "keychain mode 0600");
	is_int(mode_of("pva/1.4"), 0700, "keychain directory 0700");
	is_int(keychain_read(at("pva/1.4/server.p12"), "", &kc, err,
	    sizeof(err)), 0, "keychain read back with \"\" password");
	ok(kc.key != NULL && EVP_PKEY_eq(kc.key, leafkey) == 1,
	    "same private key");
	ok(kc.cert != NULL && X509_cmp(kc.cert, leaf) == 0,
	    "same certificate");
	is_int(kc.chain ? sk_X509_num(kc.chain) : -1, 2, "two CAs in chain");
	ok(kc.chain && X509_cmp(sk_X509_value(kc.chain, 0), intca) == 0 &&
	    X509_cmp(sk_X509_value(kc.chain, 1), rootca) == 0,
	    "chain order kept: issuer first, root last");
	keychain_clear(&kc);
	ok(is_cleared(&kc), "keychain_clear zeroes the struct");
	keychain_clear(&kc);
	ok(is_cleared(&kc), "keychain_clear is safe twice");

	/* The openssl CLI reads it too. */
	snprintf(cmd, sizeof(cmd), "openssl pkcs12 -in '%s' -passin pass: "
	    "-nokeys -out '%s' 2>/dev/null", at("pva/1.4/server.p12"),
	    at("certs.pem"));
	is_int(system(cmd), 0, "openssl pkcs12 -nokeys reads the keychain");
	is_int(count_in("certs.pem", "-----BEGIN CERTIFICATE-----"), 3,
	    "openssl sees leaf + intermediate + root");
	ok(count_in("certs.pem", "friendlyName: /CN=ioc-server") == 1,
	    "friendly name is the subject");
	snprintf(cmd, sizeof(cmd), "openssl pkcs12 -in '%s' -passin pass: "
	    "-nocerts -nodes -out '%s' 2>/dev/null", at("pva/1.4/server.p12"),
	    at("key.pem"));
	is_int(system(cmd), 0, "openssl pkcs12 -nocerts reads the key");
	is_int(count_in("key.pem", "-----BEGIN PRIVATE KEY-----"), 1,
	    "openssl sees one private key");

	/* Passwords. */
	is_int(keychain_write(at("pw.p12"), "correct horse", leafkey, leaf,
	    chain, err, sizeof(err)), 0, "keychain with password written");
	kc.key = (EVP_PKEY *)1;	/* garbage the read must overwrite */
	is_int(keychain_read(at("pw.p12"), "wrong", &kc, err, sizeof(err)), -1,
	    "wrong password refused");
	snprintf(want, sizeof(want), "%s: wrong password or corrupt keychain "
	    "(mac verify failed)", at("pw.p12"));
	is_str(err, want, "wrong-password message");
	ok(is_cleared(&kc), "kc cleared on failure");
	is_int(keychain_read(at("pw.p12"), NULL, &kc, err, sizeof(err)), -1,
	    "no password for a protected keychain refused");
	is_int(keychain_read(at("pw.p12"), "correct horse", &kc, err,
	    sizeof(err)), 0, "right password accepted");
	keychain_clear(&kc);

	/* Refusals that keep the old keychain. */
	is_int(keychain_write(at("pva/1.4/server.p12"), NULL, leafkey, leaf,
	    badchain, err, sizeof(err)), -1, "leaf in chain refused");
	ok(strstr(err, "chain certificate 1 (/CN=someone) is not a CA") !=
	    NULL, "reason names the non-CA: %s", err);
	is_int(keychain_write(at("pva/1.4/server.p12"), NULL, otherkey, leaf,
	    chain, err, sizeof(err)), -1, "mismatched key refused");
	ok(strstr(err, "key does not match certificate") != NULL,
	    "reason: %s", err);
	is_int(keychain_read(at("pva/1.4/server.p12"), NULL, &kc, err,
	    sizeof(err)), 0, "old keychain still readable after refusals");
	ok(kc.cert != NULL && X509_cmp(kc.cert, leaf) == 0,
	    "old keychain content unchanged");
	keychain_clear(&kc);
	ok(!fs_exists(at("nochain.p12")) &&
	    keychain_write(at("nochain.p12"), NULL, leafkey, leaf, badchain,
	    err, sizeof(err)) == -1 && !fs_exists(at("nochain.p12")),
	    "refused keychain is not created");

	/* Trust-anchor-only keychain, and a leaf without chain. */
	is_int(keychain_write(at("ta.p12"), NULL, NULL, NULL, chain, err,
	    sizeof(err)), 0, "CA-only keychain written");
	ok(keychain_read(at("ta.p12"), NULL, &kc, err, sizeof(err)) == 0 &&
	    kc.key == NULL && kc.cert == NULL && sk_X509_num(kc.chain) == 2,
	    "CA-only keychain reads as no key, no cert, two CAs");
	keychain_clear(&kc);
	ok(keychain_write(at("nochain.p12"), NULL, leafkey, leaf, NULL, err,
	    sizeof(err)) == 0 && keychain_read(at("nochain.p12"), NULL, &kc,
	    err, sizeof(err)) == 0 && kc.chain != NULL &&
	    sk_X509_num(kc.chain) == 0, "no chain reads as an empty stack");
	keychain_clear(&kc);

	/* Not a keychain, missing, and a key whose cert is missing. */
	fs_write_atomic(at("junk.p12"), "hello\n", 6, 0600, err, sizeof(err));
	keychain_read(at("junk.p12"), NULL, &kc, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: not a PKCS#12 file", at("junk.p12"));
	is_str(err, want, "junk file message");
	keychain_read(at("absent.p12"), NULL, &kc, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    at("absent.p12"));
	is_str(err, want, "missing keychain message");
	p12 = PKCS12_create("", NULL, leafkey, NULL, badchain, 0, 0, 0, 0, 0);
	n = p12 ? i2d_PKCS12(p12, &der) : -1;
	if (n > 0)
		fs_write_atomic(at("mismatch.p12"), der, (size_t)n, 0600, err,
		    sizeof(err));
	OPENSSL_free(der);
	PKCS12_free(p12);
	is_int(keychain_read(at("mismatch.p12"), NULL, &kc, err,
	    sizeof(err)), -1, "key without its certificate refused");
	snprintf(want, sizeof(want), "%s: key does not match certificate",
	    at("mismatch.p12"));
	is_str(err, want, "mismatch message");

	sk_X509_free(badchain);
	sk_X509_free(chain);
	X509_free(other);
	X509_free(leaf);
	X509_free(intca);
	X509_free(rootca);
	EVP_PKEY_free(otherkey);
	EVP_PKEY_free(leafkey);
	EVP_PKEY_free(intkey);
	EVP_PKEY_free(rootkey);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return tap_done();
}
