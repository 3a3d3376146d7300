/*
 * pvxcert.h - what the parts of pvxcert share: the options, how one
 * status request is made and trusted, and the three commands.
 *   pvxcert.c  options, usage, main
 *   prompt.c   -v messages and the password prompt
 *   status.c   fetch a status answer, verify its OCSP proof, print it
 *   show.c     -f FILE and a bare CERT_ID
 *   admin.c    -A, -R, -D
 */
#ifndef PVXCERT_H
#define PVXCERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define PVXCERT_DEFAULT_CMS "https://localhost:8443"
#define PVXCERT_RESPONSE_MAX (256 * 1024)
#define PVXCERT_CAFILE_MAX (1024 * 1024)
#define PVXCERT_CAFILE_CERTS 32
#define PVXCERT_PASSWORD_MAX 1024
#define PVXCERT_MSG_MAX 300

enum pvxcert_action { ACT_NONE, ACT_APPROVE, ACT_REVOKE, ACT_DENY };

/* The command line. */
struct pvxcert {
	const char *file;
	int prompt;
	int verbose;
	long timeout_ms;
	enum pvxcert_action action;
	const char *action_id;
	const char *reason;		/* -r, for -R and -D; or NULL */
	const char *cert_id;
};

/* One status request: GET .../status, or POST .../{approve,...}. */
struct pvxcert_call {
	const char *method;		/* "GET" or "POST" */
	const char *url;
	const char *ca_file;		/* trust for https, or NULL */
	int loopback_only;		/* refuse plain http off this host */
	const char *client_p12;		/* identity for mutual TLS, or NULL */
	const char *client_p12_password;
	const char *verb;		/* "revoke"... for messages, or NULL */
	const char *json_body;		/* POSTed as application/json, or NULL */
};

/* Trust for one status check. */
struct pvxcert_trust {
	X509_STORE *store;		/* trust anchors */
	STACK_OF(X509) *certs;		/* more certs for the responder chain */
	X509 *issuer;			/* issuer of the certificate */
};

/* prompt.c */
void	pvxcert_verbose(const struct pvxcert *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	pvxcert_password(const struct pvxcert *p, const char *pwfile_env,
	    char **out, char *err, size_t errlen);

/* status.c */
char	*pvxcert_status_base(X509 *cert);
char	*pvxcert_status_url(const char *base, const char *cert_id);
int	pvxcert_show_status(const struct pvxcert *p,
	    const struct pvxcert_call *call, const struct pvxcert_trust *t,
	    const char *cert_id, const char *base);
STACK_OF(X509) *pvxcert_load_pem_certs(const char *path, char *err,
	    size_t errlen);
int	pvxcert_target(const char *id, char *cert_id, size_t cert_id_len,
	    char *issuer, char **base, char **ca_file);
int	pvxcert_trust_ca_file(const char *ca_file, const char *issuer,
	    struct pvxcert_trust *t, char *err, size_t errlen);

/* show.c, admin.c: each returns the exit code. */
int	pvxcert_cmd_file(const struct pvxcert *p);
int	pvxcert_cmd_id(const struct pvxcert *p);
int	pvxcert_cmd_admin(const struct pvxcert *p);

#endif
