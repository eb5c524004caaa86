/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key payload format: what the module writes parses back, and the
 * parser refuses every deviation (version, unknown or repeated keys,
 * missing fields, bad numbers, embedded NULs, oversize).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_payload.h"

static int
parse(const char *text, struct kr_payload *p)
{
	return kr_payload_parse(text, strlen(text), p);
}

static void
round_trip_keeps_every_field(void **state)
{
	struct kr_payload in = {
		.user = "alice", .name = "alice@contoso.com",
		.iss = "https://issuer.example/v2.0", .oid = "oid-1",
		.group = "grp-1", .keyring = "optional", .exp = 1900000000,
		.pim_end = 1850000000, .iat = 1800000000, .token = "a.b.c",
	}, out;
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(kr_payload_format(&in, &text, &len), 0);
	assert_true(strncmp(text, "v=1\n", 4) == 0);
	assert_int_equal(kr_payload_parse(text, len, &out), 0);
	assert_string_equal(out.user, "alice");
	assert_string_equal(out.name, "alice@contoso.com");
	assert_string_equal(out.iss, "https://issuer.example/v2.0");
	assert_string_equal(out.oid, "oid-1");
	assert_string_equal(out.group, "grp-1");
	assert_string_equal(out.keyring, "optional");
	assert_string_equal(out.token, "a.b.c");
	assert_true(out.exp == 1900000000 && out.pim_end == 1850000000 &&
	    out.iat == 1800000000);
	kr_payload_free(&out);
	kr_payload_text_free(text, len);
}

static void
format_refuses_newlines_and_oversize(void **state)
{
	struct kr_payload in = { .user = "alice", .token = "x\ny" };
	char *text = NULL, *big;
	size_t len;

	assert_int_equal(kr_payload_format(&in, &text, &len), -EINVAL);
	in.token = "ok";
	in.user = "";
	assert_int_equal(kr_payload_format(&in, &text, &len), -EINVAL);

	big = malloc(KR_PAYLOAD_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', KR_PAYLOAD_MAX + 1);
	big[KR_PAYLOAD_MAX + 1] = '\0';
	in.user = "alice";
	in.token = big;
	assert_int_equal(kr_payload_format(&in, &text, &len), -E2BIG);
	free(big);
}

static void
minimal_payload_defaults_optional_fields(void **state)
{
	struct kr_payload p;

	assert_int_equal(parse("v=1\nuser=bob\nexp=5\ntoken=t\n", &p), 0);
	assert_string_equal(p.iss, "");
	assert_string_equal(p.keyring, "");
	assert_true(p.pim_end == 0 && p.iat == 0 && p.exp == 5);
	kr_payload_free(&p);
}

static void
parser_refuses_deviations(void **state)
{
	static const char *const bad[] = {
		"",
		"v=2\nuser=a\nexp=1\ntoken=t\n",
		"user=a\nv=1\nexp=1\ntoken=t\n",
		"v=1\nuser=a\nexp=1\ntoken=t",           /* no final newline */
		"v=1\nuser=a\nexp=1\ntoken=t\nuser=b\n", /* repeated */
		"v=1\nuser=a\nexp=1\ntoken=t\nfoo=1\n",  /* unknown */
		"v=1\nexp=1\ntoken=t\n",                 /* no user */
		"v=1\nuser=\nexp=1\ntoken=t\n",          /* empty user */
		"v=1\nuser=a\ntoken=t\n",                /* no exp */
		"v=1\nuser=a\nexp=1\n",                  /* no token */
		"v=1\nuser=a\nexp=-1\ntoken=t\n",
		"v=1\nuser=a\nexp=1x\ntoken=t\n",
		"v=1\nuser=a\nexp=18446744073709551616\ntoken=t\n",
		"v=1\nuser=a\nexp=1\npim_end=\ntoken=t\n" "iat=z\n",
		"v=1\nuser=a\nexp=1\ntoken=t\nnoequals\n",
	};
	struct kr_payload p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &p) != -EBADMSG)
			fail_msg("accepted case %zu", i);
	}
	assert_int_equal(kr_payload_parse("v=1\nuser=a\0\nexp=1\ntoken=t\n",
	    26, &p), -EBADMSG);
}

static void
largest_u64_is_accepted(void **state)
{
	struct kr_payload p;

	assert_int_equal(parse("v=1\nuser=a\nexp=18446744073709551615\n"
	    "token=t\n", &p), 0);
	assert_true(p.exp == UINT64_MAX);
	kr_payload_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_keeps_every_field),
		cmocka_unit_test(format_refuses_newlines_and_oversize),
		cmocka_unit_test(minimal_payload_defaults_optional_fields),
		cmocka_unit_test(parser_refuses_deviations),
		cmocka_unit_test(largest_u64_is_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
