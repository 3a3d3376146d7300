/*
 * authnjwt.c - exchange a JWT for a certificate (DESIGN §3, contract).
 * Reads the token, loads the key pair from the keychain (or makes one),
 * sends token + CSR to pvacms over HTTPS, checks that what comes back is
 * a certificate for our key that chains to a self-signed root through CA
 * certificates only, and only then replaces the keychain, atomically.
 * Any failure is one line on stderr and leaves the old keychain as it was.
 *
 * With --cms pva://HOST[:PORT] (DESIGN §10) the token and the public key
 * go as a CERT:CREATE RPC over plain TCP instead (authnjwt_pva.c); the
 * answer passes the same checks, and also verifies against the CA file,
 * since nothing authenticated the channel.  Both paths end in the same
 * struct authnjwt_answer, keychain writer and two output lines.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "authnjwt_answer.h"
#include "authnjwt_ccr.h"
#include "authnjwt_pva.h"
#include "cert.h"
#include "fsutil.h"
#include "httpc.h"
#include "keychain.h"
#include "paths.h"
#include "sslerr.h"
#include "termtext.h"

#define AUTHNJWT_TOKEN_MAX (16 * 1024)
#define AUTHNJWT_TIMEOUT_MS 30000
#define AUTHNJWT_RESPONSE_MAX (256 * 1024)
#define AUTHNJWT_PVA_CONNECT_MS 5000
#define AUTHNJWT_PVA_MSG_MAX (1024 * 1024)
#define AUTHNJWT_DEFAULT_CMS "https://localhost:8443"
#define AUTHNJWT_MSG_MAX 300

enum {
	OPT_TOKEN_FILE = 256, OPT_CMS, OPT_CMS_CA, OPT_KEY_TYPE, OPT_NO_STATUS,
	OPT_PVA_PLAINTEXT
};

struct authnjwt {
	const char *usage;		/* client, server, ioc */
	const char *token_file;
	const char *cms;
	const char *cms_ca;
	int key_ec;
	int no_status;			/* ask for no status extension */
	int pva_plaintext;		/* pva:// beyond loopback allowed */
	int verbose;
	char *token;			/* owned, zeroed before free */
	char *keychain;			/* owned, absolute */
	char *password;			/* owned, zeroed before free */
	char *ca_file;			/* owned */
	char *cms_url;			/* owned, no trailing '/' */
	int is_pva;			/* cms_url is pva:// */
	struct authnjwt_pva_target pva;
	EVP_PKEY *key;
	struct authnjwt_answer ans;	/* owned members */
};

static void	usage(FILE *fp);
static void	verbose(const struct authnjwt *a, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
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
static int	request_cert(struct authnjwt *a, char *err, size_t errlen);
static void	pva_note(const char *line);
static int	request_cert_pva(struct authnjwt *a, char *err,
		    size_t errlen);
static char	*absolute_path(const char *path);
static void	authnjwt_free(struct authnjwt *a);

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authnjwt [-u client|server|ioc] [--token-file FILE] "
	    "[--cms URL]\n"
	    "                [--cms-ca FILE] [--key-type rsa|ec] [--no-status] "
	    "[--pva-plaintext]\n"
	    "                [-v] [-h] [-V]\n"
	    "Exchange a JWT for an X.509 certificate from pvacms and store "
	    "it in a keychain.\n"
	    "  -u, --usage USAGE   client (default), server or ioc\n"
	    "      --token-file F  the token (default $EPICS_AUTH_JWT_FILE)\n"
	    "      --cms URL       pvacms (default $EPICS_PVACMS_URL, else "
	    AUTHNJWT_DEFAULT_CMS ");\n"
	    "                      pva://HOST[:PORT] asks over PVAccess "
	    "(CERT:CREATE)\n"
	    "      --cms-ca FILE   CA certificate that pvacms proves itself "
	    "with\n"
	    "                      (default $EPICS_PVACMS_CA_FILE, else "
	    "cert_auth.pem)\n"
	    "      --key-type T    rsa (RSA-2048, default) or ec (P-256) for "
	    "a new key\n"
	    "      --no-status     ask for a certificate without the status "
	    "PV extension\n"
	    "      --pva-plaintext allow pva:// to a host that is not "
	    "loopback: the token\n"
	    "                      then travels UNENCRYPTED over the network\n"
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
	char *kc, ferr[256], perr[128];
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
	a->is_pva = strncmp(a->cms_url, "pva://", 6) == 0;
	if (a->is_pva) {
		if (authnjwt_pva_parse_url(a->cms_url, &a->pva, perr,
		    sizeof(perr)) != 0) {
			snprintf(err, errlen, "pvacms URL %s: %s", a->cms_url,
			    perr);
			return -1;
		}
		/* The token would cross the network in clear. */
		if (!a->pva.loopback && !a->pva_plaintext) {
			snprintf(err, errlen, "refusing pva:// to %s: not a "
			    "loopback address, and the token would travel "
			    "unencrypted (--pva-plaintext allows it)",
			    a->pva.host);
			return -1;
		}
	} else if (strncmp(a->cms_url, "https://", 8) != 0 &&
	    strncmp(a->cms_url, "http://", 7) != 0) {
		snprintf(err, errlen, "pvacms URL %s is not http(s) or pva",
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
	/* pva:// proves nothing itself: the CA file is the only anchor. */
	if ((strncmp(a->cms_url, "https://", 8) == 0 || a->is_pva) &&
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
		sslerr_line(err, errlen, "cannot generate a key");
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
		sslerr_line(err, errlen, "cannot make the certificate request");
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
	int r = -1;

	root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) || json_unpack(root, "{s:s, s:s, s:s}",
	    "cert_id", &id, "certificate", &cert, "chain", &chain) != 0) {
		snprintf(err, errlen, "pvacms answer is not a certificate");
		goto out;
	}
	if (authnjwt_answer_id(&a->ans, id, err, errlen) != 0 ||
	    authnjwt_answer_certs(&a->ans, cert, chain, err, errlen) != 0)
		goto out;
	r = 0;
out:
	json_decref(root);
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
	    errlen) != 0 || authnjwt_answer_check(&a->ans, a->key, a->usage,
	    err, errlen) != 0)
		goto out;
	verbose(a, "certificate %s verifies against its %d-certificate chain",
	    a->ans.cert_id, sk_X509_num(a->ans.chain));
	r = 0;
