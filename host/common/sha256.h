/*
 * sha256.h - SHA-256 through one EVP_MD fetched once per process.
 *
 * EVP_sha256() hands OpenSSL 3 a legacy method that it turns into a
 * provider fetch, under the method store's lock, every time a digest
 * starts; the request path hashes twice per certificate (the key, the
 * credential) on several threads at once.
 */
#ifndef PVACMS_SHA256_H
#define PVACMS_SHA256_H

#include <stddef.h>

/*
 * The SHA-256 of the concatenation of the nparts buffers parts[i] of
 * lens[i] bytes, as 64 lowercase hex digits and a NUL in hex (65 bytes).
 * 0, or -1 (hex set to "") when OpenSSL fails.  Any thread.
 */
int sha256_hex(const void *const *parts, const size_t *lens, size_t nparts,
    char hex[65]);

#endif
