/*
 * main.c - the pvacms daemon: configuration, plugin loading, first-start
 * bootstrap, listeners, signals and the event loop.  Runs in the
 * foreground and logs to stderr; the only place that exits.  Two offline
 * modes share the start-up code: --dry-run (a token decided without CA
 * or database) and --admin-keychain-new (a new administrator, signed by
 * the CA this configuration bootstraps or reuses).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/crypto.h>

#include "app.h"
#include "audit.h"
#include "ca.h"
#include "cert.h"
#include "certid.h"
#include "ca_admin.h"
#include "conf.h"
#include "connguard.h"
#include "db.h"
#include "dryrun.h"
#include "fsutil.h"
#include "httpc.h"
#include "log.h"
#include "luahost.h"
#include "ocsp.h"
#include "plugin.h"
#include "pvafront.h"
#include "record.h"
#include "recorder.h"
#include "server.h"
#include "startcheck.h"
#include "states.h"
#include "timefmt.h"
#include "worker.h"

/*
 * SIGTERM: requests still waiting for a worker after DRAIN_GRACE_SECS are
 * refused (503 stopping); after DRAIN_LIMIT_SECS pvacms exits whatever is
 * left, once the validator calls in progress return (each bounded by its
 * plugin's timeout, 5 s by default): well inside systemd's
 * TimeoutStopSec=30 of contrib/systemd/pvacms.service.
 */
#define DRAIN_GRACE_SECS 10
#define DRAIN_LIMIT_SECS 20
#define DRAIN_FLUSH_TICKS 3	/* 100-ms ticks for the last answers to leave */
#define MAIN_LOOP_DB_BUSY_MS 200 /* serving: longest wait for a DB lock */

/* Keychain passwords, read once; cleared and freed by main_forget. */
struct main_secrets {
	char *ca, *tls, *admin;
};

static struct app app;
static struct event *drain_ev, *sig_term_ev, *sig_int_ev, *sig_hup_ev;
static int main_check_later;		/* the database is checked after start */
static struct startcheck_bg *main_check_bg;
static int main_exit_code;		/* of a service that stopped itself */

static char **
main_split(const char *text)
{
	char **words, *copy, *tok, *save = NULL;
	size_t n = 0;

	if ((copy = strdup(text)) == NULL ||
	    (words = calloc(strlen(text) / 2 + 2, sizeof(*words))) == NULL) {
		free(copy);
		return NULL;
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save))
		if ((words[n] = strdup(tok)) != NULL)
			n++;
	free(copy);
	return words;
}

static void
main_free_words(char **words)
{
	size_t i;

	for (i = 0; words != NULL && words[i] != NULL; i++)
		free(words[i]);
	free(words);
}

/* Record a certificate the bootstrap or --admin-keychain-new signed. */
static int
main_record(void *arg, X509 *cert, int usage, int state)
{
	struct db_cert rec;
	char err[256];
	int r;

	r = record_build(&rec, cert, usage, state, usage == USAGE_ADMIN,
	    (int64_t)time(NULL), err, sizeof(err));
	if (r == 0)
		r = db_insert(arg, &rec, err, sizeof(err));
	if (r != 0)
		log_error("cannot record %s certificate: %s",
		    cert_usage_name(usage), err);
	db_cert_clear(&rec);
	return r;
}

/* Every 100 ms while draining: done, or time to refuse, or to go. */
static void
main_drain_check(evutil_socket_t fd, short what, void *arg)
{
	static int ticks, quiet;

	(void)fd;
	(void)what;
	(void)arg;
	ticks++;
	if (ticks == DRAIN_GRACE_SECS * 10 && worker_pending(app.pool) > 0) {
		log_info("draining: refusing the requests that have not "
		    "started (503 stopping)");
		worker_cancel_queued(app.pool);
	}
	/*
	 * The last answers were only queued on their connections when the
	 * work ran out: stay DRAIN_FLUSH_TICKS more ticks, so that the loop
	 * writes them out before the connections are closed.
	 */
	if (worker_pending(app.pool) == 0 &&
	    recorder_pending(app.recorder) == 0)
		quiet++;
	else
		quiet = 0;
	if (quiet > DRAIN_FLUSH_TICKS || ticks > DRAIN_LIMIT_SECS * 10) {
		if (ticks > DRAIN_LIMIT_SECS * 10)
			log_error("draining: %zu request(s) still in progress "
			    "after %d s; exiting", worker_pending(app.pool),
			    DRAIN_LIMIT_SECS);
		atomic_store(&app.stopped, 1);
		event_base_loopexit(app.base, NULL);
	}
}

