/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Module arguments (pam_bsure(8)): conf=, helper=, debug, prompt=,
 * no_tty=, keyring=.  Unknown or malformed arguments are refused.
 */
#ifndef BSURE_ARGS_H
#define BSURE_ARGS_H

#include <stdbool.h>

/* The build passes the installed paths; these serve a bare compile. */
#ifndef BSURE_CONF_PATH
#define BSURE_CONF_PATH "/etc/security/pam_bsure.conf"
#endif
#ifndef BSURE_HELPER_PATH
#define BSURE_HELPER_PATH "/usr/libexec/pam_bsure/bsure-helper"
#endif

enum args_prompt { ARGS_PROMPT_ENTER, ARGS_PROMPT_INFO };
enum args_no_tty { ARGS_NO_TTY_FAIL, ARGS_NO_TTY_IGNORE };
enum args_keyring {
	ARGS_KEYRING_UNSET, /* use the helper's (the config's) setting */
	ARGS_KEYRING_REQUIRED,
	ARGS_KEYRING_OPTIONAL,
	ARGS_KEYRING_OFF,
};

struct args {
	const char *conf;   /* points into argv or at the default */
	const char *helper;
	bool debug;
	enum args_prompt prompt;
	enum args_no_tty no_tty;
	enum args_keyring keyring;
};

/* 0, or -EINVAL with *ret_bad naming the offending argument. */
int args_parse(int argc, const char **argv, struct args *ret,
    const char **ret_bad);

/* "required" etc. to enum (ARGS_KEYRING_UNSET if unknown or NULL). */
enum args_keyring args_keyring_from(const char *s);

#endif
