/*
 * jwt_list.c - the space-separated lists of the jwt plugin's settings
 * (issuers, key sources, audiences, credentials): split, pick one
 * issuer's entry, free.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_list.h"

void
jwt_list_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Split a space-separated value into at most max words, each at most
 * JWT_LIST_ITEM_MAX printable ASCII bytes.  *out is a new array of new
 * strings (free with jwt_list_free), NULL when *n is 0.
 */
int
jwt_list_split(const char *name, const char *value, size_t max,
    char ***out, size_t *n, char *err, size_t errlen)
{
	const char *p = value, *end;
	char **v = NULL;
	size_t len, k = 0;

	*out = NULL;
	*n = 0;
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' ' && *end != '\t' &&
		    *end != '\n'; end++)
			if ((unsigned char)*end < 0x20 ||
			    (unsigned char)*end >= 0x7f) {
				snprintf(err, errlen, "%s: holds a control or"
				    " non-ASCII character", name);
				goto bad;
			}
		len = (size_t)(end - p);
		if (len > JWT_LIST_ITEM_MAX) {
			snprintf(err, errlen, "%s: an entry is longer than %d"
			    " bytes", name, JWT_LIST_ITEM_MAX);
			goto bad;
		}
		if (k == max) {
			snprintf(err, errlen, "%s: more than %zu entries",
			    name, max);
			goto bad;
		}
		if (v == NULL && (v = calloc(max, sizeof(*v))) == NULL)
			goto nomem;
		if ((v[k] = strndup(p, len)) == NULL)
			goto nomem;
		k++;
		p = end;
	}
	*out = v;
	*n = k;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
bad:
	jwt_list_free(v, k);
	return -1;
}

/* Entry i of a list that is empty, one for all, or parallel; or NULL. */
const char *
jwt_list_pick(char **v, size_t n, size_t i)
{
	const char *s;

	if (n == 0)
		return NULL;
	s = n == 1 ? v[0] : v[i];
	return strcmp(s, "-") == 0 ? NULL : s;
}

