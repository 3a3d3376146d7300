/*
 * jwt_list.h - the space-separated lists of the jwt plugin's settings.
 * A list is empty, one entry for every issuer, or one entry per issuer
 * ("-" for none).
 */
#ifndef PVACMS_JWT_LIST_H
#define PVACMS_JWT_LIST_H

#include <stddef.h>

#define JWT_LIST_ITEM_MAX 2048	/* one issuer, URL, path or audience */
#define JWT_LIST_MAX 16		/* entries of one list */

/*
 * Split a space-separated value into at most max words, each at most
 * JWT_LIST_ITEM_MAX printable ASCII bytes.  *out is a new array of new
 * strings (free with jwt_list_free), NULL when *n is 0.  Returns
 * 0, or -1 with a reason naming name in err.
 */
int jwt_list_split(const char *name, const char *value, size_t max,
    char ***out, size_t *n, char *err, size_t errlen);

/* Free n strings of v and v itself (NULL is fine). */
void jwt_list_free(char **v, size_t n);

/*
 * Entry i of a list that is empty, one entry for all, or parallel to
 * the issuers; NULL for none or "-".  Borrowed from v.
 */
const char *jwt_list_pick(char **v, size_t n, size_t i);

#endif
