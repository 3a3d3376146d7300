/*
 * pvacms/authn.h - the authenticator plugin ABI of pvacms.
 *
 * An authenticator plugin is a shared object in the pvacms plugin
 * directory that exports exactly one symbol, PVACMS_AUTHN_SYMBOL, of type
 * struct pvacms_authn_plugin.  The host dlopen()s it, checks abi_version
 * before touching anything else, calls init() once with a table of host
 * services, and then calls verify() for every certificate request whose
 * "type" equals the plugin's name.
 *
 * A plugin decides *who* the caller is.  It never signs anything and never
 * sees a private key: the host turns the identity a plugin returns into a
 * certificate in its own audited code.
 *
 * Versioning: abi_version is (major << 16 | minor).  The host refuses a
 * plugin whose major differs from its own.  Members are only ever appended;
 * a member added in minor N is read by the host only when the plugin's minor
 * is >= N.  The same rule applies to the services table, which the host
 * hands out with its own version and size.
 *
 * Threading: verify() is called from a pool of worker threads, never from
 * the event loop, and may be called concurrently.  It may block (e.g. in
 * services->http_fetch), since every blocking service has a timeout.
 * init(), reload() and fini() are called from the main thread while no
 * verify() is running.
 *
 * API changelog (keep in step with pvacms-plugin(5)):
 *   1.0  first version.
 *   1.1  Lua hooks: services hook_load, hook_extract_claims,
 *        hook_interpret_response and struct pvacms_claims; plugin member
 *        dry_run for the offline script test (pvacms --dry-run).
 *   1.2  service http_fetch_headers: the answer's headers too (for
 *        Cache-Control on JWKS fetches and for interpret_response).
 *   1.3  result members admin (an administrator certificate, granted by
 *        a site's claims script) and retry_after (seconds, sent as
 *        Retry-After with a 503); claims key PVACMS_CLAIMS_ADMIN and
 *        struct pvacms_claims member admin.
 *   1.4  PVAccess certificate creation requests (CERT:CREATE): request
 *        members front, key_proven, verifier_json, the requested subject
 *        (name, organization, organization_unit, country) and validity
 *        (requested_not_before, requested_not_after); spki_der and
 *        spki_der_len, the key to certify (e.g. for a token's cnf.jkt).
 *   1.5  services http_fetch_tls (a client keychain and trust anchors
 *        for validators that want mutual TLS; struct pvacms_http_tls)
 *        and hook_interpret_response_code (the reason code a script
 *        gives with "false, reason, code").
 */
#ifndef PVACMS_AUTHN_H
#define PVACMS_AUTHN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PVACMS_AUTHN_ABI_MAJOR 1
#define PVACMS_AUTHN_ABI_MINOR 5
#define PVACMS_AUTHN_ABI_VERSION \
	((PVACMS_AUTHN_ABI_MAJOR << 16) | PVACMS_AUTHN_ABI_MINOR)
#define PVACMS_AUTHN_ABI_GET_MAJOR(v) ((unsigned)(v) >> 16)
#define PVACMS_AUTHN_ABI_GET_MINOR(v) ((unsigned)(v) & 0xffffU)

/* The one symbol a plugin exports. */
#define PVACMS_AUTHN_SYMBOL "pvacms_authn_plugin"

/* Sizes of the fixed buffers below, terminating NUL included. */
#define PVACMS_NAME_MAX 256	/* subject fields: cn, o, ou, c */
#define PVACMS_REASON_MAX 512	/* human-readable reason */
#define PVACMS_CODE_MAX 48	/* stable machine reason code */
#define PVACMS_AUDIT_MAX 256	/* sub, iss, jti for the audit log */

/* Log levels for services->log. */
enum pvacms_log_level {
	PVACMS_LOG_ERROR = 0,
	PVACMS_LOG_WARN = 1,
	PVACMS_LOG_INFO = 2,
	PVACMS_LOG_DEBUG = 3
};

/* Certificate usages a request may ask for.  Never a CA. */
enum pvacms_usage {
	PVACMS_USAGE_CLIENT = 1,
	PVACMS_USAGE_SERVER = 2,
	PVACMS_USAGE_IOC = 3
};

/* What verify() decided. */
enum pvacms_verdict {
	PVACMS_ALLOW = 0,	/* identity filled in, issue a certificate */
	PVACMS_DENY = 1,	/* the credential was refused (HTTP 401/403/409) */
	PVACMS_ERROR = 2	/* could not decide: validator down, etc. (5xx) */
};

