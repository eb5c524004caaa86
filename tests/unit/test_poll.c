/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 8628 polling rules with a fake clock: slow_down gaps (P1),
 * absent/zero interval (P2), our own deadline (P3), every error mapping
 * (P6, P7, P9, A7) and bounded retries of unusable answers (O4).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devpoll.h"

/* A scripted IdP and a clock that only moves when we wait. */
struct fake {
	long long now;
	const struct token_reply *script;
	size_t n, next;
	long long poll_at[16];
	size_t polls;
	size_t pendings;
	long long cancel_at; /* wait fails once now reaches it; 0: never */
};

static long long
f_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static int
f_wait(void *ctx, long long when)
{
	struct fake *f = ctx;

	if (f->cancel_at > 0 && when >= f->cancel_at) {
		f->now = f->cancel_at;
		return -ECANCELED;
	}
	if (when > f->now)
		f->now = when;
	return 0;
}

static void
f_poll(void *ctx, struct token_reply *r)
{
	struct fake *f = ctx;
	static const struct token_reply pending = { .kind = TOKEN_REPLY_ERROR,
		.error = "authorization_pending" };
	const struct token_reply *src = f->next < f->n ?
	    &f->script[f->next] : &pending;

	assert_true(f->polls < 16);
	f->poll_at[f->polls++] = f->now;
	f->next++;
	*r = *src;
	if (src->id_token != NULL)
		r->id_token = strdup(src->id_token);
}

static void
f_pending(void *ctx, const struct poll_state *s)
{
	((struct fake *)ctx)->pendings++;
}

static int
run(struct fake *f, long interval, long expires_in, long max_wait,
    struct poll_verdict *v)
{
	struct poll_ops ops = { f_now, f_wait, f_poll, f_pending, f };
	struct token_reply r = { 0 };
	struct poll_state s;
	int rc;

	poll_start(&s, interval, expires_in, max_wait, f->now);
	rc = poll_run(&s, &ops, &r, v);
	token_reply_clear(&r);
	return rc;
}

#define ERR(e) { .kind = TOKEN_REPLY_ERROR, .error = e }
#define TOKENS { .kind = TOKEN_REPLY_TOKENS, .id_token = (char *)"a.b.c" }

static void
test_p1_slow_down_gaps(void **state)
{
	const struct token_reply script[] = { ERR("slow_down"),
		ERR("authorization_pending"), ERR("slow_down"), TOKENS };
	struct fake f = { .now = 1000, .script = script, .n = 4 };
	struct poll_verdict v;

	assert_int_equal(run(&f, 5, 900, 300, &v), 0);
	assert_int_equal(v.action, POLL_TOKEN);
	assert_int_equal(f.polls, 4);
	assert_int_equal(f.poll_at[0] - 1000, 5000);
	assert_int_equal(f.poll_at[1] - f.poll_at[0], 10000);
	assert_int_equal(f.poll_at[2] - f.poll_at[1], 10000);
	assert_int_equal(f.poll_at[3] - f.poll_at[2], 15000);
	assert_int_equal(f.pendings, 3);
}

static void
test_p2_interval_default(void **state)
{
	const struct token_reply script[] = { ERR("authorization_pending"),
		TOKENS };
	long intervals[] = { 0, -1 };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct fake f = { .now = 0, .script = script, .n = 2 };
		struct poll_verdict v;

		assert_int_equal(run(&f, intervals[i], 900, 300, &v), 0);
		assert_int_equal(f.poll_at[0], 5000);
		assert_int_equal(f.poll_at[1] - f.poll_at[0], 5000);
	}
}

static void
test_p3_own_deadline(void **state)
{
	struct fake f = { .now = 0 };
	struct poll_verdict v;

	/* The IdP says pending forever; expires_in 30 ends it. */
	assert_int_equal(run(&f, 5, 30, 300, &v), 0);
	assert_int_equal(v.action, POLL_STOP);
	assert_int_equal(v.result, BSURE_AUTH_ERR);
	assert_string_equal(v.reason, "expired");
	assert_non_null(strstr(v.text, "expired"));
	assert_true(f.now <= 30000);
	assert_true(f.polls <= 6);
	assert_true(f.poll_at[f.polls - 1] <= 30000);

	/* max_wait is shorter than expires_in: max_wait wins. */
	memset(&f, 0, sizeof(f));
	assert_int_equal(run(&f, 5, 900, 12, &v), 0);
	assert_string_equal(v.reason, "expired");
	assert_true(f.now <= 12000);
	assert_int_equal(f.polls, 2);
}

static void
expect_stop(const struct token_reply *r, enum bsure_result result,
    const char *reason, const char *log_part)
{
	struct fake f = { .now = 0, .script = r, .n = 1 };
	struct poll_verdict v;

	assert_int_equal(run(&f, 1, 900, 300, &v), 0);
	assert_int_equal(f.polls, 1); /* stops at once */
	assert_int_equal(v.action, POLL_STOP);
	assert_int_equal(v.result, result);
	assert_string_equal(v.reason, reason);
	assert_non_null(v.text);
	if (log_part != NULL && strstr(v.log, log_part) == NULL)
		fail_msg("log '%s' lacks '%s'", v.log, log_part);
}

