/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversation helpers (conv.h): bounded messages, sanitised text, and
 * responses wiped before they are freed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_modules.h>

#include "conv.h"

void
conv_sanitize(char *dst, size_t size, const char *src, bool keep_newlines)
{
	size_t i, n = 0;

	if (size == 0)
		return;
	for (i = 0; src[i] != '\0' && n + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7f)
			c = '?';
		dst[n++] = (char)c;
	}
	/* Do not leave half a UTF-8 sequence at a cut. */
	if (src[i] != '\0') {
		size_t cut = n;

		while (cut > 0 && ((unsigned char)dst[cut - 1] & 0xc0) == 0x80)
			cut--;
		if (cut > 0 && ((unsigned char)dst[cut - 1] & 0x80) != 0)
			n = cut - 1;
	}
	dst[n] = '\0';
}

int
conv_add(struct conv_batch *b, int style, const char *text)
{
	if (b->n >= PAM_MAX_NUM_MSG || strlen(text) >= PAM_MAX_MSG_SIZE)
		return -E2BIG;
	b->style[b->n] = style;
	memcpy(b->text[b->n], text, strlen(text) + 1);
	b->n++;
	return 0;
}

int
conv_add_split(struct conv_batch *b, int style, const char *text)
{
	int start = b->n;
	const char *p = text;

	while (*p != '\0') {
		size_t len = strlen(p), take = len;

		if (b->n >= PAM_MAX_NUM_MSG)
			goto full;
		if (len >= PAM_MAX_MSG_SIZE) {
			/* Cut after the last newline that fits. */
			take = PAM_MAX_MSG_SIZE - 1;
			while (take > 0 && p[take - 1] != '\n')
				take--;
			if (take == 0)
				goto full;
		}
		b->style[b->n] = style;
		memcpy(b->text[b->n], p, take);
		/* The conversation adds its own line break. */
		if (take > 0 && p[take - 1] == '\n')
			b->text[b->n][take - 1] = '\0';
		else
			b->text[b->n][take] = '\0';
		b->n++;
		p += take;
	}
	return 0;

full:
	b->n = start;
	return -E2BIG;
}

bool
conv_present(pam_handle_t *pamh, bool *ret_has_appdata)
{
	const struct pam_conv *conv = NULL;

	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL)
		return false;
	if (ret_has_appdata != NULL)
		*ret_has_appdata = conv->appdata_ptr != NULL;
	return true;
}

static void
free_responses(struct pam_response *resp, int n)
{
	int i;

	if (resp == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (resp[i].resp != NULL) {
			explicit_bzero(resp[i].resp, strlen(resp[i].resp));
			free(resp[i].resp);
		}
	}
	free(resp);
}

int
conv_send(pam_handle_t *pamh, const struct conv_batch *b)
{
	const struct pam_message *ptrs[PAM_MAX_NUM_MSG];
	struct pam_message msgs[PAM_MAX_NUM_MSG];
	const struct pam_conv *conv = NULL;
	struct pam_response *resp = NULL;
	int i, r;

	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	if (b->n <= 0)
		return PAM_SUCCESS;
	for (i = 0; i < b->n; i++) {
		msgs[i].msg_style = b->style[i];
		msgs[i].msg = b->text[i];
		ptrs[i] = &msgs[i];
	}

	r = conv->conv(b->n, ptrs, &resp, conv->appdata_ptr);
	if (r == PAM_SUCCESS) {
		for (i = 0; i < b->n; i++) {
			bool prompt = b->style[i] == PAM_PROMPT_ECHO_ON ||
			    b->style[i] == PAM_PROMPT_ECHO_OFF;

			if (prompt && (resp == NULL || resp[i].resp == NULL))
				r = PAM_CONV_ERR;
		}
	}
	free_responses(resp, b->n);
	return r;
}
