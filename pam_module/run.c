/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helper process lifecycle (run.h).  The host process (sshd, sudo, login)
 * must see neither a zombie nor an orphan, whatever path we leave by.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

/* After the last message the helper exits at once; give it this long. */
#define RUN_EXIT_GRACE_MS 300
#define RUN_TERM_GRACE_MS 300
/* The status pipe's write end sits here in the child until execve(). */
#define RUN_STATUS_FD 3

static int
check_binary(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	/* Root runs this with the user's token in reach: it must be as
	 * trustworthy as the module itself. */
	if (geteuid() == 0 &&
	    (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0))
		return -EPERM;
	return 0;
}

static void
close_from(int lowfd)
{
	struct rlimit rl;
	int fd, max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = lowfd; fd < max; fd++)
		close(fd);
}

/* In the child: only async-signal-safe calls from here to execve(). */
static void __attribute__((noreturn))
child_exec(int sock, int status_w, pid_t parent, char *const argv[])
{
	char *const envp[] = { NULL };
	struct sigaction sa;
	int report = status_w;
	sigset_t none;
	int devnull, err, sig;

	/* Lift every fd we need above 2 first: any of them may be 0-2 if
	 * the host runs with those closed. */
	status_w = fcntl(status_w, F_DUPFD_CLOEXEC, 10);
	if (status_w >= 0)
		report = status_w;
	sock = fcntl(sock, F_DUPFD, 10);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (sock < 0 || status_w < 0 || devnull < 0)
		goto fail;
	if (dup2(sock, 0) < 0 || dup2(devnull, 1) < 0 ||
	    dup2(devnull, 2) < 0 ||
	    dup3(status_w, RUN_STATUS_FD, O_CLOEXEC) < 0)
		goto fail;
	report = RUN_STATUS_FD;
	close_from(RUN_STATUS_FD + 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* Own session: the terminal's Ctrl-C reaches the host, which then
	 * cancels us; the death signal covers a host that simply dies. */
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);

	execve(argv[0], argv, envp);
fail:
	err = errno;
	if (write(report, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static void
restore_sigchld(struct run_helper *h)
{
	if (!h->sigchld_saved)
		return;
	sigaction(SIGCHLD, &h->old_sigchld, NULL);
	h->sigchld_saved = false;
}

/* 0 once reaped, -ETIMEDOUT if still running after ms. */
static int
reap_within(pid_t pid, int ms)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	int waited;

	for (waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (waited >= ms)
			return -ETIMEDOUT;
		nanosleep(&step, NULL);
	}
}

static int
read_exec_status(int fd)
{
	int err = 0;
	ssize_t n;

	do {
		n = read(fd, &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(err))
		return err > 0 ? -err : -EIO;
	return n < 0 ? -errno : 0;
}

int
run_start(const char *path, const char *conf, bool debug,
    struct run_helper *ret)
{
	char *argv[] = { (char *)path, (char *)"--conf", (char *)conf,
		debug ? (char *)"--debug" : NULL, NULL };
	struct run_helper h = { .pid = -1, .fd = -1 };
	struct sigaction dfl;
	int sv[2], pipefd[2];
	pid_t parent = getpid();
	int r;

	r = check_binary(path);
	if (r < 0)
		return r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}

	/* waitpid() must see our child even if the host ignores SIGCHLD
	 * (which makes the kernel reap children itself). */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &dfl, &h.old_sigchld) == 0)
		h.sigchld_saved = true;

	h.pid = fork();
	if (h.pid == 0)
		child_exec(sv[1], pipefd[1], parent, argv);
	r = h.pid < 0 ? -errno : 0;
	close(sv[1]);
	close(pipefd[1]);
	if (r == 0)
		r = read_exec_status(pipefd[0]);
	close(pipefd[0]);
	h.fd = sv[0];
	if (r < 0) {
		run_stop(&h);
		return r;
	}

	*ret = h;
	return 0;
}

void
run_stop(struct run_helper *h)
{
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	if (h->pid <= 0) {
		restore_sigchld(h);
		return;
	}

	/* EOF on its socket is the helper's signal to stop. */
	if (reap_within(h->pid, RUN_EXIT_GRACE_MS) < 0) {
		kill(h->pid, SIGTERM);
		if (reap_within(h->pid, RUN_TERM_GRACE_MS) < 0) {
			kill(h->pid, SIGKILL);
			while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	h->pid = -1;
	restore_sigchld(h);
}
