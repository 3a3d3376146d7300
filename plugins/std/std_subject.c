/*
 * std_subject.c - check the subject a "std" request asks for.
 *
 * A std request names its own subject, and nothing proves it; what an
 * administrator approves is exactly what these fields say.  So they must
 * read the same in the approval list, in pvxcert and in a peer's logs:
 * valid UTF-8 (the host encodes the subject as UTF8String), no control
 * characters (they could hide or forge text in those listings), at most
 * 63 bytes (PVXS keeps no more of a field, so a longer one could never be
 * matched by a peer), and a country of exactly two letters as X.509
 * demands.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "std_subject.h"

enum std_text { STD_TEXT_OK, STD_TEXT_LONG, STD_TEXT_CONTROL,
	STD_TEXT_UTF8 };

static enum std_text std_subject_text(const char *s);
static int	std_subject_field(const char *field, const char *value,
		    char *dst, size_t dstlen, char *why, size_t whylen);
static int	std_subject_country(const char *value, char *dst,
		    char *why, size_t whylen);

/*
 * Classify s: too long, holding a C0 or C1 control character or DEL, not
 * valid UTF-8 (overlong forms, surrogates and code points past U+10FFFF
 * included), or fine.
 */
static enum std_text
std_subject_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n, k;
	unsigned long cp, min;

	if (len > STD_SUBJECT_FIELD_MAX)
		return STD_TEXT_LONG;
	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return STD_TEXT_CONTROL;
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return STD_TEXT_UTF8;
		if (len - i <= n)
			return STD_TEXT_UTF8;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return STD_TEXT_UTF8;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return STD_TEXT_UTF8;
		if (cp <= 0x9f)
			return STD_TEXT_CONTROL;	/* C1 */
		i += n + 1;
	}
	return STD_TEXT_OK;
}

/* One free-text field: 0 with dst filled, or -1 with why naming it. */
static int
std_subject_field(const char *field, const char *value, char *dst,
    size_t dstlen, char *why, size_t whylen)
{
	switch (std_subject_text(value)) {
	case STD_TEXT_OK:
		snprintf(dst, dstlen, "%s", value);
		return 0;
	case STD_TEXT_LONG:
		snprintf(why, whylen, "%s is longer than %d bytes", field,
		    STD_SUBJECT_FIELD_MAX);
		break;
	case STD_TEXT_CONTROL:
		snprintf(why, whylen, "%s holds a control character", field);
		break;
	case STD_TEXT_UTF8:
		snprintf(why, whylen, "%s is not valid UTF-8", field);
		break;
	}
	return -1;
}

/* The country: empty, or two ASCII letters stored upper-case. */
static int
std_subject_country(const char *value, char *dst, char *why, size_t whylen)
{
	size_t i;
	char ch;

	if (value[0] == '\0') {
		dst[0] = '\0';
		return 0;
	}
	for (i = 0; i < 2; i++) {
		ch = value[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'Z')
			break;
		dst[i] = ch;
	}
	if (i < 2 || value[2] != '\0') {
		dst[0] = '\0';
		snprintf(why, whylen, "country must be two letters A-Z (an"
		    " ISO 3166 code such as US)");
		return -1;
	}
	dst[2] = '\0';
	return 0;
}

int
std_subject_check(const char *name, const char *organization,
    const char *organization_unit, const char *country,
    struct std_subject *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	if (name == NULL || name[0] == '\0') {
		snprintf(why, whylen, "the request names no subject (name)");
		return -1;
	}
	if (std_subject_field("name", name, out->cn, sizeof(out->cn), why,
	    whylen) != 0)
		return -1;
	if (std_subject_field("organization", organization != NULL ?
	    organization : "", out->o, sizeof(out->o), why, whylen) != 0)
		return -1;
	if (std_subject_field("organization_unit", organization_unit != NULL ?
	    organization_unit : "", out->ou, sizeof(out->ou), why,
	    whylen) != 0)
		return -1;
	return std_subject_country(country != NULL ? country : "", out->c,
	    why, whylen);
}

void
std_subject_audit(char *dst, size_t dstlen, const char *src)
{
	size_t i;

	if (dstlen == 0)
		return;
	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < dstlen &&
	    i < STD_SUBJECT_FIELD_MAX; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 ||
		    (unsigned char)src[i] >= 0x7f) ? '?' : src[i];
	dst[i] = '\0';
}
