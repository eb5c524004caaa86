/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyring side of the module as root (key ownership needs it): the
 * handoff from authenticate to open_session in the same and in another
 * process, the session key's description, permissions and timeout, its
 * revocation, refusal of the user-default keyring, and sudo reuse.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <keyutils.h>

#include "pamtest.h"

#define SESSION_PERM 0x0b3f0000u

/* Live pam_bsure:<user>: keys in @s; the last one into *ret. */
static int
count_keys(key_serial_t *ret)
{
	char prefix[300];
	key_serial_t *keys = NULL;
	int n, i, count = 0;

	snprintf(prefix, sizeof(prefix), "pam_bsure:%s:", pt_user());
	n = keyctl_read_alloc(KEY_SPEC_SESSION_KEYRING, (void **)&keys);
	for (i = 0; i < n / (int)sizeof(key_serial_t); i++) {
		char *desc = NULL;

		if (keyctl_describe_alloc(keys[i], &desc) < 0)
			continue;
		if (strstr(desc, prefix) != NULL) {
			count++;
			if (ret != NULL)
				*ret = keys[i];
		}
		free(desc);
	}
	free(keys);
	return count;
}

/* Timeout column of /proc/keys for serial ("perm" if none). */
static void
key_timeout(key_serial_t serial, char *buf, size_t size)
{
	char line[512], want[16];
	FILE *f = fopen("/proc/keys", "r");

	snprintf(buf, size, "?");
	snprintf(want, sizeof(want), "%08x", serial);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, want, 8) == 0) {
			sscanf(line, "%*s %*s %*s %15s", buf);
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

static void
check_session_key(key_serial_t serial)
{
	char *desc = NULL, *payload = NULL, timeout[16];
	unsigned int uid = 1, perm = 0;
	char name[256] = "";
	int off = 0;

	PT_CHECK(keyctl_describe_alloc(serial, &desc) >= 0, "describe");
	if (desc == NULL)
		return;
	PT_CHECK(sscanf(desc, "user;%u;%*u;%x;%n", &uid, &perm, &off) == 2,
	    "desc %s", desc);
	snprintf(name, sizeof(name), "pam_bsure:%s:", pt_user());
	PT_CHECK(strncmp(desc + off, name, strlen(name)) == 0 &&
	    strlen(desc + off) == strlen(name) + 16, "description %s", desc);
	PT_CHECK(uid == 0, "owner %u", uid);
	PT_CHECK(perm == SESSION_PERM, "perm %08x", perm);
	free(desc);

	key_timeout(serial, timeout, sizeof(timeout));
	PT_CHECK(strcmp(timeout, "perm") != 0 && strcmp(timeout, "?") != 0,
	    "timeout %s", timeout);
	PT_CHECK(keyctl_read_alloc(serial, (void **)&payload) > 0 &&
	    strncmp(payload, "v=1\n", 4) == 0 &&
	    strstr(payload, "\ntoken=eyJ") != NULL, "payload");
	free(payload);
}

/* Another user may neither read the key nor extend its timeout (S9). */
static void
check_other_user(key_serial_t serial)
{
	struct passwd *nobody = getpwnam("nobody");
	int status = 0;
	pid_t pid;

	if (nobody == NULL)
		return;
	pid = fork();
	if (pid == 0) {
		char *buf = NULL;
		int bad = 0;

		if (setgid(nobody->pw_gid) < 0 || setuid(nobody->pw_uid) < 0)
			_exit(3);
		/* Possessing it (same @s) still gives no setattr. */
		if (keyctl_set_timeout(serial, 99999) == 0)
			bad |= 1;
		keyctl_join_session_keyring(NULL);
		if (keyctl_read_alloc(serial, (void **)&buf) >= 0)
			bad |= 2;
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "other user: status %d", WEXITSTATUS(status));
}

static void
test_same_process(void)
{
	key_serial_t serial = 0, handoff = 0;
	pam_handle_t *pamh;
	const char *env;
	char *payload = NULL;
	int r;

	pt_script("mode=ok", "keyring=required", NULL);
	pamh = pt_start(pt_user(), true);
	r = pam_authenticate(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "auth: %d", r);
	env = pam_getenv(pamh, "PAM_BSURE_HANDOFF");
	PT_CHECK(env != NULL, "no handoff variable");
	if (env != NULL)
		handoff = atoi(env);
	r = pam_open_session(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "open_session: %d", r);
	PT_CHECK(pam_getenv(pamh, "PAM_BSURE_HANDOFF") == NULL,
	    "handoff variable left in the environment");
	PT_CHECK(keyctl_read_alloc(handoff, (void **)&payload) < 0,
	    "handoff key still readable");
	free(payload);
	PT_CHECK(count_keys(&serial) == 1, "keys: %d", count_keys(NULL));
	check_session_key(serial);
	check_other_user(serial);

	r = pam_close_session(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "close_session: %d", r);
	PT_CHECK(keyctl_read_alloc(serial, (void **)&payload) < 0 &&
	    errno == EKEYREVOKED, "key not revoked");
	pam_end(pamh, r);
}

/* sshd: authenticate in a child, open the session in the monitor, close
 * it where no module data exists. */
static void
test_cross_process(void)
{
	key_serial_t serial = 0;
	pam_handle_t *pamh;
	char env[64] = "";
	char *payload = NULL;
	int r;

	pt_script("mode=ok", "keyring=required", "pim_end_in=600", NULL);
	pamh = pt_start(pt_user(), true);
	r = pam_authenticate(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "auth: %d", r);
	if (pam_getenv(pamh, "PAM_BSURE_HANDOFF") != NULL)
		snprintf(env, sizeof(env), "PAM_BSURE_HANDOFF=%s",
		    pam_getenv(pamh, "PAM_BSURE_HANDOFF"));
	pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);

	pamh = pt_start(pt_user(), true);
	pam_putenv(pamh, env);
	PT_CHECK(pam_acct_mgmt(pamh, 0) == PAM_SUCCESS, "acct via handoff");
	r = pam_open_session(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "open_session (monitor): %d", r);
	PT_CHECK(pam_getenv(pamh, "PAM_BSURE_HANDOFF") == NULL,
	    "handoff variable left");
	PT_CHECK(count_keys(&serial) == 1, "keys: %d", count_keys(NULL));
	check_session_key(serial);
	pam_end(pamh, PAM_SUCCESS);

	/* A second use of the same handoff finds nothing. */
	pamh = pt_start(pt_user(), true);
	pam_putenv(pamh, env);
	r = pam_open_session(pamh, 0);
	PT_CHECK(r == PAM_SESSION_ERR, "handoff reused: %d", r);
	pam_end(pamh, r);

	/* A handle that opened nothing (sudo with a cached timestamp)
	 * closes nothing: the key in @s is another login's. */
	pamh = pt_start(pt_user(), true);
	r = pam_close_session(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "close without data: %d", r);
	PT_CHECK(keyctl_read_alloc(serial, (void **)&payload) > 0,
	    "close without data revoked another login's key");
	free(payload);
	r = pam_close_session(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "second close: %d", r);
	pam_end(pamh, r);
	keyctl_revoke(serial);
	keyctl_unlink(serial, KEY_SPEC_SESSION_KEYRING);
}

