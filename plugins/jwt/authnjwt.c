/*
 * authnjwt.c - exchange a JWT for a certificate (DESIGN §3, contract).
 * Reads the token, loads the key pair from the keychain (or makes one),
 * sends token + CSR to pvacms over HTTPS, checks that what comes back is
 * a certificate for our key that chains to a self-signed root through CA
 * certificates only, and only then replaces the keychain, atomically.
 * Any failure is one line on stderr and leaves the old keychain as it was.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "certid.h"
#include "fsutil.h"
#include "httpc.h"
#include "keychain.h"
#include "paths.h"
#include "termtext.h"
#include "timefmt.h"

#define AUTHNJWT_TOKEN_MAX (16 * 1024)
#define AUTHNJWT_TIMEOUT_MS 30000
#define AUTHNJWT_RESPONSE_MAX (256 * 1024)
#define AUTHNJWT_CHAIN_MAX 8
#define AUTHNJWT_DEFAULT_CMS "https://localhost:8443"
#define AUTHNJWT_MSG_MAX 300

enum { OPT_TOKEN_FILE = 256, OPT_CMS, OPT_CMS_CA, OPT_KEY_TYPE, OPT_NO_STATUS };

struct authnjwt {
	const char *usage;		/* client, server, ioc */
	const char *token_file;
	const char *cms;
	const char *cms_ca;
	int key_ec;
	int no_status;			/* ask for no status extension */
	int verbose;
	char *token;			/* owned, zeroed before free */
	char *keychain;			/* owned, absolute */
	char *password;			/* owned, zeroed before free */
	char *ca_file;			/* owned */
	char *cms_url;			/* owned, no trailing '/' */
	EVP_PKEY *key;
	X509 *leaf;
	STACK_OF(X509) *chain;
	char cert_id[CERTID_MAX];
};

static void	usage(FILE *fp);
static void	verbose(const struct authnjwt *a, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static void	sslerr(char *err, size_t errlen, const char *what);
static int	load_token(struct authnjwt *a, char *err, size_t errlen);
static int	load_settings(struct authnjwt *a, char *err, size_t errlen);
static int	load_key(struct authnjwt *a, char *err, size_t errlen);
static char	*make_csr(EVP_PKEY *key, char *err, size_t errlen);
static char	*make_request(const struct authnjwt *a, const char *csr,
		    size_t *len, char *err, size_t errlen);
static long	retry_after(const char *headers);
static int	http_error(long status, const char *body, long retry,
		    char *err, size_t errlen);
static int	parse_answer(struct authnjwt *a, const char *body, char *err,
		    size_t errlen);
static int	check_answer(struct authnjwt *a, char *err, size_t errlen);
static int	request_cert(struct authnjwt *a, char *err, size_t errlen);
static char	*absolute_path(const char *path);
static void	authnjwt_free(struct authnjwt *a);

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authnjwt [-u client|server|ioc] [--token-file FILE] "
	    "[--cms URL]\n"
	    "                [--cms-ca FILE] [--key-type rsa|ec] [--no-status] "
	    "[-v] [-h] [-V]\n"
	    "Exchange a JWT for an X.509 certificate from pvacms and store "
	    "it in a keychain.\n"
	    "  -u, --usage USAGE   client (default), server or ioc\n"
	    "      --token-file F  the token (default $EPICS_AUTH_JWT_FILE)\n"
	    "      --cms URL       pvacms (default $EPICS_PVACMS_URL, else "
	    AUTHNJWT_DEFAULT_CMS ")\n"
	    "      --cms-ca FILE   CA certificate that pvacms proves itself "
	    "with\n"
	    "                      (default $EPICS_PVACMS_CA_FILE, else "
	    "cert_auth.pem)\n"
	    "      --key-type T    rsa (RSA-2048, default) or ec (P-256) for "
	    "a new key\n"
	    "      --no-status     ask for a certificate without the status "
	    "PV extension\n"
	    "  -v, --verbose       say what is happening on stderr\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n");
}

