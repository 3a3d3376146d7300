/*
 * std_config.c - the approval settings of the "std" authenticator.
 *
 * A std request proves nothing about its caller, so by default every new
 * certificate waits for an administrator (PENDING_APPROVAL).  A site may
 * turn that off for all usages (EPICS_PVACMS_REQUIRE_APPROVAL) or per
 * usage; a usage's own setting wins over the common one.
 *
 * Unlike the EPICS reference CMS, an ioc certificate follows only the ioc
 * setting (or the common one): turning off client or server approval does
 * not also let ioc certificates through, since an ioc certificate can act
 * as both and so needs the stricter of the two, not the looser.
 *
 * A value that is neither yes nor no stops the plugin from starting: a
 * typo in a switch that guards issuance must not silently mean "yes" or
 * "no".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pvacms/authn.h"

#include "std_config.h"

/* Longest value worth comparing; anything longer is not a yes or a no. */
#define STD_CONFIG_WORD_MAX 16

static int	std_config_same(const char *a, const char *b);
static int	std_config_one(const char *(*get)(const char *),
		    const char *env_name, const char *flag, int *out,
		    char *err, size_t errlen);
static void	std_config_safe(char *dst, size_t dstlen, const char *src);

const struct std_config_var std_config_vars[3] = {
	{ PVACMS_USAGE_CLIENT, "EPICS_PVACMS_REQUIRE_CLIENT_APPROVAL",
	    "require-client-approval" },
	{ PVACMS_USAGE_SERVER, "EPICS_PVACMS_REQUIRE_SERVER_APPROVAL",
	    "require-server-approval" },
	{ PVACMS_USAGE_IOC, "EPICS_PVACMS_REQUIRE_IOC_APPROVAL",
	    "require-ioc-approval" },
};

/* ASCII case-insensitive equality; the locale must not change a switch. */
static int
std_config_same(const char *a, const char *b)
{
	unsigned char x, y;

	for (;; a++, b++) {
		x = (unsigned char)*a;
		y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
		if (x == '\0')
			return 1;
	}
}

int
std_config_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (std_config_same(s, yes[i]))
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (std_config_same(s, no[i]))
			return 0;
	return -1;
}

/* A short, printable copy of a bad value for an error line. */
static void
std_config_safe(char *dst, size_t dstlen, const char *src)
{
	size_t i;

	snprintf(dst, dstlen, "%s", src);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 ||
		    (unsigned char)dst[i] >= 0x7f)
			dst[i] = '?';
}

/*
 * One variable: set *out to 1 or 0 from its value, or leave *out alone
 * when it is unset or blank.  Surrounding blanks are ignored (unit files
 * and shell quoting add them).  Returns 0, or -1 with err set for a value
 * that is neither yes nor no.
 */
static int
std_config_one(const char *(*get)(const char *), const char *env_name,
    const char *flag, int *out, char *err, size_t errlen)
{
	char word[STD_CONFIG_WORD_MAX + 1], safe[41];
	const char *v;
	size_t len;
	int b;

	if ((v = get(env_name)) == NULL)
		return 0;
	v += strspn(v, " \t");
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	b = -1;
	if (len <= STD_CONFIG_WORD_MAX) {
		memcpy(word, v, len);
		word[len] = '\0';
		b = std_config_bool(word);
	}
	if (b < 0) {
		std_config_safe(safe, sizeof(safe), v);
		snprintf(err, errlen, "%s (--%s): expected yes or no, got"
		    " '%s'", env_name, flag, safe);
		return -1;
	}
	*out = b;
	return 0;
}

int
std_config_load(const char *(*get)(const char *), struct std_config *out,
    char *err, size_t errlen)
{
	struct std_config cfg;
	int all = 1, v;
	size_t i;

	if (std_config_one(get, STD_CONFIG_ALL_ENV, STD_CONFIG_ALL_FLAG, &all,
	    err, errlen) != 0)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; i < sizeof(std_config_vars) / sizeof(std_config_vars[0]);
	    i++) {
		v = all;
		if (std_config_one(get, std_config_vars[i].env_name,
		    std_config_vars[i].flag, &v, err, errlen) != 0)
			return -1;
		cfg.approval[std_config_vars[i].usage] = v;
	}
	*out = cfg;
	return 0;
}
