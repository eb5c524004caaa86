/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pam_authenticate result matrix of INTERFACE.md "PAM results", plus
 * the faults a helper can show (missing, crash, garbage, hang), against
 * the built module and the fake helper.  Runs without root (keyring=off).
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamtest.h"

static int
auth(const char *user, bool conv, int flags)
{
	pam_handle_t *pamh = pt_start(user, conv);
	int r;

	r = pam_authenticate(pamh, flags);
	pam_end(pamh, r);
	return r;
}

/* After every case: no helper left behind, reaped or running. */
static void
check_no_leftovers(const char *what)
{
	const char *pid = pt_record("pid");

	PT_CHECK(pt_children() == 0, "%s: children left", what);
	PT_CHECK(pid == NULL || !pt_pid_alive(atoi(pid)),
	    "%s: helper %s still alive", what, pid);
}

static void
test_success_prompt(void)
{
	pam_handle_t *pamh;
	const void *item = NULL;
	char host[256] = "";
	int r, i;

	pt_script("mode=ok", NULL);
	pamh = pt_start(pt_user(), true);
	pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
	r = pam_authenticate(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "ok: got %d", r);
	pam_get_item(pamh, PAM_USER, &item);
	PT_CHECK(item != NULL && strcmp(item, pt_user()) == 0,
	    "PAM_USER changed");
	PT_CHECK(pam_acct_mgmt(pamh, 0) == PAM_SUCCESS, "acct after ok");
	PT_CHECK(pam_setcred(pamh, PAM_ESTABLISH_CRED) == PAM_SUCCESS,
	    "setcred");
	pam_end(pamh, r);

	gethostname(host, sizeof(host) - 1);
	i = pt_find("only enter this code if you started this sign-in");
	PT_CHECK(i >= 0, "warning sentence missing");
	PT_CHECK(i >= 0 && pt_conv_state.style[i] == PAM_PROMPT_ECHO_ON,
	    "code must travel in the prompt");
	PT_CHECK(i >= 0 && strstr(pt_conv_state.text[i], "FAKE-CODE") &&
	    strstr(pt_conv_state.text[i], "https://idp.example.test/device")
	    && strstr(pt_conv_state.text[i], pt_user()) &&
	    strstr(pt_conv_state.text[i], "bsure-test") &&
	    strstr(pt_conv_state.text[i], host) &&
	    strstr(pt_conv_state.text[i], "expires") &&
	    strstr(pt_conv_state.text[i], "Press Enter"),
	    "prompt lacks code, URL, user, service, host or expiry: %s",
	    i >= 0 ? pt_conv_state.text[i] : "");
	for (i = 0; i < pt_conv_state.n; i++)
		PT_CHECK(strlen(pt_conv_state.text[i]) < 512, "msg too long");
	PT_CHECK(pt_conv_state.calls == 1, "calls %d", pt_conv_state.calls);

	/* What the helper saw: empty environment, fds 0-2 only. */
	PT_CHECK(pt_record("envc") && strcmp(pt_record("envc"), "0") == 0,
	    "helper environment not empty");
	PT_CHECK(pt_record("fds") && strcmp(pt_record("fds"), "0,1,2,") == 0,
	    "helper fds: %s", pt_record("fds"));
	PT_CHECK(pt_record("rhost") &&
	    strcmp(pt_record("rhost"), "192.0.2.7") == 0, "rhost");
	PT_CHECK(pt_record("service") &&
	    strcmp(pt_record("service"), "bsure-test") == 0, "service");
	PT_CHECK(pt_record("interactive") &&
	    strcmp(pt_record("interactive"), "1") == 0, "interactive");
	check_no_leftovers("ok");
}

