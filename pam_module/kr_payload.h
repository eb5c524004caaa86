/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payload of pam_bsure keys: a versioned, line-based "key=value" text
 * that the module writes and `bsure status` reads back.  Both the 120 s
 * handoff key and the session key carry it.
 */
#ifndef BSURE_KR_PAYLOAD_H
#define BSURE_KR_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define KR_PAYLOAD_VERSION 1
/* A key holds one ID token (a few KiB) plus metadata; the kernel allows
 * user keys up to 32767 bytes. */
#define KR_PAYLOAD_MAX 32767

/*
 * Strings are NUL-terminated, never NULL after a successful parse ("" when
 * absent), and contain no newline.  Parsed strings point into buf.
 */
struct kr_payload {
	const char *user;    /* local account (PAM_USER) */
	const char *name;    /* identity the helper matched (its USER field) */
	const char *iss;
	const char *oid;
	const char *group;
	const char *keyring; /* "required", "optional", "off" or "" */
	uint64_t exp;        /* token expiry, unix time */
	uint64_t pim_end;    /* PIM assignment end, 0 if none */
	uint64_t iat;
	const char *token;
	char *buf;
	size_t buflen;
};

/* Into a malloc'ed text of *ret_len bytes (no NUL counted); -EINVAL when a
 * field holds a newline, -E2BIG when over KR_PAYLOAD_MAX. */
int kr_payload_format(const struct kr_payload *p, char **ret_text,
    size_t *ret_len);

/* -EBADMSG on anything but exactly the format kr_payload_format() writes
 * (fields may come in any order after "v=1"; unknown keys are refused). */
int kr_payload_parse(const char *text, size_t len, struct kr_payload *ret);

/* Wipes the token with the rest. */
void kr_payload_free(struct kr_payload *p);

/* Wipe and free a formatted text. */
void kr_payload_text_free(char *text, size_t len);

#endif