/* sudo inside a login: the login's token satisfies it; no new key. */
static void
test_reuse(void)
{
	key_serial_t login_key = 0;
	pam_handle_t *login, *sudo;
	char *payload = NULL;
	int r;

	pt_script("mode=ok", "keyring=required", NULL);
	login = pt_start(pt_user(), true);
	PT_CHECK(pam_authenticate(login, 0) == PAM_SUCCESS, "login auth");
	PT_CHECK(pam_open_session(login, 0) == PAM_SUCCESS, "login open");
	PT_CHECK(count_keys(&login_key) == 1, "login key");

	pt_script("mode=reuse", "keyring=required", NULL);
	sudo = pt_start(pt_user(), true);
	r = pam_authenticate(sudo, 0);
	PT_CHECK(r == PAM_SUCCESS, "reuse auth: %d", r);
	PT_CHECK(pt_record("reuse") && strcmp(pt_record("reuse"), "match") ==
	    0, "REUSE_TOKEN not sent: %s", pt_record("reuse"));
	PT_CHECK(pam_getenv(sudo, "PAM_BSURE_HANDOFF") == NULL,
	    "reuse made a handoff");
	PT_CHECK(pam_open_session(sudo, 0) == PAM_SUCCESS, "reuse open");
	PT_CHECK(count_keys(NULL) == 1, "reuse added a key");
	PT_CHECK(pam_close_session(sudo, 0) == PAM_SUCCESS, "reuse close");
	PT_CHECK(keyctl_read_alloc(login_key, (void **)&payload) > 0,
	    "reuse revoked the login's key %d: %s", login_key,
	    strerror(errno));
	free(payload);
	pam_end(sudo, PAM_SUCCESS);

	/* A fresh sudo flow adds its own key and revokes only it. */
	pt_script("mode=ok", "keyring=required", NULL);
	sudo = pt_start(pt_user(), true);
	PT_CHECK(pam_authenticate(sudo, 0) == PAM_SUCCESS, "sudo auth");
	PT_CHECK(pam_open_session(sudo, 0) == PAM_SUCCESS, "sudo open");
	PT_CHECK(count_keys(NULL) == 2, "parallel keys: %d", count_keys(NULL));
	PT_CHECK(pam_close_session(sudo, 0) == PAM_SUCCESS, "sudo close");
	pam_end(sudo, PAM_SUCCESS);
	PT_CHECK(count_keys(NULL) == 1, "sudo close revoked the wrong key");
	payload = NULL;
	PT_CHECK(keyctl_read_alloc(login_key, (void **)&payload) > 0,
	    "login key gone");
	free(payload);

	pam_close_session(login, 0);
	pam_end(login, PAM_SUCCESS);
}

