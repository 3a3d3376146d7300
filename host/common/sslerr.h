/*
 * sslerr.h - OpenSSL's error queue as one line for a caller's message.
 */
#ifndef PVACMS_SSLERR_H
#define PVACMS_SSLERR_H

#include <stddef.h>

/*
 * Write "what: <OpenSSL's last error>" (or "what" when the queue is
 * empty) into err, and clear the queue so that the next failure starts
 * from nothing.
 */
void sslerr_line(char *err, size_t errlen, const char *what);

#endif
