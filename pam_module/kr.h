/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel keyring handling shared by pam_bsure.so and `bsure`: the short
 * handoff key that carries a token from authenticate to open_session, and
 * the per-session key in the login's session keyring.  0 or -errno.
 */
#ifndef BSURE_KR_H
#define BSURE_KR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <keyutils.h>

/* Session keys: "pam_bsure:<user>:<16 hex digits>". */
#define KR_PREFIX "pam_bsure:"
/* Handoff keys in root's user keyring: "pam_bsure_handoff:<user>:<id>". */
#define KR_HANDOFF_PREFIX "pam_bsure_handoff:"
/* sshd authenticates in a child and opens the session in its monitor a
 * moment later; the handoff need not outlive that. */
#define KR_HANDOFF_TIMEOUT 120
#define KR_DESC_MAX 256
/* The PAM environment variable naming the handoff key's serial. */
#define KR_HANDOFF_ENV "PAM_BSURE_HANDOFF"

/* Add a handoff key with payload to the caller's user keyring (@u). */
int kr_handoff_add(const char *user, const char *payload, size_t len,
    key_serial_t *ret_serial);

/* True if serial is a live root-owned handoff key for user. */
bool kr_handoff_valid(key_serial_t serial, const char *user);

/* Read the handoff key (after kr_handoff_valid checks), then unlink and
 * revoke it: it is good for one session only.  *ret_text is malloc'ed. */
int kr_handoff_take(key_serial_t serial, const char *user, char **ret_text,
    size_t *ret_len);

/* Revoke and unlink a handoff key, ignoring errors. */
void kr_handoff_drop(key_serial_t serial);

/* -EPERM when @s is the user-default session keyring ("_uid_ses.*"):
 * pam_keyinit must have given this login its own session keyring. */
int kr_session_check(void);

/* Add "pam_bsure:<user>:<random id>" to @s, expiring at expires_at. */
int kr_session_add(const char *user, const char *payload, size_t len,
    time_t expires_at, key_serial_t *ret_serial);

/*
 * Find a live root-owned pam_bsure key in @s, for user (NULL: any user).
 * Returns 0 and the serial; -ENOKEY if none; -EKEYREVOKED or -EKEYEXPIRED
 * if only dead keys (revoked or expired, not yet collected) are linked.
 */
int kr_session_find(const char *user, key_serial_t *ret_serial);

/* Revoke serial if it is still a pam_bsure key of user; a key that is
 * already gone, revoked or expired is not an error. */
int kr_session_revoke(key_serial_t serial, const char *user);

/* Read a key's payload (malloc'ed, wipe with kr_payload_text_free). */
int kr_read(key_serial_t serial, char **ret_text, size_t *ret_len);

/* Parse "serial" as printed by the module (decimal, > 0). */
int kr_serial_parse(const char *s, key_serial_t *ret_serial);

#endif
