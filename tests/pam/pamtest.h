/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared harness for the PAM-level tests: a private PAM confdir, the fake
 * helper's script, a recording conversation and process checks.
 */
#ifndef BSURE_PAMTEST_H
#define BSURE_PAMTEST_H

#include <stdbool.h>

#include <security/pam_appl.h>

#define PT_MSGS_MAX 256

struct pt_conv {
	int calls;
	int fail_at_call;   /* 1-based; 0: never */
	bool null_response; /* answer prompts with NULL */
	int n;
	int style[PT_MSGS_MAX];
	int call_of[PT_MSGS_MAX];
	char *text[PT_MSGS_MAX];
};

extern struct pt_conv pt_conv_state;
extern int pt_failures;

#define PT_CHECK(cond, ...)                                              \
	do {                                                             \
		if (!(cond)) {                                           \
			pt_failures++;                                   \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__,   \
			    #cond);                                      \
			printf(__VA_ARGS__);                             \
			printf("\n");                                    \
		}                                                        \
	} while (0)

void pt_init(void);
void pt_reset_conv(void);
/* Service "bsure-test" with these module args on every line; the fake
 * helper's script lines follow (NULL-terminated). */
void pt_service(const char *args);
void pt_service_raw(const char *text);
void pt_script(const char *first, ...);
pam_handle_t *pt_start(const char *user, bool with_conv);
int pt_conv_fn(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data);
const char *pt_user(void);
const char *pt_record_path(void);
const char *pt_conf_path(void);
const char *pt_dir(void);
/* Value of key in the fake helper's record, or NULL (static buffer). */
const char *pt_record(const char *key);
bool pt_record_exists(void);
/* Children of this process still present (zombies included). */
int pt_children(void);
bool pt_pid_alive(int pid);
double pt_now(void);
/* Give stdin a pseudo-terminal (true) or /dev/null (false). */
void pt_stdin_tty(bool tty);
/* Does any message contain needle (case-insensitive)? index or -1. */
int pt_find(const char *needle);
int pt_finish(const char *name);

#endif
