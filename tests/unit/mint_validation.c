/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only token minting for the validation unit tests.  Failures abort:
 * a test that cannot build its input must not pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "b64.h"
#include "mint_validation.h"

static void
mint_die(const char *what)
{
	fprintf(stderr, "mint: %s failed\n", what);
	abort();
}

EVP_PKEY *
mint_rsa(int bits)
{
	EVP_PKEY *k = EVP_RSA_gen((unsigned int)bits);

	if (k == NULL)
		mint_die("EVP_RSA_gen");
	return k;
}

EVP_PKEY *
mint_ec(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (k == NULL)
		mint_die("EVP_EC_gen");
	return k;
}

char *
mint_b64(const void *data, size_t len)
{
	size_t size = len / 3 * 4 + 5;
	char *out = malloc(size);

	if (out == NULL || b64url_encode(data, len, out, size) < 0)
		mint_die("b64url_encode");
	return out;
}

static struct json_object *
mint_bn_b64(EVP_PKEY *key, const char *param, int pad)
{
	unsigned char buf[1100];
	struct json_object *s;
	BIGNUM *bn = NULL;
	char *b64;
	int n;

	if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
		mint_die("EVP_PKEY_get_bn_param");
	n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	if (n <= 0)
		mint_die("BN_bn2bin");
	b64 = mint_b64(buf, (size_t)n);
	s = json_object_new_string(b64);
	free(b64);
	BN_free(bn);
	return s;
}

struct json_object *
mint_jwk(EVP_PKEY *key, const char *kid, const char *alg, const char *use)
{
	struct json_object *o = json_object_new_object();

	if (EVP_PKEY_is_a(key, "RSA")) {
		json_object_object_add(o, "kty", json_object_new_string("RSA"));
		json_object_object_add(o, "n",
		    mint_bn_b64(key, OSSL_PKEY_PARAM_RSA_N, 0));
		json_object_object_add(o, "e",
		    mint_bn_b64(key, OSSL_PKEY_PARAM_RSA_E, 0));
	} else {
		json_object_object_add(o, "kty", json_object_new_string("EC"));
		json_object_object_add(o, "crv",
		    json_object_new_string("P-256"));
		json_object_object_add(o, "x",
		    mint_bn_b64(key, OSSL_PKEY_PARAM_EC_PUB_X, 32));
		json_object_object_add(o, "y",
		    mint_bn_b64(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
	}
	if (kid != NULL)
		json_object_object_add(o, "kid", json_object_new_string(kid));
	if (alg != NULL)
		json_object_object_add(o, "alg", json_object_new_string(alg));
	if (use != NULL)
		json_object_object_add(o, "use", json_object_new_string(use));
	return o;
}

char *
mint_jwks_text(struct json_object *const *jwks, size_t n)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char *text;
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_get(jwks[i]));
	json_object_object_add(root, "keys", arr);
	text = strdup(json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	if (text == NULL)
		mint_die("strdup");
	return text;
}

struct json_object *
mint_header(const char *alg, const char *kid)
{
	struct json_object *h = json_object_new_object();

	json_object_object_add(h, "typ", json_object_new_string("JWT"));
	json_object_object_add(h, "alg", json_object_new_string(alg));
	if (kid != NULL)
		json_object_object_add(h, "kid", json_object_new_string(kid));
	return h;
}

struct json_object *
mint_claims(time_t now)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "iss", json_object_new_string(MINT_ISSUER));
	json_object_object_add(c, "aud", json_object_new_string(MINT_CLIENT));
	json_object_object_add(c, "tid", json_object_new_string(MINT_TENANT));
	json_object_object_add(c, "iat", json_object_new_int64(now - 10));
	json_object_object_add(c, "nbf", json_object_new_int64(now - 10));
	json_object_object_add(c, "exp", json_object_new_int64(now + 3600));
	json_object_object_add(c, "oid", json_object_new_string(
	    "0f0e0d0c-0b0a-0908-0706-050403020100"));
	json_object_object_add(c, "sub", json_object_new_string(
	    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"));
	json_object_object_add(c, "upn",
	    json_object_new_string("alice@contoso.com"));
	json_object_object_add(c, "name", json_object_new_string("Alice"));
	return c;
}

/* "b64(header).b64(claims)" */
static char *
mint_signing_input(struct json_object *header, struct json_object *claims)
{
	const char *h = json_object_to_json_string_ext(header,
	    JSON_C_TO_STRING_PLAIN);
	char *hb = mint_b64(h, strlen(h));
	const char *c = json_object_to_json_string_ext(claims,
	    JSON_C_TO_STRING_PLAIN);
	char *cb = mint_b64(c, strlen(c));
	size_t len = strlen(hb) + strlen(cb) + 2;
	char *out = malloc(len);

	if (out == NULL)
		mint_die("malloc");
	snprintf(out, len, "%s.%s", hb, cb);
	free(hb);
	free(cb);
	return out;
}

static char *
mint_join(char *input, const unsigned char *sig, size_t siglen)
{
	char *sb = mint_b64(sig, siglen);
	size_t len = strlen(input) + strlen(sb) + 2;
	char *out = malloc(len);

	if (out == NULL)
		mint_die("malloc");
	snprintf(out, len, "%s.%s", input, sb);
	free(sb);
	free(input);
	return out;
}

/* DER ECDSA-Sig-Value to JWS r || s. */
static size_t
mint_ecdsa_raw(const unsigned char *der, size_t der_len, unsigned char *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r, *s;

	if (es == NULL)
		mint_die("d2i_ECDSA_SIG");
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, 32) != 32 ||
	    BN_bn2binpad(s, out + 32, 32) != 32)
		mint_die("BN_bn2binpad");
	ECDSA_SIG_free(es);
	return 64;
}

