/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jwks_parse: which keys a provider's set yields, and which sets are
 * refused whole.  Keys are generated at test time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jwks.h"
#include "mint_validation.h"

static EVP_PKEY *rsa, *ec;

static int
setup(void **state)
{
	rsa = mint_rsa(2048);
	ec = mint_ec();
	return 0;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return 0;
}

/* Parse text; on success return the count and free the set. */
static int
parse(const char *text, char *err, size_t errsize)
{
	struct jwks *set = NULL;
	int r;

	err[0] = '\0';
	r = jwks_parse(text, strlen(text), &set, err, errsize);
	if (r < 0)
		return r;
	r = (int)jwks_count(set);
	jwks_free(set);
	return r;
}

/* JWKS text of one JWK after a change; value NULL deletes name. */
static char *
one_key_with(EVP_PKEY *key, const char *name, struct json_object *value)
{
	struct json_object *k = mint_jwk(key, "X", NULL, NULL);
	char *text;

	if (value == NULL)
		json_object_object_del(k, name);
	else
		json_object_object_add(k, name, value);
	text = mint_jwks_text(&k, 1);
	json_object_put(k);
	return text;
}

static void
test_rsa_and_ec_keys_parsed(void **state)
{
	struct json_object *k[2];
	struct jwks *set = NULL;
	char err[256];
	char *text;

	k[0] = mint_jwk(rsa, "R1", "RS256", "sig");
	k[1] = mint_jwk(ec, "E1", NULL, NULL);
	text = mint_jwks_text(k, 2);
	assert_int_equal(jwks_parse(text, strlen(text), &set, err,
	    sizeof(err)), 0);
	assert_int_equal(jwks_count(set), 2);
	assert_true(jwks_has_kid(set, "R1"));
	assert_true(jwks_has_kid(set, "E1"));
	assert_false(jwks_has_kid(set, "r1"));
	assert_false(jwks_has_kid(set, NULL));
	jwks_free(set);
	free(text);
	json_object_put(k[0]);
	json_object_put(k[1]);
	assert_int_equal(jwks_count(NULL), 0);
	jwks_free(NULL);
}

/* Encryption keys, unknown types, other curves, kid-less keys: skipped. */
static void
test_foreign_keys_skipped(void **state)
{
	struct json_object *k[5];
	char err[256];
	char *text;
	size_t i;

	k[0] = mint_jwk(rsa, "enc1", NULL, "enc");
	k[1] = json_object_new_object();
	json_object_object_add(k[1], "kty", json_object_new_string("oct"));
	json_object_object_add(k[1], "kid", json_object_new_string("h"));
	json_object_object_add(k[1], "k", json_object_new_string("c2VjcmV0"));
	k[2] = mint_jwk(ec, "p384", NULL, NULL);
	json_object_object_add(k[2], "crv", json_object_new_string("P-384"));
	k[3] = mint_jwk(rsa, NULL, NULL, NULL);
	k[4] = mint_jwk(rsa, "good", NULL, NULL);
	text = mint_jwks_text(k, 5);
	assert_int_equal(parse(text, err, sizeof(err)), 1);
	free(text);

	/* Nothing usable left: the set is useless. */
	text = mint_jwks_text(k, 4);
	assert_int_equal(parse(text, err, sizeof(err)), -ENOKEY);
	free(text);
	for (i = 0; i < 5; i++)
		json_object_put(k[i]);
	assert_int_equal(parse("{\"keys\":[]}", err, sizeof(err)), -ENOKEY);
}

static void
test_malformed_sets_refused(void **state)
{
	char err[256];

	assert_int_equal(parse("", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("not json", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("[]", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("{}", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "JWKS has no \"keys\" array");
	assert_int_equal(parse("{\"keys\":{}}", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("{\"keys\":[1]}", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("{\"keys\":[{}]}", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(parse("{\"keys\":[]} x", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(parse("{\"keys\":[[[[[[[[[[[[]]]]]]]]]]]]}", err,
	    sizeof(err)), -EINVAL);
	{
		const char nul[] = "{\"keys\":[]}\0";
		struct jwks *set = NULL;

		assert_int_equal(jwks_parse(nul, sizeof(nul) - 1, &set, err,
		    sizeof(err)), -EINVAL);
	}
}

static void
test_malformed_rsa_members_refused(void **state)
{
	char err[256];
	char *text;

	text = one_key_with(rsa, "n", NULL);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "malformed RSA key"));
	free(text);
	text = one_key_with(rsa, "n", json_object_new_string("AQAB=="));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(rsa, "n", json_object_new_int(5));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	/* Even exponent, exponent 1, oversized exponent. */
	text = one_key_with(rsa, "e", json_object_new_string("Ag"));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(rsa, "e", json_object_new_string("AQ"));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(rsa, "e",
	    json_object_new_string("AQABAQABAQABAQAB"));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(rsa, "kid", json_object_new_int(1));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(rsa, "use", json_object_new_int(1));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(rsa, "kty", NULL);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
}

static void
test_ec_point_checked(void **state)
{
	char err[256];
	char *text, *zero;
	unsigned char buf[32];

	/* x = y = 0 is not on P-256. */
	memset(buf, 0, sizeof(buf));
	zero = mint_b64(buf, sizeof(buf));
	text = one_key_with(ec, "x", json_object_new_string(zero));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	/* A short coordinate. */
	text = one_key_with(ec, "y", json_object_new_string("AAAA"));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	text = one_key_with(ec, "crv", NULL);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	free(zero);
}

static void
test_size_bounds(void **state)
{
	struct json_object *k[JWKS_KEYS_MAX + 1];
	struct jwks *set = NULL;
	char err[256];
	char *text, *big;
	size_t i;

	for (i = 0; i <= JWKS_KEYS_MAX; i++)
		k[i] = mint_jwk(ec, "E", NULL, NULL);
	text = mint_jwks_text(k, JWKS_KEYS_MAX);
	assert_int_equal(parse(text, err, sizeof(err)), JWKS_KEYS_MAX);
	free(text);
	text = mint_jwks_text(k, JWKS_KEYS_MAX + 1);
	assert_int_equal(parse(text, err, sizeof(err)), -E2BIG);
	free(text);
	for (i = 0; i <= JWKS_KEYS_MAX; i++)
		json_object_put(k[i]);

	big = malloc(JWKS_MAX_LEN + 1);
	assert_non_null(big);
	memset(big, ' ', JWKS_MAX_LEN + 1);
	assert_int_equal(jwks_parse(big, JWKS_MAX_LEN + 1, &set, err,
	    sizeof(err)), -E2BIG);
	free(big);
	/* Oversized kid. */
	big = malloc(JWKS_KID_MAX + 2);
	assert_non_null(big);
	memset(big, 'k', JWKS_KID_MAX + 1);
	big[JWKS_KID_MAX + 1] = '\0';
	text = one_key_with(rsa, "kid", json_object_new_string(big));
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	free(text);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_and_ec_keys_parsed),
		cmocka_unit_test(test_foreign_keys_skipped),
		cmocka_unit_test(test_malformed_sets_refused),
		cmocka_unit_test(test_malformed_rsa_members_refused),
		cmocka_unit_test(test_ec_point_checked),
		cmocka_unit_test(test_size_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
