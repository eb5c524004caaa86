/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 8628 polling rules in one place: how long to wait, what each
 * token endpoint answer means, and our own deadline, which holds even
 * when an IdP keeps answering authorization_pending after expiry.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devpoll.h"

void
token_reply_clear(struct token_reply *r)
{
	if (r->id_token != NULL) {
		explicit_bzero(r->id_token, strlen(r->id_token));
		free(r->id_token);
	}
	memset(r, 0, sizeof(*r));
}

void
poll_start(struct poll_state *s, long interval, long expires_in,
    long max_wait, long long now_ms)
{
	long life = max_wait;

	if (interval <= 0)
		interval = POLL_INTERVAL_DEFAULT;
	if (interval > POLL_INTERVAL_MAX)
		interval = POLL_INTERVAL_MAX;
	/* The IdP's expires_in can only shorten our own max_wait. */
	if (expires_in > 0 && expires_in < life)
		life = expires_in;

	memset(s, 0, sizeof(*s));
	s->start_ms = now_ms;
	s->deadline_ms = now_ms + life * 1000LL;
	s->interval = interval;
	s->next_ms = now_ms + interval * 1000LL;
}

static bool
has_code(const struct token_reply *r, long code)
{
	size_t i;

	for (i = 0; i < r->n_error_codes; i++)
		if (r->error_codes[i] == code)
			return true;
	return false;
}

static void
stop(struct poll_verdict *v, enum bsure_result result, const char *reason,
    const char *text)
{
	v->action = POLL_STOP;
	v->result = result;
	v->reason = reason;
	v->text = text;
}

/* Entra's Conditional Access codes: blocked by policy, not a bad login. */
static bool
is_conditional_access(const struct token_reply *r)
{
	return has_code(r, 53000) || has_code(r, 53001) ||
	    has_code(r, 53002) || has_code(r, 53003);
}

static void
decide_error(struct poll_state *s, const struct token_reply *r,
    struct poll_verdict *v)
{
	const char *e = r->error;

	if (strcmp(e, "authorization_pending") == 0) {
		v->action = POLL_WAIT;
	} else if (strcmp(e, "slow_down") == 0) {
		/* RFC 8628 3.5: +5 s for this and all later requests. */
		s->interval += POLL_SLOW_DOWN_STEP;
		if (s->interval > POLL_INTERVAL_MAX)
			s->interval = POLL_INTERVAL_MAX;
		s->interval_changed = true;
		v->action = POLL_WAIT;
	} else if (strcmp(e, "authorization_declined") == 0 ||
	    strcmp(e, "access_denied") == 0) {
		stop(v, BSURE_AUTH_ERR, "declined",
		    "The sign-in was declined.");
	} else if (strcmp(e, "expired_token") == 0) {
		stop(v, BSURE_AUTH_ERR, "expired",
		    "The code expired before it was approved. Please try "
		    "again.");
	} else if (strcmp(e, "bad_verification_code") == 0) {
		stop(v, BSURE_AUTH_ERR, "bad_verification_code",
		    "The sign-in code was not accepted.");
	} else if (strcmp(e, "invalid_grant") == 0 &&
	    is_conditional_access(r)) {
		stop(v, BSURE_PERM_DENIED, "conditional_access",
		    "Your organisation's policy blocked this sign-in.");
		snprintf(v->log, sizeof(v->log), "invalid_grant: blocked "
		    "by Conditional Access");
	} else if (strcmp(e, "invalid_grant") == 0) {
		stop(v, BSURE_AUTH_ERR, "invalid_grant",
		    "The sign-in was not accepted.");
	} else if (strcmp(e, "invalid_client") == 0) {
		stop(v, BSURE_UNAVAIL, "invalid_client",
		    "Device sign-in is not set up correctly here.");
		if (has_code(r, 7000218))
			snprintf(v->log, sizeof(v->log), "invalid_client "
			    "AADSTS7000218: the app registration must allow "
			    "public client flows");
		else
			snprintf(v->log, sizeof(v->log), "invalid_client: "
			    "check client_id");
	} else {
		stop(v, BSURE_UNAVAIL, "idp_error",
		    "Device sign-in is unavailable.");
		snprintf(v->log, sizeof(v->log), "token endpoint error %s",
		    e);
	}
}

void
poll_decide(struct poll_state *s, const struct token_reply *r,
    long long now_ms, struct poll_verdict *v)
{
	memset(v, 0, sizeof(*v));
	s->polls++;
	s->interval_changed = false;

	switch (r->kind) {
	case TOKEN_REPLY_TOKENS:
		s->retries = 0;
		if (r->id_token != NULL) {
			v->action = POLL_TOKEN;
			break;
		}
		/* An access token says nothing about who signed in here. */
		stop(v, BSURE_AUTH_ERR, "no_id_token",
		    "The sign-in did not return an identity.");
		snprintf(v->log, sizeof(v->log), "no ID token (check the "
		    "openid scope)%s", r->has_access_token ?
		    ": access_token only" : "");
		break;
	case TOKEN_REPLY_ERROR:
		s->retries = 0;
		decide_error(s, r, v);
		break;
	case TOKEN_REPLY_PROXY_AUTH:
		stop(v, BSURE_UNAVAIL, "proxy_auth_required",
		    "Device sign-in is unavailable.");
		snprintf(v->log, sizeof(v->log),
		    "proxy authentication required");
		break;
	case TOKEN_REPLY_BAD:
	case TOKEN_REPLY_NETWORK:
		s->retries++;
		snprintf(v->log, sizeof(v->log), "%s", r->detail);
		if (s->retries >= POLL_RETRIES_MAX)
			stop(v, BSURE_UNAVAIL, "idp_unavailable",
			    "The identity provider is unavailable.");
		else
			v->action = POLL_WAIT;
		break;
	}
	s->next_ms = now_ms + s->interval * 1000LL;
}

void
poll_expired(struct poll_verdict *v)
{
	memset(v, 0, sizeof(*v));
	stop(v, BSURE_AUTH_ERR, "expired",
	    "The code expired before it was approved. Please try again.");
	snprintf(v->log, sizeof(v->log), "deadline reached");
}

int
poll_run(struct poll_state *s, const struct poll_ops *ops,
    struct token_reply *r, struct poll_verdict *v)
{
	for (;;) {
		long long now = ops->now_ms(ops->ctx);
		long long when;
		int e;

		if (now >= s->next_ms && now <= s->deadline_ms) {
			token_reply_clear(r);
			ops->poll(ops->ctx, r);
			poll_decide(s, r, ops->now_ms(ops->ctx), v);
			if (v->action != POLL_WAIT)
				return 0;
			if (ops->pending != NULL)
				ops->pending(ops->ctx, s);
			continue;
		}
		if (now >= s->deadline_ms) {
			token_reply_clear(r);
			poll_expired(v);
			return 0;
		}
		when = s->next_ms < s->deadline_ms ? s->next_ms :
		    s->deadline_ms;
		e = ops->wait_until(ops->ctx, when);
		if (e < 0) {
			token_reply_clear(r);
			return e;
		}
	}
}
