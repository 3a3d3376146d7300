/*
 * tap.h - a tiny Test Anything Protocol emitter for the unit tests.
 * Header-only so that each test is one .c file; automake's tap-driver
 * reads what it prints.
 */
#ifndef PVACMS_TAP_H
#define PVACMS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static void __attribute__((unused))
tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
}

static int __attribute__((format(printf, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static int __attribute__((unused))
is_str(const char *got, const char *want, const char *name)
{
	int same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!ok(same, "%s", name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

static int __attribute__((unused))
is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

static int __attribute__((unused))
tap_done(void)
{
	return tap_failed ? 1 : 0;
}

#endif
