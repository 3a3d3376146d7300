/*
 * jwt_pattern.c - read a validator's verdict with the response pattern
 * (rules in jwt_pattern.h).
 *
 * How the match works: the pattern is cut at "#response#" into a part P
 * before and a part S after.  Each is a list of literals joined by '*'.
 * For P, which is anchored at the start of the body, the places i where
 * body[0..i) matches P are found in one pass: the inner literals are
 * placed leftmost (which is optimal) and the last literal must end at i.
 * For S, anchored at the end, the mirror image gives every j where
 * body[j..] matches S; a table records the last such j at or before
 * each offset.  Then i runs from the right and the value is
 * body[i..j) with j the last S start that the run of scalar characters
 * from i reaches.  Time O(len * literal length), memory O(len).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwt_pattern.h"

struct jwt_lits {
	const char *lit[JWT_PATTERN_MAX + 1];
	size_t len[JWT_PATTERN_MAX + 1];
	size_t n;			/* literals; n - 1 stars */
};

static int	jwt_pattern_space(unsigned char ch);
static int	jwt_pattern_scalar(unsigned char ch);
static char	*jwt_pattern_strip(const char *s, size_t len, size_t *outlen);
static void	jwt_pattern_split(const char *p, size_t len,
		    struct jwt_lits *l);
static int	jwt_pattern_prefix(const struct jwt_lits *l,
		    const char *b, size_t n, size_t *e);
static int	*jwt_pattern_suffix(const struct jwt_lits *l,
		    const char *b, size_t n);
static int	jwt_pattern_try(const char *p, size_t plen, const char *s,
		    size_t slen, const char *b, size_t n, size_t *vi,
		    size_t *vj, int *nomem);

static int
jwt_pattern_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\v' || ch == '\f';
}

static int
jwt_pattern_scalar(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("\"\\,:{}[]", ch) == NULL;
}

/* Returns a copy of s without white space; the caller frees it. */
static char *
jwt_pattern_strip(const char *s, size_t len, size_t *outlen)
{
	char *out;
	size_t i, n = 0;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (!jwt_pattern_space((unsigned char)s[i]))
			out[n++] = s[i];
	out[n] = '\0';
	*outlen = n;
	return out;
}

static void
jwt_pattern_split(const char *p, size_t len, struct jwt_lits *l)
{
	size_t i, start = 0;

	l->n = 0;
	for (i = 0; i <= len; i++)
		if (i == len || p[i] == '*') {
			l->lit[l->n] = p + start;
			l->len[l->n] = i - start;
			l->n++;
			start = i + 1;
		}
}

/*
 * For P anchored at the start: with no star, body[0..i) matches only at
 * i = len(L0), and *e is that i (returns 0).  With stars, *e is the
 * smallest offset at which the last literal may start (returns 1).
 * Returns -1 when no prefix can match.
 */
static int
jwt_pattern_prefix(const struct jwt_lits *l, const char *b, size_t n,
    size_t *e)
{
	size_t m, pos;
	const char *hit;

	if (l->len[0] > n || memcmp(b, l->lit[0], l->len[0]) != 0)
		return -1;
	pos = l->len[0];
	if (l->n == 1) {
		*e = pos;
		return 0;
	}
	for (m = 1; m + 1 < l->n; m++) {
		if (l->len[m] == 0)
			continue;
		hit = memmem(b + pos, n - pos, l->lit[m], l->len[m]);
		if (hit == NULL)
			return -1;
		pos = (size_t)(hit - b) + l->len[m];
	}
	*e = pos;
	return 1;
}

/*
 * For S anchored at the end: returns a table t of n + 1 ints, t[x] the
 * largest j <= x such that body[j..n) matches S, or -1.  The caller
 * frees it.  NULL on allocation failure.
 */
static int *
jwt_pattern_suffix(const struct jwt_lits *l, const char *b, size_t n)
{
	size_t m, k = l->n - 1, lim, j, x;
	int *t, last = -1;

	if ((t = malloc((n + 1) * sizeof(*t))) == NULL)
		return NULL;
	for (x = 0; x <= n; x++)
		t[x] = -1;
	if (l->len[k] > n || memcmp(b + n - l->len[k], l->lit[k],
	    l->len[k]) != 0)
		return t;
	lim = n - l->len[k];
	if (k == 0) {
		t[lim] = (int)lim;
		for (x = lim + 1; x <= n; x++)
			t[x] = (int)lim;
		return t;
	}
	/* Place the inner literals rightmost, right to left. */
	for (m = k - 1; m >= 1; m--) {
		size_t ml = l->len[m];

		if (ml == 0)
			continue;
		for (;;) {
			if (lim < ml)
				return t;
			if (memcmp(b + lim - ml, l->lit[m], ml) == 0)
				break;
			lim--;
		}
		lim -= ml;
	}
	/* Now body[j..n) matches iff L0 sits at j and ends by lim. */
	for (j = 0; j <= n; j++) {
		if (j + l->len[0] <= lim &&
		    memcmp(b + j, l->lit[0], l->len[0]) == 0)
			last = (int)j;
		t[j] = last;
	}
	return t;
}

/*
 * Try one reading of the pattern: P = p[0..plen), S = s[0..slen).
 * Returns 1 with the value at body[*vi..*vj), 0 when it does not match,
 * and 0 with *nomem set on allocation failure.
 */
