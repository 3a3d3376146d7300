/*
 * prompt.c - what pvxcert says to, and asks of, the operator's terminal:
 * the -v messages and a keychain's password (prompted for with -p, else
 * read from a file).  Below the commands (show.c, admin.c), which use
 * it, and main (pvxcert.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "fsutil.h"
#include "pvxcert.h"

static int	read_password_tty(char **out, char *err, size_t errlen);

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
