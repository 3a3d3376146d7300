/*
 * fill_db.c - fill a pvacms state to N certificates through pvacms's own
 * code: the CA of the state signs each one (ca_sign_spki), record_build
 * makes its row and db_insert_row stores it, in transactions of
 * FILL_BATCH rows, exactly as the daemon's recorder does.  Only the token
 * exchange is left out (a sample issuer mints a few hundred tokens per
 * second; a million would take an hour).
 *
 * usage: fill_db CONFIG_DIR DB_PATH COUNT [EXPIRING EXPIRE_IN_SECS]
 *
 * CONFIG_DIR holds the keychains of a pvacms that has started once
 * (cert_auth.p12, pvacms.p12, admin.p12, cert_auth.pem, no passwords).
 * EXPIRING of the COUNT certificates expire EXPIRE_IN_SECS from now, to
 * try the sweep; the others live a year.  Prints the rate it reached.
 * A benchmark tool: not installed, not a test.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca.h"
#include "db.h"
#include "record.h"

#define FILL_BATCH 10000

static double
fill_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct ca_bootstrap_config bc;
	struct ca_subject subj;
	struct db_cert row;
	struct db *db;
	struct ca *ca;
	EVP_PKEY *key, *tls_key = NULL;
	X509_PUBKEY *spki = NULL;
	X509 *tls_cert = NULL, *cert;
	char err[512], path[4][1024], cn[64];
	long count, expiring = 0, expire_in = 0, i;
	int64_t now = (int64_t)time(NULL), na;
	double t0, secs;
	int created;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: fill_db CONFIG_DIR DB_PATH COUNT "
		    "[EXPIRING EXPIRE_IN_SECS]\n");
		return 2;
	}
	count = strtol(argv[3], NULL, 10);
	if (argc == 6) {
		expiring = strtol(argv[4], NULL, 10);
		expire_in = strtol(argv[5], NULL, 10);
	}
	if (count <= 0 || expiring < 0 || expiring > count || expire_in < 0) {
		fprintf(stderr, "fill_db: bad COUNT, EXPIRING or SECS\n");
		return 2;
	}
	snprintf(path[0], sizeof(path[0]), "%s/cert_auth.p12", argv[1]);
	snprintf(path[1], sizeof(path[1]), "%s/cert_auth.pem", argv[1]);
	snprintf(path[2], sizeof(path[2]), "%s/pvacms.p12", argv[1]);
	snprintf(path[3], sizeof(path[3]), "%s/admin.p12", argv[1]);
	memset(&bc, 0, sizeof(bc));
	bc.ca_keychain = path[0];
	bc.ca_password = "";
	bc.ca_pem = path[1];
	bc.tls_keychain = path[2];
	bc.tls_password = "";
	bc.admin_keychain = path[3];
	bc.admin_password = "";
	bc.status_url = "http://127.0.0.1:8089";
	if ((ca = ca_bootstrap(&bc, NULL, NULL, &tls_key, &tls_cert, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fill_db: %s\n", err);
		return 1;
	}
	if ((db = db_open(argv[2], &created, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fill_db: %s\n", err);
		return 1;
	}
	/* One key for all: the signature is the CA's work, not the key's. */
	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    !X509_PUBKEY_set(&spki, key)) {
		fprintf(stderr, "fill_db: cannot make a key\n");
		return 1;
	}
	memset(&subj, 0, sizeof(subj));
	subj.cn = cn;
	subj.o = "bench";
	t0 = fill_now();
	for (i = 0; i < count; i++) {
		if (i % FILL_BATCH == 0 && db_begin(db, err, sizeof(err)) != 0)
			goto fail;
		snprintf(cn, sizeof(cn), "fill%ld", i);
		na = i < expiring ? now + expire_in : now + 365 * 86400;
		if (ca_sign_spki(ca, spki, &subj, USAGE_CLIENT, now - 60, na,
		    NULL, NULL, &cert, err, sizeof(err)) != 0 ||
		    record_build(&row, cert, USAGE_CLIENT, STATE_VALID, 0, now,
		    err, sizeof(err)) != 0)
			goto fail;
		X509_free(cert);
		snprintf(row.token_id, sizeof(row.token_id), "t:fill:%ld", i);
		snprintf(row.pubkey_sha256, sizeof(row.pubkey_sha256),
		    "%064ld", i);
		if (db_insert_row(db, &row, err, sizeof(err)) != 0)
			goto fail;
		db_cert_clear(&row);
		if ((i + 1) % FILL_BATCH == 0 || i + 1 == count) {
			if (db_commit(db, err, sizeof(err)) != 0)
				goto fail;
			if ((i + 1) % 100000 == 0)
				fprintf(stderr, "fill_db: %ld\n", i + 1);
		}
	}
	secs = fill_now() - t0;
	printf("filled %ld certificates (%ld expiring in %ld s) in %.1f s "
	    "(%.0f/s)\n", count, expiring, expire_in, secs, count / secs);
	X509_PUBKEY_free(spki);
	EVP_PKEY_free(key);
	EVP_PKEY_free(tls_key);
	X509_free(tls_cert);
	db_close(db);
	ca_free(ca);
	return 0;
fail:
	fprintf(stderr, "fill_db: %s\n", err);
	return 1;
}
