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
 * checked the same way before it is shown.  The parts: pvxcert.h.
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

#include "fsutil.h"
#include "httpc.h"
#include "pvxcert.h"

static void	usage(FILE *fp);
static int	read_password_tty(char **out, char *err, size_t errlen);

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: pvxcert [-v] [-w SECS] -f FILE [-p]\n"
	    "       pvxcert [-v] [-w SECS] CERT_ID\n"
	    "       pvxcert [-v] [-w SECS] [-p] -A CERT_ID\n"
	    "       pvxcert [-v] [-w SECS] [-p] [-r REASON] -R|-D CERT_ID\n"
	    "Show a certificate and its status, as signed by pvacms.\n"
	    "  -f, --file FILE     show the certificate in keychain FILE and "
	    "its status\n"
	    "  -p, --password      prompt for the keychain password\n"
	    "  -w, --timeout SECS  give up on pvacms after SECS seconds "
	    "(default 5)\n"
	    "  -A, --approve ID    approve a pending certificate\n"
	    "  -R, --revoke ID     revoke a certificate\n"
	    "  -D, --deny ID       deny a pending certificate\n"
	    "  -r, --reason REASON why, with -R or -D: keyCompromise, "
	    "superseded,\n"
	    "                      affiliationChanged, cessationOfOperation,\n"
	    "                      privilegeWithdrawn or unspecified "
	    "(default)\n"
	    "  -v, --verbose       say what is happening on stderr\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n");
}

void
pvxcert_verbose(const struct pvxcert *p, const char *fmt, ...)
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

/*
 * A keychain's password: prompted for with -p, else read from the file
 * that environment variable pwfile_env names (unset or empty: the empty
 * password).  0 with *out set (the caller wipes and frees it), or -1
 * with err set.
 */
int
pvxcert_password(const struct pvxcert *p, const char *pwfile_env,
    char **out, char *err, size_t errlen)
{
	const char *pwfile;

	if (p->prompt)
		return read_password_tty(out, err, errlen);
	pwfile = getenv(pwfile_env);
	if (pwfile != NULL && *pwfile == '\0')
		pwfile = NULL;
	return fs_read_password(pwfile, out, err, errlen);
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
		{ "reason", required_argument, NULL, 'r' },
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
	while ((ch = getopt_long(argc, argv, "f:pw:A:R:D:r:vhV", longopts,
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
		case 'r':
			p.reason = optarg;
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
	if (p.reason != NULL && p.action != ACT_REVOKE &&
	    p.action != ACT_DENY) {
		fprintf(stderr, "pvxcert: -r needs -R or -D\n");
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
		rc = pvxcert_cmd_admin(&p);
	else if (p.file != NULL)
		rc = pvxcert_cmd_file(&p);
	else
		rc = pvxcert_cmd_id(&p);
	httpc_global_cleanup();
	return rc;
}

