/*
 * pvxcert.c - show a certificate and its live status (DESIGN §3,
 * contract).  `pvxcert -f FILE` prints the keychain's certificate, then
 * asks the pvacms named in the certificate's OCSP URL for its status;
 * `pvxcert CERT_ID` asks the pvacms at EPICS_PVACMS_URL.  A status is
 * shown only when the OCSP response inside the answer verifies against
 * our trust anchors and agrees with the JSON around it: the plain-HTTP
 * status listener carries no secrets, and this proof is what makes it
 * trustworthy.  -A/-R/-D ask the pvacms at EPICS_PVACMS_URL to approve,
 * revoke or deny a certificate over mutual TLS, with the admin keychain
 * (or the client keychain) as our identity; the answer is the new status,
 * checked the same way before it is shown.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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
#include "keychain.h"
#include "ocspcheck.h"
#include "paths.h"
#include "x509show.h"

#define PVXCERT_DEFAULT_CMS "https://localhost:8443"
#define PVXCERT_RESPONSE_MAX (256 * 1024)
#define PVXCERT_CAFILE_MAX (1024 * 1024)
#define PVXCERT_CAFILE_CERTS 32
#define PVXCERT_PASSWORD_MAX 1024
#define PVXCERT_MSG_MAX 300

/* Outcomes of a status request, beyond 0 (verified). */
#define PVXCERT_EFETCH -1	/* could not fetch */
#define PVXCERT_EVERIFY -2	/* fetched, did not verify */
#define PVXCERT_ENOTFOUND -3	/* pvacms does not know the certificate */

enum pvxcert_action { ACT_NONE, ACT_APPROVE, ACT_REVOKE, ACT_DENY };

struct pvxcert {
	const char *file;
	int prompt;
	int verbose;
	long timeout_ms;
	enum pvxcert_action action;
	const char *action_id;
	const char *cert_id;
};

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

/* One status request: GET .../status, or POST .../{approve,...}. */
struct pvxcert_call {
	const char *method;		/* "GET" or "POST" */
	const char *url;
	const char *ca_file;		/* trust for https, or NULL */
	int loopback_only;		/* refuse plain http off this host */
	const char *client_p12;		/* identity for mutual TLS, or NULL */
	const char *client_p12_password;
	const char *verb;		/* "revoke" etc. for messages, or NULL */
};

/* Trust for one status check. */
struct pvxcert_trust {
	X509_STORE *store;		/* trust anchors */
	STACK_OF(X509) *certs;		/* more certs for the responder chain */
	X509 *issuer;			/* issuer of the certificate */
};

static void	usage(FILE *fp);
static void	verbose(const struct pvxcert *p, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static void	clean_text(const char *in, char *out, size_t len);
static int	read_password_tty(char **out, char *err, size_t errlen);
static char	*status_base_of(X509 *cert);
static char	*join_url(const char *base, const char *cert_id);
static int	parse_status(const char *body, struct pvxcert_status *st,
		    char *err, size_t errlen);
static int	fetch_status(const struct pvxcert *p,
		    const struct pvxcert_call *call, struct pvxcert_status *st,
		    char *err, size_t errlen);
static int	verify_status(struct pvxcert_status *st,
		    const struct pvxcert_trust *t, const char *cert_id,
		    char *err, size_t errlen);
static int	show_status(const struct pvxcert *p,
		    const struct pvxcert_call *call,
		    const struct pvxcert_trust *t, const char *cert_id,
		    const char *base);
static int	trust_from_ca_file(const char *ca_file, const char *issuer,
		    struct pvxcert_trust *t, char *err, size_t errlen);
static int	target_of(const char *id, char *cert_id, size_t cert_id_len,
		    char *issuer, char **base, char **ca_file);
static char	*admin_keychain(const char **pwfile_env);
static STACK_OF(X509) *load_pem_certs(const char *path, char *err,
		    size_t errlen);
static int	cmd_file(const struct pvxcert *p);
static int	cmd_id(const struct pvxcert *p);
static int	cmd_admin(const struct pvxcert *p);
static void	status_free(struct pvxcert_status *st);

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: pvxcert [-v] [-w SECS] -f FILE [-p]\n"
	    "       pvxcert [-v] [-w SECS] CERT_ID\n"
	    "       pvxcert [-v] [-w SECS] [-p] -A|-R|-D CERT_ID\n"
	    "Show a certificate and its status, as signed by pvacms.\n"
	    "  -f, --file FILE     show the certificate in keychain FILE and "
	    "its status\n"
	    "  -p, --password      prompt for the keychain password\n"
	    "  -w, --timeout SECS  give up on pvacms after SECS seconds "
	    "(default 5)\n"
	    "  -A, --approve ID    approve a pending certificate\n"
	    "  -R, --revoke ID     revoke a certificate\n"
	    "  -D, --deny ID       deny a pending certificate\n"
	    "  -v, --verbose       say what is happening on stderr\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n");
}