/*
 * An HTTP request made on the plugin's behalf by services->http_fetch.
 * All strings are borrowed for the duration of the call.
 */
struct pvacms_http_request {
	const char *method;		/* "GET" or "POST" */
	const char *url;		/* absolute http:// or https:// URL */
	const char *const *headers;	/* NULL-terminated "Name: value" list, or NULL */
	const char *body;		/* POST body, or NULL */
	size_t body_len;
	long timeout_ms;		/* whole-transfer timeout; <= 0 means host default */
	size_t max_response;		/* response body cap; 0 means host default */
};

/*
 * The answer.  body is NUL-terminated (the NUL is not counted in body_len)
 * and is owned by the response: release it with services->http_free.
 */
struct pvacms_http_response {
	long status;			/* HTTP status code, 0 if none */
	char *body;
	size_t body_len;
	char *content_type;		/* may be NULL */
};

/*
 * TLS settings of one request made with services->http_fetch_tls (ABI
 * 1.5).  Both paths are borrowed; either may be NULL.
 */
struct pvacms_http_tls {
	const char *client_keychain;	/* PKCS#12, no password: for mutual TLS */
	const char *ca_file;		/* PEM trust anchors; NULL: the system's */
};

/* An opaque handle to a site script the host has loaded (ABI 1.1). */
struct pvacms_hook;

/* Which keys an extract_claims script returned (struct pvacms_claims.set). */
#define PVACMS_CLAIMS_CN		0x01
#define PVACMS_CLAIMS_O			0x02
#define PVACMS_CLAIMS_OU		0x04
#define PVACMS_CLAIMS_C			0x08
#define PVACMS_CLAIMS_NOT_BEFORE	0x10
#define PVACMS_CLAIMS_NOT_AFTER		0x20
#define PVACMS_CLAIMS_APPROVAL		0x40
#define PVACMS_CLAIMS_ADMIN		0x80	/* ABI 1.3 */

/*
 * What extract_claims returned, already type-checked by the host.  Only
 * the keys flagged in `set` were returned; the others keep the plugin's
 * defaults.  Strings are NUL-terminated; the host refuses longer ones.
 */
struct pvacms_claims {
	unsigned int set;
	char cn[PVACMS_NAME_MAX];
	char o[PVACMS_NAME_MAX];
	char ou[PVACMS_NAME_MAX];
	char c[PVACMS_NAME_MAX];
	int64_t not_before;
	int64_t not_after;
	int approval;
	/* ABI 1.3: read only when services->version's minor is >= 3. */
	int admin;
};

/* Services the host offers to a plugin.  Check version before use. */
struct pvacms_host_services {
	unsigned int version;	/* PVACMS_AUTHN_ABI_VERSION of the host */
	size_t size;		/* sizeof(struct pvacms_host_services) */