static void
test_verdicts(void)
{
	static const struct {
		const char *mode;
		int want;
	} v[] = {
		{ "mode=auth_err", PAM_AUTH_ERR },
		{ "mode=perm_denied", PAM_PERM_DENIED },
		{ "mode=unavail", PAM_AUTHINFO_UNAVAIL },
	};
	pam_handle_t *pamh;
	size_t i;
	int r;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pt_script(v[i].mode, NULL);
		pamh = pt_start(pt_user(), true);
		r = pam_authenticate(pamh, 0);
		PT_CHECK(r == v[i].want, "%s: got %d", v[i].mode, r);
		PT_CHECK(pam_acct_mgmt(pamh, 0) == PAM_PERM_DENIED,
		    "%s: account must restate the denial", v[i].mode);
		pam_end(pamh, r);
		PT_CHECK(pt_find("Fake helper says") >= 0 &&
		    pt_conv_state.style[pt_find("Fake helper says")] ==
		    PAM_ERROR_MSG, "%s: helper's text not shown", v[i].mode);
		check_no_leftovers(v[i].mode);
	}
}

static void
test_silent(void)
{
	int r;

	pt_script("mode=ok", NULL);
	r = auth(pt_user(), true, PAM_SILENT);
	PT_CHECK(r == PAM_SUCCESS, "silent: got %d", r);
	PT_CHECK(pt_find("FAKE-CODE") >= 0, "code hidden under PAM_SILENT");
	pt_script("mode=auth_err", NULL);
	r = auth(pt_user(), true, PAM_SILENT);
	PT_CHECK(r == PAM_AUTH_ERR, "silent auth_err: got %d", r);
	PT_CHECK(pt_find("Fake helper says") >= 0, "silent: no feedback");
}

static void
test_user_unknown(void)
{
	int r;

	pt_script("mode=ok", NULL);
	r = auth("bsure-no-such-user-x", true, 0);
	PT_CHECK(r == PAM_USER_UNKNOWN, "unknown user: got %d", r);
	PT_CHECK(!pt_record_exists(), "helper ran for an unknown user");
	PT_CHECK(pt_conv_state.calls == 0, "user unknown: conversation");
}

static void
test_conv_failures(void)
{
	pam_handle_t *pamh;
	double t;
	int r;

	/* The user interrupts at the first prompt. */
	pt_script("mode=ok", NULL);
	pamh = pt_start(pt_user(), true);
	pt_conv_state.fail_at_call = 1;
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	PT_CHECK(r == PAM_CONV_ERR, "conv err: got %d", r);
	PT_CHECK(pt_record("cancel") != NULL || pt_record("eof") != NULL,
	    "helper not told to stop");
	check_no_leftovers("conv err");

	/* A NULL answer counts as a failed conversation. */
	pt_script("mode=ok", NULL);
	pamh = pt_start(pt_user(), true);
	pt_conv_state.null_response = true;
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	PT_CHECK(r == PAM_CONV_ERR, "null response: got %d", r);

	/* A helper that ignores CANCEL and SIGTERM is killed at once. */
	t = pt_now();
	pt_script("mode=hang", NULL);
	pamh = pt_start(pt_user(), true);
	pt_conv_state.fail_at_call = 1;
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	PT_CHECK(r == PAM_CONV_ERR, "hang+cancel: got %d", r);
	PT_CHECK(pt_now() - t < 2.0, "hang: took %.1fs", pt_now() - t);
	check_no_leftovers("hang+cancel");
}

static void
test_pending(void)
{
	int r, i;

	pt_script("mode=ok", "pending=2", NULL);
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_SUCCESS, "pending: got %d", r);
	PT_CHECK(pt_conv_state.calls == 3, "pending: %d prompts",
	    pt_conv_state.calls);
	i = pt_find("fake pending");
	PT_CHECK(i >= 0 && pt_conv_state.style[i] == PAM_PROMPT_ECHO_ON &&
	    strstr(pt_conv_state.text[i], "FAKE-CODE"),
	    "pending prompt lacks text or code");
	PT_CHECK(pt_record("checks") && atoi(pt_record("checks")) == 3,
	    "helper saw %s CHECKs", pt_record("checks"));
}

