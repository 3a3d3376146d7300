/*
 * sslerr.c - OpenSSL's error queue as one line (see sslerr.h).
 */
#include "config.h"

#include <stdio.h>

#include <openssl/err.h>

#include "sslerr.h"

void
sslerr_line(char *err, size_t errlen, const char *what)
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
