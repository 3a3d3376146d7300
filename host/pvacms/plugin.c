/*
 * plugin.c - the careful loader and the host services table.
 *
 * The loader distrusts what it loads: names are plain identifiers, the
 * file must be a regular file that only its owner can write, symbols
 * resolve at load (RTLD_NOW) and stay private (RTLD_LOCAL), and the ABI
 * version is the first thing read from the exported struct.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "httpc.h"
#include "log.h"
#include "luahost.h"
#include "plugin.h"

struct plugin {
	void *handle;
	const struct pvacms_authn_plugin *api;
	char *path;
	int initialized;
};

/*
 * The services table is shared by every plugin; config_get searches the
 * option tables of all loaded plugins, whose flags are distinct.
 */
static struct config *services_cfg;
static const struct pvacms_authn_option *services_opts[16];
/* A dry run: the fetch services refuse (no network, as promised). */
static int services_offline;
static size_t services_nopts;

static void services_log(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static const char *services_config_get(const char *);
static int services_http_fetch_headers(const struct pvacms_http_request *,
    struct pvacms_http_response *, char *, size_t, char *, size_t);
static int services_http_fetch(const struct pvacms_http_request *,
    struct pvacms_http_response *, char *, size_t);
static void services_http_free(struct pvacms_http_response *);
static int services_http_fetch_tls(const struct pvacms_http_request *,
    const struct pvacms_http_tls *, struct pvacms_http_response *, char *,
    size_t, char *, size_t);

static const struct pvacms_host_services host_services = {
	.version = PVACMS_AUTHN_ABI_VERSION,
	.size = sizeof(struct pvacms_host_services),
	.log = services_log,
	.config_get = services_config_get,
	.http_fetch = services_http_fetch,
	.http_free = services_http_free,
	/* ABI 1.1: the Lua hooks live in lua/luahook.c. */
	.hook_load = luahook_load,
	.hook_extract_claims = luahook_extract_claims,
	.hook_interpret_response = luahook_interpret_response,
	/* ABI 1.2 */
	.http_fetch_headers = services_http_fetch_headers,
	/* ABI 1.5 */
	.http_fetch_tls = services_http_fetch_tls,
	.hook_interpret_response_code = luahook_interpret_response_code,
};

static void
services_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, "plugin: ", fmt, ap);
	va_end(ap);
}

static const char *
services_config_get(const char *env_name)
{
	size_t i;
	const char *v;

	if (env_name == NULL || services_cfg == NULL)
		return NULL;
	for (i = 0; i < services_nopts; i++) {
		v = conf_plugin_value(services_cfg, services_opts[i], env_name);
		if (v != NULL)
			return v;
	}
	return getenv(env_name);
}

/*
 * Every fetch service: one request through httpc, headers and TLS
 * settings optional.
 */
static int
services_http_fetch_tls(const struct pvacms_http_request *req,
    const struct pvacms_http_tls *tls, struct pvacms_http_response *resp,
    char *headers, size_t headers_len, char *err, size_t errlen)
{
	struct httpc_request hreq;
	struct httpc_response hresp;

	memset(resp, 0, sizeof(*resp));
	if (services_offline) {
		snprintf(err, errlen, "a dry run makes no network request");
		return -1;
	}
	memset(&hreq, 0, sizeof(hreq));
	hreq.method = req->method;
	hreq.url = req->url;
	hreq.headers = req->headers;
	hreq.body = req->body;
	hreq.body_len = req->body_len;
	hreq.timeout_ms = req->timeout_ms;
	hreq.max_response = req->max_response;
	hreq.headers_out = headers;
	hreq.headers_out_len = headers != NULL ? headers_len : 0;
	/* A token or a secret never crosses a network in the clear. */
	hreq.plain_loopback_only = 1;
	if (tls != NULL) {
		hreq.client_p12 = tls->client_keychain;
		hreq.ca_file = tls->ca_file;
	}
	if (httpc_fetch(&hreq, &hresp, err, errlen) != 0)
		return -1;
	resp->status = hresp.status;
	resp->body = hresp.body;
	resp->body_len = hresp.body_len;
	resp->content_type = hresp.content_type;
	return 0;
}

static int
services_http_fetch_headers(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *headers, size_t headers_len,
    char *err, size_t errlen)
{
	return services_http_fetch_tls(req, NULL, resp, headers, headers_len,
	    err, errlen);
}

static int
services_http_fetch(const struct pvacms_http_request *req,
    struct pvacms_http_response *resp, char *err, size_t errlen)
{
	return services_http_fetch_headers(req, resp, NULL, 0, err, errlen);
}

