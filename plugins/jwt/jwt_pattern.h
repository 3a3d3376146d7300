/*
 * jwt_pattern.h - the response pattern of EPICS_AUTH_JWT_RESPONSE_FORMAT
 * (DESIGN §7): how the plugin reads a verdict out of a validator's
 * answer when no response script is configured.
 *
 * White space is removed from pattern and body.  '*' matches any run of
 * characters.  The pattern holds "#response#" exactly once; the text it
 * matches is the value, and the answer is valid when the value, lower-
 * cased, is one of valid ok true t yes y 1.  Quotes written around
 * "#response#" in the pattern are optional in the body.
 *
 * The value must be one JSON scalar token: printable ASCII without any
 * of  " \ , : { } [ ]  so that text inside a JSON string, an object or a
 * list can never be read as the verdict.  Among all ways the pattern can
 * match the whole body, the one taken puts the value as far right as
 * possible ('*' before it greedy) and then makes it as long as possible;
 * a pattern with quotes around #response# first tries the quoted form.
 * Work is linear in the body times the pattern's literal lengths, with
 * no backtracking blow-up; the body is capped at JWT_BODY_MAX bytes.
 */
#ifndef PVACMS_JWT_PATTERN_H
#define PVACMS_JWT_PATTERN_H

#include <stddef.h>

#define JWT_BODY_MAX 65536		/* bytes of validator answer read */
#define JWT_PATTERN_MAX 1024		/* bytes of pattern accepted */
#define JWT_PATTERN_VALUE "#response#"

/*
 * Check a pattern at configuration time: at most JWT_PATTERN_MAX bytes,
 * "#response#" exactly once.  Returns 0, or -1 with a reason in err.
 */
int jwt_pattern_check(const char *pattern, char *err, size_t errlen);

/*
 * Match body[0..len) against pattern and copy the value (not lower-
 * cased, cut to valuelen - 1 bytes and marked with "..." if longer) into
 * value.  Returns 0 on a match, or -1 with a reason in err when the body
 * does not match, is too large, or the pattern is bad.
 */
int jwt_pattern_extract(const char *pattern, const char *body, size_t len,
    char *value, size_t valuelen, char *err, size_t errlen);

/* Whether value, lower-cased, is one of valid ok true t yes y 1. */
int jwt_pattern_truthy(const char *value);

/*
 * The verdict: 1 when the body matches and the value is truthy, else 0
 * with a one-line reason in err (the body itself is never quoted, only
 * a short sanitized value).
 */
int jwt_pattern_valid(const char *pattern, const char *body, size_t len,
    char *err, size_t errlen);

#endif
