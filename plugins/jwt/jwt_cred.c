/*
 * jwt_cred.c - read the credentials pvacms presents to validators and
 * introspection endpoints, and turn one into request parts.  Secrets
 * live in owner-only files; they are held in memory for the life of the
 * configuration and cleansed when it goes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "jwt_cred.h"
#include "jwt_jwks.h"
#include "jwt_list.h"
#include "jwt_url.h"

#define JWT_CRED_VARS 5

static int	jwt_cred_secret(const char *var, const char *path, char **out,
		    char *err, size_t errlen);

int
jwt_cred_file_private(const char *var, const char *path, char *err,
    size_t errlen)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s: %s", var, path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a regular file", var,
		    path);
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: %s is open to group or others"
		    " (mode %04o); it holds a secret: chmod 600 it", var,
		    path, (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * A secret file: owner-only, at most JWT_CRED_SECRET_MAX bytes, one
 * trailing newline dropped, not empty, no control characters (it goes
 * into a header or a form).  *out is new (cleanse before free).
 */
static int
jwt_cred_secret(const char *var, const char *path, char **out, char *err,
    size_t errlen)
{
	char *buf, why[256];
	size_t len, i;

	*out = NULL;
	if (jwt_cred_file_private(var, path, err, errlen) != 0)
		return -1;
	if ((buf = jwt_jwks_read_file(path, JWT_CRED_SECRET_MAX, &len, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", var, why);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			break;
	if (len == 0 || i < len) {
		snprintf(err, errlen, "%s: %s %s", var, path, len == 0 ?
		    "is empty" : "holds a control character");
		OPENSSL_cleanse(buf, len);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

struct jwt_creds *
jwt_creds_load(jwt_config_get_fn get, size_t nslots, const char *slots_var,
    char *err, size_t errlen)
{
	static const char *const vars[JWT_CRED_VARS] = {
		"EPICS_AUTH_JWT_CLIENT_ID",
		"EPICS_AUTH_JWT_CLIENT_SECRET_FILE",
		"EPICS_AUTH_JWT_BEARER_FILE",
		"EPICS_AUTH_JWT_CLIENT_KEYCHAIN",
		"EPICS_AUTH_JWT_CLIENT_AUTH",
	};
	struct jwt_creds *c;
	char **lists[JWT_CRED_VARS] = { NULL };
	size_t counts[JWT_CRED_VARS] = { 0 };
	const char *id, *secret, *bearer, *kc, *how;
	size_t i, k;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (nslots > 0 && (c->v = calloc(nslots, sizeof(*c->v))) == NULL)) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->n = nslots;
	for (k = 0; k < JWT_CRED_VARS; k++) {
		if (jwt_list_split(vars[k], get(vars[k]), JWT_LIST_MAX,
		    &lists[k], &counts[k], err, errlen) != 0)
			goto bad;
		if (counts[k] > 1 && counts[k] != nslots) {
			snprintf(err, errlen, "%s: %zu entries for %zu entries"
			    " of %s (give one, or one per entry)", vars[k],
			    counts[k], nslots, slots_var);
			goto bad;
		}
		if (counts[k] > 0 && nslots == 0) {
			snprintf(err, errlen, "%s: set, but no validator or"
			    " introspection endpoint is in use", vars[k]);
			goto bad;
		}
	}
	for (i = 0; i < nslots; i++) {
		struct jwt_cred *e = &c->v[i];

		id = jwt_list_pick(lists[0], counts[0], i);
		secret = jwt_list_pick(lists[1], counts[1], i);
		bearer = jwt_list_pick(lists[2], counts[2], i);
		kc = jwt_list_pick(lists[3], counts[3], i);
		how = jwt_list_pick(lists[4], counts[4], i);
		if (how != NULL && strcasecmp(how, "basic") != 0 &&
		    strcasecmp(how, "post") != 0) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLIENT_AUTH:"
			    " expected basic or post");
			goto bad;
		}
		if (secret != NULL && id == NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLIENT_ID: needed"
			    " with EPICS_AUTH_JWT_CLIENT_SECRET_FILE");
			goto bad;
		}
		if (id != NULL && secret == NULL && kc == NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLIENT_SECRET_FILE:"
			    " needed with EPICS_AUTH_JWT_CLIENT_ID (or a"
			    " client keychain, EPICS_AUTH_JWT_CLIENT_KEYCHAIN)");
			goto bad;
		}
		if (bearer != NULL && id != NULL) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_BEARER_FILE: give"
			    " either a bearer token or a client id, not both");
			goto bad;
		}
		if (id != NULL && (strlen(id) > JWT_CRED_ID_MAX ||
		    (e->client_id = strdup(id)) == NULL)) {
			snprintf(err, errlen, "EPICS_AUTH_JWT_CLIENT_ID: %s",
			    strlen(id) > JWT_CRED_ID_MAX ? "too long" :
			    "out of memory");
			goto bad;
		}
		e->post = how != NULL && strcasecmp(how, "post") == 0;
		if (secret != NULL && jwt_cred_secret(
		    "EPICS_AUTH_JWT_CLIENT_SECRET_FILE", secret, &e->secret,
		    err, errlen) != 0)
			goto bad;
		if (bearer != NULL && jwt_cred_secret(
		    "EPICS_AUTH_JWT_BEARER_FILE", bearer, &e->bearer, err,
		    errlen) != 0)
			goto bad;
		if (kc != NULL) {
			if (jwt_cred_file_private(
			    "EPICS_AUTH_JWT_CLIENT_KEYCHAIN", kc, err,
			    errlen) != 0)
				goto bad;
			if ((e->keychain = strdup(kc)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto bad;
			}
		}
		if (e->client_id != NULL || e->bearer != NULL ||
		    e->keychain != NULL)
			c->any = 1;
	}
	for (k = 0; k < JWT_CRED_VARS; k++)
		jwt_list_free(lists[k], counts[k]);
	return c;
