/*
 * std_subject.h - the subject a "std" request asks for, checked field by
 * field before it becomes a certificate's CN, O, OU and C.
 */
#ifndef PVACMS_STD_SUBJECT_H
#define PVACMS_STD_SUBJECT_H

#include <stddef.h>

/* Longest field in bytes: PVXS keeps no more of a subject field. */
#define STD_SUBJECT_FIELD_MAX 63

struct std_subject {
	char cn[STD_SUBJECT_FIELD_MAX + 1];
	char o[STD_SUBJECT_FIELD_MAX + 1];
	char ou[STD_SUBJECT_FIELD_MAX + 1];
	char c[3];			/* "" or two upper-case letters */
};

/*
 * Check the requested fields (NULL counts as empty) and copy them into
 * *out, the country upper-cased.  name is required; each field is valid
 * UTF-8 of at most STD_SUBJECT_FIELD_MAX bytes without control characters;
 * a country is exactly two letters A-Z.  Returns 0, or -1 with a reason
 * that names the offending field (as the request calls it) in why.
 */
int	std_subject_check(const char *name, const char *organization,
	    const char *organization_unit, const char *country,
	    struct std_subject *out, char *why, size_t whylen);

/*
 * A printable copy of a rejected name for the audit log: at most
 * STD_SUBJECT_FIELD_MAX bytes, every byte outside printable ASCII shown
 * as '?'.
 */
void	std_subject_audit(char *dst, size_t dstlen, const char *src);

#endif /* PVACMS_STD_SUBJECT_H */
