/*
 * startcheck.c - refuse to start on a state that lost a piece
 * (startcheck.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
    struct db *db, char *err, size_t errlen)
{
	char why[512];
	int rows;

	if (db_quick_check(db, why, sizeof(why)) != 0) {
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
