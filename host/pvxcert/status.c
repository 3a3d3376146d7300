/*
 * status.c - one status answer from pvacms, believed only where its OCSP
 * proof agrees: fetch (GET status, or the POST of an admin action),
 * verify against the caller's trust, print the DESIGN §3 status block.
 * Also where a bare CERT_ID points and how its CA file is trusted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "b64.h"
#include "certid.h"
#include "fsutil.h"
#include "httpc.h"
#include "ocspcheck.h"
#include "paths.h"
#include "pvxcert.h"
#include "termtext.h"
#include "x509show.h"

/* Outcomes of a status request, beyond 0 (verified). */
#define PVXCERT_EFETCH -1	/* could not fetch */
#define PVXCERT_EVERIFY -2	/* fetched, did not verify */
#define PVXCERT_ENOTFOUND -3	/* pvacms does not know the certificate */

/* What we were told and what we proved about one certificate. */
struct pvxcert_status {
	char cert_id[CERTID_MAX];
	char state[32];
	int64_t issued;
	int64_t expires;
	int has_revocation;
	int64_t revocation_date;
	unsigned char *der;		/* owned OCSP response */
	size_t der_len;
};

static int	parse_status(const char *body, struct pvxcert_status *st,
		    char *err, size_t errlen);
static int	fetch_status(const struct pvxcert *p,
		    const struct pvxcert_call *call, struct pvxcert_status *st,
		    char *err, size_t errlen);
static int	verify_status(struct pvxcert_status *st,
		    const struct pvxcert_trust *t, const char *cert_id,
		    char *err, size_t errlen);
static void	status_free(struct pvxcert_status *st);

/* The status base from the AIA OCSP URL, "/ocsp" stripped; caller frees. */
char *
pvxcert_status_base(X509 *cert)
{
	STACK_OF(OPENSSL_STRING) *urls;
	const char *u;
	char *base = NULL;
	size_t n;
	int i;

	if ((urls = X509_get1_ocsp(cert)) == NULL)
		return NULL;
	for (i = 0; i < sk_OPENSSL_STRING_num(urls) && base == NULL; i++) {
		u = sk_OPENSSL_STRING_value(urls, i);
		if (strncmp(u, "http://", 7) != 0 &&
		    strncmp(u, "https://", 8) != 0)
			continue;
		if ((base = strdup(u)) == NULL)
			break;
		n = strlen(base);
		if (n >= 5 && strcmp(base + n - 5, "/ocsp") == 0)
			base[n -= 5] = '\0';
		while (n > 0 && base[n - 1] == '/')
			base[--n] = '\0';
	}
	X509_email_free(urls);
	return base;
}

/* "<base>/v1/certs/<cert_id>/status"; caller frees. */
char *
pvxcert_status_url(const char *base, const char *cert_id)
{
	size_t n = strlen(base) + strlen(cert_id) + 32;
	char *url;

	if ((url = malloc(n)) != NULL)
		snprintf(url, n, "%s/v1/certs/%s/status", base, cert_id);
	return url;
}

