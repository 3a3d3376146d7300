/*
 * startcheck.h - is the state on disk a first install, an install to
 * serve from, or one that lost a piece?  pvacms makes a new CA only into
 * an empty state: a CA keychain gone missing while the database holds
 * certificates, or a database gone (missing, zero length, damaged) while
 * the CA has served, must stop the start with a message that says what
 * is missing, not be papered over with a new CA or an empty record
 * (every certificate issued before would answer "unknown").
 */
#ifndef PVACMS_STARTCHECK_H
#define PVACMS_STARTCHECK_H

#include <stddef.h>

struct config;
struct db;

/* What was on disk before anything was opened or created. */
struct startcheck {
	int ca_keychain;	/* 1: the CA keychain file exists */
	int tls_keychain;	/* 1: the service's TLS keychain exists */
	long long db_size;	/* bytes, or -1 when the file is missing */
};

/*
 * Look before opening: fills *seen and refuses (-1, err set) a database
 * that is missing or empty while the CA keychain and the TLS keychain
 * exist (this CA has served: its record is gone).  0 to go on.
 */
int startcheck_files(const struct config *cfg, struct startcheck *seen,
    char *err, size_t errlen);

/*
 * PRAGMA quick_check reads every page: about 1.5 s per GB here.  Up to
 * this size it runs before pvacms serves; a larger database is checked
 * by startcheck_bg while pvacms already serves, so that a start stays
 * within seconds with a million certificates on record.
 */
#define STARTCHECK_SYNC_MAX	(256LL * 1024 * 1024)

/*
 * After db_open: refuse a damaged database (PRAGMA quick_check, when it
 * is at most STARTCHECK_SYNC_MAX bytes), and a database that holds
 * certificates while the CA keychain was missing (bootstrap would make a
 * new CA that none of them chains to).  *check_later is set to 1 when
 * the database is too large to check here: start startcheck_bg.
 */
int startcheck_db(const struct config *cfg, const struct startcheck *seen,
    struct db *db, int *check_later, char *err, size_t errlen);

struct event_base;
struct startcheck_bg;

/*
 * What a check in the background found: damaged(arg, why) runs on the
 * loop thread when quick_check reports damage (or cannot run), and
 * nothing runs when the database is sound.
 */
typedef void startcheck_damaged_fn(void *arg, const char *why);

/*
 * Run PRAGMA quick_check on db_path on a thread and connection of its
 * own.  Returns a handle for startcheck_bg_free, or NULL with err set.
 */
struct startcheck_bg *startcheck_bg_start(struct event_base *base,
    const char *db_path, startcheck_damaged_fn *damaged, void *arg,
    char *err, size_t errlen);

/* Wait for the check (it is read-only and bounded) and free it. */
void startcheck_bg_free(struct startcheck_bg *bg);

#endif