out:
	explicit_bzero(body, body_len);
	free(body);
	free(url);
	httpc_response_free(&resp);
	return r;
}

/* -v progress lines of the PVAccess client. */
static void
pva_note(const char *line)
{
	fprintf(stderr, "authnjwt: %s\n", line);
}

/*
 * DESIGN §10: the request as a CERT:CREATE RPC of type "jwt" with the
 * public key and the token, no CSR: PVXS's request has no field for
 * one.  Nothing proves the server's identity on this path, so the
 * certificate must verify against the CA file as well.
 */
static int
request_cert_pva(struct authnjwt *a, char *err, size_t errlen)
{
	struct authnjwt_ccr req;
	struct authnjwt_ccr_reply rep;
	struct authnjwt_pva_limits lim;
	char *pub, state[32];
	int r = -1;

	memset(&rep, 0, sizeof(rep));
	if ((pub = authnjwt_ccr_pubkey_pem(a->key)) == NULL) {
		sslerr_line(err, errlen, "cannot write the public key");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.type = "jwt";
	/* Subject and dates come from the token (DESIGN §5), not from us. */
	req.name = req.country = req.organization = "";
	req.organization_unit = req.config_uri_base = "";
	req.usage = (uint16_t)cert_usage_of(a->usage);
	req.pub_key = pub;
	req.no_status = a->no_status;
	req.token = a->token;
	memset(&lim, 0, sizeof(lim));
	lim.connect_ms = AUTHNJWT_PVA_CONNECT_MS;
	lim.total_ms = AUTHNJWT_TIMEOUT_MS;
	lim.max_msg = AUTHNJWT_PVA_MSG_MAX;
	lim.plaintext_ok = a->pva_plaintext;
	lim.note = a->verbose ? pva_note : NULL;
	verbose(a, "RPC %s to %s port %u", AUTHNJWT_CCR_PV, a->pva.host,
	    (unsigned)a->pva.port);
	if (authnjwt_pva_request(&a->pva, &req, &lim, &rep, err,
	    errlen) != 0)
		goto out;
	termtext_clean(rep.state, state, sizeof(state));
	verbose(a, "pvacms answered state %s", state[0] != '\0' ? state :
	    "(none)");
	if (authnjwt_answer_reply(&a->ans, &rep, err, errlen) != 0 ||
	    authnjwt_answer_check(&a->ans, a->key, a->usage, err,
	    errlen) != 0 ||
	    authnjwt_answer_anchor(&a->ans, a->ca_file, err, errlen) != 0)
		goto out;
	verbose(a, "certificate %s verifies against %s", a->ans.cert_id,
	    a->ca_file);
	r = 0;
out:
	authnjwt_ccr_reply_free(&rep);
	free(pub);
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
	authnjwt_answer_clear(&a->ans);
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
		{ "pva-plaintext", no_argument, NULL, OPT_PVA_PLAINTEXT },
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
		case OPT_PVA_PLAINTEXT:
			a.pva_plaintext = 1;
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
	    (a.is_pva ? request_cert_pva(&a, err, sizeof(err)) :
	    request_cert(&a, err, sizeof(err))) != 0)
		goto out;
	if (keychain_write(a.keychain, a.password, a.key, a.ans.leaf,
	    a.ans.chain, kerr, sizeof(kerr)) != 0) {
		if (strncmp(kerr, a.keychain, strlen(a.keychain)) == 0)
			snprintf(err, sizeof(err), "cannot write keychain: %s",
			    kerr);
		else
			snprintf(err, sizeof(err), "cannot write keychain %s: "
			    "%s", a.keychain, kerr);
		goto out;
	}
	printf("Keychain file created   : %s\n", a.keychain);
	printf("Certificate identifier  : %s\n", a.ans.cert_id);
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
