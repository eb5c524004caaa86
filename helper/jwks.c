/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JWK Set parsing (RFC 7517/7518) into OpenSSL 3 EVP keys, and JWS
 * signature checks with them.  Only what a provider's "jwks_uri" carries
 * for ID token signing is understood: RSA and EC P-256 public keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "jwks.h"
#include "util.h"

#define JWKS_ALG_MAX 16
#define JWKS_RSA_N_MAX (JWKS_RSA_BITS_MAX / 8 + 1) /* one leading zero */
#define JWKS_RSA_E_MAX 8
#define JWKS_EC_COORD 32 /* P-256 */

enum jwks_kty { JWKS_KTY_RSA, JWKS_KTY_EC };

struct jwks_key {
	char kid[JWKS_KID_MAX + 1];
	char alg[JWKS_ALG_MAX + 1]; /* "" when the JWK names none */
	enum jwks_kty kty;
	int bits;
	EVP_PKEY *pkey;
};

struct jwks {
	size_t n;
	struct jwks_key keys[JWKS_KEYS_MAX];
};

/* A string member no longer than max; -ENOENT if absent. */
static int
jwks_get_str(struct json_object *obj, const char *name, size_t max,
    const char **ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	if ((size_t)json_object_get_string_len(v) > max)
		return -EINVAL;
	*ret = json_object_get_string(v);
	if (strlen(*ret) != (size_t)json_object_get_string_len(v))
		return -EINVAL; /* embedded NUL */
	return 0;
}

/* Decode a base64url member into buf; its length must be in [min, max]. */
static int
jwks_get_b64(struct json_object *obj, const char *name, unsigned char *buf,
    size_t min, size_t max, size_t *ret_len)
{
	const char *s;
	size_t len;
	int r;

	r = jwks_get_str(obj, name, (max / 3 + 1) * 4, &s);
	if (r < 0)
		return -EINVAL;
	r = b64url_decode(s, strlen(s), buf, max, &len);
	if (r < 0)
		return -EINVAL;
	if (len < min)
		return -EINVAL;
	*ret_len = len;
	return 0;
}

static int
jwks_fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **ret_pkey)
{
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	int r = -EINVAL;

	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (ctx == NULL)
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;

	/* An EC point off the curve must never reach a verify call. */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1)
		goto out;

	*ret_pkey = pkey;
	pkey = NULL;
	r = 0;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return r;
}

