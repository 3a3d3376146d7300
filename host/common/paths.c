/*
 * paths.c - default file locations in the pva/1.4 XDG scheme:
 * ${XDG_CONFIG_HOME:-$HOME/.config}/pva/1.4 for keychains and the CA
 * file, ${XDG_DATA_HOME:-$HOME/.local/share}/pva/1.4 for data.  When
 * HOME is unset the password database names the home directory.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

static char	*paths_join(const char *xdg_env, const char *home_rel,
		    const char *name);
static const char *paths_home(char *buf, size_t len);

static const char *
paths_home(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;

	if (home != NULL && *home != '\0')
		return home;
	if (getpwuid_r(getuid(), &pw, buf, len, &res) == 0 && res != NULL &&
	    res->pw_dir != NULL && *res->pw_dir != '\0')
		return res->pw_dir;
	return "/";
}

/* Returns "<base>/pva/1.4/<name>"; the caller frees it with free(). */
static char *
paths_join(const char *xdg_env, const char *home_rel, const char *name)
{
	char pwbuf[4096];
	const char *base = getenv(xdg_env);
	const char *rel = "";
	char *out;
	size_t blen, len;

	if (name == NULL)
		name = "";
	/* ${XDG_...:-$HOME/...}: set and non-empty wins, as in DESIGN. */
	if (base == NULL || base[0] == '\0') {
		base = paths_home(pwbuf, sizeof(pwbuf));
		rel = home_rel;
	}
	/* No trailing slashes on the base: "/" becomes "". */
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	len = blen + strlen(rel) + strlen(PATHS_PVA_SUFFIX) + strlen(name) + 4;
	if ((out = malloc(len)) == NULL)
		return NULL;
	if (*rel != '\0')
		snprintf(out, len, "%.*s/%s/%s/%s", (int)blen, base, rel,
		    PATHS_PVA_SUFFIX, name);
	else
		snprintf(out, len, "%.*s/%s/%s", (int)blen, base,
		    PATHS_PVA_SUFFIX, name);
	return out;
}

/* Caller frees. */
char *
paths_config_file(const char *name)
{
	return paths_join("XDG_CONFIG_HOME", ".config", name);
}

/* Caller frees. */
char *
paths_data_file(const char *name)
{
	return paths_join("XDG_DATA_HOME", ".local/share", name);
}

/* Caller frees. */
char *
paths_env_or_config(const char *env_name, const char *default_name)
{
	const char *v = env_name != NULL ? getenv(env_name) : NULL;

	if (v != NULL && *v != '\0')
		return strdup(v);
	return paths_config_file(default_name);
}