static void	main_drain(void);

static void
main_signal(evutil_socket_t sig, short what, void *arg)
{
	char err[512];
	size_t i;

	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading Lua hooks and plugin "
		    "configuration");
		/* Each hook: new state, validated, swapped; or kept. */
		(void)luahook_reload_all();
		for (i = 0; i < app.nplugins; i++)
			if (plugin_reload(app.plugins[i], err,
			    sizeof(err)) != 0)
				log_error("reload failed, keeping the old "
				    "configuration: %s", err);
		return;
	}
	if (app.draining)
		return;
	log_info("%s: finishing requests in flight, then exiting",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	main_drain();
}

/* Stop accepting and drain (main_drain_check), once. */
static void
main_drain(void)
{
	struct timeval tick = { 0, 100000 };

	if (app.draining)
		return;
	app.draining = 1;
	server_stop_accepting(&app);
	pvafront_stop_accepting(&app);
	drain_ev = event_new(app.base, -1, EV_PERSIST, main_drain_check, NULL);
	if (drain_ev == NULL || event_add(drain_ev, &tick) != 0)
		event_base_loopexit(app.base, NULL);
}

/* The database checked after start is damaged: stop, exit 1. */
static void
main_db_damaged(void *arg, const char *why)
{
	(void)arg;
	log_error("%s; stopping", why);
	main_exit_code = 1;
	main_drain();
}

/*
 * The plugins to run: --authenticators (or its older name --plugins),
 * else every plugin in dir (DESIGN §10).  An array for main_free_words,
 * or NULL with err set.
 */
static char **
main_plugin_names(const struct config *cfg, const char *dir, char *err,
    size_t errlen)
{
	const char *chosen = cfg->authenticators != NULL ?
	    cfg->authenticators : cfg->plugins;
	char **names;

	if (chosen == NULL)
		return plugin_scan_dir(dir, APP_MAX_PLUGINS, err, errlen);
	if ((names = main_split(chosen)) == NULL)
		snprintf(err, errlen, "out of memory");
	return names;
}

static int
main_load_plugins(struct config *cfg, char *err, size_t errlen)
{
	const struct pvacms_authn_option *opts[APP_MAX_PLUGINS];
	const char *dir = cfg->plugin_dir ? cfg->plugin_dir :
	    plugin_default_dir();
	char **names = main_plugin_names(cfg, dir, err, errlen);
	size_t i;
	int r = -1;

	if (names == NULL)
		return -1;
	/* Plugins load their hooks in init(): limits and log first. */
	luahook_set_limits((size_t)cfg->lua_memory_mb * 1024 * 1024,
	    cfg->lua_timeout_ms);
	luahook_set_logger(log_msg);
	for (i = 0; names[i] != NULL; i++) {
		if (app.nplugins == APP_MAX_PLUGINS) {
			snprintf(err, errlen, "too many plugins (limit %d)",
			    APP_MAX_PLUGINS);
			goto out;
		}
		app.plugins[app.nplugins] = plugin_load(dir, names[i], err,
		    errlen);
		if (app.plugins[app.nplugins] == NULL)
			goto out;
		opts[app.nplugins] = plugin_api(app.plugins[app.nplugins])->
		    options;
		app.nplugins++;
	}
	if (conf_check_unused(cfg, opts, app.nplugins, err, errlen) != 0)
		goto out;
	for (i = 0; i < app.nplugins; i++) {
		if (plugin_init(app.plugins[i], cfg, err, errlen) != 0)
			goto out;
		log_info("loaded plugin %s from %s",
		    plugin_api(app.plugins[i])->name,
		    plugin_path(app.plugins[i]));
	}
	r = 0;
out:
	main_free_words(names);
	return r;
}

/*
 * EPICS_PVACMS_ADMINS is an opt-in that any authenticator can reach: a
 * token whose subject is one of these names makes an administrator.
 * Say so at every start, so that nobody keeps it by accident.
 */
