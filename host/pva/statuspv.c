/*
 * statuspv.c - the facts a status PV carries, from the record and the
 * signed OCSP answer ocsp.c keeps (see statuspv.h).  The dates are the
 * OCSP answer's own times, printed as PVXS prints and parses them
 * (pvaccess.md §8.4), so that an agent comparing the two finds them
 * equal to the second.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "app.h"
#include "cert.h"
#include "certid.h"
#include "db.h"
#include "hosterr.h"
#include "ocsp.h"
#include "ocspcache.h"
#include "statuspv.h"
#include "timefmt.h"

int
statuspv_get(struct app *app, uint64_t serial, int ours,
    struct statuspv *out)
{
	const struct ocspcache_entry *e;
	struct db_cert rec;
	char err[256];
	int r;

	memset(out, 0, sizeof(*out));
	out->serial = serial;
	out->ocsp_index = 2;
	if (!ours)
		return 0;
	if ((r = db_get(app->db, serial, &rec, err, sizeof(err))) < 0)
		return db_error(app->db);
	if (r == 0)
		return 0;
	/* The same signed answer GET /ocsp and the status JSON give. */
	r = ocsp_single(app, &rec, EVP_sha1(), (int64_t)time(NULL), &e, err,
	    sizeof(err));
	db_cert_clear(&rec);
	if (r != 0)
		return r;
	out->certified = 1;
	out->state = e->state;
	out->ocsp_index = e->state == STATE_VALID ? 0 :
	    e->state == STATE_REVOKED ? 1 : 2;
	out->this_update = e->this_update;
	out->next_update = e->next_update;
	out->revoked_at = e->revoked_at;
	timefmt_utc(e->this_update, out->status_date,
	    sizeof(out->status_date));
	timefmt_utc(e->next_update, out->certified_until,
	    sizeof(out->certified_until));
	timefmt_utc(e->state == STATE_REVOKED ? e->revoked_at : 0,
	    out->revocation_date, sizeof(out->revocation_date));
	out->ocsp = e->der;
	out->ocsp_len = e->der_len;
	return 0;
}

int
statuspv_serves(void *arg, const char *name, size_t len)
{
	char issuer[CERTID_ISSUER_LEN];
	uint64_t serial;

	(void)arg;
	(void)len;
	return certid_parse_status_pv(name, issuer, &serial, NULL, 0) == 0;
}