static int
jwks_rsa_key(struct json_object *jwk, EVP_PKEY **ret_pkey)
{
	unsigned char n[JWKS_RSA_N_MAX], e[JWKS_RSA_E_MAX];
	size_t n_len, e_len;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r = -EINVAL;

	if (jwks_get_b64(jwk, "n", n, 1, sizeof(n), &n_len) < 0 ||
	    jwks_get_b64(jwk, "e", e, 1, sizeof(e), &e_len) < 0)
		goto out;
	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	if (bn_n == NULL || bn_e == NULL)
		goto out;
	if (BN_is_zero(bn_n) || !BN_is_odd(bn_e) || BN_is_one(bn_e))
		goto out;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
		goto out;
	r = jwks_fromdata("RSA", bld, ret_pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return r;
}

static int
jwks_ec_key(struct json_object *jwk, EVP_PKEY **ret_pkey)
{
	unsigned char pub[1 + 2 * JWKS_EC_COORD];
	OSSL_PARAM_BLD *bld = NULL;
	size_t x_len, y_len;
	int r = -EINVAL;

	/* Uncompressed SEC1 point: 0x04 || x || y, each exactly 32 bytes. */
	pub[0] = 0x04;
	if (jwks_get_b64(jwk, "x", pub + 1, JWKS_EC_COORD, JWKS_EC_COORD,
	    &x_len) < 0 ||
	    jwks_get_b64(jwk, "y", pub + 1 + JWKS_EC_COORD, JWKS_EC_COORD,
	    JWKS_EC_COORD, &y_len) < 0)
		goto out;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub)))
		goto out;
	r = jwks_fromdata("EC", bld, ret_pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/*
 * One JWK: 1 if added, 0 if skipped (not a signing key we understand),
 * -EINVAL if malformed.
 */
static int
jwks_add_key(struct jwks *set, struct json_object *jwk, char *err,
    size_t errsize, size_t idx)
{
	struct jwks_key *k = &set->keys[set->n];
	const char *kty, *kid, *use, *alg = "", *crv;
	int r;

	if (!json_object_is_type(jwk, json_type_object)) {
		util_errf(err, errsize, "key %zu: not an object", idx);
		return -EINVAL;
	}
	if (jwks_get_str(jwk, "kty", 16, &kty) < 0) {
		util_errf(err, errsize, "key %zu: kty missing or invalid", idx);
		return -EINVAL;
	}
	r = jwks_get_str(jwk, "use", 16, &use);
	if (r == -EINVAL) {
		util_errf(err, errsize, "key %zu: use invalid", idx);
		return -EINVAL;
	}
	if (r == 0 && strcmp(use, "sig") != 0)
		return 0;
	r = jwks_get_str(jwk, "kid", JWKS_KID_MAX, &kid);
	if (r == -ENOENT)
		return 0; /* our tokens always name their key */
	if (r < 0 || kid[0] == '\0') {
		util_errf(err, errsize, "key %zu: kid invalid", idx);
		return -EINVAL;
	}
	r = jwks_get_str(jwk, "alg", JWKS_ALG_MAX, &alg);
	if (r == -EINVAL) {
		util_errf(err, errsize, "key %zu: alg invalid", idx);
		return -EINVAL;
	}

	if (strcmp(kty, "RSA") == 0) {
		k->kty = JWKS_KTY_RSA;
		r = jwks_rsa_key(jwk, &k->pkey);
	} else if (strcmp(kty, "EC") == 0) {
		if (jwks_get_str(jwk, "crv", 16, &crv) < 0)
			goto bad;
		if (strcmp(crv, "P-256") != 0)
			return 0;
		k->kty = JWKS_KTY_EC;
		r = jwks_ec_key(jwk, &k->pkey);
	} else {
		return 0;
	}
	if (r < 0)
		goto bad;

	ERR_clear_error();
	snprintf(k->kid, sizeof(k->kid), "%s", kid);
	snprintf(k->alg, sizeof(k->alg), "%s", alg);
	k->bits = EVP_PKEY_get_bits(k->pkey);
	set->n++;
	return 1;
bad:
	ERR_clear_error();
	util_errf(err, errsize, "key %zu (kid %s): malformed %s key", idx, kid,
	    kty);
	return -EINVAL;
}

int
jwks_parse(const char *json, size_t len, struct jwks **ret_jwks, char *err,
    size_t errsize)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL, *keys;
	struct jwks *set = NULL;
	size_t i, n, end;
	int r;

	if (json == NULL || ret_jwks == NULL)
		return -EINVAL;
	if (len > JWKS_MAX_LEN) {
		util_errf(err, errsize, "JWKS larger than %d bytes",
		    JWKS_MAX_LEN);
		return -E2BIG;
	}
	if (memchr(json, '\0', len) != NULL) {
		util_errf(err, errsize, "JWKS contains a NUL byte");
		return -EINVAL;
	}

	/* Step 1: one JSON object, bounded depth, nothing but space after. */
	tok = json_tokener_new_ex(JWKS_JSON_DEPTH);
	if (tok == NULL)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success) {
		util_errf(err, errsize, "JWKS is not valid JSON");
		r = -EINVAL;
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (strchr(" \t\r\n", json[end]) == NULL) {
			util_errf(err, errsize, "JWKS has trailing data");
			r = -EINVAL;
			goto out;
		}
	}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		util_errf(err, errsize, "JWKS has no \"keys\" array");
		r = -EINVAL;
		goto out;
	}
	n = json_object_array_length(keys);
	if (n > JWKS_KEYS_MAX) {
		util_errf(err, errsize, "JWKS has more than %d keys",
		    JWKS_KEYS_MAX);
		r = -E2BIG;
		goto out;
	}

	/* Step 2: each key; a malformed one spoils the whole set. */
	set = calloc(1, sizeof(*set));
	if (set == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		r = jwks_add_key(set, json_object_array_get_idx(keys, i), err,
		    errsize, i);
		if (r < 0)
			goto out;
	}
	if (set->n == 0) {
		util_errf(err, errsize, "JWKS has no usable signing key");
		r = -ENOKEY;
		goto out;
	}

	*ret_jwks = set;
	set = NULL;
	r = 0;
out:
	jwks_free(set);
	json_object_put(root);
	if (tok != NULL) /* json-c does not accept NULL here */
		json_tokener_free(tok);
	return r;
}

bool
jwks_has_kid(const struct jwks *set, const char *kid)
{
	size_t i;

	if (set == NULL || kid == NULL)
		return false;
	for (i = 0; i < set->n; i++)
		if (strcmp(set->keys[i].kid, kid) == 0)
			return true;
	return false;
}

