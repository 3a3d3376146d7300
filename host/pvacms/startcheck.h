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
 * After db_open: refuse a damaged database (PRAGMA quick_check), and a
 * database that holds certificates while the CA keychain was missing
 * (bootstrap would make a new CA that none of them chains to).
 */
int startcheck_db(const struct config *cfg, const struct startcheck *seen,
    struct db *db, char *err, size_t errlen);

#endif