static void
services_http_free(struct pvacms_http_response *resp)
{
	struct httpc_response hresp;

	if (resp == NULL)
		return;
	hresp.status = resp->status;
	hresp.body = resp->body;
	hresp.body_len = resp->body_len;
	hresp.content_type = resp->content_type;
	httpc_response_free(&hresp);
	memset(resp, 0, sizeof(*resp));
}

const char *
plugin_default_dir(void)
{
	static char dir[4096];
	char self[4096];
	size_t blen = strlen(PVACMS_BUILDDIR);
	ssize_t n;

	/*
	 * Run from the build tree (libtool puts the real binary in .libs/),
	 * use the plugins built beside it; installed, use $(pkglibdir).
	 */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strncmp(self, PVACMS_BUILDDIR, blen) == 0 &&
		    self[blen] == '/') {
			snprintf(dir, sizeof(dir), "%s/.libs", PVACMS_BUILDDIR);
			return dir;
		}
	}
	return PVACMS_PKGLIBDIR;
}

/*
 * Explain a failed dlopen().  pvacms exports none of its functions, so a
 * plugin that calls one by name (ca_sign_leaf, say) fails here under
 * RTLD_NOW, and glibc says only "PATH: undefined symbol: NAME"; point the
 * author to the services table instead.  The same words fit a library the
 * plugin forgot to link.  A versioned symbol (", version V"), a dependency
 * of the plugin that lacks a symbol, and every other failure keep
 * dlerror's own text.
 */
static void
plugin_dlerror(const char *path, const char *why, char *err, size_t errlen)
{
	static const char undef[] = ": undefined symbol: ";
	size_t plen = strlen(path), n;
	const char *sym;

	if (why == NULL)
		why = "unknown error";
	if (strncmp(why, path, plen) == 0 &&
	    strncmp(why + plen, undef, sizeof(undef) - 1) == 0) {
		sym = why + plen + sizeof(undef) - 1;
		n = strcspn(sym, ", ");
		if (n > 0 && n < 256 && sym[n] == '\0') {
			snprintf(err, errlen, "%s: plugin calls %s by name, "
			    "which neither pvacms nor the plugin's libraries "
			    "export; plugins reach pvacms only through the "
			    "services table (pvacms-plugin(5))", path, sym);
			return;
		}
	}
	snprintf(err, errlen, "%s: cannot load plugin: %s", path, why);
}

struct plugin *
plugin_load(const char *dir, const char *name, char *err, size_t errlen)
{
	struct plugin *p = NULL;
	const struct pvacms_authn_plugin *api;
	struct stat st;
	const char *c;
	unsigned int major, minor;
	size_t len;

	if (*name == '\0' || strlen(name) > 64) {
		snprintf(err, errlen, "bad plugin name '%s'", name);
		return NULL;
	}
	for (c = name; *c != '\0'; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c)
		    && *c != '_') {
			snprintf(err, errlen, "bad plugin name '%s' (expected "
			    "lower-case letters, digits, _)", name);
			return NULL;
		}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	len = strlen(dir) + strlen(name) + 5;
	if ((p->path = malloc(len)) == NULL)
		goto nomem;
	snprintf(p->path, len, "%s/%s.so", dir, name);

	if (stat(p->path, &st) != 0) {
		snprintf(err, errlen, "%s: cannot load plugin: %s", p->path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: plugin is not a regular file",
		    p->path);
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s: refusing a group- or "
		    "world-writable plugin", p->path);
		goto fail;
	}
	if ((p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		plugin_dlerror(p->path, dlerror(), err, errlen);
		goto fail;
	}
	api = dlsym(p->handle, PVACMS_AUTHN_SYMBOL);
	if (api == NULL) {
		snprintf(err, errlen, "%s: not a pvacms plugin: no symbol %s",
		    p->path, PVACMS_AUTHN_SYMBOL);
		goto fail;
	}
	major = PVACMS_AUTHN_ABI_GET_MAJOR(api->abi_version);
	minor = PVACMS_AUTHN_ABI_GET_MINOR(api->abi_version);
	if (major != PVACMS_AUTHN_ABI_MAJOR) {
		snprintf(err, errlen, "%s: plugin ABI mismatch: expected "
		    "%u.x, got %u.%u", p->path, PVACMS_AUTHN_ABI_MAJOR,
		    major, minor);
		goto fail;
	}
	/* Members of 1.0 here; 1.1 members are read through plugin_dry_run. */
	if (api->name == NULL || strcmp(api->name, name) != 0) {
		snprintf(err, errlen, "%s: plugin calls itself '%s', expected "
		    "'%s'", p->path, api->name ? api->name : "(null)", name);
		goto fail;
	}
	if (api->verify == NULL) {
		snprintf(err, errlen, "%s: plugin has no verify function",
		    p->path);
		goto fail;
	}
	p->api = api;
	return p;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	plugin_unload(p);
	return NULL;
}