static void
main_warn_admins(const struct config *cfg)
{
	if (app.admins == NULL || app.admins[0] == NULL)
		return;
	log_warn("EPICS_PVACMS_ADMINS is set (\"%s\"): a client certificate "
	    "with one of these CNs, from any authenticator, is an "
	    "administrator", cfg->admins);
}

static int
main_write_listen_info(const char *path, char *err, size_t errlen)
{
	char text[256];
	int n;

	n = snprintf(text, sizeof(text), "https=%s\nhttp=%s\n",
	    server_bound(&app, 1), server_bound(&app, 0));
	/* The PVAccess front, only when it is on. */
	if (app.pva != NULL && n > 0 && (size_t)n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    "pva=%s\npva_udp=%s\n", pvafront_bound(&app, 0),
		    pvafront_bound(&app, 1));
	return fs_write_atomic(path, text, (size_t)n, 0644, err, errlen);
}

static void
main_forget(struct main_secrets *sec)
{
	if (sec->ca)
		OPENSSL_clear_free(sec->ca, strlen(sec->ca));
	if (sec->tls)
		OPENSSL_clear_free(sec->tls, strlen(sec->tls));
	if (sec->admin)
		OPENSSL_clear_free(sec->admin, strlen(sec->admin));
	memset(sec, 0, sizeof(*sec));
}

/*
 * The status base certificates carry (their OCSP URL is this + "/ocsp"):
 * --status-url, else http:// and the HTTP listener's host:port.  Caller
 * frees; NULL when out of memory.
 */
static char *
main_status_url(const struct config *cfg, const char *http_hostport)
{
	size_t len;
	char *url;

	if (cfg->status_url != NULL)
		return strdup(cfg->status_url);
	len = strlen(http_hostport) + 8;
	if ((url = malloc(len)) != NULL)
		snprintf(url, len, "http://%s", http_hostport);
	return url;
}

/*
 * Release what a start or an offline action opened: the audit log, the
 * CA, the database, the service identity, the passwords and the word
 * lists.  Any of them may be NULL.
 */
static void
main_release(struct main_secrets *sec, EVP_PKEY *tls_key, X509 *tls_cert,
    char **hostnames)
{
	audit_close();
	ca_free(app.ca);
	app.ca = NULL;
	db_close(app.db);
	app.db = NULL;
	EVP_PKEY_free(tls_key);
	X509_free(tls_cert);
	main_forget(sec);
	main_free_words(hostnames);
	main_free_words(app.admins);
	app.admins = NULL;
	free(app.status_url);
	app.status_url = NULL;
}

/*
 * Open the database and load or bootstrap the CA, exactly as every start
 * does; app.status_url must be set.  On success app.db and app.ca are
 * open, *sec holds the passwords (caller frees with main_forget) and
 * *tls_key / *tls_cert the service identity (caller frees with
 * EVP_PKEY_free / X509_free).  0, or -1 with err set.
 */
static int
main_open_ca(struct config *cfg, char **hostnames, struct main_secrets *sec,
    EVP_PKEY **tls_key, X509 **tls_cert, char *err, size_t errlen)
{
	struct ca_bootstrap_config bc;
	struct startcheck seen;
	int created = 0;

	/* A new CA only into an empty state; a lost piece stops the start. */
	if (startcheck_files(cfg, &seen, err, errlen) != 0)
		return -1;
	if ((app.db = db_open(cfg->db_path, &created, err, errlen)) == NULL)
		return -1;
	if (startcheck_db(cfg, &seen, app.db, &main_check_later, err,
	    errlen) != 0)
		return -1;
	if (created)
		printf("Certificate DB created  : %s\n", cfg->db_path);
	if (fs_read_password(cfg->ca_keychain_pwd_file, &sec->ca, err,
	    errlen) != 0 ||
	    fs_read_password(cfg->tls_keychain_pwd_file, &sec->tls, err,
	    errlen) != 0 ||
	    fs_read_password(cfg->admin_keychain_pwd_file, &sec->admin, err,
	    errlen) != 0)
		return -1;
	memset(&bc, 0, sizeof(bc));
	bc.ca_keychain = cfg->ca_keychain;
	bc.ca_password = sec->ca;
	bc.ca_pem = cfg->ca_file;
	bc.tls_keychain = cfg->tls_keychain;
	bc.tls_password = sec->tls;
	bc.admin_keychain = cfg->admin_keychain;
	bc.admin_password = sec->admin;
	bc.ca_name = cfg->ca_name;
	bc.ca_org = cfg->ca_org;
	bc.ca_org_unit = cfg->ca_org_unit;
	bc.ca_country = cfg->ca_country;
	bc.hostnames = (const char *const *)hostnames;
	bc.status_url = app.status_url;
	app.ca = ca_bootstrap(&bc, main_record, app.db, tls_key, tls_cert,
	    err, errlen);
	fflush(stdout);
	return app.ca == NULL ? -1 : 0;
}

