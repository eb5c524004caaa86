/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drives one device sign-in over the helper protocol (bsure_proto.h).
 * sshd only forwards text to the client together with a prompt, so in the
 * default prompt=enter mode the code, the URL and the warning travel in the
 * same conversation call as a "press Enter" prompt (case S1).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "auth.h"
#include "conv.h"
#include "run.h"

/* Discovery and the device authorization request, with retries. */
#define AUTH_CODE_TIMEOUT_S 90
/* After a deadline the helper itself keeps (code expiry, or the next poll
 * after CHECK), how long we still wait for its answer. */
#define AUTH_GRACE_S 30
#define AUTH_ROUNDS_MAX 1000
#define AUTH_USER_CODE_MAX 64
#define AUTH_URI_MAX 256
#define AUTH_FIELD_SHOWN_MAX 64

#define WARNING "Only enter this code if you started this sign-in."
#define PRESS_ENTER "Press Enter once you have approved the sign-in: "

struct code_info {
	char user_code[AUTH_USER_CODE_MAX + 1];
	char uri[AUTH_URI_MAX + 1];
	time_t expires_at;
	uint64_t interval;
};

static long long
ms_until(time_t deadline)
{
	time_t now = time(NULL);

	return deadline > now ? (long long)(deadline - now) * 1000 : 0;
}

static int
recv_until(int fd, struct bsure_msg *m, time_t deadline)
{
	long long ms = ms_until(deadline);

	if (ms <= 0)
		return -ETIMEDOUT;
	return bsure_msg_recv(fd, m, ms > 0x7fffffff ? 0x7fffffff : (int)ms);
}

static int
send_simple(int fd, uint8_t type)
{
	struct bsure_msg *m = malloc(sizeof(*m));
	int r;

	if (m == NULL)
		return -ENOMEM;
	bsure_msg_init(m, type);
	r = bsure_msg_send(fd, m);
	free(m);
	return r;
}

static int
send_auth(int fd, const struct auth_request *req)
{
	struct bsure_msg *m = malloc(sizeof(*m));
	int r;

	if (m == NULL)
		return -ENOMEM;
	bsure_msg_init(m, BSURE_MSG_AUTH);
	r = bsure_msg_add_u64(m, BSURE_T_VERSION, BSURE_PROTO_VERSION);
	if (r == 0)
		r = bsure_msg_add(m, BSURE_T_USER, req->user);
	if (r == 0)
		r = bsure_msg_add(m, BSURE_T_SERVICE, req->service);
	if (r == 0)
		r = bsure_msg_add(m, BSURE_T_RHOST, req->rhost);
	if (r == 0)
		r = bsure_msg_add(m, BSURE_T_TTY, req->tty);
	if (r == 0)
		r = bsure_msg_add(m, BSURE_T_INTERACTIVE,
		    req->interactive ? "1" : "0");
	if (r == 0 && req->reuse_token != NULL)
		r = bsure_msg_add(m, BSURE_T_REUSE_TOKEN, req->reuse_token);
	if (r == 0)
		r = bsure_msg_send(fd, m);
	bsure_msg_wipe(m);
	free(m);
	return r;
}