static int
parse_status(const char *body, struct pvxcert_status *st, char *err,
    size_t errlen)
{
	json_t *root, *rev;
	const char *id, *state, *ocsp;
	json_int_t issued, expires;
	int r = -1;

	root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) || json_unpack(root,
	    "{s:s, s:s, s:I, s:I, s:s}", "cert_id", &id, "state", &state,
	    "status_issued", &issued, "status_expires", &expires,
	    "ocsp_response", &ocsp) != 0) {
		snprintf(err, errlen, "malformed status answer");
		goto out;
	}
	if (strlen(id) >= sizeof(st->cert_id) ||
	    strlen(state) >= sizeof(st->state) ||
	    ocspcheck_status_of_state(state) < 0) {
		snprintf(err, errlen, "malformed status answer");
		goto out;
	}
	snprintf(st->cert_id, sizeof(st->cert_id), "%s", id);
	snprintf(st->state, sizeof(st->state), "%s", state);
	st->issued = issued;
	st->expires = expires;
	rev = json_object_get(root, "revocation_date");
	if (json_is_integer(rev)) {
		st->has_revocation = 1;
		st->revocation_date = json_integer_value(rev);
	} else if (rev != NULL && !json_is_null(rev)) {
		snprintf(err, errlen, "malformed revocation_date");
		goto out;
	}
	st->der = b64_decode(ocsp, strlen(ocsp), 0, &st->der_len);
	if (st->der == NULL) {
		snprintf(err, errlen, "ocsp_response is not base64");
		goto out;
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

/* Make call into *st.  0, PVXCERT_EFETCH, PVXCERT_EVERIFY or ..ENOTFOUND. */
static int
fetch_status(const struct pvxcert *p, const struct pvxcert_call *call,
    struct pvxcert_status *st, char *err, size_t errlen)
{
	const char *url = call->url;
	static const char *const headers[] = {
		"Accept: application/json", NULL
	};
	static const char *const json_headers[] = {
		"Accept: application/json", "Content-Type: application/json",
		NULL
	};
	struct httpc_request req;
	struct httpc_response resp;
	json_t *root = NULL, *m;
	char herr[256], msg[PVXCERT_MSG_MAX];
	const char *why;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = call->method;
	req.url = url;
	req.headers = call->json_body != NULL ? json_headers : headers;
	req.body = call->json_body;
	req.body_len = call->json_body != NULL ? strlen(call->json_body) : 0;
	req.timeout_ms = p->timeout_ms;
	req.max_response = PVXCERT_RESPONSE_MAX;
	req.ca_file = call->ca_file;
	req.plain_loopback_only = call->loopback_only;
	req.client_p12 = call->client_p12;
	req.client_p12_password = call->client_p12_password;
	pvxcert_verbose(p, "%s %s", call->method, url);
	if (httpc_fetch(&req, &resp, herr, sizeof(herr)) != 0) {
		/* httpc may name the URL itself; the caller does. */
		why = herr;
		if (strncmp(why, url, strlen(url)) == 0 &&
		    strncmp(why + strlen(url), ": ", 2) == 0)
			why += strlen(url) + 2;
		snprintf(err, errlen, "%s", why);
		return PVXCERT_EFETCH;
	}
	pvxcert_verbose(p, "HTTP %ld (%zu bytes)", resp.status, resp.body_len);
	if (resp.status == 200) {
		r = parse_status(resp.body != NULL ? resp.body : "", st, err,
		    errlen) == 0 ? 0 : PVXCERT_EVERIFY;
		goto out;
	}
	r = resp.status == 404 ? PVXCERT_ENOTFOUND : PVXCERT_EFETCH;
	root = json_loads(resp.body != NULL ? resp.body : "", 0, NULL);
	m = json_object_get(json_object_get(root, "error"), "message");
	if (json_is_string(m)) {
		termtext_clean(json_string_value(m), msg, sizeof(msg));
		snprintf(err, errlen, "HTTP %ld: %s", resp.status, msg);
	} else
		snprintf(err, errlen, "HTTP %ld", resp.status);
out:
	json_decref(root);
	httpc_response_free(&resp);
	return r;
}

/* Believe st only where its OCSP proof agrees.  0 or -1. */
static int
verify_status(struct pvxcert_status *st, const struct pvxcert_trust *t,
    const char *cert_id, char *err, size_t errlen)
{
	struct ocspcheck_result res;
	char want_iss[CERTID_ISSUER_LEN], got_iss[CERTID_ISSUER_LEN];
	char oerr[256];
	uint64_t want_sn, got_sn;

	if (certid_parse(cert_id, want_iss, &want_sn, NULL, 0) != 0 ||
	    certid_parse(st->cert_id, got_iss, &got_sn, NULL, 0) != 0 ||
	    strcmp(want_iss, got_iss) != 0 || want_sn != got_sn) {
		snprintf(err, errlen, "answer is about another certificate");
		return -1;
	}
	if (ocspcheck_verify(st->der, st->der_len, t->store, t->certs,
	    t->issuer, want_sn, &res, oerr, sizeof(oerr)) != 0) {
		snprintf(err, errlen, "%s", oerr);
		return -1;
	}
	if (ocspcheck_status_of_state(st->state) != res.status) {
		snprintf(err, errlen, "state %s disagrees with OCSP status %s",
		    st->state, ocspcheck_status_name(res.status));
		return -1;
	}
	if (st->issued != res.this_update || st->expires != res.next_update) {
		snprintf(err, errlen, "status dates disagree with the OCSP "
		    "response");
		return -1;
	}
	if (res.status == V_OCSP_CERTSTATUS_REVOKED) {
		if (!st->has_revocation ||
		    st->revocation_date != res.revocation_time) {
			snprintf(err, errlen, "revocation date disagrees with "
			    "the OCSP response");
			return -1;
		}
	}
	/* Show what was proved. */
	st->issued = res.this_update;
	st->expires = res.next_update;
	st->has_revocation = res.status == V_OCSP_CERTSTATUS_REVOKED;
	st->revocation_date = res.revocation_time;
	return 0;
}

/* Fetch, verify and print the status block.  Returns the exit code. */
int
pvxcert_show_status(const struct pvxcert *p, const struct pvxcert_call *call,
    const struct pvxcert_trust *t, const char *cert_id, const char *base)
{
	const char *url = call->url;
	struct pvxcert_status st;
	struct x509show_status show;
	char err[512];
	int r;

	memset(&st, 0, sizeof(st));
	err[0] = '\0';
	r = fetch_status(p, call, &st, err, sizeof(err));
	if (r == 0 && verify_status(&st, t, cert_id, err, sizeof(err)) != 0)
		r = PVXCERT_EVERIFY;
	fflush(stdout);
	switch (r) {
	case 0:
		break;
	case PVXCERT_ENOTFOUND:
		fprintf(stderr, "pvxcert: certificate %s is not known to %s\n",
		    cert_id, base);
		goto out;
	case PVXCERT_EVERIFY:
		if (call->verb != NULL)
			fprintf(stderr, "pvxcert: %s of %s was accepted, but "
			    "the status in the answer failed verification: "
			    "%s\n", call->verb, cert_id, err);
		else
			fprintf(stderr, "pvxcert: status from %s failed "
			    "verification: %s\n", url, err);
		goto out;
	default:
		if (call->verb != NULL)
			fprintf(stderr, "pvxcert: cannot %s %s: %s\n",
			    call->verb, cert_id, err);
		else
			fprintf(stderr, "pvxcert: cannot fetch status from "
			    "%s: %s\n", url, err);
		goto out;
	}
	memset(&show, 0, sizeof(show));
	show.cert_id = cert_id;
	show.state = st.state;
	show.issued = st.issued;
	show.expires = st.expires;
	show.revoked = strcmp(st.state, "REVOKED") == 0;
	show.revocation_date = st.revocation_date;
	if (x509show_status(stdout, &show) != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "pvxcert: cannot write the status\n");
		r = PVXCERT_EFETCH;
	}
out:
	status_free(&st);
	return r == 0 ? 0 : 1;
}