static void
test_error_mapping(void **state)
{
	struct token_reply r;

	r = (struct token_reply)ERR("access_denied");
	expect_stop(&r, BSURE_AUTH_ERR, "declined", NULL);
	r = (struct token_reply)ERR("authorization_declined");
	expect_stop(&r, BSURE_AUTH_ERR, "declined", NULL);
	r = (struct token_reply)ERR("expired_token");
	expect_stop(&r, BSURE_AUTH_ERR, "expired", NULL);
	r = (struct token_reply)ERR("bad_verification_code");
	expect_stop(&r, BSURE_AUTH_ERR, "bad_verification_code", NULL);
	r = (struct token_reply)ERR("invalid_grant");
	expect_stop(&r, BSURE_AUTH_ERR, "invalid_grant", NULL);

	r = (struct token_reply)ERR("invalid_grant");
	r.error_codes[0] = 50126;
	r.error_codes[1] = 53003;
	r.n_error_codes = 2;
	expect_stop(&r, BSURE_PERM_DENIED, "conditional_access",
	    "Conditional Access");
	r.error_codes[1] = 53000;
	expect_stop(&r, BSURE_PERM_DENIED, "conditional_access", NULL);

	r = (struct token_reply)ERR("invalid_client");
	expect_stop(&r, BSURE_UNAVAIL, "invalid_client", "client_id");
	r.error_codes[0] = 7000218;
	r.n_error_codes = 1;
	expect_stop(&r, BSURE_UNAVAIL, "invalid_client",
	    "allow public client flows");

	r = (struct token_reply)ERR("unsupported_grant_type");
	expect_stop(&r, BSURE_UNAVAIL, "idp_error", "unsupported_grant_type");

	/* P7: an access token alone never authorizes. */
	memset(&r, 0, sizeof(r));
	r.kind = TOKEN_REPLY_TOKENS;
	r.has_access_token = true;
	expect_stop(&r, BSURE_AUTH_ERR, "no_id_token",
	    "no ID token (check the openid scope)");

	memset(&r, 0, sizeof(r));
	r.kind = TOKEN_REPLY_PROXY_AUTH;
	expect_stop(&r, BSURE_UNAVAIL, "proxy_auth_required",
	    "proxy authentication required");
}

static void
test_o4_bounded_retries(void **state)
{
	const struct token_reply bad = { .kind = TOKEN_REPLY_BAD,
		.detail = "HTTP 502" };
	const struct token_reply net = { .kind = TOKEN_REPLY_NETWORK };
	struct token_reply two_then_ok[] = { bad, bad, TOKENS };
	struct token_reply flaky[] = { bad, bad,
		ERR("authorization_pending"), bad, bad, TOKENS };
	struct token_reply dead[] = { bad, net, bad, TOKENS };
	struct fake f = { .script = two_then_ok, .n = 3 };
	struct poll_verdict v;

	assert_int_equal(run(&f, 5, 900, 300, &v), 0);
	assert_int_equal(v.action, POLL_TOKEN);

	/* Only consecutive failures count. */
	memset(&f, 0, sizeof(f));
	f.script = flaky;
	f.n = 6;
	assert_int_equal(run(&f, 5, 900, 300, &v), 0);
	assert_int_equal(v.action, POLL_TOKEN);

	memset(&f, 0, sizeof(f));
	f.script = dead;
	f.n = 4;
	assert_int_equal(run(&f, 5, 900, 300, &v), 0);
	assert_int_equal(v.action, POLL_STOP);
	assert_int_equal(v.result, BSURE_UNAVAIL);
	assert_string_equal(v.reason, "idp_unavailable");
	assert_int_equal(f.polls, POLL_RETRIES_MAX);
}

static void
test_cancel_stops_waiting(void **state)
{
	struct fake f = { .cancel_at = 7000 };
	struct poll_verdict v;

	assert_int_equal(run(&f, 5, 900, 300, &v), -ECANCELED);
	assert_int_equal(f.polls, 1);
}

static void
test_interval_bounds(void **state)
{
	struct poll_state s;
	struct token_reply r = ERR("slow_down");
	struct poll_verdict v;
	int i;

	poll_start(&s, 10000, 900, 300, 0);
	assert_int_equal(s.interval, POLL_INTERVAL_MAX);
	poll_start(&s, 5, 900, 300, 0);
	for (i = 0; i < 20; i++)
		poll_decide(&s, &r, 0, &v);
	assert_int_equal(s.interval, POLL_INTERVAL_MAX);
	assert_true(s.interval_changed);
	r = (struct token_reply)ERR("authorization_pending");
	poll_decide(&s, &r, 0, &v);
	assert_int_equal(s.interval, POLL_INTERVAL_MAX); /* never shrinks */
	assert_false(s.interval_changed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_slow_down_gaps),
		cmocka_unit_test(test_p2_interval_default),
		cmocka_unit_test(test_p3_own_deadline),
		cmocka_unit_test(test_error_mapping),
		cmocka_unit_test(test_o4_bounded_retries),
		cmocka_unit_test(test_cancel_stops_waiting),
		cmocka_unit_test(test_interval_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
