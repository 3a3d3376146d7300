/*
 * timefmt.h - the one date format users see ("Sat Mar 08 15:23:21 2025 UTC")
 * and conversions from ASN.1 times.
 */
#ifndef PVACMS_TIMEFMT_H
#define PVACMS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/asn1.h>

#define TIMEFMT_LEN 40

/* Format t (POSIX seconds) as "%a %b %d %H:%M:%S %Y UTC" in UTC. */
void timefmt_utc(int64_t t, char *buf, size_t len);

/* Convert an ASN1_TIME to POSIX seconds.  0 on success, -1 if invalid. */
int timefmt_from_asn1(const ASN1_TIME *at, int64_t *out);

#endif