	/* Log one line under the plugin's name.  Never log a token. */
	void (*log)(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

	/*
	 * Look up a configuration value by its environment variable name,
	 * e.g. "EPICS_AUTH_JWT_TRUSTED_URI".  A command-line flag that the
	 * plugin declared in its options table wins over the environment.
	 * Returns NULL when unset.  The string is owned by the host and stays
	 * valid until the next reload.
	 */
	const char *(*config_get)(const char *env_name);

	/*
	 * Perform one HTTP request, blocking the calling worker thread only.
	 * TLS peers are verified, redirects are never followed, the response
	 * body is capped and the transfer is bounded by a timeout.
	 * Returns 0 and fills *resp (free it with http_free), or -1 and writes
	 * a one-line reason into err.  A non-2xx status is not an error here.
	 */
	int (*http_fetch)(const struct pvacms_http_request *req,
	    struct pvacms_http_response *resp, char *err, size_t errlen);
	void (*http_free)(struct pvacms_http_response *resp);

	/* ---- ABI 1.1: Lua hooks, see pvacms-lua(5) ---- */

	/*
	 * Load the site script at path, which must define the global
	 * function hook_name ("extract_claims" or "interpret_response"), into
	 * a fresh sandboxed Lua state.  The host owns the state: it rebuilds
	 * it on SIGHUP (new state, validated, then swapped; a broken new
	 * script leaves the old one running) and frees it at shutdown.  The
	 * handle stays valid until then.  Returns NULL with err naming
	 * file:line on a load error.  Call from init() only.
	 */
	struct pvacms_hook *(*hook_load)(const char *hook_name,
	    const char *path, char *err, size_t errlen);

	/*
	 * Call extract_claims(token) with token.header and token.claims (the
	 * decoded JSON texts given here) and token.usage.  Returns
	 * PVACMS_ALLOW with *out filled (out->set says which keys), or
	 * PVACMS_DENY with the script's reason ("nil, reason" return), or
	 * PVACMS_ERROR with a reason naming the hook (runtime error with
	 * traceback, time or memory limit, wrong return types).
	 * Thread-safe; may be called from worker threads.
	 */
	int (*hook_extract_claims)(struct pvacms_hook *hook,
	    const char *header_json, const char *claims_json, int usage,
	    struct pvacms_claims *out, char *reason, size_t reasonlen);

	/*
	 * Call interpret_response(r) with r.status, r.body, r.headers (a
	 * table of lower-cased names; the array `headers` holds "Name: value"
	 * lines, NULL-terminated, may be NULL) and r.json (the decoded body,
	 * or nil).  Returns PVACMS_ALLOW when the script returned true,
	 * PVACMS_DENY with its reason for "false, reason", PVACMS_ERROR as
	 * above.  Thread-safe.
	 */
	int (*hook_interpret_response)(struct pvacms_hook *hook, long status,
	    const char *body, size_t body_len, const char *const *headers,
	    char *reason, size_t reasonlen);

	/* ---- ABI 1.2 ---- */

	/*
	 * http_fetch, and also the final answer's headers, copied into the
	 * caller's buffer as "name: value\n" lines with lower-cased names,
	 * NUL-terminated; a line that does not fit is left out.
	 */
	int (*http_fetch_headers)(const struct pvacms_http_request *req,
	    struct pvacms_http_response *resp, char *headers,
	    size_t headers_len, char *err, size_t errlen);

	/* ---- ABI 1.5 ---- */

	/*
	 * http_fetch_headers with the TLS settings in *tls (may be NULL):
	 * the host presents tls->client_keychain to a server that asks for
	 * a client certificate, and trusts tls->ca_file instead of the
	 * system's anchors.  headers may be NULL.
	 */
	int (*http_fetch_tls)(const struct pvacms_http_request *req,
	    const struct pvacms_http_tls *tls,
	    struct pvacms_http_response *resp, char *headers,
	    size_t headers_len, char *err, size_t errlen);

	/*
	 * hook_interpret_response, and the script's reason code: after
	 * "false, reason, code" code receives the third value, a string of
	 * 1 to PVACMS_CODE_MAX - 1 bytes of a-z and '_' (another value is
	 * PVACMS_ERROR); without one, or after true, code is "".  The
	 * plugin decides which codes it takes.
	 */
	int (*hook_interpret_response_code)(struct pvacms_hook *hook,
	    long status, const char *body, size_t body_len,
	    const char *const *headers, char *code, size_t codelen,
	    char *reason, size_t reasonlen);
};

/* A command-line flag a plugin accepts; the host maps it to env_name. */
struct pvacms_authn_option {
	const char *flag;	/* long flag without dashes, e.g. "jwt-trusted-uri" */
	const char *env_name;	/* e.g. "EPICS_AUTH_JWT_TRUSTED_URI" */
	const char *help;	/* one line for pvacms --help */
};

/*
 * One certificate request, as the host parsed it.  All borrowed.
 *
 * ABI 1.4: the members after `now` are there only when the host's
 * services->version has minor >= 4; a plugin built for 1.4 must check
 * that before reading them.
 */
struct pvacms_authn_request {
	const char *type;		/* the plugin's name */
	int usage;			/* enum pvacms_usage */
	/*
	 * The authenticator data: for HTTPS the request's "token"; for a
	 * PVAccess request the verifier's string member "token", if it
	 * has one (else NULL, length 0).  The host's replay rule keys on
	 * it when the plugin reports no jti.
	 */
	const char *credential;
	size_t credential_len;
	const char *pubkey_sha256;	/* hex SHA-256 of the DER SubjectPublicKeyInfo */
	int64_t now;			/* the host's idea of the current time */

	/* ---- ABI 1.4 ---- */