static int
jwt_pattern_try(const char *p, size_t plen, const char *s, size_t slen,
    const char *b, size_t n, size_t *vi, size_t *vj, int *nomem)
{
	struct jwt_lits *lp, *ls;
	size_t e = 0, i, nb, last;
	int kind, *t = NULL, found = 0;

	lp = malloc(sizeof(*lp));
	ls = malloc(sizeof(*ls));
	if (lp == NULL || ls == NULL) {
		*nomem = 1;
		goto out;
	}
	jwt_pattern_split(p, plen, lp);
	jwt_pattern_split(s, slen, ls);
	if ((kind = jwt_pattern_prefix(lp, b, n, &e)) < 0)
		goto out;
	if ((t = jwt_pattern_suffix(ls, b, n)) == NULL) {
		*nomem = 1;
		goto out;
	}
	last = lp->len[lp->n - 1];
	nb = n;
	for (i = n + 1; i-- > 0;) {
		if (i < n && !jwt_pattern_scalar((unsigned char)b[i]))
			nb = i;
		if (kind == 0 ? i != e :
		    (i < e + last ||
		    memcmp(b + i - last, lp->lit[lp->n - 1], last) != 0))
			continue;
		if (t[nb] >= 0 && (size_t)t[nb] >= i) {
			*vi = i;
			*vj = (size_t)t[nb];
			found = 1;
			break;
		}
	}
out:
	free(t);
	free(lp);
	free(ls);
	return found;
}

int
jwt_pattern_check(const char *pattern, char *err, size_t errlen)
{
	const char *hit;
	char *p;
	size_t plen;
	int rc = 0;

	if (strlen(pattern) > JWT_PATTERN_MAX) {
		snprintf(err, errlen, "pattern longer than %d bytes",
		    JWT_PATTERN_MAX);
		return -1;
	}
	/* Counted after stripping white space, as the match sees it. */
	if ((p = jwt_pattern_strip(pattern, strlen(pattern), &plen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((hit = strstr(p, JWT_PATTERN_VALUE)) == NULL ||
	    strstr(hit + 1, JWT_PATTERN_VALUE) != NULL) {
		snprintf(err, errlen, "pattern must hold %s exactly once",
		    JWT_PATTERN_VALUE);
		rc = -1;
	}
	free(p);
	return rc;
}

int
jwt_pattern_extract(const char *pattern, const char *body, size_t len,
    char *value, size_t valuelen, char *err, size_t errlen)
{
	char *p = NULL, *b = NULL, *hit;
	size_t plen, n, k, vi = 0, vj = 0, vlen;
	const char *s;
	size_t slen;
	int found = 0, nomem = 0, rc = -1;

	if (valuelen > 0)
		value[0] = '\0';
	if (len > JWT_BODY_MAX) {
		snprintf(err, errlen, "validator answer larger than %d bytes",
		    JWT_BODY_MAX);
		return -1;
	}
	if (jwt_pattern_check(pattern, err, errlen) != 0)
		return -1;
	if ((p = jwt_pattern_strip(pattern, strlen(pattern), &plen)) == NULL ||
	    (b = jwt_pattern_strip(body, len, &n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((hit = strstr(p, JWT_PATTERN_VALUE)) == NULL ||
	    strstr(hit + 1, JWT_PATTERN_VALUE) != NULL) {
		snprintf(err, errlen, "pattern must hold %s exactly once",
		    JWT_PATTERN_VALUE);
		goto out;
	}
	k = (size_t)(hit - p);
	s = hit + strlen(JWT_PATTERN_VALUE);
	slen = plen - k - strlen(JWT_PATTERN_VALUE);
	if (k > 0 && p[k - 1] == '"' && slen > 0 && s[0] == '"') {
		found = jwt_pattern_try(p, k, s, slen, b, n, &vi, &vj,
		    &nomem);
		if (!found && !nomem)
			found = jwt_pattern_try(p, k - 1, s + 1, slen - 1, b,
			    n, &vi, &vj, &nomem);
	} else
		found = jwt_pattern_try(p, k, s, slen, b, n, &vi, &vj,
		    &nomem);
	if (nomem) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!found) {
		snprintf(err, errlen,
		    "validator answer does not match the response format");
		goto out;
	}
	vlen = vj - vi;
	if (valuelen > 0) {
		if (vlen < valuelen) {
			memcpy(value, b + vi, vlen);
			value[vlen] = '\0';
		} else {
			size_t keep = valuelen - 1 >= 3 ? valuelen - 4 : 0;

			memcpy(value, b + vi, keep);
			value[keep] = '\0';
			strncat(value, "...", valuelen - 1 - keep);
		}
	}
	rc = 0;
out:
	free(p);
	free(b);
	return rc;
}

int
jwt_pattern_truthy(const char *value)
{
	static const char *const yes[] = {
		"valid", "ok", "true", "t", "yes", "y", "1", NULL
	};
	size_t i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(value, yes[i]) == 0)
			return 1;
	return 0;
}

int
jwt_pattern_valid(const char *pattern, const char *body, size_t len,
    char *err, size_t errlen)
{
	char value[40];

	if (jwt_pattern_extract(pattern, body, len, value, sizeof(value),
	    err, errlen) != 0)
		return 0;
	if (!jwt_pattern_truthy(value)) {
		snprintf(err, errlen, "validator answered '%s'", value);
		return 0;
	}
	return 1;
}
