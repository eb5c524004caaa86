/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversation batches: up to PAM_MAX_NUM_MSG messages, each shorter than
 * PAM_MAX_MSG_SIZE, sent in one call so that sshd's keyboard-interactive
 * carries them together with the prompt.
 */
#ifndef BSURE_CONV_H
#define BSURE_CONV_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_appl.h>

struct conv_batch {
	int n;
	int style[PAM_MAX_NUM_MSG];
	char text[PAM_MAX_NUM_MSG][PAM_MAX_MSG_SIZE];
};

/*
 * Copy src into dst (size bytes), replacing control characters (except
 * newlines when keep_newlines) with '?' so that text from the IdP cannot
 * drive the user's terminal; truncates on a UTF-8 character boundary.
 */
void conv_sanitize(char *dst, size_t size, const char *src,
    bool keep_newlines);

/* Append one message; -E2BIG if the batch is full or text too long. */
int conv_add(struct conv_batch *b, int style, const char *text);

/* Append text split at newlines into as few messages as fit; all or
 * nothing: -E2BIG leaves the batch unchanged. */
int conv_add_split(struct conv_batch *b, int style, const char *text);

/*
 * Run the batch through the application's conversation.  PAM_SUCCESS only
 * if every prompt got a non-NULL answer; responses are wiped and freed.
 * PAM_CONV_ERR when there is no conversation.
 */
int conv_send(pam_handle_t *pamh, const struct conv_batch *b);

/* True if the application gave a conversation function at all. */
bool conv_present(pam_handle_t *pamh, bool *ret_has_appdata);

#endif
