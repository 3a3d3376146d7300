/*
 * test_common_timefmt.c - the date line users read in pvxcert output and
 * the conversion of certificate validity times.
 */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/asn1.h>

#include "tap.h"
#include "timefmt.h"

static int64_t	asn1_secs(const char *s, int *rc);

static int64_t
asn1_secs(const char *s, int *rc)
{
	ASN1_TIME *t = ASN1_TIME_new();
	int64_t v = -12345;

	*rc = -2;
	if (t != NULL && ASN1_TIME_set_string(t, s) == 1)
		*rc = timefmt_from_asn1(t, &v);
	else if (t != NULL)
		*rc = -3;
	ASN1_TIME_free(t);
	return v;
}

int
main(void)
{
	char buf[TIMEFMT_LEN], small[8];
	ASN1_TIME *bad;
	int64_t v = 0;
	int rc;

	tap_plan(14);
	setenv("TZ", "America/New_York", 1);
	setlocale(LC_ALL, "");

	timefmt_utc(1741447401, buf, sizeof(buf));
	is_str(buf, "Sat Mar 08 15:23:21 2025 UTC",
	    "the example time from the spec, in UTC whatever TZ says");
	timefmt_utc(0, buf, sizeof(buf));
	is_str(buf, "Thu Jan 01 00:00:00 1970 UTC", "the epoch");
	timefmt_utc(1741533789, buf, sizeof(buf));
	is_str(buf, "Sun Mar 09 15:23:09 2025 UTC",
	    "expiry of the spec example, a day later");
	timefmt_utc(4102444800LL, buf, sizeof(buf));
	is_str(buf, "Fri Jan 01 00:00:00 2100 UTC", "after 2038");
	timefmt_utc(1741447401, small, sizeof(small));
	is_str(small, "Sat Mar", "truncated into a small buffer, terminated");

	v = asn1_secs("20250308152321Z", &rc);
	is_int(rc, 0, "GeneralizedTime converts");
	is_int(v, 1741447401, "GeneralizedTime gives the POSIX seconds");
	v = asn1_secs("250308152321Z", &rc);
	is_int(rc, 0, "UTCTime converts");
	is_int(v, 1741447401, "UTCTime gives the same seconds");
	v = asn1_secs("21000101000000Z", &rc);
	is_int(v, 4102444800LL, "a 2100 notAfter converts");
	v = asn1_secs("19691231235959Z", &rc);
	is_int(v, -1, "a time before the epoch is negative");

	bad = ASN1_STRING_type_new(V_ASN1_GENERALIZEDTIME);
	ASN1_STRING_set(bad, "2025XX08152321Z", -1);
	is_int(timefmt_from_asn1(bad, &v), -1, "garbage time is refused");
	ASN1_TIME_free(bad);
	is_int(timefmt_from_asn1(NULL, &v), -1, "NULL time is refused");
	timefmt_utc(1741447401, buf, sizeof(buf));
	ok(strstr(buf, "UTC") != NULL && buf[0] == 'S',
	    "English day names even after setlocale(LC_ALL, \"\")");
	return tap_done();
}
