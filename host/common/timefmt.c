/*
 * timefmt.c - the one date format pvacms shows to people, and the
 * conversion of ASN.1 certificate times to POSIX seconds.  Day and month
 * names come from fixed English tables so that the output never depends
 * on the process locale.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>

#include "timefmt.h"

static const char *const timefmt_days[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const timefmt_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

void
timefmt_utc(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (buf == NULL || len == 0)
		return;
	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11) {
		snprintf(buf, len, "(invalid time %lld)", (long long)t);
		return;
	}
	snprintf(buf, len, "%s %s %02d %02d:%02d:%02d %lld UTC",
	    timefmt_days[tm.tm_wday], timefmt_months[tm.tm_mon], tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)tm.tm_year + 1900);
}

int
timefmt_from_asn1(const ASN1_TIME *at, int64_t *out)
{
	ASN1_TIME *epoch;
	int days = 0, secs = 0, r;

	if (at == NULL || out == NULL || ASN1_TIME_check(at) != 1)
		return -1;
	if ((epoch = ASN1_TIME_set(NULL, 0)) == NULL)
		return -1;
	r = ASN1_TIME_diff(&days, &secs, epoch, at);
	ASN1_TIME_free(epoch);
	if (r != 1)
		return -1;
	*out = (int64_t)days * 86400 + secs;
	return 0;
}
