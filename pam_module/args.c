/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parses the module arguments.  A typo in a PAM stack must not silently
 * change behaviour, so anything unknown is an error.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "args.h"

/* Value of "name=value" if arg starts with "name=", else NULL. */
static const char *
arg_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

enum args_keyring
args_keyring_from(const char *s)
{
	if (s == NULL)
		return ARGS_KEYRING_UNSET;
	if (strcmp(s, "required") == 0)
		return ARGS_KEYRING_REQUIRED;
	if (strcmp(s, "optional") == 0)
		return ARGS_KEYRING_OPTIONAL;
	if (strcmp(s, "off") == 0)
		return ARGS_KEYRING_OFF;
	return ARGS_KEYRING_UNSET;
}

static int
parse_one(const char *arg, struct args *a)
{
	const char *v;

	if (strcmp(arg, "debug") == 0) {
		a->debug = true;
	} else if ((v = arg_value(arg, "conf")) != NULL) {
		if (*v != '/')
			return -EINVAL;
		a->conf = v;
	} else if ((v = arg_value(arg, "helper")) != NULL) {
		if (*v != '/')
			return -EINVAL;
		a->helper = v;
	} else if ((v = arg_value(arg, "prompt")) != NULL) {
		if (strcmp(v, "enter") == 0)
			a->prompt = ARGS_PROMPT_ENTER;
		else if (strcmp(v, "info") == 0)
			a->prompt = ARGS_PROMPT_INFO;
		else
			return -EINVAL;
	} else if ((v = arg_value(arg, "no_tty")) != NULL) {
		if (strcmp(v, "fail") == 0)
			a->no_tty = ARGS_NO_TTY_FAIL;
		else if (strcmp(v, "ignore") == 0)
			a->no_tty = ARGS_NO_TTY_IGNORE;
		else
			return -EINVAL;
	} else if ((v = arg_value(arg, "keyring")) != NULL) {
		a->keyring = args_keyring_from(v);
		if (a->keyring == ARGS_KEYRING_UNSET)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

int
args_parse(int argc, const char **argv, struct args *ret,
    const char **ret_bad)
{
	struct args a = {
		.conf = BSURE_CONF_PATH,
		.helper = BSURE_HELPER_PATH,
		.prompt = ARGS_PROMPT_ENTER,
		.no_tty = ARGS_NO_TTY_FAIL,
		.keyring = ARGS_KEYRING_UNSET,
	};
	int i;

	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL || parse_one(argv[i], &a) < 0) {
			*ret_bad = argv[i] != NULL ? argv[i] : "(null)";
			return -EINVAL;
		}
	}
	*ret = a;
	return 0;
}
