/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Starting and stopping bsure-helper the way pam_unix runs unix_chkpwd:
 * argv and an empty environment built before fork, one socketpair end as
 * fd 0, /dev/null on 1 and 2, nothing else inherited.
 */
#ifndef BSURE_RUN_H
#define BSURE_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct run_helper {
	pid_t pid;
	int fd; /* our end of the socketpair, close-on-exec */
	struct sigaction old_sigchld;
	bool sigchld_saved;
};

/*
 * Check path (executable; root-owned and not group/world-writable when we
 * are root), fork and exec it.  0, or -errno of the check or of execve().
 */
int run_start(const char *path, const char *conf, bool debug,
    struct run_helper *ret);

/*
 * Close our end, give the helper a moment to exit, then SIGTERM and
 * SIGKILL; always reaps it and restores SIGCHLD.  Safe to call twice.
 */
void run_stop(struct run_helper *h);

#endif
