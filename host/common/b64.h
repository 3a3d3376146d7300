/*
 * b64.h - base64 (RFC 4648 §4) and base64url (§5, unpadded) codecs.
 */
#ifndef PVACMS_B64_H
#define PVACMS_B64_H

#include <stddef.h>

/* Encode; returns a NUL-terminated string the caller frees, or NULL. */
char *b64_encode(const unsigned char *in, size_t len);

/*
 * Decode standard base64 (padding required, no whitespace) or, with url
 * set, unpadded base64url.  Returns a buffer the caller frees (*outlen
 * bytes, plus a NUL not counted), or NULL on malformed input.
 */
unsigned char *b64_decode(const char *in, size_t len, int url,
    size_t *outlen);

#endif
