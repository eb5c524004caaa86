/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `bsure login`: a container entrypoint that runs the PAM stack with its
 * own conversation (printing at once, with or without a terminal), opens
 * the session, runs COMMAND as the user and closes the session after it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "bsure.h"

#define LOGIN_SERVICE "bsure-login"

static volatile sig_atomic_t child_pid;

static int
login_conv(int n, const struct pam_message **msg,
    struct pam_response **ret_resp, void *data)
{
	struct pam_response *resp;
	char line[PAM_MAX_RESP_SIZE];
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	resp = calloc((size_t)n, sizeof(*resp));
	if (resp == NULL)
		return PAM_BUF_ERR;

	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_ERROR_MSG:
			fprintf(stderr, "%s\n", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			printf("%s\n", msg[i]->msg);
			fflush(stdout);
			break;
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF:
			printf("%s", msg[i]->msg);
			fflush(stdout);
			if (fgets(line, sizeof(line), stdin) == NULL)
				goto fail;
			line[strcspn(line, "\n")] = '\0';
			resp[i].resp = strdup(line);
			explicit_bzero(line, sizeof(line));
			if (resp[i].resp == NULL)
				goto fail;
			break;
		default:
			goto fail;
		}
	}
	*ret_resp = resp;
	return PAM_SUCCESS;

fail:
	for (i = 0; i < n; i++)
		free(resp[i].resp);
	free(resp);
	return PAM_CONV_ERR;
}

static void
forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* The user's basic variables, unless the stack set them already. */
static void
put_default_env(pam_handle_t *pamh, const struct passwd *pw)
{
	const char *names[] = { "HOME", "USER", "LOGNAME", "SHELL", "PATH" };
	const char *values[] = { pw->pw_dir, pw->pw_name, pw->pw_name,
		pw->pw_shell, "/usr/local/bin:/usr/bin:/bin" };
	char buf[4096];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (pam_getenv(pamh, names[i]) != NULL)
			continue;
		snprintf(buf, sizeof(buf), "%s=%s", names[i], values[i]);
		pam_putenv(pamh, buf);
	}
}

static void __attribute__((noreturn))
run_child(const struct passwd *pw, char **env, char **cmd)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		perror("bsure login: cannot switch user");
		_exit(126);
	}
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		_exit(126);
	execvpe(cmd[0], cmd, env);
	fprintf(stderr, "bsure login: %s: %s\n", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int
wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int
pam_fail(pam_handle_t *pamh, const char *step, int r)
{
	fprintf(stderr, "bsure login: %s: %s\n", step, pam_strerror(pamh, r));
	return 1;
}

static const char *
default_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u != NULL && *u != '\0')
		return u;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : NULL;
}

static int
session(pam_handle_t *pamh, const struct passwd *pw, char **cmd)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	char **env;
	pid_t pid;
	int status, i;

	put_default_env(pamh, pw);
	env = pam_getenvlist(pamh);
	if (env == NULL)
		return 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	pid = fork();
	if (pid == 0)
		run_child(pw, env, cmd);
	if (pid < 0) {
		perror("bsure login: fork");
		status = 1;
	} else {
		child_pid = pid;
		status = wait_child(pid);
		child_pid = 0;
	}
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
	return status;
}

int
bsure_login(int argc, char **argv)
{
	struct pam_conv conv = { login_conv, NULL };
	const char *user = NULL, *service = LOGIN_SERVICE;
	pam_handle_t *pamh = NULL;
	struct passwd *pw;
	int opt, r, status = 1;

	while ((opt = getopt(argc, argv, "+u:s:")) != -1) {
		if (opt == 'u')
			user = optarg;
		else if (opt == 's')
			service = optarg;
		else
			return 1;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bsure login [-u USER] [-s SERVICE] "
		    "-- COMMAND [ARG...]\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bsure login: must run as root\n");
		return 1;
	}
	if (user == NULL)
		user = default_user();
	pw = user != NULL ? getpwnam(user) : NULL;
	if (pw == NULL) {
		fprintf(stderr, "bsure login: unknown user\n");
		return 1;
	}

	r = pam_start(service, pw->pw_name, &conv, &pamh);
	if (r != PAM_SUCCESS)
		return pam_fail(pamh, "pam_start", r);
	if (isatty(STDIN_FILENO) && ttyname(STDIN_FILENO) != NULL)
		pam_set_item(pamh, PAM_TTY, ttyname(STDIN_FILENO));

	r = pam_authenticate(pamh, 0);
	if (r != PAM_SUCCESS) {
		status = pam_fail(pamh, "authentication", r);
		goto end;
	}
	r = pam_acct_mgmt(pamh, 0);
	if (r != PAM_SUCCESS) {
		status = pam_fail(pamh, "account", r);
		goto end;
	}
	r = pam_setcred(pamh, PAM_ESTABLISH_CRED);
	if (r != PAM_SUCCESS) {
		status = pam_fail(pamh, "credentials", r);
		goto end;
	}
	r = pam_open_session(pamh, 0);
	if (r != PAM_SUCCESS) {
		status = pam_fail(pamh, "session", r);
		pam_setcred(pamh, PAM_DELETE_CRED);
		goto end;
	}

	status = session(pamh, pw, argv + optind);

	pam_close_session(pamh, 0);
	pam_setcred(pamh, PAM_DELETE_CRED);
end:
	pam_end(pamh, r);
	return status;
}
