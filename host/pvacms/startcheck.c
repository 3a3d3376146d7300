/*
 * startcheck.c - refuse to start on a state that lost a piece
 * (startcheck.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "conf.h"
#include "db.h"
#include "startcheck.h"

static int
startcheck_exists(const char *path)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0;
}

int
startcheck_files(const struct config *cfg, struct startcheck *seen,
    char *err, size_t errlen)
{
	struct stat st;

	memset(seen, 0, sizeof(*seen));
	seen->ca_keychain = startcheck_exists(cfg->ca_keychain);
	seen->tls_keychain = startcheck_exists(cfg->tls_keychain);
	seen->db_size = stat(cfg->db_path, &st) == 0 ? (long long)st.st_size :
	    -1;
	if (!seen->ca_keychain || !seen->tls_keychain || seen->db_size > 0)
		return 0;
	snprintf(err, errlen, "the certificate database %s is %s, but the CA "
	    "keychain %s and the TLS keychain %s exist: this CA has issued "
	    "certificates whose record is gone.  Restore the database from "
	    "a backup; pvacms will not start as if nothing had been issued "
	    "(revoked certificates would answer \"unknown\")", cfg->db_path,
	    seen->db_size < 0 ? "missing" : "empty (0 bytes)",
	    cfg->ca_keychain, cfg->tls_keychain);
	return -1;
}

int
startcheck_db(const struct config *cfg, const struct startcheck *seen,
    struct db *db, int *check_later, char *err, size_t errlen)
{
	char why[512];
	int rows;

	*check_later = seen->db_size > STARTCHECK_SYNC_MAX;
	if (!*check_later && db_quick_check(db, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "the certificate database %s is damaged "
		    "(%s); restore it from a backup", cfg->db_path, why);
		return -1;
	}
	if (seen->ca_keychain)
		return 0;
	if ((rows = db_has_rows(db, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: %s", cfg->db_path, why);
		return -1;
	}
	if (rows == 0)
		return 0;
	snprintf(err, errlen, "the CA keychain %s is missing, but the "
	    "certificate database %s holds certificates it signed: restore "
	    "the CA keychain from a backup.  pvacms makes a new CA only into "
	    "an empty state (a new CA would leave every certificate issued "
	    "so far unknown); to start a new CA on purpose, move the old "
	    "database and keychains aside first", cfg->ca_keychain,
	    cfg->db_path);
	return -1;
}

/* A check in the background: its thread, its verdict, its event. */
struct startcheck_bg {
	char *db_path;
	pthread_t thread;
	int started;
	int damaged;		/* set by the thread before it posts */
	char why[1024];
	struct event *done_ev;
	startcheck_damaged_fn *on_damage;
	void *arg;
};

static void *
startcheck_bg_main(void *arg)
{
	struct startcheck_bg *bg = arg;
	struct db *db;
	char why[256];

	if ((db = db_open(bg->db_path, NULL, why, sizeof(why))) == NULL ||
	    db_quick_check(db, why, sizeof(why)) != 0) {
		snprintf(bg->why, sizeof(bg->why), "the certificate database "
		    "%.512s is damaged (%s); restore it from a backup",
		    bg->db_path, why);
		bg->damaged = 1;
	}
	db_close(db);
	event_active(bg->done_ev, EV_READ, 0);
	return NULL;
}

/* Loop thread: the verdict. */
static void
startcheck_bg_done(evutil_socket_t fd, short what, void *arg)
{
	struct startcheck_bg *bg = arg;

	(void)fd;
	(void)what;
	if (bg->damaged)
		bg->on_damage(bg->arg, bg->why);
}

struct startcheck_bg *
startcheck_bg_start(struct event_base *base, const char *db_path,
    startcheck_damaged_fn *damaged, void *arg, char *err, size_t errlen)
{
	struct startcheck_bg *bg;
	int r;

	if ((bg = calloc(1, sizeof(*bg))) == NULL ||
	    (bg->db_path = strdup(db_path)) == NULL ||
	    (bg->done_ev = event_new(base, -1, 0, startcheck_bg_done,
	    bg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		startcheck_bg_free(bg);
		return NULL;
	}
	bg->on_damage = damaged;
	bg->arg = arg;
	if ((r = pthread_create(&bg->thread, NULL, startcheck_bg_main,
	    bg)) != 0) {
		snprintf(err, errlen, "cannot start the database check: %s",
		    strerror(r));
		startcheck_bg_free(bg);
		return NULL;
	}
	bg->started = 1;
	return bg;
}

void
startcheck_bg_free(struct startcheck_bg *bg)
{
	if (bg == NULL)
		return;
	if (bg->started)
		pthread_join(bg->thread, NULL);
	if (bg->done_ev != NULL)
		event_free(bg->done_ev);
	free(bg->db_path);
	free(bg);
}
