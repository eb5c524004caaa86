/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Module argument parsing: defaults, every documented argument, and the
 * refusal of anything else (a typo in a PAM stack must not pass).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"

static void
defaults_without_arguments(void **state)
{
	struct args a;
	const char *bad = NULL;

	assert_int_equal(args_parse(0, NULL, &a, &bad), 0);
	assert_true(a.conf[0] == '/' && strstr(a.conf, "pam_bsure.conf"));
	assert_true(a.helper[0] == '/' && strstr(a.helper, "bsure-helper"));
	assert_false(a.debug);
	assert_int_equal(a.prompt, ARGS_PROMPT_ENTER);
	assert_int_equal(a.no_tty, ARGS_NO_TTY_FAIL);
	assert_int_equal(a.keyring, ARGS_KEYRING_UNSET);
}

static void
every_documented_argument(void **state)
{
	const char *argv[] = { "conf=/tmp/c", "helper=/tmp/h", "debug",
		"prompt=info", "no_tty=ignore", "keyring=optional" };
	struct args a;
	const char *bad = NULL;

	assert_int_equal(args_parse(6, argv, &a, &bad), 0);
	assert_string_equal(a.conf, "/tmp/c");
	assert_string_equal(a.helper, "/tmp/h");
	assert_true(a.debug);
	assert_int_equal(a.prompt, ARGS_PROMPT_INFO);
	assert_int_equal(a.no_tty, ARGS_NO_TTY_IGNORE);
	assert_int_equal(a.keyring, ARGS_KEYRING_OPTIONAL);

	argv[0] = "keyring=off";
	argv[1] = "prompt=enter";
	argv[2] = "no_tty=fail";
	assert_int_equal(args_parse(3, argv, &a, &bad), 0);
	assert_int_equal(a.keyring, ARGS_KEYRING_OFF);
	assert_int_equal(a.prompt, ARGS_PROMPT_ENTER);
	assert_int_equal(a.no_tty, ARGS_NO_TTY_FAIL);
}

static void
unknown_or_malformed_arguments_are_refused(void **state)
{
	static const char *const bad_args[] = { "debugx", "conf=relative",
		"helper=", "prompt=", "prompt=sometimes", "no_tty=yes",
		"keyring=maybe", "keyring", "try_first_pass", "conf" };
	struct args a;
	const char *bad = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		const char *argv[] = { "debug", bad_args[i] };

		assert_int_equal(args_parse(2, argv, &a, &bad), -EINVAL);
		assert_string_equal(bad, bad_args[i]);
	}
}

static void
keyring_names(void **state)
{
	assert_int_equal(args_keyring_from("required"), ARGS_KEYRING_REQUIRED);
	assert_int_equal(args_keyring_from("optional"), ARGS_KEYRING_OPTIONAL);
	assert_int_equal(args_keyring_from("off"), ARGS_KEYRING_OFF);
	assert_int_equal(args_keyring_from(""), ARGS_KEYRING_UNSET);
	assert_int_equal(args_keyring_from(NULL), ARGS_KEYRING_UNSET);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_without_arguments),
		cmocka_unit_test(every_documented_argument),
		cmocka_unit_test(unknown_or_malformed_arguments_are_refused),
		cmocka_unit_test(keyring_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