bad:
	for (k = 0; k < JWT_CRED_VARS; k++)
		jwt_list_free(lists[k], counts[k]);
	jwt_creds_free(c);
	return NULL;
}

void
jwt_creds_free(struct jwt_creds *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].client_id);
		jwt_cred_wipe(c->v[i].secret);
		jwt_cred_wipe(c->v[i].bearer);
		free(c->v[i].keychain);
	}
	free(c->v);
	free(c);
}

const struct jwt_cred *
jwt_creds_get(const struct jwt_creds *c, size_t i)
{
	static const struct jwt_cred none;

	if (c == NULL || i >= c->n)
		return &none;
	return &c->v[i];
}

void
jwt_cred_wipe(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* Form-urlencode s into out (or measure, out NULL); no NUL added. */
static size_t
jwt_cred_enc(char *out, const char *s)
{
	return jwt_url_encode(out, s, strlen(s), 1);
}

int
jwt_cred_request(const struct jwt_cred *c, char **auth, char **form)
{
	char *pair = NULL;
	size_t idn, secn, n;

	*auth = *form = NULL;
	if (c == NULL)
		return 0;
	if (c->bearer != NULL) {
		n = strlen("Authorization: Bearer ") + strlen(c->bearer) + 1;
		if ((*auth = malloc(n)) == NULL)
			return -1;
		snprintf(*auth, n, "Authorization: Bearer %s", c->bearer);
		return 0;
	}
	if (c->client_id == NULL)
		return 0;
	idn = jwt_cred_enc(NULL, c->client_id);
	secn = c->secret != NULL ? jwt_cred_enc(NULL, c->secret) : 0;
	if (c->secret == NULL || c->post) {
		/* client_secret_post, or the id alone beside a keychain. */
		n = strlen("client_id=") + idn + (c->secret != NULL ?
		    strlen("&client_secret=") + secn : 0) + 1;
		if ((*form = malloc(n)) == NULL)
			return -1;
		memcpy(*form, "client_id=", 10);
		jwt_cred_enc(*form + 10, c->client_id);
		n = 10 + idn;
		if (c->secret != NULL) {
			memcpy(*form + n, "&client_secret=", 15);
			n += 15;
			n += jwt_cred_enc(*form + n, c->secret);
		}
		(*form)[n] = '\0';
		return 0;
	}
	/* Basic: base64 of urlencoded id ":" urlencoded secret. */
	if ((pair = malloc(idn + 1 + secn + 1)) == NULL)
		return -1;
	jwt_cred_enc(pair, c->client_id);
	pair[idn] = ':';
	jwt_cred_enc(pair + idn + 1, c->secret);
	pair[idn + 1 + secn] = '\0';
	n = strlen("Authorization: Basic ") + 4 * ((idn + 1 + secn + 2) /
	    3) + 1;
	if ((*auth = malloc(n)) == NULL) {
		jwt_cred_wipe(pair);
		return -1;
	}
	memcpy(*auth, "Authorization: Basic ", 21);
	EVP_EncodeBlock((unsigned char *)*auth + 21, (unsigned char *)pair,
	    (int)(idn + 1 + secn));
	jwt_cred_wipe(pair);
	return 0;
}
