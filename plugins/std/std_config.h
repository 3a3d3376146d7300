/*
 * std_config.h - the approval settings of the "std" authenticator: which
 * certificate usages start in PENDING_APPROVAL.
 */
#ifndef PVACMS_STD_CONFIG_H
#define PVACMS_STD_CONFIG_H

#include <stddef.h>

/* The settings, indexed by enum pvacms_usage (index 0 unused). */
struct std_config {
	int approval[4];	/* 1: a new certificate waits for approval */
};

/* Where a usage's setting comes from. */
struct std_config_var {
	int usage;		/* enum pvacms_usage */
	const char *env_name;	/* EPICS_PVACMS_REQUIRE_<USAGE>_APPROVAL */
	const char *flag;	/* require-<usage>-approval */
};

#define STD_CONFIG_ALL_ENV	"EPICS_PVACMS_REQUIRE_APPROVAL"
#define STD_CONFIG_ALL_FLAG	"require-approval"

extern const struct std_config_var std_config_vars[3];

/*
 * "yes", "true", "on", "1" (any case) give 1; "no", "false", "off", "0"
 * give 0; anything else -1.
 */
int	std_config_bool(const char *s);

/*
 * Read the four settings through get (the host's config_get) into *out:
 * a usage's own variable wins, then EPICS_PVACMS_REQUIRE_APPROVAL, then
 * yes.  An unset or blank variable counts as not given.  Returns 0, or -1
 * with a one-line reason naming the variable and its bad value in err;
 * *out is then untouched.
 */
int	std_config_load(const char *(*get)(const char *),
	    struct std_config *out, char *err, size_t errlen);

#endif /* PVACMS_STD_CONFIG_H */
