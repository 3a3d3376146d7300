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
 * checked the same way before it is shown.  The parts: pvxcert.h; this
 * file is the command line and main, above every other part.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "httpc.h"
#include "pvxcert.h"

static void	usage(FILE *fp);

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