size_t
jwks_count(const struct jwks *set)
{
	return set == NULL ? 0 : set->n;
}

void
jwks_free(struct jwks *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		EVP_PKEY_free(set->keys[i].pkey);
	free(set);
}

/* JWS ES256 carries r || s (RFC 7518 section 3.4); OpenSSL wants DER. */
static int
jwks_ecdsa_der(const unsigned char *sig, size_t siglen, unsigned char **ret,
    size_t *ret_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	int der_len, r = -EKEYREJECTED;

	if (siglen != 2 * JWKS_EC_COORD)
		return -EKEYREJECTED;
	es = ECDSA_SIG_new();
	br = BN_bin2bn(sig, JWKS_EC_COORD, NULL);
	bs = BN_bin2bn(sig + JWKS_EC_COORD, JWKS_EC_COORD, NULL);
	if (es == NULL || br == NULL || bs == NULL ||
	    ECDSA_SIG_set0(es, br, bs) != 1) {
		r = -ENOMEM;
		goto out;
	}
	br = bs = NULL;
	der_len = i2d_ECDSA_SIG(es, &der);
	if (der_len <= 0) {
		r = -ENOMEM;
		goto out;
	}
	*ret = der;
	*ret_len = (size_t)der_len;
	r = 0;
out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	return r;
}

static int
jwks_evp_verify(const struct jwks_key *k, const char *alg,
    const unsigned char *data, size_t len, const unsigned char *sig,
    size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int r = -EKEYREJECTED;

	if (k->kty == JWKS_KTY_EC) {
		r = jwks_ecdsa_der(sig, siglen, &der, &der_len);
		if (r < 0)
			return r;
		sig = der;
		siglen = der_len;
		r = -EKEYREJECTED;
	} else if (siglen != (size_t)EVP_PKEY_get_size(k->pkey)) {
		return -EKEYREJECTED;
	}

	md = EVP_MD_CTX_new();
	if (md == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, k->pkey,
	    NULL) != 1)
		goto out;
	/* RFC 7518 section 3.5: PSS with MGF1-SHA256, salt = hash length. */
	if (strcmp(alg, "PS256") == 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
	    != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1))
		goto out;
	if (EVP_DigestVerify(md, sig, siglen, data, len) == 1)
		r = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return r;
}

int
jwks_verify(const struct jwks *set, const char *kid, const char *alg,
    const unsigned char *data, size_t len, const unsigned char *sig,
    size_t siglen, char *reason, size_t reasonsize)
{
	const struct jwks_key *k = NULL;
	enum jwks_kty want;
	bool kid_seen = false;
	size_t i;
	int r;

	if (set == NULL || kid == NULL || alg == NULL)
		return -EINVAL;
	if (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0)
		want = JWKS_KTY_RSA;
	else if (strcmp(alg, "ES256") == 0)
		want = JWKS_KTY_EC;
	else {
		util_errf(reason, reasonsize, "alg %s not supported", alg);
		return -EKEYREJECTED;
	}

	/* Step 1: the key named kid whose type fits the header's alg. */
	for (i = 0; i < set->n && k == NULL; i++) {
		if (strcmp(set->keys[i].kid, kid) != 0)
			continue;
		kid_seen = true;
		if (set->keys[i].kty == want)
			k = &set->keys[i];
	}
	if (!kid_seen) {
		util_errf(reason, reasonsize, "kid %s not in JWKS", kid);
		return -ENOKEY;
	}
	if (k == NULL) {
		util_errf(reason, reasonsize, "key %s does not fit alg %s",
		    kid, alg);
		return -EKEYREJECTED;
	}

	/* Step 2: the key's own restrictions. */
	if (k->alg[0] != '\0' && strcmp(k->alg, alg) != 0) {
		util_errf(reason, reasonsize,
		    "key %s is for alg %s, token says %s", kid, k->alg, alg);
		return -EKEYREJECTED;
	}
	if (k->kty == JWKS_KTY_RSA && k->bits < JWKS_RSA_BITS_MIN) {
		util_errf(reason, reasonsize, "key %s has only %d bits", kid,
		    k->bits);
		return -EKEYREJECTED;
	}

	/* Step 3: the signature. */
	r = jwks_evp_verify(k, alg, data, len, sig, siglen);
	if (r == -EKEYREJECTED)
		util_errf(reason, reasonsize, "bad signature (kid %s, %s)", kid,
		    alg);
	else if (r < 0)
		util_errf(reason, reasonsize, "signature check failed: %s",
		    strerror(-r));
	return r;
}
