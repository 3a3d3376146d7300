/*
 * plugin.h - loading authenticator plugins and the services table they
 * get.  A plugin is loaded by name from the plugin directory only, its ABI
 * version is checked before anything else is read, and it sees the host
 * only through struct pvacms_host_services.
 */
#ifndef PVACMS_PLUGIN_H
#define PVACMS_PLUGIN_H

#include <stddef.h>

#include "pvacms/authn.h"

struct config;
struct plugin;

/* The directory used when none is configured. */
const char *plugin_default_dir(void);

/*
 * The plugins in dir: every NAME.so whose NAME the loader takes, sorted,
 * at most max.  A NULL-terminated array the caller frees (each name,
 * then the array), or NULL with err set (no such directory, more than
 * max, out of memory).
 */
char **plugin_scan_dir(const char *dir, size_t max, char *err,
    size_t errlen);

/*
 * Load dir/<name>.so and check it: regular file, not group- or
 * world-writable, exports PVACMS_AUTHN_SYMBOL with a matching ABI major,
 * has a verify function.  Does not call init.  Returns NULL with err set
 * ("<path>: plugin ABI mismatch: expected 1.x, got 99.0").
 * Free with plugin_unload.
 */
struct plugin *plugin_load(const char *dir, const char *name, char *err,
    size_t errlen);

/* Call the plugin's init with the host services.  0 or -1 with err. */
int plugin_init(struct plugin *p, struct config *cfg, char *err,
    size_t errlen);

/* Call reload (SIGHUP).  0, or -1 with err (the old configuration stays). */
int plugin_reload(struct plugin *p, char *err, size_t errlen);

/* Calls fini if init succeeded, then dlclose. */
void plugin_unload(struct plugin *p);

/*
 * Make a result that api's verify() or dry_run() wrote safe to read:
 * every string terminated, the members of a later ABI than the plugin's
 * zeroed, and a verdict that is none of the three turned into
 * PVACMS_ERROR.
 */
void plugin_result_clean(const struct pvacms_authn_plugin *api,
    struct pvacms_authn_result *r);

/* Borrowed views. */
const struct pvacms_authn_plugin *plugin_api(const struct plugin *p);
const char *plugin_path(const struct plugin *p);

/* The plugin's dry_run (ABI 1.1), or NULL when it has none or is 1.0. */
typedef void (*plugin_dry_run_fn)(const struct pvacms_authn_request *,
    const struct pvacms_http_response *, struct pvacms_authn_result *);
plugin_dry_run_fn plugin_dry_run(const struct plugin *p);

/*
 * With offline set (a dry run), the host's fetch services refuse every
 * request, so that a plugin's init cannot reach the network either.
 */
void plugin_services_offline(int offline);

#endif
