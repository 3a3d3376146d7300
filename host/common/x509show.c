/*
 * x509show.c - the text blocks pvxcert prints for a certificate and for
 * its status.  The labels, rules and spacing are a contract (DESIGN §3):
 * outside tests compare them byte for byte, so they live here, once, and
 * the unit tests pin them.  Names print in the certificate's own RDN
 * order, which is the order the issuer wrote them in.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "timefmt.h"
#include "x509show.h"

#define X509SHOW_RULE "============================================"
#define X509SHOW_DASH "--------------------------------------------"
#define X509SHOW_NAME_MAX 4096	/* longest name we print */

struct x509show_buf {
	char *p;
	size_t len;
	size_t cap;
};

static int	x509show_put(struct x509show_buf *b, const char *s, size_t n);
static int	x509show_put_clean(struct x509show_buf *b,
		    const unsigned char *s, size_t n);

static int
x509show_put(struct x509show_buf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->len + n + 1 > X509SHOW_NAME_MAX)
		return -1;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 128;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Append UTF-8 text with C0 controls and DEL replaced by '?'. */
static int
x509show_put_clean(struct x509show_buf *b, const unsigned char *s, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
		if (x509show_put(b, &c, 1) != 0)
			return -1;
	}
	return 0;
}

char *
x509show_name(const X509_NAME *name)
{
	struct x509show_buf b = { NULL, 0, 0 };
	const X509_NAME_ENTRY *ne;
	const ASN1_OBJECT *obj;
	unsigned char *utf8;
	const char *sn;
	char oid[80];
	int i, n, nid, ulen;

	if (name == NULL)
		return NULL;
	if (x509show_put(&b, "", 0) != 0)
		return NULL;
	n = X509_NAME_entry_count(name);
	for (i = 0; i < n; i++) {
		ne = X509_NAME_get_entry(name, i);
		obj = X509_NAME_ENTRY_get_object(ne);
		nid = OBJ_obj2nid(obj);
		sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (sn == NULL) {
			if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
				goto fail;
			sn = oid;
		}
		ulen = ASN1_STRING_to_UTF8(&utf8,
		    X509_NAME_ENTRY_get_data(ne));
		if (ulen < 0)
			goto fail;
		if ((i > 0 && x509show_put(&b, ", ", 2) != 0) ||
		    x509show_put(&b, sn, strlen(sn)) != 0 ||
		    x509show_put(&b, "=", 1) != 0 ||
		    x509show_put_clean(&b, utf8, (size_t)ulen) != 0) {
			OPENSSL_free(utf8);
			goto fail;
		}
		OPENSSL_free(utf8);
	}
	return b.p;
fail:
	free(b.p);
	return NULL;
}

int
x509show_details(FILE *out, const char *cert_id, const X509 *cert)
{
	char *subject = NULL, *issuer = NULL;
	char from[TIMEFMT_LEN], until[TIMEFMT_LEN];
	int64_t nb, na;
	int r = -1;

	if (out == NULL || cert_id == NULL || cert == NULL)
		return -1;
	if (timefmt_from_asn1(X509_get0_notBefore(cert), &nb) != 0 ||
	    timefmt_from_asn1(X509_get0_notAfter(cert), &na) != 0)
		return -1;
	timefmt_utc(nb, from, sizeof(from));
	timefmt_utc(na, until, sizeof(until));
	if ((subject = x509show_name(X509_get_subject_name(cert))) == NULL ||
	    (issuer = x509show_name(X509_get_issuer_name(cert))) == NULL)
		goto out;
	if (fprintf(out, "Certificate Details:\n" X509SHOW_RULE "\n"
	    "Certificate ID : %s\n"
	    "Entity Subject : %s\n"
	    "Issuer Subject : %s\n"
	    "Valid From     : %s\n"
	    "Expires On     : %s\n"
	    X509SHOW_DASH "\n\n",
	    cert_id, subject, issuer, from, until) < 0)
		goto out;
	r = 0;
out:
	free(subject);
	free(issuer);
	return r;
}

int
x509show_status(FILE *out, const struct x509show_status *st)
{
	char issued[TIMEFMT_LEN], expires[TIMEFMT_LEN], revoked[TIMEFMT_LEN];

	if (out == NULL || st == NULL || st->cert_id == NULL ||
	    st->state == NULL)
		return -1;
	timefmt_utc(st->issued, issued, sizeof(issued));
	timefmt_utc(st->expires, expires, sizeof(expires));
	if (fprintf(out, "Certificate Status:\n" X509SHOW_RULE "\n"
	    "Certificate ID: %s\n"
	    "Status        : %s\n"
	    "Status Issued : %s\n"
	    "Status Expires: %s\n",
	    st->cert_id, st->state, issued, expires) < 0)
		return -1;
	if (st->revoked) {
		timefmt_utc(st->revocation_date, revoked, sizeof(revoked));
		if (fprintf(out, "Revocation Date: %s\n", revoked) < 0)
			return -1;
	}
	if (fprintf(out, X509SHOW_DASH "\n") < 0)
		return -1;
	return 0;
}