/* Every certificate in a PEM file; caller frees with sk_X509_pop_free. */
STACK_OF(X509) *
pvxcert_load_pem_certs(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	BIO *bio = NULL;
	X509 *x;
	char *data;
	size_t len;

	if (fs_read_file(path, PVXCERT_CAFILE_MAX, &data, &len, err,
	    errlen) != 0)
		return NULL;
	if ((sk = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(sk) >= PVXCERT_CAFILE_CERTS ||
		    sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			snprintf(err, errlen, "%s: too many certificates",
			    path);
			goto fail;
		}
	}
	ERR_clear_error();
	if (sk_X509_num(sk) == 0) {
		snprintf(err, errlen, "%s: no PEM certificate", path);
		goto fail;
	}
	BIO_free(bio);
	free(data);
	return sk;
fail:
	BIO_free(bio);
	free(data);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/*
 * What a bare CERT_ID (or -A/-R/-D) talks to: the id, normalized into
 * cert_id and its issuer id into issuer (CERTID_ISSUER_LEN bytes);
 * *base, EPICS_PVACMS_URL or the default without trailing '/'; *ca_file,
 * the CA file that authenticates it.  Returns 0, or the exit code after
 * saying why on stderr: 2 for a malformed id, 1 otherwise.  The caller
 * frees *base and *ca_file whatever the outcome.
 */
int
pvxcert_target(const char *id, char *cert_id, size_t cert_id_len, char *issuer,
    char **base, char **ca_file)
{
	const char *env = getenv("EPICS_PVACMS_URL");
	uint64_t serial;
	size_t n;

	*base = *ca_file = NULL;
	if (certid_parse(id, issuer, &serial, NULL, 0) != 0) {
		fprintf(stderr, "pvxcert: malformed certificate id '%s'\n",
		    id);
		return 2;
	}
	certid_format(issuer, serial, cert_id, cert_id_len);
	if ((*base = strdup(env != NULL && *env != '\0' ? env :
	    PVXCERT_DEFAULT_CMS)) == NULL ||
	    (*ca_file = paths_env_or_config("EPICS_PVACMS_CA_FILE",
	    "cert_auth.pem")) == NULL) {
		fprintf(stderr, "pvxcert: out of memory\n");
		return 1;
	}
	n = strlen(*base);
	while (n > 0 && (*base)[n - 1] == '/')
		(*base)[--n] = '\0';
	return 0;
}

/*
 * Trust every certificate in ca_file, and find among them the CA whose
 * issuer id is issuer.  On success t->store and t->certs are owned by
 * the caller (free with X509_STORE_free and sk_X509_pop_free); on
 * failure they may be set too, and the caller frees them the same way.
 */
int
pvxcert_trust_ca_file(const char *ca_file, const char *issuer,
    struct pvxcert_trust *t, char *err, size_t errlen)
{
	char ca_iss[CERTID_ISSUER_LEN];
	X509 *c;
	int i;

	if (!fs_exists(ca_file)) {
		snprintf(err, errlen, "CA certificate %s not found: set "
		    "EPICS_PVACMS_CA_FILE", ca_file);
		return -1;
	}
	if ((t->certs = pvxcert_load_pem_certs(ca_file, err, errlen)) == NULL)
		return -1;
	if ((t->store = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < sk_X509_num(t->certs); i++) {
		c = sk_X509_value(t->certs, i);
		if (X509_STORE_add_cert(t->store, c) != 1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (t->issuer == NULL && certid_issuer_of_ca(c, ca_iss) == 0 &&
		    strcmp(ca_iss, issuer) == 0)
			t->issuer = c;
	}
	ERR_clear_error();
	if (t->issuer == NULL) {
		snprintf(err, errlen, "no CA certificate in %s has issuer id "
		    "%s", ca_file, issuer);
		return -1;
	}
	return 0;
}

static void
status_free(struct pvxcert_status *st)
{
	free(st->der);
	memset(st, 0, sizeof(*st));
}