char *
mint_sign(struct json_object *header, struct json_object *claims,
    EVP_PKEY *key)
{
	struct json_object *a;
	char *input = mint_signing_input(header, claims);
	unsigned char sig[1100], raw[64];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	const char *alg;

	if (!json_object_object_get_ex(header, "alg", &a))
		mint_die("header alg");
	alg = json_object_get_string(a);
	if (strcmp(alg, "none") == 0 || key == NULL)
		return mint_join(input, sig, 0);

	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL,
	    NULL, key, NULL) != 1)
		mint_die("EVP_DigestSignInit_ex");
	if (strcmp(alg, "PS256") == 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
	    != 1))
		mint_die("PSS setup");
	if (EVP_DigestSign(md, sig, &siglen, (unsigned char *)input,
	    strlen(input)) != 1)
		mint_die("EVP_DigestSign");
	EVP_MD_CTX_free(md);
	if (EVP_PKEY_is_a(key, "EC"))
		return mint_join(input, raw, mint_ecdsa_raw(sig, siglen, raw));
	return mint_join(input, sig, siglen);
}

char *
mint_sign_hmac(struct json_object *header, struct json_object *claims,
    const unsigned char *secret, size_t secret_len)
{
	char *input = mint_signing_input(header, claims);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (HMAC(EVP_sha256(), secret, (int)secret_len,
	    (unsigned char *)input, strlen(input), mac, &mac_len) == NULL)
		mint_die("HMAC");
	return mint_join(input, mac, mac_len);
}

unsigned char *
mint_pubkey_pem(EVP_PKEY *key, size_t *ret_len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char *out;
	char *data;
	long len;

	if (bio == NULL || PEM_write_bio_PUBKEY(bio, key) != 1)
		mint_die("PEM_write_bio_PUBKEY");
	len = BIO_get_mem_data(bio, &data);
	out = malloc((size_t)len);
	if (out == NULL)
		mint_die("malloc");
	memcpy(out, data, (size_t)len);
	*ret_len = (size_t)len;
	BIO_free(bio);
	return out;
}

unsigned char *
mint_pubkey_der(EVP_PKEY *key, size_t *ret_len)
{
	unsigned char *der = NULL, *out;
	int len = i2d_PUBKEY(key, &der);

	if (len <= 0)
		mint_die("i2d_PUBKEY");
	out = malloc((size_t)len);
	if (out == NULL)
		mint_die("malloc");
	memcpy(out, der, (size_t)len);
	OPENSSL_free(der);
	*ret_len = (size_t)len;
	return out;
}
