/*
 * termtext.c - text from the network, made safe for a terminal.
 */
#include "config.h"

#include "termtext.h"

void
termtext_clean(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = ((unsigned char)in[i] < 0x20 ||
		    (unsigned char)in[i] == 0x7f) ? '?' : in[i];
	out[i] = '\0';
}
