/*
 * termtext.h - text from the network, made safe for a terminal.
 */
#ifndef PVACMS_TERMTEXT_H
#define PVACMS_TERMTEXT_H

#include <stddef.h>

/*
 * Copy in to out (len bytes, len >= 1), truncated to fit, with every
 * control character (and DEL) replaced by '?', so that a server's message
 * cannot move the cursor or rewrite what the user sees.  Always
 * NUL-terminates.
 */
void termtext_clean(const char *in, char *out, size_t len);

#endif