static void
test_prompt_info(void)
{
	int r, i;

	pt_service("prompt=info keyring=off");
	pt_script("mode=ok", "autoresult=1", NULL);
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_SUCCESS, "info: got %d", r);
	PT_CHECK(pt_conv_state.calls == 1, "info: calls %d",
	    pt_conv_state.calls);
	for (i = 0; i < pt_conv_state.n; i++)
		PT_CHECK(pt_conv_state.style[i] == PAM_TEXT_INFO,
		    "info mode prompted");
	PT_CHECK(pt_find("FAKE-CODE") >= 0, "info: no code");

	/* prompt=info needs no terminal, only a conversation. */
	pt_stdin_tty(false);
	pt_script("mode=ok", "autoresult=1", NULL);
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_SUCCESS, "info without tty: got %d", r);
	pt_stdin_tty(true);
	pt_service("keyring=off");
}

static void
test_long_extras(void)
{
	int r, i, first_prompt = -1;

	pt_script("mode=ok", "message_len=1500", "qr_lines=40", NULL);
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_SUCCESS, "extras: got %d", r);
	for (i = 0; i < pt_conv_state.n; i++) {
		PT_CHECK(strlen(pt_conv_state.text[i]) < 512, "extras size");
		if (pt_conv_state.style[i] == PAM_PROMPT_ECHO_ON &&
		    first_prompt < 0)
			first_prompt = i;
	}
	PT_CHECK(first_prompt > 2, "extras must come as info first (%d)",
	    first_prompt);
	PT_CHECK(first_prompt >= 0 && first_prompt < 32 &&
	    pt_conv_state.call_of[0] == pt_conv_state.call_of[first_prompt],
	    "extras and prompt in one call");
	PT_CHECK(pt_find("mmmmmmmm") >= 0 && pt_find("####") >= 0,
	    "message or QR missing");
}

static void
test_no_conversation(void)
{
	char stack[1024];
	double t;
	int r;

	pt_script("mode=ok", NULL);
	t = pt_now();
	r = auth(pt_user(), false, 0);
	PT_CHECK(r == PAM_AUTHINFO_UNAVAIL, "NULL conv: got %d", r);
	PT_CHECK(pt_now() - t < 1.0, "NULL conv slow");
	PT_CHECK(!pt_record_exists(), "helper ran without conversation");

	/* PAM_IGNORE leaves the verdict to the next module. */
	snprintf(stack, sizeof(stack), "auth required %s helper=%s conf=%s "
	    "no_tty=ignore\nauth required pam_permit.so\n", MODULE_PATH,
	    FAKE_HELPER, pt_conf_path());
	pt_service_raw(stack);
	r = auth(pt_user(), false, 0);
	PT_CHECK(r == PAM_SUCCESS, "no_tty=ignore: got %d", r);
	snprintf(stack, sizeof(stack), "auth required %s helper=%s conf=%s "
	    "no_tty=ignore\nauth required pam_deny.so\n", MODULE_PATH,
	    FAKE_HELPER, pt_conf_path());
	pt_service_raw(stack);
	r = auth(pt_user(), false, 0);
	PT_CHECK(r == PAM_AUTH_ERR, "no_tty=ignore + deny: got %d", r);

	/* `sudo -S true </dev/null`: no terminal to answer (S5). */
	pt_service("keyring=off");
	pt_stdin_tty(false);
	t = pt_now();
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_AUTHINFO_UNAVAIL, "stdin /dev/null: got %d", r);
	PT_CHECK(pt_now() - t < 1.0, "no tty slow");
	PT_CHECK(!pt_record_exists(), "helper ran without a terminal");
	PT_CHECK(pt_conv_state.calls == 0, "no tty: conversation used");
	pt_stdin_tty(true);
}