static void
verbose(const struct pvxcert *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->verbose)
		return;
	fputs("pvxcert: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Copy server-supplied text for a terminal: no controls, bounded. */
static void
clean_text(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = ((unsigned char)in[i] < 0x20 ||
		    (unsigned char)in[i] == 0x7f) ? '?' : in[i];
	out[i] = '\0';
}

/* Prompt on the terminal with echo off.  *out is freed by the caller. */
static int
read_password_tty(char **out, char *err, size_t errlen)
{
	static const char prompt[] = "Enter password: ";
	struct termios old, noecho;
	char buf[PVXCERT_PASSWORD_MAX + 2];
	size_t n = 0;
	ssize_t r;
	int fd, restore = 0, rc = -1;
	char c;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot prompt for the password: %s",
		    strerror(errno));
		return -1;
	}
	if (write(fd, prompt, sizeof(prompt) - 1) < 0)
		goto out;
	if (tcgetattr(fd, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		noecho.c_lflag |= ECHONL;
		if (tcsetattr(fd, TCSAFLUSH, &noecho) == 0)
			restore = 1;
	}
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n' || c == '\r')
			break;
		if (n >= PVXCERT_PASSWORD_MAX) {
			snprintf(err, errlen, "password too long");
			goto out;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	if ((*out = strdup(buf)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "cannot prompt for the password");
	return rc;
}

/* The status base from the AIA OCSP URL, "/ocsp" stripped; caller frees. */
static char *
status_base_of(X509 *cert)
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
static char *
join_url(const char *base, const char *cert_id)
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
	req.headers = headers;
	req.timeout_ms = p->timeout_ms;
	req.max_response = PVXCERT_RESPONSE_MAX;
	req.ca_file = call->ca_file;
	req.plain_loopback_only = call->loopback_only;
	req.client_p12 = call->client_p12;
	req.client_p12_password = call->client_p12_password;
	verbose(p, "%s %s", call->method, url);
	if (httpc_fetch(&req, &resp, herr, sizeof(herr)) != 0) {
		/* httpc may name the URL itself; the caller does. */
		why = herr;
		if (strncmp(why, url, strlen(url)) == 0 &&
		    strncmp(why + strlen(url), ": ", 2) == 0)
			why += strlen(url) + 2;
		snprintf(err, errlen, "%s", why);
		return PVXCERT_EFETCH;
	}
	verbose(p, "HTTP %ld (%zu bytes)", resp.status, resp.body_len);
	if (resp.status == 200) {
		r = parse_status(resp.body != NULL ? resp.body : "", st, err,
		    errlen) == 0 ? 0 : PVXCERT_EVERIFY;
		goto out;
	}
	r = resp.status == 404 ? PVXCERT_ENOTFOUND : PVXCERT_EFETCH;
	root = json_loads(resp.body != NULL ? resp.body : "", 0, NULL);
	m = json_object_get(json_object_get(root, "error"), "message");
	if (json_is_string(m)) {
		clean_text(json_string_value(m), msg, sizeof(msg));
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
static int
show_status(const struct pvxcert *p, const struct pvxcert_call *call,
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
static STACK_OF(X509) *
load_pem_certs(const char *path, char *err, size_t errlen)
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

static int
cmd_file(const struct pvxcert *p)
{
	struct keychain kc = { 0 };
	struct pvxcert_trust t = { NULL, NULL, NULL };
	struct pvxcert_call call;
	const char *pwfile;
	char *password = NULL, *base = NULL, *url = NULL, *ca_file = NULL;
	char err[512], cert_id[CERTID_MAX];
	X509 *c;
	int i, rc = 1;

	err[0] = '\0';
	if (p->prompt) {
		if (read_password_tty(&password, err, sizeof(err)) != 0)
			goto fail;
	} else {
		pwfile = getenv("EPICS_PVA_TLS_KEYCHAIN_PWD_FILE");
		if (pwfile != NULL && *pwfile == '\0')
			pwfile = NULL;
		if (fs_read_password(pwfile, &password, err,
		    sizeof(err)) != 0)
			goto fail;
	}
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

	if ((base = status_base_of(kc.cert)) == NULL) {
		snprintf(err, sizeof(err), "certificate %s names no OCSP URL: "
		    "no status to ask for", cert_id);
		goto fail;
	}
	if ((url = join_url(base, cert_id)) == NULL ||
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
	verbose(p, "status of %s from %s", cert_id, base);
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.url = url;
	call.ca_file = ca_file;
	rc = show_status(p, &call, &t, cert_id, base);
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

/*
 * What a bare CERT_ID (or -A/-R/-D) talks to: the id, normalized into
 * cert_id and its issuer id into issuer (CERTID_ISSUER_LEN bytes);
 * *base, EPICS_PVACMS_URL or the default without trailing '/'; *ca_file,
 * the CA file that authenticates it.  Returns 0, or the exit code after
 * saying why on stderr: 2 for a malformed id, 1 otherwise.  The caller
 * frees *base and *ca_file whatever the outcome.
 */
static int
target_of(const char *id, char *cert_id, size_t cert_id_len, char *issuer,
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
static int
trust_from_ca_file(const char *ca_file, const char *issuer,
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
	if ((t->certs = load_pem_certs(ca_file, err, errlen)) == NULL)
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

static int
cmd_id(const struct pvxcert *p)
{
	struct pvxcert_trust t = { NULL, NULL, NULL };
	struct pvxcert_call call;
	char *base = NULL, *ca_file = NULL, *url = NULL;
	char issuer[CERTID_ISSUER_LEN], cert_id[CERTID_MAX], err[512];
	int rc;

	if ((rc = target_of(p->cert_id, cert_id, sizeof(cert_id), issuer,
	    &base, &ca_file)) != 0)
		goto out;
	if ((url = join_url(base, cert_id)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (trust_from_ca_file(ca_file, issuer, &t, err, sizeof(err)) != 0)
		goto fail;
	verbose(p, "status of %s from %s, trusting %s", cert_id, base,
	    ca_file);
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.url = url;
	call.ca_file = ca_file;
	call.loopback_only = 1;
	rc = show_status(p, &call, &t, cert_id, base);
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
static int
cmd_admin(const struct pvxcert *p)
{
	static const char *const verbs[] = {
		[ACT_APPROVE] = "approve", [ACT_REVOKE] = "revoke",
		[ACT_DENY] = "deny"
	};
	struct pvxcert_trust t = { NULL, NULL, NULL };
	struct pvxcert_call call;
	struct keychain kc = { 0 };
	const char *verb = verbs[p->action], *pwfile_env, *pwfile;
	char *base = NULL, *ca_file = NULL, *url = NULL, *p12 = NULL;
	char *password = NULL;
	char issuer[CERTID_ISSUER_LEN], cert_id[CERTID_MAX], err[512];
	size_t n;
	int rc;

	err[0] = '\0';
	if ((rc = target_of(p->action_id, cert_id, sizeof(cert_id), issuer,
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
	if (trust_from_ca_file(ca_file, issuer, &t, err, sizeof(err)) != 0)
		goto fail;

	/* Open the keychain here, so that a missing file or a wrong
	 * password is named as such rather than as a TLS failure. */
	if (!fs_exists(p12)) {
		snprintf(err, sizeof(err), "keychain %s not found: set "
		    "EPICS_ADMIN_TLS_KEYCHAIN", p12);
		goto fail;
	}
	if (p->prompt) {
		if (read_password_tty(&password, err, sizeof(err)) != 0)
			goto fail;
	} else {
		pwfile = getenv(pwfile_env);
		if (pwfile != NULL && *pwfile == '\0')
			pwfile = NULL;
		if (fs_read_password(pwfile, &password, err,
		    sizeof(err)) != 0)
			goto fail;
	}
	if (keychain_read(p12, password, &kc, err, sizeof(err)) != 0)
		goto fail;
	if (kc.cert == NULL || kc.key == NULL) {
		snprintf(err, sizeof(err), "%s holds no certificate and key",
		    p12);
		goto fail;
	}
	verbose(p, "%s %s at %s as %s, trusting %s", verb, cert_id, base,
	    p12, ca_file);
	memset(&call, 0, sizeof(call));
	call.method = "POST";
	call.url = url;
	call.ca_file = ca_file;
	call.client_p12 = p12;
	call.client_p12_password = password;
	call.verb = verb;
	rc = show_status(p, &call, &t, cert_id, base);
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
	X509_STORE_free(t.store);
	sk_X509_pop_free(t.certs, X509_free);
	free(base);
	free(ca_file);
	free(url);
	free(p12);
	return rc;
}

static void
status_free(struct pvxcert_status *st)
{
	free(st->der);
	memset(st, 0, sizeof(*st));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "password", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "approve", required_argument, NULL, 'A' },
		{ "revoke", required_argument, NULL, 'R' },
		{ "deny", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct pvxcert p;
	char err[256], *end;
	double secs;
	int ch, rc;

	memset(&p, 0, sizeof(p));
	p.timeout_ms = 5000;
	while ((ch = getopt_long(argc, argv, "f:pw:A:R:D:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			p.file = optarg;
			break;
		case 'p':
			p.prompt = 1;
			break;
		case 'w':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(secs > 0 && secs <= 3600)) {
				fprintf(stderr, "pvxcert: timeout must be "
				    "seconds in (0, 3600]\n");
				return 2;
			}
			p.timeout_ms = (long)(secs * 1000);
			if (p.timeout_ms < 1)
				p.timeout_ms = 1;
			break;
		case 'A':
		case 'R':
		case 'D':
			if (p.action != ACT_NONE) {
				fprintf(stderr, "pvxcert: give one of -A, -R "
				    "and -D\n");
				return 2;
			}
			p.action = ch == 'A' ? ACT_APPROVE : ch == 'R' ?
			    ACT_REVOKE : ACT_DENY;
			p.action_id = optarg;
			break;
		case 'v':
			p.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pvxcert %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		p.cert_id = argv[optind++];
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (p.prompt && p.file == NULL && p.action == ACT_NONE) {
		fprintf(stderr, "pvxcert: -p needs -f, -A, -R or -D\n");
		return 2;
	}
	if ((p.file != NULL) + (p.cert_id != NULL) +
	    (p.action != ACT_NONE) != 1) {
		if (p.file != NULL && p.action != ACT_NONE)
			fprintf(stderr, "pvxcert: -f cannot be combined with "
			    "-A, -R or -D\n");
		else
			usage(stderr);
		return 2;
	}
	if (httpc_global_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "pvxcert: %s\n", err);
		return 1;
	}
	if (p.action != ACT_NONE)
		rc = cmd_admin(&p);
	else if (p.file != NULL)
		rc = cmd_file(&p);
	else
		rc = cmd_id(&p);
	httpc_global_cleanup();
	return rc;
}
