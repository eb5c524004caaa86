/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 8628 section 3.4/3.5 polling decisions, with no I/O of its own: the
 * caller supplies the clock, one poll of the token endpoint, and the wait
 * between polls, so tests drive it with a fake clock.
 */
#ifndef BSURE_DEVPOLL_H
#define BSURE_DEVPOLL_H

#include <stdbool.h>
#include <stddef.h>

#include "bsure_proto.h"

#define POLL_INTERVAL_DEFAULT 5  /* RFC 8628 3.2: absent interval */
#define POLL_INTERVAL_MAX 60
#define POLL_SLOW_DOWN_STEP 5    /* RFC 8628 3.5 */
#define POLL_RETRIES_MAX 3       /* consecutive unusable answers */
#define POLL_ERROR_CODES_MAX 8
#define POLL_ID_TOKEN_MAX 16384

/* What one poll of the token endpoint gave, already parsed. */
enum token_reply_kind {
	TOKEN_REPLY_TOKENS,   /* 2xx with tokens */
	TOKEN_REPLY_ERROR,    /* an OAuth "error" member, any status */
	TOKEN_REPLY_BAD,      /* 5xx, not JSON, neither tokens nor error */
	TOKEN_REPLY_NETWORK,  /* no answer: timeout, refused, TLS */
	TOKEN_REPLY_PROXY_AUTH, /* the proxy wants credentials (407) */
};

struct token_reply {
	enum token_reply_kind kind;
	long status;
	char error[64];
	long error_codes[POLL_ERROR_CODES_MAX]; /* Entra AADSTS numbers */
	size_t n_error_codes;
	char correlation_id[64];
	char detail[256];      /* escaped status/type/first bytes, for logs */
	bool has_access_token;
	char *id_token;        /* malloc'ed, wiped by token_reply_clear() */
};

void token_reply_clear(struct token_reply *r);

enum poll_action {
	POLL_WAIT,  /* not yet: wait and poll again */
	POLL_TOKEN, /* an ID token arrived: validate it */
	POLL_STOP,  /* final verdict in result/reason/text */
};

struct poll_verdict {
	enum poll_action action;
	enum bsure_result result;
	const char *reason; /* machine word, e.g. "declined" */
	const char *text;   /* one sentence for the user */
	char log[256];      /* details for the error/denied event */
};

struct poll_state {
	long long start_ms;
	long long deadline_ms; /* min(expires_in, max_wait) from start */
	long long next_ms;     /* when the next poll is due */
	long interval;         /* seconds; only ever grows */
	unsigned int retries;  /* consecutive unusable answers */
	unsigned int polls;
	bool interval_changed; /* last decision raised the interval */
};

/* interval <= 0 means "absent": POLL_INTERVAL_DEFAULT. */
void poll_start(struct poll_state *s, long interval, long expires_in,
    long max_wait, long long now_ms);

/* Decide after one poll that happened at now_ms. */
void poll_decide(struct poll_state *s, const struct token_reply *r,
    long long now_ms, struct poll_verdict *v);

/* The verdict when our own deadline passes (P3). */
void poll_expired(struct poll_verdict *v);

/*
 * The whole loop: wait until the next poll is due (or the deadline),
 * poll, decide.  wait() returns 0 when the time came, < 0 to stop (cancel
 * or the module went away: the verdict is then the wait's error code,
 * returned as is).  pending() is called after every poll that leaves us
 * waiting.  Returns 0 with *v filled (POLL_TOKEN or POLL_STOP; the token
 * is left in *r) or the negative error from wait().
 */
struct poll_ops {
	long long (*now_ms)(void *ctx);
	int (*wait_until)(void *ctx, long long when_ms);
	void (*poll)(void *ctx, struct token_reply *r);
	void (*pending)(void *ctx, const struct poll_state *s);
	void *ctx;
};

int poll_run(struct poll_state *s, const struct poll_ops *ops,
    struct token_reply *r, struct poll_verdict *v);

#endif
