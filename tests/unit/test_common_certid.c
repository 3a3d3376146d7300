/*
 * test_common_certid.c - certificate identifiers as users type them to
 * pvxcert and read them from authnjwt: derived from a real CA and leaf,
 * and parsed strictly.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certid.h"
#include "tap.h"

EVP_PKEY	*tmk_key(void);
X509		*tmk_cert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer,
		    const char *cn, int ca, int skid, uint64_t serial);

static int	parses(const char *id, const char *issuer, uint64_t serial);
static int	refuses(const char *id);

static int
parses(const char *id, const char *issuer, uint64_t serial)
{
	char iss[CERTID_ISSUER_LEN] = "", err[128] = "";
	uint64_t sn = 0;

	if (certid_parse(id, iss, &sn, err, sizeof(err)) != 0) {
		printf("# %s: %s\n", id, err);
		return 0;
	}
	return strcmp(iss, issuer) == 0 && sn == serial;
}

static int
refuses(const char *id)
{
	char iss[CERTID_ISSUER_LEN], err[128] = "";
	uint64_t sn;

	if (certid_parse(id, iss, &sn, err, sizeof(err)) == 0)
		return 0;
	printf("# %s -> %s\n", id ? id : "(null)", err);
	return err[0] != '\0';
}

int
main(void)
{
	EVP_PKEY *cakey, *leafkey;
	X509 *ca, *leaf, *noskid, *big;
	const ASN1_OCTET_STRING *skid;
	char want[CERTID_ISSUER_LEN], got[CERTID_ISSUER_LEN], id[CERTID_MAX];
	char full[CERTID_MAX + 8];
	const unsigned char *p;
	uint64_t sn = 0;
	ASN1_INTEGER *ai;
	BIGNUM *bn;

	tap_plan(33);
	cakey = tmk_key();
	leafkey = tmk_key();
	ca = tmk_cert(cakey, cakey, NULL, "Test CA", 1, 1, 1);
	leaf = tmk_cert(leafkey, cakey, ca, "ioc", 0, 1,
	    UINT64_C(3826361579604613180));
	noskid = tmk_cert(cakey, cakey, NULL, "No SKID CA", 1, 0, 2);
	big = tmk_cert(leafkey, cakey, ca, "big", 0, 1, 5);
	if (!ok(cakey && leafkey && ca && leaf && noskid && big,
	    "test certificates made"))
		return 1;

	skid = X509_get0_subject_key_id(ca);
	p = ASN1_STRING_get0_data(skid);
	snprintf(want, sizeof(want), "%02x%02x%02x%02x", p[0], p[1], p[2],
	    p[3]);
	is_int(certid_issuer_of_ca(ca, got), 0, "issuer id of the CA");
	is_str(got, want, "CA issuer id is the first 4 SKID bytes in hex");
	is_int(certid_issuer_of_leaf(leaf, got), 0, "issuer id of the leaf");
	is_str(got, want, "leaf issuer id (AKID) equals the CA's");
	is_int(certid_serial_u64(leaf, &sn), 0, "64-bit serial read");
	ok(sn == UINT64_C(3826361579604613180), "serial value");
	is_int(certid_of_leaf(leaf, id, sizeof(id)), 0, "leaf id built");
	snprintf(full, sizeof(full), "%s:3826361579604613180", want);
	is_str(id, full, "leaf id is <issuer>:<decimal serial>");
	is_int(certid_of_leaf(leaf, id, 10), -1,
	    "a buffer too small is an error, not a truncated id");
	is_int(certid_issuer_of_ca(noskid, got), -1,
	    "a CA without SKID has no issuer id");
	is_int(certid_issuer_of_leaf(ca, got), -1,
	    "a self-signed cert without AKID has no leaf issuer id");

	/* Serial of 2^64: too big for an id. */
	bn = NULL;
	BN_dec2bn(&bn, "18446744073709551616");
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	X509_set_serialNumber(big, ai);
	is_int(certid_serial_u64(big, &sn), -1, "serial >= 2^64 refused");
	BN_set_word(bn, 7);
	BN_set_negative(bn, 1);
	ASN1_INTEGER_free(ai);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	X509_set_serialNumber(big, ai);
	is_int(certid_serial_u64(big, &sn), -1, "negative serial refused");
	ASN1_INTEGER_free(ai);
	BN_free(bn);

	certid_format("47530d89", UINT64_C(3826361579604613180), id,
	    sizeof(id));
	is_str(id, "47530d89:3826361579604613180", "format from parts");
	certid_format("47530d89", 0, id, sizeof(id));
	is_str(id, "47530d89:0", "serial 0 unpadded");

	ok(parses("47530d89:3826361579604613180", "47530d89",
	    UINT64_C(3826361579604613180)), "the spec's id parses");
	ok(parses("47530d89:18446744073709551615", "47530d89", UINT64_MAX),
	    "2^64-1 is the largest serial");
	ok(parses("00000000:007", "00000000", 7), "leading zeros accepted");
	ok(refuses("47530D89:1"), "uppercase hex refused");
	ok(refuses("4753:1"), "short issuer id refused");
	ok(refuses("47530d89:-1"), "negative serial refused");
	ok(refuses("47530d89:18446744073709551616"), "2^64 refused");
	ok(refuses("47530d89:"), "missing serial refused");
	ok(refuses("47530d89:+1") && refuses("47530d89: 1") &&
	    refuses("47530d89:1 ") && refuses(" 47530d89:1"),
	    "signs and spaces refused");
	ok(refuses("47530d891:1") && refuses("47530d89-1") && refuses("") &&
	    refuses(NULL), "wrong separator, long issuer, empty, NULL refused");
	ok(refuses("47530d89:0x10") && refuses("g7530d89:1"),
	    "hex serial and non-hex issuer refused");

	/* The status PV names of DESIGN §10. */
	{
		char pv[CERTID_STATUS_PV_MAX], iss[CERTID_ISSUER_LEN],
		    err[128];
		uint64_t psn = 0;

		certid_status_pv("43fd4369", UINT64_C(5894900123797320592),
		    pv, sizeof(pv));
		is_str(pv, "CERT:STATUS:43fd4369:05894900123797320592",
		    "status PV name: serial padded to 20 digits");
		certid_status_pv("47530d89", UINT64_MAX, pv, sizeof(pv));
		is_int((long long)strlen(pv), CERTID_STATUS_PV_MAX - 1,
		    "the longest status PV name fits CERTID_STATUS_PV_MAX");
		ok(certid_parse_status_pv(
		    "CERT:STATUS:43fd4369:05894900123797320592", iss, &psn,
		    err, sizeof(err)) == 0 && strcmp(iss, "43fd4369") == 0 &&
		    psn == UINT64_C(5894900123797320592),
		    "a padded status PV name parses");
		ok(certid_parse_status_pv("CERT:STATUS:43fd4369:7", iss, &psn,
		    err, sizeof(err)) == 0 && psn == 7,
		    "an unpadded one too");
		ok(certid_parse_status_pv(
		    "CERT:STATUS:43fd4369:000000000000000000007", iss, &psn,
		    err, sizeof(err)) == -1 && strstr(err, "20 digits") != NULL,
		    "21 digits refused (%s)", err);
		ok(certid_parse_status_pv("CERT:CREATE", iss, &psn, err,
		    sizeof(err)) == -1 && certid_parse_status_pv(
		    "CERT:STATUS:", iss, &psn, err, sizeof(err)) == -1 &&
		    certid_parse_status_pv("cert:status:43fd4369:1", iss, &psn,
		    err, sizeof(err)) == -1 && certid_parse_status_pv(NULL,
		    iss, &psn, err, sizeof(err)) == -1,
		    "other names, an empty id, lower case, NULL refused");
	}

	X509_free(big);
	X509_free(noskid);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(leafkey);
	EVP_PKEY_free(cakey);
	return tap_done();
}
