/*
 * hosterr.h - the daemon's one error vocabulary.  Functions on the
 * request path return 0 or one of these negative codes, with a one-line
 * message in the caller's buffer; the front that answers (HTTP today)
 * turns the code into its status and stable machine code through the one
 * table in hosterr.c, so a failure says what failed: the caller's input,
 * policy, cryptography, the database, or load.
 */
#ifndef PVACMS_HOSTERR_H
#define PVACMS_HOSTERR_H

enum hosterr {
	HOSTERR_OK = 0,
	HOSTERR_NOMEM = -1,		/* out of memory */
	HOSTERR_INTERNAL = -2,		/* a bug or an impossible state */
	HOSTERR_MALFORMED = -3,		/* the request is not well formed */
	HOSTERR_TOO_LARGE = -4,		/* a size cap was passed */
	HOSTERR_NOT_FOUND = -5,		/* no such endpoint or certificate */
	HOSTERR_METHOD = -6,		/* the endpoint takes another method */
	HOSTERR_HTTPS_REQUIRED = -7,	/* served on the HTTPS listener only */
	HOSTERR_FORBIDDEN = -8,		/* the caller may not do this */
	HOSTERR_POLICY = -9,		/* the host's policy refuses it */
	HOSTERR_TRANSITION = -10,	/* not from the certificate's state */
	HOSTERR_REPLAY = -11,		/* the credential was used already */
	HOSTERR_CRYPTO = -12,		/* OpenSSL failed (signing, keys) */
	HOSTERR_DB = -13,		/* the database failed */
	HOSTERR_BUSY = -14,		/* locked or full: retry later */
	HOSTERR_STOPPING = -15,		/* shutting down */
	HOSTERR_AUDIT = -16		/* the audit line could not be written */
};
#define HOSTERR_LAST	HOSTERR_AUDIT

/* The HTTP status of code (500 for anything unknown). */
int hosterr_status(int code);

/* The stable machine code of code, e.g. "database_error".  Static. */
const char *hosterr_code(int code);

/* A short description of code, e.g. "database error".  Static. */
const char *hosterr_str(int code);

#endif