static void
verbose(const struct authnjwt *a, const char *fmt, ...)
{
	va_list ap;

	if (!a->verbose)
		return;
	fputs("authnjwt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
sslerr(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[160];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "%s: %s", what, buf);
	} else
		snprintf(err, errlen, "%s", what);
	ERR_clear_error();
}

static int
load_token(struct authnjwt *a, char *err, size_t errlen)
{
	const char *path = a->token_file;
	char ferr[256];
	size_t len, start, end, i;
	char *buf;

	if (path == NULL || *path == '\0')
		path = getenv("EPICS_AUTH_JWT_FILE");
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no token file: use --token-file or "
		    "EPICS_AUTH_JWT_FILE");
		return -1;
	}
	if (fs_read_file(path, AUTHNJWT_TOKEN_MAX, &buf, &len, ferr,
	    sizeof(ferr)) != 0) {
		snprintf(err, errlen, "token file %s", ferr);
		return -1;
	}
	start = 0;
	end = len;
	while (start < end && isspace((unsigned char)buf[start]))
		start++;
	while (end > start && isspace((unsigned char)buf[end - 1]))
		end--;
	if (start == end) {
		free(buf);
		snprintf(err, errlen, "token file %s is empty", path);
		return -1;
	}
	for (i = start; i < end; i++) {
		if (!isalnum((unsigned char)buf[i]) && buf[i] != '-' &&
		    buf[i] != '_' && buf[i] != '.') {
			explicit_bzero(buf, len);
			free(buf);
			snprintf(err, errlen, "token file %s does not hold a "
			    "JWT", path);
			return -1;
		}
	}
	memmove(buf, buf + start, end - start);
	explicit_bzero(buf + (end - start), len - (end - start));
	buf[end - start] = '\0';
	a->token = buf;
	verbose(a, "token read from %s (%zu bytes)", path, end - start);
	return 0;
}

/* Returns path made absolute against the working directory; caller frees. */
static char *
absolute_path(const char *path)
{
	char cwd[PATH_MAX];
	char *out;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = strlen(cwd) + 1 + strlen(path) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%s/%s", cwd, path);
	return out;
}

