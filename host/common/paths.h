/*
 * paths.h - default file locations, following the pva/1.4 XDG scheme of
 * the EPICS reference: ${XDG_CONFIG_HOME:-$HOME/.config}/pva/1.4 for
 * keychains and ${XDG_DATA_HOME:-$HOME/.local/share}/pva/1.4 for data.
 */
#ifndef PVACMS_PATHS_H
#define PVACMS_PATHS_H

#define PATHS_PVA_SUFFIX "pva/1.4"

/* Returns "<config home>/pva/1.4/<name>"; caller frees.  NULL on ENOMEM. */
char *paths_config_file(const char *name);

/* Returns "<data home>/pva/1.4/<name>"; caller frees.  NULL on ENOMEM. */
char *paths_data_file(const char *name);

/*
 * The value of environment variable env_name when set and non-empty,
 * else paths_config_file(default_name).  Caller frees.
 */
char *paths_env_or_config(const char *env_name, const char *default_name);

#endif