	const char *front;		/* "https" or "pva": where it came from */
	/*
	 * 1: the request proved possession of the private key (a CSR whose
	 * signature the host checked).  0: it carried only the public key
	 * (a PVAccess creation request): whoever sent it may not hold the
	 * key, so the certificate binds the identity to a key the caller
	 * only named.  A plugin that needs proof must deny when it is 0.
	 */
	int key_proven;
	/*
	 * The request's verifier structure as a JSON object text (member
	 * names as sent, strings as strings, integers as numbers, booleans,
	 * nested structures as objects); "{}" when it had none.  NULL for
	 * HTTPS requests.
	 */
	const char *verifier_json;
	/* The subject and validity the caller asked for ("" and 0 when it
	 * named none).  A plugin decides whether to honour them. */
	const char *name;
	const char *organization;
	const char *organization_unit;
	const char *country;
	int64_t requested_not_before;
	int64_t requested_not_after;
	/*
	 * The key to certify, as the DER SubjectPublicKeyInfo of the
	 * request (pubkey_sha256 is its SHA-256; the certificate carries
	 * the same key): what a plugin needs to compute anything from the
	 * key itself, e.g. the RFC 7638 thumbprint that a token's cnf.jkt
	 * binds it to.
	 */
	const unsigned char *spki_der;
	size_t spki_der_len;
};

/*
 * What verify() fills in.  The host zeroes it before the call.  On ALLOW,
 * cn is required; o, ou and c may stay empty (omitted from the subject).
 * not_before and not_after of 0 mean "the host decides"; the host clamps
 * any value to the CA's validity and refuses an empty window.
 */
struct pvacms_authn_result {
	int verdict;				/* enum pvacms_verdict */
	char code[PVACMS_CODE_MAX];		/* e.g. "token_expired" */
	char reason[PVACMS_REASON_MAX];		/* e.g. "token expired" */
	int http_status;			/* 0: the host picks from verdict */

	char cn[PVACMS_NAME_MAX];
	char o[PVACMS_NAME_MAX];
	char ou[PVACMS_NAME_MAX];
	char c[PVACMS_NAME_MAX];
	int64_t not_before;
	int64_t not_after;
	int approval;				/* 1: start in PENDING_APPROVAL */

	/* For the audit log: who, by whom, which token.  Never the token. */
	char sub[PVACMS_AUDIT_MAX];
	char iss[PVACMS_AUDIT_MAX];
	char jti[PVACMS_AUDIT_MAX];

	/* ---- ABI 1.3: read by the host only from a plugin of minor >= 3 ---- */

	/*
	 * 1: an administrator certificate.  Only a site's explicit choice
	 * (a claims script returning admin = true) may set it; the host
	 * records and audits the certificate as an administrator's.
	 */
	int admin;
	/*
	 * With PVACMS_ERROR and http_status 503: seconds after which a retry
	 * may succeed, sent to the client as Retry-After.  0: none.
	 */
	int retry_after;
};

/* The plugin's one exported object. */
struct pvacms_authn_plugin {
	unsigned int abi_version;	/* PVACMS_AUTHN_ABI_VERSION at build */
	const char *name;		/* the request "type" it serves, e.g. "jwt" */
	const char *description;	/* one line */
	const struct pvacms_authn_option *options; /* {NULL} terminated, or NULL */

	/*
	 * Read configuration through services.  Return 0, or -1 with a
	 * one-line reason in err; the host then refuses to start.
	 */
	int (*init)(const struct pvacms_host_services *services,
	    char *err, size_t errlen);

	/* Re-read configuration (SIGHUP).  On -1 the old one stays. */
	int (*reload)(char *err, size_t errlen);

	/* Decide one request.  Must fill result->verdict. */
	void (*verify)(const struct pvacms_authn_request *req,
	    struct pvacms_authn_result *result);

	/* Release everything; called once at shutdown. */
	void (*fini)(void);

	/* ---- ABI 1.1 ---- */

	/*
	 * Offline dry run for site admins (pvacms --dry-run): decide req like
	 * verify() would, with every local check and hook, but never touch
	 * the network.  saved is the validator answer to judge instead of
	 * calling the validator; when NULL the remote step is skipped and
	 * reported as such in result->reason.  May be NULL.
	 */
	void (*dry_run)(const struct pvacms_authn_request *req,
	    const struct pvacms_http_response *saved,
	    struct pvacms_authn_result *result);
};

#ifdef __cplusplus
}
#endif

#endif /* PVACMS_AUTHN_H */