/* The connection guard, from the configuration.  Caller frees. */
static struct connguard *
main_guard(const struct config *cfg, char *err, size_t errlen)
{
	struct connguard_limits lim;

	lim.max_conns = cfg->max_conns;
	lim.max_per_peer = cfg->max_conns_per_peer;
	lim.header_secs = cfg->header_timeout;
	lim.body_secs = cfg->body_timeout;
	lim.idle_secs = cfg->idle_timeout;
	return connguard_new(app.base, &lim, err, errlen);
}

static int
main_run(struct config *cfg)
{
	struct main_secrets sec;
	char err[1024];
	char **hostnames = NULL;
	EVP_PKEY *tls_key = NULL;
	X509 *tls_cert = NULL;
	int rc = 1;

	memset(&sec, 0, sizeof(sec));
	app.cfg = cfg;
	if (httpc_global_init(err, sizeof(err)) != 0 ||
	    evthread_use_pthreads() != 0) {
		log_error("%s", err[0] ? err : "cannot enable threads");
		return 1;
	}
	if ((app.base = event_base_new()) == NULL) {
		log_error("cannot create the event loop");
		return 1;
	}
	if (main_load_plugins(cfg, err, sizeof(err)) != 0)
		goto fail;
	if ((app.admins = main_split(cfg->admins)) == NULL ||
	    (hostnames = main_split(cfg->hostnames)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	main_warn_admins(cfg);
	if ((app.guard = main_guard(cfg, err, sizeof(err))) == NULL ||
	    server_bind(&app, err, sizeof(err)) != 0)
		goto fail;
	app.status_url = main_status_url(cfg, server_bound(&app, 0));
	if (app.status_url == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (main_open_ca(cfg, hostnames, &sec, &tls_key, &tls_cert, err,
	    sizeof(err)) != 0)
		goto fail;
	if (audit_open(cfg->audit_log, err, sizeof(err)) != 0)
		goto fail;
	if ((app.ca_pem = record_pem(ca_cert(app.ca))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	/* The one writer while serving: group commit off the loop. */
	if ((app.recorder = recorder_new(app.base, cfg->db_path, err,
	    sizeof(err))) == NULL)
		goto fail;
	if (server_start(&app, tls_key, tls_cert, err, sizeof(err)) != 0)
		goto fail;
	if (cfg->pva_on && pvafront_start(&app, err, sizeof(err)) != 0)
		goto fail;
	app.pool = worker_pool_new(app.base, cfg->workers,
	    (size_t)cfg->workers * 64, err, sizeof(err));
	if (app.pool == NULL)
		goto fail;

	sig_term_ev = evsignal_new(app.base, SIGTERM, main_signal, NULL);
	sig_int_ev = evsignal_new(app.base, SIGINT, main_signal, NULL);
	sig_hup_ev = evsignal_new(app.base, SIGHUP, main_signal, NULL);
	if (sig_term_ev == NULL || sig_int_ev == NULL || sig_hup_ev == NULL ||
	    event_add(sig_term_ev, NULL) != 0 ||
	    event_add(sig_int_ev, NULL) != 0 ||
	    event_add(sig_hup_ev, NULL) != 0) {
		snprintf(err, sizeof(err), "cannot install signal handlers");
		goto fail;
	}
	/* Time-driven state changes, starting with what fell due while
	 * pvacms was stopped (with the patient lock wait of startup). */
	if (states_start(&app, err, sizeof(err)) != 0)
		goto fail;
	/* From here on the loop's connection only reads (every write goes
	 * through the recorder's thread); a read in WAL mode does not wait
	 * for another process's write lock, so this bounds the rare cases
	 * that do (recovery, a checkpoint in progress). */
	db_set_busy_ms(app.db, MAIN_LOOP_DB_BUSY_MS);
	if (cfg->listen_info != NULL &&
	    main_write_listen_info(cfg->listen_info, err, sizeof(err)) != 0)
		goto fail;
	log_info("HTTPS listening on %s", server_bound(&app, 1));
	log_info("HTTP status listening on %s", server_bound(&app, 0));
	log_info("[%s] service running", ca_issuer_id(app.ca));
	if (main_check_later) {
		log_info("checking the certificate database (PRAGMA "
		    "quick_check) while serving: it is larger than %lld MB",
		    STARTCHECK_SYNC_MAX / (1024 * 1024));
		if ((main_check_bg = startcheck_bg_start(app.base,
		    cfg->db_path, main_db_damaged, NULL, err,
		    sizeof(err))) == NULL)
			goto fail;
	}

	event_base_dispatch(app.base);
	log_info("[%s] service exiting", ca_issuer_id(app.ca));
	rc = main_exit_code;
	goto out;
fail:
	log_error("%s", err);
out:
	startcheck_bg_free(main_check_bg);
	main_check_bg = NULL;
	worker_pool_free(app.pool);
	recorder_free(app.recorder);
	app.recorder = NULL;
	free(app.ca_pem);
	app.ca_pem = NULL;
	server_free(&app);
	pvafront_free(&app);
	connguard_free(app.guard);
	app.guard = NULL;
	states_stop();
	ocsp_shutdown();
	if (drain_ev)
		event_free(drain_ev);
	if (sig_term_ev)
		event_free(sig_term_ev);
	if (sig_int_ev)
		event_free(sig_int_ev);
	if (sig_hup_ev)
		event_free(sig_hup_ev);
	while (app.nplugins > 0)
		plugin_unload(app.plugins[--app.nplugins]);
	luahook_free_all();
	main_release(&sec, tls_key, tls_cert, hostnames);
	if (app.base)
		event_base_free(app.base);
	httpc_global_cleanup();
	return rc;
}

/*
 * --dry-run: plugins and their hooks load as for a live start, then the
 * first plugin decides the token offline.  No CA, database, listener or
 * audit log is opened.
 */
static int
main_dry_run(struct config *cfg)
{
	char err[1024];
	int rc = 1;

	app.cfg = cfg;
	if (httpc_global_init(err, sizeof(err)) != 0) {
		log_error("%s", err);
		return 1;
	}
	plugin_services_offline(1);
	if (main_load_plugins(cfg, err, sizeof(err)) != 0)
		log_error("%s", err);
	else if (app.nplugins == 0)
		log_error("no plugin to run (--authenticators is empty)");
	else
		rc = dryrun_run(app.plugins[0], cfg);
	while (app.nplugins > 0)
		plugin_unload(app.plugins[--app.nplugins]);
	luahook_free_all();
	httpc_global_cleanup();
	return rc;
}

/*
 * --admin-keychain-new NAME: where its keychain goes.  --out FILE, else
 * NAME.p12 in the directory of the bootstrap admin keychain.  Caller
 * frees with free(); NULL when out of memory.
 */
static char *
main_admin_path(const struct config *cfg)
{
	const char *dir = cfg->admin_keychain, *slash;
	size_t dlen, len;
	char *path;

	if (cfg->admin_out != NULL)
		return strdup(cfg->admin_out);
	slash = strrchr(dir, '/');
	dlen = slash != NULL ? (size_t)(slash - dir) + 1 : 0;
	len = dlen + strlen(cfg->admin_new) + sizeof(".p12");
	if ((path = malloc(len)) != NULL)
		snprintf(path, len, "%.*s%s.p12", (int)dlen, dir,
		    cfg->admin_new);
	return path;
}

/*
 * --admin-keychain-new NAME: sign a client certificate CN=NAME with the
 * CA (bootstrapped first if this is the first start), record it and
 * write its keychain; refuse to replace an existing file.  No listener
 * is opened: it may run while the daemon serves, as both use SQLite's
 * locking.  The certificate's OCSP URL is EPICS_PVACMS_STATUS_URL, else
 * the configured HTTP listen address.
 */
static int
main_admin_new(struct config *cfg)
{
	struct main_secrets sec;
	char err[1024], cert_id[CERTID_MAX], *path = NULL, **hostnames = NULL;
	EVP_PKEY *tls_key = NULL;
	X509 *tls_cert = NULL, *cert = NULL;
	int rc = 1;

	memset(&sec, 0, sizeof(sec));
	app.cfg = cfg;
	if (ca_admin_check_name(cfg->admin_new, err, sizeof(err)) != 0)
		goto fail;
	if ((path = main_admin_path(cfg)) == NULL ||
	    (hostnames = main_split(cfg->hostnames)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	/* Checked first, so that a refusal changes nothing at all. */
	if (fs_exists(path)) {
		snprintf(err, sizeof(err), "%s already exists; not "
		    "overwriting it (remove it or choose another --out)",
		    path);
		goto fail;
	}
	if ((app.status_url = main_status_url(cfg,
	    cfg->http_listen_text)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (main_open_ca(cfg, hostnames, &sec, &tls_key, &tls_cert, err,
	    sizeof(err)) != 0 ||
	    audit_open(cfg->audit_log, err, sizeof(err)) != 0)
		goto fail;
	if ((cert = ca_admin_keychain(app.ca, cfg->admin_new, path,
	    sec.admin, main_record, app.db, err, sizeof(err))) == NULL)
		goto fail;
	if (certid_of_leaf(cert, cert_id, sizeof(cert_id)) != 0)
		snprintf(cert_id, sizeof(cert_id), "?");
	audit_event("issued", "cert_id", cert_id, "state",
	    cert_state_name(STATE_VALID), "usage", cert_usage_name(USAGE_ADMIN),
	    "admin", "true", "cn", cfg->admin_new, "by",
	    "pvacms --admin-keychain-new", NULL);
	printf("Keychain file created   : %s\n", path);
	printf("Certificate identifier  : %s\n", cert_id);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "pvacms: %s\n", err);
out:
	X509_free(cert);
	main_release(&sec, tls_key, tls_cert, hostnames);
	free(path);
	return rc;
}

/* --help: list the options of the plugins that would load. */
static void
main_usage_plugins(struct config *cfg)
{
	const struct pvacms_authn_option *o;
	const char *dir = cfg->plugin_dir ? cfg->plugin_dir :
	    plugin_default_dir();
	char err[512], left[64];
	char **names = main_plugin_names(cfg, dir, err, sizeof(err));
	struct plugin *p;
	size_t i;

	if (names == NULL)
		printf("\nPlugins: %s\n", err);
	for (i = 0; names != NULL && names[i] != NULL; i++) {
		if ((p = plugin_load(dir, names[i], err, sizeof(err))) ==
		    NULL) {
			printf("\nPlugin %s: not available (%s)\n", names[i],
			    err);
			continue;
		}
		printf("\nPlugin %s: %s\n", plugin_api(p)->name,
		    plugin_api(p)->description ? plugin_api(p)->description :
		    "");
		for (o = plugin_api(p)->options; o != NULL && o->flag != NULL;
		    o++) {
			snprintf(left, sizeof(left), "    --%s VALUE",
			    o->flag);
			printf("  %-31s %s\n  %-31s   (%s)\n", left,
			    o->help ? o->help : "", "", o->env_name);
		}
		plugin_unload(p);
	}
	main_free_words(names);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (conf_load(&cfg, argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "pvacms: %s\n", err);
		fprintf(stderr, "Try 'pvacms --help'.\n");
		conf_free(&cfg);
		return 2;
	}
	if (cfg.help) {
		conf_usage(stdout);
		main_usage_plugins(&cfg);
		conf_free(&cfg);
		return 0;
	}
	if (cfg.version) {
		printf("pvacms %s\n", PACKAGE_VERSION);
		conf_free(&cfg);
		return 0;
	}
	log_set_verbose(cfg.verbose);
	db_log_errors();
	if (cfg.dry_run)
		rc = main_dry_run(&cfg);
	else if (cfg.admin_new != NULL)
		rc = main_admin_new(&cfg);
	else
		rc = main_run(&cfg);
	conf_free(&cfg);
	return rc;
}
