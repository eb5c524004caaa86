/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device sign-in as the module sees it: start the helper, show the
 * code it obtained, relay the user's Enter presses, and collect the
 * verdict.  No network, crypto or JSON here; the helper does all that.
 */
#ifndef BSURE_AUTH_H
#define BSURE_AUTH_H

#include <stdbool.h>

#include <security/pam_appl.h>

#include "args.h"
#include "bsure_proto.h"

struct auth_request {
	const char *user;
	const char *service;
	const char *rhost;       /* "" if none */
	const char *tty;         /* "" if none */
	bool interactive;        /* the conversation is a terminal */
	bool over_ssh;           /* sshd keyboard-interactive */
	const char *reuse_token; /* NULL or the session's ID token */
};

/*
 * 0 with *ret_result the helper's RESULT (checked: verdict in range, and a
 * TOKEN and EXPIRES_AT on success unless REUSED); free it with
 * auth_result_free().  -ECANCELED: the conversation failed or the user
 * cancelled; -ENOTTY: the first prompt failed over ssh (password method);
 * any other -errno: the helper failed or spoke garbage.
 */
int auth_flow(pam_handle_t *pamh, const struct args *a,
    const struct auth_request *req, struct bsure_msg **ret_result);

void auth_result_free(struct bsure_msg *m);

/* Verdict of a checked RESULT message. */
int auth_verdict(const struct bsure_msg *m);

#endif