/* Printable ASCII without spaces: what a code or a URL may contain. */
static bool
plain_token(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static int
parse_code(const struct bsure_msg *m, struct code_info *ret)
{
	const char *code = bsure_msg_get(m, BSURE_T_USER_CODE);
	const char *uri = bsure_msg_get(m, BSURE_T_VERIFICATION_URI);
	uint64_t at;

	if (code == NULL || uri == NULL ||
	    !plain_token(code, AUTH_USER_CODE_MAX) ||
	    !plain_token(uri, AUTH_URI_MAX) ||
	    bsure_msg_get_u64(m, BSURE_T_EXPIRES_AT, INT32_MAX, &at) < 0)
		return -EBADMSG;
	if (bsure_msg_get_u64(m, BSURE_T_INTERVAL, 3600, &ret->interval) < 0)
		ret->interval = 5;
	snprintf(ret->user_code, sizeof(ret->user_code), "%s", code);
	snprintf(ret->uri, sizeof(ret->uri), "%s", uri);
	ret->expires_at = (time_t)at;
	return 0;
}

static int
check_result(const struct bsure_msg *m)
{
	const char *reused = bsure_msg_get(m, BSURE_T_REUSED);
	const char *token = bsure_msg_get(m, BSURE_T_TOKEN);
	uint64_t v;

	if (bsure_msg_get_u64(m, BSURE_T_RESULT, BSURE_RESULT_MAX, &v) < 0)
		return -EBADMSG;
	if (v != BSURE_OK || (reused != NULL && strcmp(reused, "1") == 0))
		return 0;
	if (token == NULL || *token == '\0' ||
	    bsure_msg_get_u64(m, BSURE_T_EXPIRES_AT, INT32_MAX, &v) < 0)
		return -EBADMSG;
	return 0;
}

int
auth_verdict(const struct bsure_msg *m)
{
	uint64_t v = BSURE_UNAVAIL;

	bsure_msg_get_u64(m, BSURE_T_RESULT, BSURE_RESULT_MAX, &v);
	return (int)v;
}

static void
format_expiry(char *buf, size_t size, time_t at)
{
	long long mins = ((long long)at - (long long)time(NULL) + 59) / 60;
	struct tm tm;
	char clock[32] = "?";

	if (localtime_r(&at, &tm) != NULL)
		strftime(clock, sizeof(clock), "%H:%M %Z", &tm);
	snprintf(buf, size, "%s, in %lld min", clock, mins > 0 ? mins : 0);
}

/* The IdP's own instructions and the QR code, as info messages before
 * our prompt; dropped (not fatal) if they do not fit one batch. */
static void
add_extras(pam_handle_t *pamh, const struct args *a,
    const struct bsure_msg *code, struct conv_batch *b)
{
	static const uint8_t tags[] = { BSURE_T_MESSAGE, BSURE_T_QR };
	char *text;
	size_t i;
	int saved;

	text = malloc(BSURE_MSG_MAX);
	if (text == NULL)
		return;
	for (i = 0; i < sizeof(tags); i++) {
		const char *v = bsure_msg_get(code, tags[i]);

		if (v == NULL || *v == '\0')
			continue;
		conv_sanitize(text, BSURE_MSG_MAX, v, true);
		/* Keep one slot for the prompt itself. */
		saved = b->n;
		if (conv_add_split(b, PAM_TEXT_INFO, text) == 0 &&
		    b->n < PAM_MAX_NUM_MSG)
			continue;
		b->n = saved;
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG,
			    "event=conv dropped=%s reason=too_long",
			    tags[i] == BSURE_T_QR ? "qr" : "message");
	}
	free(text);
}

/* The first batch: extras, then the code text with a prompt (enter) or as
 * plain info (info). */
static int
first_batch(pam_handle_t *pamh, const struct args *a,
    const struct auth_request *req, const struct bsure_msg *code,
    const struct code_info *ci, struct conv_batch *b)
{
	char user[AUTH_FIELD_SHOWN_MAX + 1], service[AUTH_FIELD_SHOWN_MAX + 1];
	char host[AUTH_FIELD_SHOWN_MAX + 1] = "", expiry[64];
	char body[1024];
	bool enter = a->prompt == ARGS_PROMPT_ENTER;
	int n;

	gethostname(host, sizeof(host) - 1);
	conv_sanitize(host, sizeof(host), host, false);
	conv_sanitize(user, sizeof(user), req->user, false);
	conv_sanitize(service, sizeof(service), req->service, false);
	format_expiry(expiry, sizeof(expiry), ci->expires_at);

	b->n = 0;
	add_extras(pamh, a, code, b);

	n = snprintf(body, sizeof(body),
	    "Device sign-in for %s on %s (service %s).\n"
	    "Open %s and enter the code %s\n"
	    "The code expires at %s.\n" WARNING "\n%s",
	    user, host, service, ci->uri, ci->user_code, expiry,
	    enter ? PRESS_ENTER : "Waiting for approval...");
	if (n < 0 || (size_t)n >= sizeof(body))
		return -E2BIG;
	if ((size_t)n < PAM_MAX_MSG_SIZE)
		return conv_add(b, enter ? PAM_PROMPT_ECHO_ON : PAM_TEXT_INFO,
		    body);

	/* Too long for one message: the details go first as info. */
	body[n - strlen(enter ? PRESS_ENTER : "Waiting for approval...")] =
	    '\0';
	if (conv_add_split(b, PAM_TEXT_INFO, body) < 0) {
		/* The code matters more than the IdP's extras. */
		b->n = 0;
		if (conv_add_split(b, PAM_TEXT_INFO, body) < 0)
			return -E2BIG;
	}
	return conv_add(b, enter ? PAM_PROMPT_ECHO_ON : PAM_TEXT_INFO,
	    enter ? PRESS_ENTER : "Waiting for approval...");
}

static int
pending_batch(const struct bsure_msg *pending, const struct code_info *ci,
    struct conv_batch *b)
{
	const char *t = bsure_msg_get(pending, BSURE_T_TEXT);
	char text[160], body[PAM_MAX_MSG_SIZE];
	int n;