static int
open_with(const char *args, const char *ttl)
{
	pam_handle_t *pamh;
	int r, c;

	pt_service(args);
	pt_script("mode=ok", "keyring=required", ttl, NULL);
	pamh = pt_start(pt_user(), true);
	r = pam_authenticate(pamh, 0);
	PT_CHECK(r == PAM_SUCCESS, "auth (%s): %d", args, r);
	r = pam_open_session(pamh, 0);
	/* libpam replays the frozen open_session chain for close_session,
	 * so after a failed open only a successful one is checked here;
	 * the module itself returns PAM_SUCCESS (test_cross_process). */
	c = pam_close_session(pamh, 0);
	PT_CHECK(r != PAM_SUCCESS || c == PAM_SUCCESS, "close (%s): %d",
	    args, c);
	PT_CHECK(count_keys(NULL) == 0, "key left (%s)", args);
	pam_end(pamh, r);
	return r;
}

/* sudo names the target user before the session: the caller's token is
 * never stored under another user's name. */
static void
test_user_switched(void)
{
	pam_handle_t *pamh;
	int r;

	pt_script("mode=ok", "keyring=required", NULL);
	pamh = pt_start(pt_user(), true);
	PT_CHECK(pam_authenticate(pamh, 0) == PAM_SUCCESS, "auth");
	/* Any other local user: the tests run as root. */
	pam_set_item(pamh, PAM_USER, strcmp(pt_user(), "nobody") == 0 ?
	    "root" : "nobody");
	r = pam_open_session(pamh, 0);
	PT_CHECK(r == PAM_SESSION_ERR, "open as another user: %d", r);
	PT_CHECK(count_keys(NULL) == 0, "token stored for another user");
	pam_end(pamh, r);
}

static void
test_failing_keyring(void)
{
	int r;

	/* An expired token cannot be stored. */
	r = open_with("", "token_ttl=-10");
	PT_CHECK(r == PAM_SESSION_ERR, "required, store fails: %d", r);
	r = open_with("keyring=optional", "token_ttl=-10");
	PT_CHECK(r == PAM_SUCCESS, "optional, store fails: %d", r);
	r = open_with("keyring=off", "token_ttl=3600");
	PT_CHECK(r == PAM_SUCCESS && count_keys(NULL) == 0, "off: %d", r);
}

/* Without pam_keyinit the session keyring is the user default (S7). */
static void
test_user_default_keyring(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		char name[64];

		snprintf(name, sizeof(name), "_uid_ses.%u", getuid());
		if (keyctl_join_session_keyring(name) < 0)
			_exit(3);
		if (open_with("", "token_ttl=3600") != PAM_SESSION_ERR)
			_exit(1);
		if (count_keys(NULL) != 0)
			_exit(2);
		if (open_with("keyring=optional", "token_ttl=3600") !=
		    PAM_SUCCESS)
			_exit(4);
		_exit(pt_failures ? 5 : 0);
	}
	waitpid(pid, &status, 0);
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "user-default keyring: status %d", WEXITSTATUS(status));
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: keys owned by root need root\n");
		return 77;
	}
	pt_init();
	pt_stdin_tty(true);
	if (keyctl_join_session_keyring(NULL) < 0) {
		printf("SKIP: no keyring support: %s\n", strerror(errno));
		return 77;
	}
	pt_service("");

	test_same_process();
	test_cross_process();
	test_reuse();
	test_user_switched();
	test_failing_keyring();
	test_user_default_keyring();
	return pt_finish("test_pam_keyring");
}