/* sshd's password method has no conversation context (S2). */
static void
test_sshd_password_method(void)
{
	static struct pam_conv kbd = { pt_conv_fn, &kbd };
	pam_handle_t *pamh;
	int r;

	pt_script("mode=ok", NULL);
	pamh = pt_start(pt_user(), true);
	pam_set_item(pamh, PAM_TTY, "ssh");
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	PT_CHECK(r == PAM_AUTHINFO_UNAVAIL, "ssh password: got %d", r);
	PT_CHECK(!pt_record_exists(), "code requested for password method");

	pt_script("mode=ok", NULL);
	pt_reset_conv();
	if (pam_start_confdir("bsure-test", pt_user(), &kbd,
	    strcat(strcpy((char[300]){ 0 }, pt_dir()), "/pam.d"), &pamh) !=
	    PAM_SUCCESS)
		exit(99);
	pam_set_item(pamh, PAM_TTY, "ssh");
	pt_stdin_tty(false);
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	pt_stdin_tty(true);
	PT_CHECK(r == PAM_SUCCESS, "ssh keyboard-interactive: got %d", r);
}

static void
test_helper_faults(void)
{
	static const char *const modes[] = { "mode=crash_before_code",
		"mode=crash_after_code", "mode=garbage", "mode=close" };
	char path[400], args[600];
	double t;
	size_t i;
	int r;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		pt_script(modes[i], NULL);
		t = pt_now();
		r = auth(pt_user(), true, 0);
		PT_CHECK(r == PAM_AUTHINFO_UNAVAIL, "%s: got %d", modes[i], r);
		PT_CHECK(pt_now() - t < 3.0, "%s slow", modes[i]);
		PT_CHECK(pt_find("device sign-in unavailable") >= 0,
		    "%s: user not told", modes[i]);
		check_no_leftovers(modes[i]);
	}

	/* O3: helper missing or not executable. */
	snprintf(path, sizeof(path), "%s/no-such-helper", pt_dir());
	snprintf(args, sizeof(args), "auth required %s helper=%s conf=%s\n",
	    MODULE_PATH, path, pt_conf_path());
	pt_service_raw(args);
	t = pt_now();
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_AUTHINFO_UNAVAIL, "missing helper: got %d", r);
	PT_CHECK(pt_now() - t < 1.0, "missing helper slow");
	PT_CHECK(pt_find("device sign-in unavailable") >= 0,
	    "missing helper: user not told");

	snprintf(path, sizeof(path), "%s/script.conf", pt_dir());
	chmod(path, 0644);
	snprintf(args, sizeof(args), "auth required %s helper=%s conf=%s\n",
	    MODULE_PATH, path, pt_conf_path());
	pt_service_raw(args);
	r = auth(pt_user(), true, 0);
	PT_CHECK(r == PAM_AUTHINFO_UNAVAIL, "non-exec helper: got %d", r);
	check_no_leftovers("missing helper");
	pt_service("keyring=off");
}

static void
test_bad_argument(void)
{
	pam_handle_t *pamh;
	int r;

	pt_service("keyring=off prompt=sometimes");
	pt_script("mode=ok", NULL);
	pamh = pt_start(pt_user(), true);
	r = pam_authenticate(pamh, 0);
	PT_CHECK(r == PAM_SERVICE_ERR, "bad arg: got %d", r);
	pam_end(pamh, r);
	PT_CHECK(!pt_record_exists(), "helper ran with a bad argument");
	pt_service("keyring=off");
}

int
main(void)
{
	pt_init();
	pt_stdin_tty(true);
	pt_service("keyring=off");

	test_success_prompt();
	test_verdicts();
	test_silent();
	test_user_unknown();
	test_conv_failures();
	test_pending();
	test_prompt_info();
	test_long_extras();
	test_no_conversation();
	test_sshd_password_method();
	test_helper_faults();
	test_bad_argument();
	return pt_finish("test_pam_retval");
}