	conv_sanitize(text, sizeof(text),
	    t != NULL && *t != '\0' ? t : "Not approved yet.", false);
	n = snprintf(body, sizeof(body),
	    "%s\nCode %s at %s\n" WARNING "\n" PRESS_ENTER, text,
	    ci->user_code, ci->uri);
	b->n = 0;
	if (n < 0 || (size_t)n >= sizeof(body))
		return conv_add(b, PAM_PROMPT_ECHO_ON, PRESS_ENTER);
	return conv_add(b, PAM_PROMPT_ECHO_ON, body);
}

/* prompt=enter: prompt, CHECK, and again until a RESULT comes. */
static int
loop_enter(pam_handle_t *pamh, struct run_helper *h,
    const struct auth_request *req, const struct code_info *ci,
    struct conv_batch *b, struct bsure_msg *m)
{
	int round, r;

	for (round = 0; round < AUTH_ROUNDS_MAX; round++) {
		time_t deadline;

		r = conv_send(pamh, b);
		if (r != PAM_SUCCESS) {
			send_simple(h->fd, BSURE_MSG_CANCEL);
			/* sshd's password method cannot answer a visible
			 * prompt (case S2). */
			return round == 0 && req->over_ssh ? -ENOTTY :
			    -ECANCELED;
		}
		r = send_simple(h->fd, BSURE_MSG_CHECK);
		if (r < 0)
			return r;

		/* The helper answers a CHECK after its next poll. */
		deadline = time(NULL) + (time_t)ci->interval + AUTH_GRACE_S;
		r = recv_until(h->fd, m, deadline);
		if (r < 0)
			return r;
		if (m->type == BSURE_MSG_RESULT)
			return 0;
		if (m->type != BSURE_MSG_PENDING)
			return -EBADMSG;
		r = pending_batch(m, ci, b);
		if (r < 0)
			return r;
	}
	send_simple(h->fd, BSURE_MSG_CANCEL);
	return -ELOOP;
}

/* prompt=info: show once, then the helper polls until its verdict. */
static int
loop_info(pam_handle_t *pamh, struct run_helper *h,
    const struct code_info *ci, struct conv_batch *b, struct bsure_msg *m)
{
	int r;

	r = conv_send(pamh, b);
	if (r != PAM_SUCCESS) {
		send_simple(h->fd, BSURE_MSG_CANCEL);
		return -ECANCELED;
	}
	do {
		r = recv_until(h->fd, m, ci->expires_at + AUTH_GRACE_S);
		if (r < 0)
			return r;
	} while (m->type == BSURE_MSG_PENDING);
	return m->type == BSURE_MSG_RESULT ? 0 : -EBADMSG;
}

static int
converse(pam_handle_t *pamh, const struct args *a,
    const struct auth_request *req, struct run_helper *h,
    struct bsure_msg *m)
{
	struct conv_batch *b = NULL;
	struct code_info ci;
	int r;

	r = send_auth(h->fd, req);
	if (r < 0)
		return r;
	r = recv_until(h->fd, m, time(NULL) + AUTH_CODE_TIMEOUT_S);
	if (r < 0)
		return r;
	if (m->type == BSURE_MSG_RESULT)
		return 0;
	if (m->type != BSURE_MSG_CODE)
		return -EBADMSG;
	r = parse_code(m, &ci);
	if (r < 0)
		return r;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	r = first_batch(pamh, a, req, m, &ci, b);
	if (r == 0 && a->prompt == ARGS_PROMPT_ENTER)
		r = loop_enter(pamh, h, req, &ci, b, m);
	else if (r == 0)
		r = loop_info(pamh, h, &ci, b, m);
	free(b);
	return r;
}

int
auth_flow(pam_handle_t *pamh, const struct args *a,
    const struct auth_request *req, struct bsure_msg **ret_result)
{
	struct run_helper h = { .pid = -1, .fd = -1 };
	struct bsure_msg *m;
	int r;

	m = malloc(sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	r = run_start(a->helper, a->conf, a->debug, &h);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR,
		    "event=error reason=helper_exec path=%s errno=%d: %s",
		    a->helper, -r, strerror(-r));
		goto out;
	}

	r = converse(pamh, a, req, &h, m);
	if (r == 0)
		r = check_result(m);
	if (r < 0 && r != -ECANCELED && r != -ENOTTY)
		pam_syslog(pamh, LOG_ERR,
		    "event=error reason=helper_protocol path=%s: %s",
		    a->helper, strerror(-r));

out:
	run_stop(&h);
	if (r < 0) {
		bsure_msg_wipe(m);
		free(m);
		return r;
	}
	*ret_result = m;
	return 0;
}

void
auth_result_free(struct bsure_msg *m)
{
	if (m == NULL)
		return;
	bsure_msg_wipe(m);
	free(m);
}
