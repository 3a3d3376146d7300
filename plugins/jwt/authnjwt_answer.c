/*
 * authnjwt_answer.c - the certificates pvacms answered and the checks
 * they pass before authnjwt writes anything (see authnjwt_answer.h).
 *
 * Over HTTPS the server is authenticated by TLS against the CA file, so
 * the chain it sends may be checked against its own root.  Over
 * PVAccess anyone on the path could answer, so authnjwt_answer_anchor
 * verifies against the CA file alone and keeps only the path it proved:
 * a root smuggled into the reply would otherwise become a trust anchor
 * of every PVXS program that reads the keychain.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "authnjwt_answer.h"
#include "cert.h"
#include "sslerr.h"
#include "timefmt.h"

#define ANSWER_CHAIN_MAX 8

static int	answer_read_chain(BIO *bio, STACK_OF(X509) **chain,
		    char *err, size_t errlen);
static void	answer_verify_time(X509_STORE_CTX *ctx, const X509 *leaf);

/* The rest of bio as 1..ANSWER_CHAIN_MAX certificates into *chain. */
static int
answer_read_chain(BIO *bio, STACK_OF(X509) **chain, char *err,
    size_t errlen)
{
	X509 *x;

	if ((*chain = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(*chain) >= ANSWER_CHAIN_MAX ||
		    sk_X509_push(*chain, x) <= 0) {
			X509_free(x);
			snprintf(err, errlen, "pvacms answered too long a "
			    "chain");
			return -1;
		}
	}
	ERR_clear_error();
	if (sk_X509_num(*chain) == 0) {
		snprintf(err, errlen, "pvacms answered no CA chain");
		return -1;
	}
	return 0;
}

