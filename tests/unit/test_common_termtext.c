/*
 * test_common_termtext.c - a server's message printed by authnjwt or
 * pvxcert can hold no terminal control: escapes, newlines and DEL become
 * '?', text is cut to the buffer, and the result is always terminated.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "termtext.h"

int
main(void)
{
	char out[16];

	tap_plan(6);

	termtext_clean("token expired", out, sizeof(out));
	is_str(out, "token expired", "plain text is kept");
	termtext_clean("a\x1b[2Jb\nc\rd\x7f", out, sizeof(out));
	is_str(out, "a?[2Jb?c?d?", "ESC, LF, CR and DEL become '?'");
	termtext_clean("caf\xc3\xa9", out, sizeof(out));
	is_str(out, "caf\xc3\xa9", "UTF-8 bytes above 0x7f pass");
	memset(out, 'x', sizeof(out));
	termtext_clean("0123456789abcdefghij", out, sizeof(out));
	is_str(out, "0123456789abcde", "long text is cut to the buffer, "
	    "terminated");
	termtext_clean("", out, sizeof(out));
	is_str(out, "", "empty stays empty");
	termtext_clean("abc", out, 1);
	is_str(out, "", "a one-byte buffer holds the terminator only");
	return tap_done();
}