static int
load_settings(struct authnjwt *a, char *err, size_t errlen)
{
	int server = cert_usage_of(a->usage) != USAGE_CLIENT;
	const char *pwfile, *cms;
	char *kc, ferr[256];
	size_t n;

	kc = paths_env_or_config(server ? "EPICS_PVAS_TLS_KEYCHAIN" :
	    "EPICS_PVA_TLS_KEYCHAIN", server ? "server.p12" : "client.p12");
	if (kc == NULL || (a->keychain = absolute_path(kc)) == NULL) {
		free(kc);
		snprintf(err, errlen, "cannot name the keychain file");
		return -1;
	}
	free(kc);
	pwfile = getenv(server ? "EPICS_PVAS_TLS_KEYCHAIN_PWD_FILE" :
	    "EPICS_PVA_TLS_KEYCHAIN_PWD_FILE");
	if (pwfile != NULL && *pwfile == '\0')
		pwfile = NULL;
	if (fs_read_password(pwfile, &a->password, ferr, sizeof(ferr)) != 0) {
		snprintf(err, errlen, "keychain password: %s", ferr);
		return -1;
	}

	cms = a->cms;
	if (cms == NULL || *cms == '\0')
		cms = getenv("EPICS_PVACMS_URL");
	if (cms == NULL || *cms == '\0')
		cms = AUTHNJWT_DEFAULT_CMS;
	if ((a->cms_url = strdup(cms)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = strlen(a->cms_url);
	while (n > 0 && a->cms_url[n - 1] == '/')
		a->cms_url[--n] = '\0';
	if (strncmp(a->cms_url, "https://", 8) != 0 &&
	    strncmp(a->cms_url, "http://", 7) != 0) {
		snprintf(err, errlen, "pvacms URL %s is not http(s)",
		    a->cms_url);
		return -1;
	}
	if (strncmp(a->cms_url, "http://", 7) == 0 &&
	    !httpc_url_is_loopback(a->cms_url)) {
		snprintf(err, errlen, "refusing plain http to %s: use https "
		    "(http:// is for loopback only)", a->cms_url);
		return -1;
	}

	if (a->cms_ca != NULL && *a->cms_ca != '\0')
		a->ca_file = strdup(a->cms_ca);
	else
		a->ca_file = paths_env_or_config("EPICS_PVACMS_CA_FILE",
		    "cert_auth.pem");
	if (a->ca_file == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (strncmp(a->cms_url, "https://", 8) == 0 &&
	    !fs_exists(a->ca_file)) {
		snprintf(err, errlen, "CA certificate %s not found: use "
		    "--cms-ca or EPICS_PVACMS_CA_FILE", a->ca_file);
		return -1;
	}
	verbose(a, "usage %s, keychain %s", a->usage, a->keychain);
	verbose(a, "pvacms %s, trusted through %s", a->cms_url, a->ca_file);
	return 0;
}

/* Reuse the keychain's key; make a new one only when there is no file. */
static int
load_key(struct authnjwt *a, char *err, size_t errlen)
{
	struct keychain kc = { 0 };
	char kerr[256];

	if (fs_exists(a->keychain)) {
		if (keychain_read(a->keychain, a->password, &kc, kerr,
		    sizeof(kerr)) != 0) {
			/* keychain_read names the file itself. */
			if (strncmp(kerr, a->keychain,
			    strlen(a->keychain)) == 0)
				snprintf(err, errlen, "%s; keychain left as "
				    "it is", kerr);
			else
				snprintf(err, errlen, "keychain %s: %s; "
				    "keychain left as it is", a->keychain,
				    kerr);
			return -1;
		}
		if (kc.key != NULL) {
			a->key = kc.key;
			kc.key = NULL;
			keychain_clear(&kc);
			verbose(a, "reusing the %s key in %s",
			    EVP_PKEY_get0_type_name(a->key), a->keychain);
			return 0;
		}
		keychain_clear(&kc);
		verbose(a, "%s holds no key; making one", a->keychain);
	}
	if (a->key_ec)
		a->key = EVP_EC_gen("P-256");
	else
		a->key = EVP_RSA_gen(2048);
	if (a->key == NULL) {
		sslerr(err, errlen, "cannot generate a key");
		return -1;
	}
	verbose(a, "made a new %s key", a->key_ec ? "EC P-256" : "RSA-2048");
	return 0;
}

/* Returns a PEM PKCS#10 request signed by key; caller frees. */
static char *
make_csr(EVP_PKEY *key, char *err, size_t errlen)
{
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	BIO *bio = NULL;
	BUF_MEM *mem;
	char *pem = NULL;

	if ((req = X509_REQ_new()) == NULL ||
	    (name = X509_NAME_new()) == NULL ||
	    X509_REQ_set_version(req, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"authnjwt", -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(bio, req) != 1) {
		sslerr(err, errlen, "cannot make the certificate request");
		goto out;
	}
	BIO_get_mem_ptr(bio, &mem);
	if ((pem = strndup(mem->data, mem->length)) == NULL)
		snprintf(err, errlen, "out of memory");
out:
	BIO_free(bio);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return pem;
}

/* Returns the JSON request body (holds the token); caller zeroes, frees. */
static char *
make_request(const struct authnjwt *a, const char *csr, size_t *len,
    char *err, size_t errlen)
{
	json_t *root;
	char *body;

	root = json_pack("{s:s, s:s, s:s, s:{s:s}, s:b}", "type", "jwt",
	    "usage", a->usage, "csr", csr, "data", "token", a->token,
	    "no_status", a->no_status);
	if (root == NULL) {
		snprintf(err, errlen, "cannot build the request");
		return NULL;
	}
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (body == NULL) {
		snprintf(err, errlen, "cannot build the request");
		return NULL;
	}
	*len = strlen(body);
	return body;
}

/*
 * The seconds of a Retry-After header in "name: value\n" lines, or -1
 * when there is none or it is not delta-seconds (an HTTP date: pvacms
 * never sends one).
 */
static long
retry_after(const char *headers)
{
	const char *p = headers, *v;
	long n = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "retry-after:", 12) == 0) {
			for (v = p + 12; *v == ' ' || *v == '\t'; v++)
				;
			if (!isdigit((unsigned char)*v))
				return -1;
			for (; isdigit((unsigned char)*v); v++)
				if ((n = n * 10 + (*v - '0')) > 86400)
					n = 86400;
			return n;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

/*
 * Turn an error answer into the one line the user sees; retry is the
 * Retry-After seconds, or -1.  Always -1.
 */
static int
http_error(long status, const char *body, long retry, char *err,
    size_t errlen)
{
	json_t *root, *e, *m;
	const char *what;
	char msg[AUTHNJWT_MSG_MAX], tail[40];
	size_t n;

	root = json_loads(body != NULL ? body : "", JSON_REJECT_DUPLICATES,
	    NULL);
	e = json_is_object(root) ? json_object_get(root, "error") : NULL;
	m = json_is_object(e) ? json_object_get(e, "message") : NULL;
	if (!json_is_string(m)) {
		json_decref(root);
		if (status == 503 && retry >= 0)
			snprintf(err, errlen, "pvacms busy: HTTP 503 (retry in"
			    " %ld s)", retry);
		else
			snprintf(err, errlen, "pvacms answered HTTP %ld",
			    status);
		return -1;
	}
	termtext_clean(json_string_value(m), msg, sizeof(msg));
	json_decref(root);
	/*
	 * Not a verdict on the token: the same request may work later.  The
	 * header says when; the same words at the end of the reason go.
	 */
	if (status == 503 && retry >= 0) {
		snprintf(tail, sizeof(tail), "; retry in %ld s", retry);
		if ((n = strlen(msg)) > strlen(tail) &&
		    strcmp(msg + n - strlen(tail), tail) == 0)
			msg[n - strlen(tail)] = '\0';
		snprintf(err, errlen, "pvacms busy: %s (retry in %ld s)", msg,
		    retry);
		return -1;
	}
	switch (status) {
	case 400:
		what = "request refused";
		break;
	case 401:
		what = "token rejected";
		break;
	case 403:
		what = "request denied";
		break;
	case 409:
		what = "token replayed";
		break;
	case 413:
		what = "request too large";
		break;
	default:
		what = status >= 500 && status <= 599 ?
		    "pvacms could not validate the token" : NULL;
		break;
	}
	if (what != NULL)
		snprintf(err, errlen, "%s: %s", what, msg);
	else
		snprintf(err, errlen, "pvacms answered HTTP %ld: %s", status,
		    msg);
	return -1;
}

static int
parse_answer(struct authnjwt *a, const char *body, char *err, size_t errlen)
{
	json_t *root;
	const char *id = NULL, *cert = NULL, *chain = NULL;
	char issuer[CERTID_ISSUER_LEN], perr[128];
	uint64_t serial;
	BIO *bio = NULL;
	X509 *x;
	int r = -1;

	root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) || json_unpack(root, "{s:s, s:s, s:s}",
	    "cert_id", &id, "certificate", &cert, "chain", &chain) != 0) {
		snprintf(err, errlen, "pvacms answer is not a certificate");
		goto out;
	}
	if (certid_parse(id, issuer, &serial, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "pvacms answered a bad certificate id: "
		    "%s", perr);
		goto out;
	}
	certid_format(issuer, serial, a->cert_id, sizeof(a->cert_id));

	if ((bio = BIO_new_mem_buf(cert, -1)) == NULL ||
	    (a->leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		sslerr(err, errlen, "pvacms answered an unreadable "
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
	if ((bio = BIO_new_mem_buf(chain, -1)) == NULL ||
	    (a->chain = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(a->chain) >= AUTHNJWT_CHAIN_MAX ||
		    sk_X509_push(a->chain, x) <= 0) {
			X509_free(x);
			snprintf(err, errlen, "pvacms answered too long a "
			    "chain");
			goto out;
		}
	}
	ERR_clear_error();
	if (sk_X509_num(a->chain) == 0) {
		snprintf(err, errlen, "pvacms answered no CA chain");
		goto out;
	}
	r = 0;
out:
	BIO_free(bio);
	json_decref(root);
	return r;
}

/* Is the answer a certificate for our key, chaining to a root? */
static int
check_answer(struct authnjwt *a, char *err, size_t errlen)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *root, *c;
	char issuer[CERTID_ISSUER_LEN], leafid[CERTID_MAX];
	uint64_t serial;
	int64_t nb;
	int i, n, purpose, r = -1;

	if (EVP_PKEY_eq(X509_get0_pubkey(a->leaf), a->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "the certificate from pvacms is not "
		    "for our key");
		return -1;
	}
	n = sk_X509_num(a->chain);
	for (i = 0; i < n; i++) {
		c = sk_X509_value(a->chain, i);
		if (X509_check_ca(c) < 1) {
			snprintf(err, errlen, "chain from pvacms holds a "
			    "certificate that is not a CA");
			return -1;
		}
	}
	root = sk_X509_value(a->chain, n - 1);
	if (X509_self_signed(root, 1) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "chain from pvacms does not end in a "
		    "self-signed root");
		return -1;
	}
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, root) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, a->leaf, a->chain) != 1) {
		sslerr(err, errlen, "cannot verify the certificate");
		goto out;
	}
	/* A PENDING certificate (notBefore ahead) is judged as of then. */
	if (timefmt_from_asn1(X509_get0_notBefore(a->leaf), &nb) == 0 &&
	    nb > (int64_t)time(NULL))
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		    (time_t)nb);
	if (X509_verify_cert(ctx) != 1) {
		snprintf(err, errlen, "certificate from pvacms does not "
		    "verify against its chain: %s",
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	purpose = cert_usage_of(a->usage) == USAGE_CLIENT ?
	    X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER;
	if (X509_check_purpose(a->leaf, purpose, 0) != 1 ||
	    (cert_usage_of(a->usage) == USAGE_IOC && X509_check_purpose(
	    a->leaf, X509_PURPOSE_SSL_CLIENT, 0) != 1)) {
		snprintf(err, errlen, "certificate from pvacms is not usable "
		    "for %s", a->usage);
		goto out;
	}
	if (certid_of_leaf(a->leaf, leafid, sizeof(leafid)) != 0 ||
	    certid_parse(leafid, issuer, &serial, NULL, 0) != 0 ||
	    (certid_format(issuer, serial, leafid, sizeof(leafid)),
	    strcmp(leafid, a->cert_id) != 0)) {
		snprintf(err, errlen, "certificate id %s from pvacms does not "
		    "match the certificate", a->cert_id);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return r;
}

static int
request_cert(struct authnjwt *a, char *err, size_t errlen)
{
	static const char *const headers[] = {
		"Content-Type: application/json",
		"Accept: application/json",
		NULL
	};
	struct httpc_request req;
	struct httpc_response resp;
	char *csr, *body, *url, herr[256], rhdrs[2048];
	const char *why;
	size_t body_len, n;
	int r = -1;

	memset(&resp, 0, sizeof(resp));
	if ((csr = make_csr(a->key, err, errlen)) == NULL)
		return -1;
	body = make_request(a, csr, &body_len, err, errlen);
	free(csr);
	if (body == NULL)
		return -1;
	n = strlen(a->cms_url) + sizeof("/v1/certs");
	if ((url = malloc(n)) == NULL) {
		explicit_bzero(body, body_len);
		free(body);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(url, n, "%s/v1/certs", a->cms_url);

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body_len;
	req.timeout_ms = AUTHNJWT_TIMEOUT_MS;
	req.max_response = AUTHNJWT_RESPONSE_MAX;
	req.ca_file = a->ca_file;
	req.plain_loopback_only = 1;
	rhdrs[0] = '\0';
	req.headers_out = rhdrs;
	req.headers_out_len = sizeof(rhdrs);
	verbose(a, "POST %s", url);
	if (httpc_fetch(&req, &resp, herr, sizeof(herr)) != 0) {
		/* httpc may name the URL itself; we already do. */
		why = herr;
		if (strncmp(why, url, strlen(url)) == 0 &&
		    strncmp(why + strlen(url), ": ", 2) == 0)
			why += strlen(url) + 2;
		snprintf(err, errlen, "cannot reach pvacms at %s: %s",
		    a->cms_url, why);
		goto out;
	}
	verbose(a, "pvacms answered HTTP %ld (%zu bytes)", resp.status,
	    resp.body_len);
	/* 201: a new certificate; 200: the same one again (a retry). */
	if (resp.status != 201 && resp.status != 200) {
		http_error(resp.status, resp.body, retry_after(rhdrs), err,
		    errlen);
		goto out;
	}
	if (parse_answer(a, resp.body != NULL ? resp.body : "", err,
	    errlen) != 0 || check_answer(a, err, errlen) != 0)
		goto out;
	verbose(a, "certificate %s verifies against its %d-certificate chain",
	    a->cert_id, sk_X509_num(a->chain));
	r = 0;
out:
	explicit_bzero(body, body_len);
	free(body);
	free(url);
	httpc_response_free(&resp);
	return r;
}

static void
authnjwt_free(struct authnjwt *a)
{
	if (a->token != NULL) {
		explicit_bzero(a->token, strlen(a->token));
		free(a->token);
	}
	if (a->password != NULL) {
		explicit_bzero(a->password, strlen(a->password));
		free(a->password);
	}
	free(a->keychain);
	free(a->ca_file);
	free(a->cms_url);
	EVP_PKEY_free(a->key);
	X509_free(a->leaf);
	sk_X509_pop_free(a->chain, X509_free);
	memset(a, 0, sizeof(*a));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "usage", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "cms", required_argument, NULL, OPT_CMS },
		{ "cms-ca", required_argument, NULL, OPT_CMS_CA },
		{ "key-type", required_argument, NULL, OPT_KEY_TYPE },
		{ "no-status", no_argument, NULL, OPT_NO_STATUS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct authnjwt a;
	char err[512], kerr[256];
	int ch, rc = 1;

	memset(&a, 0, sizeof(a));
	a.usage = cert_usage_name(USAGE_CLIENT);
	while ((ch = getopt_long(argc, argv, "u:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			if (!cert_usage_requestable(cert_usage_of(optarg))) {
				fprintf(stderr, "authnjwt: usage must be "
				    "client, server or ioc\n");
				return 2;
			}
			a.usage = optarg;
			break;
		case OPT_TOKEN_FILE:
			a.token_file = optarg;
			break;
		case OPT_CMS:
			a.cms = optarg;
			break;
		case OPT_CMS_CA:
			a.cms_ca = optarg;
			break;
		case OPT_KEY_TYPE:
			if (strcmp(optarg, "rsa") == 0)
				a.key_ec = 0;
			else if (strcmp(optarg, "ec") == 0)
				a.key_ec = 1;
			else {
				fprintf(stderr, "authnjwt: key type must be "
				    "rsa or ec\n");
				return 2;
			}
			break;
		case OPT_NO_STATUS:
			a.no_status = 1;
			break;
		case 'v':
			a.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("authnjwt %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if (httpc_global_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "authnjwt: %s\n", err);
		return 1;
	}
	if (load_token(&a, err, sizeof(err)) != 0 ||
	    load_settings(&a, err, sizeof(err)) != 0 ||
	    load_key(&a, err, sizeof(err)) != 0 ||
	    request_cert(&a, err, sizeof(err)) != 0)
		goto out;
	if (keychain_write(a.keychain, a.password, a.key, a.leaf, a.chain,
	    kerr, sizeof(kerr)) != 0) {
		if (strncmp(kerr, a.keychain, strlen(a.keychain)) == 0)
			snprintf(err, sizeof(err), "cannot write keychain: %s",
			    kerr);
		else
			snprintf(err, sizeof(err), "cannot write keychain %s: "
			    "%s", a.keychain, kerr);
		goto out;
	}
	printf("Keychain file created   : %s\n", a.keychain);
	printf("Certificate identifier  : %s\n", a.cert_id);
	if (fflush(stdout) != 0) {
		snprintf(err, sizeof(err), "cannot write to stdout");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "authnjwt: %s\n", err);
	authnjwt_free(&a);
	httpc_global_cleanup();
	return rc;
}