int
authnjwt_answer_certs(struct authnjwt_answer *an, const char *leaf_pem,
    const char *chain_pem, char *err, size_t errlen)
{
	BIO *bio = NULL;
	X509 *x;
	int r = -1;

	if ((bio = BIO_new_mem_buf(leaf_pem, -1)) == NULL ||
	    (an->leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		sslerr_line(err, errlen, "pvacms answered an unreadable "
		    "certificate");
		goto out;
	}
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		snprintf(err, errlen, "pvacms answered more than one "
		    "certificate");
		goto out;
	}
	ERR_clear_error();
	BIO_free(bio);
	if ((bio = BIO_new_mem_buf(chain_pem, -1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	r = answer_read_chain(bio, &an->chain, err, errlen);
out:
	BIO_free(bio);
	return r;
}

int
authnjwt_answer_id(struct authnjwt_answer *an, const char *id, char *err,
    size_t errlen)
{
	char issuer[CERTID_ISSUER_LEN], perr[128];
	uint64_t serial;

	if (certid_parse(id, issuer, &serial, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "pvacms answered a bad certificate id: "
		    "%s", perr);
		return -1;
	}
	certid_format(issuer, serial, an->cert_id, sizeof(an->cert_id));
	return 0;
}

/*
 * The reply is untrusted until authnjwt_answer_check ties the id to
 * the certificate, so nothing of it is quoted in err.
 */
int
authnjwt_answer_reply(struct authnjwt_answer *an,
    const struct authnjwt_ccr_reply *rep, char *err, size_t errlen)
{
	char id[64], issuer[CERTID_ISSUER_LEN];
	uint64_t serial;
	BIO *bio;
	int r = -1;

	if (rep->issuer[0] != '\0' && rep->has_serial) {
		snprintf(id, sizeof(id), "%s:%llu", rep->issuer,
		    (unsigned long long)rep->serial);
		if (rep->cert_id[0] != '\0' && (certid_parse(rep->cert_id,
		    issuer, &serial, NULL, 0) != 0 ||
		    strcmp(issuer, rep->issuer) != 0 ||
		    serial != rep->serial)) {
			snprintf(err, errlen, "pvacms answered a cert_id that "
			    "does not match its issuer and serial");
			return -1;
		}
	} else if (rep->cert_id[0] != '\0')
		snprintf(id, sizeof(id), "%s", rep->cert_id);
	else {
		snprintf(err, errlen, "pvacms answered no certificate id");
		return -1;
	}
	if (authnjwt_answer_id(an, id, err, errlen) != 0)
		return -1;
	if ((bio = BIO_new_mem_buf(rep->cert, -1)) == NULL ||
	    (an->leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		sslerr_line(err, errlen, "pvacms answered an unreadable "
		    "certificate");
	else
		r = answer_read_chain(bio, &an->chain, err, errlen);
	BIO_free(bio);
	return r;
}

/* A PENDING certificate (notBefore ahead) is judged as of then. */
static void
answer_verify_time(X509_STORE_CTX *ctx, const X509 *leaf)
{
	int64_t nb;

	if (timefmt_from_asn1(X509_get0_notBefore(leaf), &nb) == 0 &&
	    nb > (int64_t)time(NULL))
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		    (time_t)nb);
}

/* Is the answer a certificate for our key, chaining to a root? */
int
authnjwt_answer_check(struct authnjwt_answer *an, EVP_PKEY *key,
    const char *usage, char *err, size_t errlen)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *root, *c;
	char issuer[CERTID_ISSUER_LEN], leafid[CERTID_MAX];
	uint64_t serial;
	int i, n, purpose, r = -1;

	if (EVP_PKEY_eq(X509_get0_pubkey(an->leaf), key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "the certificate from pvacms is not "
		    "for our key");
		return -1;
	}
	n = sk_X509_num(an->chain);
	for (i = 0; i < n; i++) {
		c = sk_X509_value(an->chain, i);
		if (X509_check_ca(c) < 1) {
			snprintf(err, errlen, "chain from pvacms holds a "
			    "certificate that is not a CA");
			return -1;
		}
	}
	root = sk_X509_value(an->chain, n - 1);
	if (X509_self_signed(root, 1) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "chain from pvacms does not end in a "
		    "self-signed root");
		return -1;
	}
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, root) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, an->leaf, an->chain) != 1) {
		sslerr_line(err, errlen, "cannot verify the certificate");
		goto out;
	}
	answer_verify_time(ctx, an->leaf);
	if (X509_verify_cert(ctx) != 1) {
		snprintf(err, errlen, "certificate from pvacms does not "
		    "verify against its chain: %s",
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	purpose = cert_usage_of(usage) == USAGE_CLIENT ?
	    X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER;
	if (X509_check_purpose(an->leaf, purpose, 0) != 1 ||
	    (cert_usage_of(usage) == USAGE_IOC && X509_check_purpose(
	    an->leaf, X509_PURPOSE_SSL_CLIENT, 0) != 1)) {
		snprintf(err, errlen, "certificate from pvacms is not usable "
		    "for %s", usage);
		goto out;
	}
	if (certid_of_leaf(an->leaf, leafid, sizeof(leafid)) != 0 ||
	    certid_parse(leafid, issuer, &serial, NULL, 0) != 0 ||
	    (certid_format(issuer, serial, leafid, sizeof(leafid)),
	    strcmp(leafid, an->cert_id) != 0)) {
		snprintf(err, errlen, "certificate id %s from pvacms does not "
		    "match the certificate", an->cert_id);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return r;
}

int
authnjwt_answer_anchor(struct authnjwt_answer *an, const char *ca_file,
    char *err, size_t errlen)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *path = NULL, *chain = NULL;
	X509 *x;
	char what[512];
	int i, n, r = -1;

	snprintf(what, sizeof(what), "cannot read the CA certificate %s",
	    ca_file);
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(store, ca_file) != 1) {
		sslerr_line(err, errlen, what);
		goto out;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, an->leaf, an->chain) != 1) {
		sslerr_line(err, errlen, "cannot verify the certificate");
		goto out;
	}
	answer_verify_time(ctx, an->leaf);
	/*
	 * No purpose here: this proves who signed the certificate;
	 * authnjwt_answer_check already judged what it is for.
	 */
	if (X509_verify_cert(ctx) != 1) {
		snprintf(err, errlen, "certificate from pvacms does not "
		    "verify against %s: %s", ca_file,
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	if ((path = X509_STORE_CTX_get1_chain(ctx)) == NULL ||
	    (n = sk_X509_num(path)) < 2 ||
	    X509_self_signed(sk_X509_value(path, n - 1), 0) != 1) {
		snprintf(err, errlen, "the certificate from pvacms does not "
		    "lead to a self-signed root in %s", ca_file);
		goto out;
	}
	if ((chain = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 1; i < n; i++) {
		x = sk_X509_value(path, i);
		if (X509_up_ref(x) != 1) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (sk_X509_push(chain, x) <= 0) {
			X509_free(x);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	sk_X509_pop_free(an->chain, X509_free);
	an->chain = chain;
	chain = NULL;
	r = 0;
out:
	ERR_clear_error();
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(path, X509_free);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return r;
}

void
authnjwt_answer_clear(struct authnjwt_answer *an)
{
	X509_free(an->leaf);
	sk_X509_pop_free(an->chain, X509_free);
	memset(an, 0, sizeof(*an));
}