int
plugin_init(struct plugin *p, struct config *cfg, char *err, size_t errlen)
{
	char why[512] = "";

	services_cfg = cfg;
	if (p->api->options != NULL &&
	    services_nopts < sizeof(services_opts) / sizeof(services_opts[0]))
		services_opts[services_nopts++] = p->api->options;
	if (p->api->init != NULL &&
	    p->api->init(&host_services, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "plugin %s: %s", p->api->name,
		    why[0] ? why : "initialisation failed");
		return -1;
	}
	p->initialized = 1;
	return 0;
}

int
plugin_reload(struct plugin *p, char *err, size_t errlen)
{
	char why[512] = "";

	if (p->api->reload == NULL)
		return 0;
	if (p->api->reload(why, sizeof(why)) != 0) {
		snprintf(err, errlen, "plugin %s: %s", p->api->name,
		    why[0] ? why : "reload failed");
		return -1;
	}
	return 0;
}

void
plugin_unload(struct plugin *p)
{
	if (p == NULL)
		return;
	if (p->initialized && p->api->fini != NULL)
		p->api->fini();
	if (p->handle != NULL)
		dlclose(p->handle);
	free(p->path);
	free(p);
}

void
plugin_result_clean(const struct pvacms_authn_plugin *api,
    struct pvacms_authn_result *r)
{
	r->code[sizeof(r->code) - 1] = '\0';
	r->reason[sizeof(r->reason) - 1] = '\0';
	r->cn[sizeof(r->cn) - 1] = '\0';
	r->o[sizeof(r->o) - 1] = '\0';
	r->ou[sizeof(r->ou) - 1] = '\0';
	r->c[sizeof(r->c) - 1] = '\0';
	r->sub[sizeof(r->sub) - 1] = '\0';
	r->iss[sizeof(r->iss) - 1] = '\0';
	r->jti[sizeof(r->jti) - 1] = '\0';
	/* Members of ABI 1.3 mean nothing from an older plugin. */
	if (PVACMS_AUTHN_ABI_GET_MINOR(api->abi_version) < 3) {
		r->admin = 0;
		r->retry_after = 0;
	}
	if (r->verdict != PVACMS_ALLOW && r->verdict != PVACMS_DENY &&
	    r->verdict != PVACMS_ERROR) {
		r->verdict = PVACMS_ERROR;
		snprintf(r->code, sizeof(r->code), "internal");
		snprintf(r->reason, sizeof(r->reason), "authenticator "
		    "returned an invalid verdict");
	}
}

const struct pvacms_authn_plugin *
plugin_api(const struct plugin *p)
{
	return p->api;
}

const char *
plugin_path(const struct plugin *p)
{
	return p->path;
}

void
plugin_services_offline(int offline)
{
	services_offline = offline != 0;
}

plugin_dry_run_fn
plugin_dry_run(const struct plugin *p)
{
	/* dry_run arrived in 1.1: an older plugin's struct ends before it. */
	if (PVACMS_AUTHN_ABI_GET_MINOR(p->api->abi_version) < 1)
		return NULL;
	return p->api->dry_run;
}

static int
plugin_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Returns a NULL-terminated, sorted array of names (caller frees each
 * and the array), or NULL with err set.
 */
char **
plugin_scan_dir(const char *dir, size_t max, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;
	char **names;
	size_t n = 0, len, i;

	if ((names = calloc(max + 1, sizeof(*names))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "cannot list plugin directory %s: %s",
		    dir, strerror(errno));
		free(names);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 3 || strcmp(e->d_name + len - 3, ".so") != 0)
			continue;
		/* The loader takes names of this alphabet only. */
		for (i = 0; i < len - 3; i++)
			if (!((e->d_name[i] >= 'a' && e->d_name[i] <= 'z') ||
			    (e->d_name[i] >= '0' && e->d_name[i] <= '9') ||
			    e->d_name[i] == '_'))
				break;
		if (i != len - 3)
			continue;
		if (n == max) {
			snprintf(err, errlen, "more than %zu plugins in %s; "
			    "name the ones to run with --authenticators", max,
			    dir);
			goto fail;
		}
		if ((names[n] = strndup(e->d_name, len - 3)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), plugin_name_cmp);
	return names;
fail:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return NULL;
}
