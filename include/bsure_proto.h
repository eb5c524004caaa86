/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The protocol between pam_bsure.so and bsure-helper over a socketpair.
 * Both ends distrust each other's bytes: every frame and field is bounded
 * and checked before use.
 */
#ifndef BSURE_PROTO_H
#define BSURE_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Frame:  u32 length (big endian, of what follows, <= BSURE_MSG_MAX)
 *         u8  type
 *         fields: u8 tag, u16 length (big endian), bytes
 * Field values are strings without NUL bytes; a tag appears at most once;
 * at most BSURE_FIELDS_MAX fields.  A receiver rejects any frame that breaks
 * one of these rules (-EBADMSG) and gives up on the peer.
 *
 * Conversation (version 1):
 *   module -> helper  AUTH       VERSION USER SERVICE RHOST TTY INTERACTIVE
 *                                [REUSE_TOKEN]
 *   helper -> module  CODE       USER_CODE VERIFICATION_URI EXPIRES_IN
 *                                EXPIRES_AT INTERVAL
 *                                [VERIFICATION_URI_COMPLETE]
 *                                [MESSAGE] [QR]
 *   module -> helper  CHECK      (user pressed Enter: answer after next poll)
 *   helper -> module  PENDING    TEXT
 *   module -> helper  CANCEL     (or close the socket)
 *   helper -> module  RESULT     RESULT REASON TEXT [TOKEN EXPIRES_AT USER
 *                                OID ISSUER GROUP PIM_END IAT] KEYRING REUSED
 * RESULT may come at any time instead of CODE or PENDING; it is the last
 * message.  The helper is started as: bsure-helper --conf PATH [--debug].
 */

#define BSURE_PROTO_VERSION 1

/* A frame carries at most an ID token (Entra: a few KiB) plus metadata. */
#define BSURE_MSG_MAX 32768
#define BSURE_FIELDS_MAX 32

enum bsure_msg_type {
	BSURE_MSG_AUTH = 1,
	BSURE_MSG_CHECK = 2,
	BSURE_MSG_CANCEL = 3,
	BSURE_MSG_CODE = 10,
	BSURE_MSG_PENDING = 11,
	BSURE_MSG_RESULT = 12,
};

enum bsure_tag {
	BSURE_T_VERSION = 1,
	BSURE_T_USER = 2,
	BSURE_T_SERVICE = 3,
	BSURE_T_RHOST = 4,
	BSURE_T_TTY = 5,
	BSURE_T_INTERACTIVE = 6, /* "1": conversation is a terminal */
	BSURE_T_REUSE_TOKEN = 7, /* ID token from the session keyring */
	BSURE_T_USER_CODE = 20,
	BSURE_T_VERIFICATION_URI = 21,
	BSURE_T_VERIFICATION_URI_COMPLETE = 22,
	BSURE_T_EXPIRES_IN = 23, /* seconds, decimal */
	BSURE_T_EXPIRES_AT = 24, /* unix time, decimal */
	BSURE_T_INTERVAL = 25,
	BSURE_T_MESSAGE = 26, /* the IdP's own instruction text */
	BSURE_T_QR = 27,      /* QR code drawn as text lines */
	BSURE_T_TEXT = 28,    /* a short sentence for the user */
	BSURE_T_RESULT = 40,  /* enum bsure_result, decimal */
	BSURE_T_REASON = 41,  /* machine reason, e.g. "declined" */
	BSURE_T_TOKEN = 42,   /* validated ID token (RESULT OK only) */
	BSURE_T_OID = 43,
	BSURE_T_ISSUER = 44,
	BSURE_T_GROUP = 45,
	BSURE_T_PIM_END = 46, /* unix time, decimal, 0 if none */
	BSURE_T_IAT = 47,
	BSURE_T_KEYRING = 48, /* "required", "optional" or "off" */
	BSURE_T_REUSED = 49,  /* "1": the session token satisfied the request */
};

/* Verdicts; the module maps them to PAM results in one place. */
enum bsure_result {
	BSURE_OK = 0,
	BSURE_AUTH_ERR = 1,    /* declined, expired, bad token, wrong user */
	BSURE_PERM_DENIED = 2, /* group, device, claims, rhost, CA policy */
	BSURE_UNAVAIL = 3,     /* IdP, Graph, config or helper trouble */
	BSURE_RESULT_MAX = 3,
};

struct bsure_field {
	uint8_t tag;
	uint16_t len;
	char *val; /* NUL-terminated, inside the message's arena */
};

struct bsure_msg {
	uint8_t type;
	unsigned int nfields;
	struct bsure_field f[BSURE_FIELDS_MAX];
	size_t used; /* bytes of arena in use */
	char arena[BSURE_MSG_MAX + BSURE_FIELDS_MAX];
};

/* Build. */
void bsure_msg_init(struct bsure_msg *m, uint8_t type);
int bsure_msg_add(struct bsure_msg *m, uint8_t tag, const char *val);
int bsure_msg_add_u64(struct bsure_msg *m, uint8_t tag, uint64_t val);

/* Read. */
const char *bsure_msg_get(const struct bsure_msg *m, uint8_t tag);
int bsure_msg_get_u64(const struct bsure_msg *m, uint8_t tag, uint64_t max,
    uint64_t *ret_val);

/*
 * Wire.  0 or -errno: -EPIPE peer closed, -ETIMEDOUT, -EBADMSG.  A timeout
 * may leave half a frame read: callers poll() for readability first and
 * treat any error from bsure_msg_recv() as the end of the channel.
 */
int bsure_msg_encode(const struct bsure_msg *m, unsigned char *buf,
    size_t bufsize, size_t *ret_len);
int bsure_msg_parse(struct bsure_msg *m, const unsigned char *buf,
    size_t len);
int bsure_msg_send(int fd, const struct bsure_msg *m);
int bsure_msg_recv(int fd, struct bsure_msg *m, int timeout_ms);

/* Wipe every byte: messages carry tokens. */
void bsure_msg_wipe(struct bsure_msg *m);

#endif
