/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `bsure check`: the helper validates the configuration and reaches the
 * IdP (`bsure-helper --check`); here we lint what the helper cannot see:
 * sshd's settings and the PAM stacks that use pam_bsure.so.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "bsure.h"

#define CHECK_LINE_MAX 1024
#define CHECK_FILES_MAX 256
#define DEFAULT_MAX_WAIT 300

struct check {
	int errors;
	int warnings;
	long max_wait;
};

static void __attribute__((format(printf, 3, 4)))
finding(struct check *c, bool error, const char *fmt, ...)
{
	va_list ap;

	if (error)
		c->errors++;
	else
		c->warnings++;
	printf("%s: ", error ? "error" : "warning");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* "key = value" or "key value" (case-insensitive key); value into val. */
static bool
line_key(const char *line, const char *key, char *val, size_t size)
{
	size_t n = strlen(key);
	const char *p = line;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, key, n) != 0 ||
	    !(isspace((unsigned char)p[n]) || p[n] == '='))
		return false;
	p += n;
	while (isspace((unsigned char)*p) || *p == '=')
		p++;
	snprintf(val, size, "%s", p);
	val[strcspn(val, "\r\n \t#")] = '\0';
	return true;
}

/* Run the helper's own check and pick max_wait from its output. */
static void
check_helper(struct check *c, const char *helper, const char *conf)
{
	char line[CHECK_LINE_MAX], val[64];
	int fds[2], status = 0;
	FILE *out;
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		char *const envp[] = { NULL };

		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execle(helper, helper, "--check", "--conf", conf,
		    (char *)NULL, envp);
		/* _exit() skips stdio's flush: write directly. */
		dprintf(STDOUT_FILENO, "error: cannot run %s: %s (install "
		    "the helper or name it with --helper)\n", helper,
		    strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	while (out != NULL && fgets(line, sizeof(line), out) != NULL) {
		fputs(line, stdout);
		if (strncmp(line, "error:", 6) == 0)
			c->errors++;
		if (line_key(line, "max_wait", val, sizeof(val)))
			c->max_wait = strtol(val, NULL, 10);
	}
	if (out != NULL)
		fclose(out);
	else
		close(fds[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if ((pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) &&
	    c->errors == 0)
		finding(c, true, "configuration check failed (%s)", conf);
}

/* max_wait from the config itself when the helper did not print it. */
static void
read_max_wait(struct check *c, const char *conf)
{
	char line[CHECK_LINE_MAX], val[64];
	FILE *f;

	if (c->max_wait > 0 || (f = fopen(conf, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line_key(line, "max_wait", val, sizeof(val)))
			c->max_wait = strtol(val, NULL, 10);
	fclose(f);
}

/* LoginGraceTime: seconds, or with an s/m/h suffix (sshd_config(5)). */
static long
parse_grace(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*end == 'm' || *end == 'M')
		n *= 60;
	else if (*end == 'h' || *end == 'H')
		n *= 3600;
	return n;
}

static void
check_sshd(struct check *c, const char *sshd_config)
{
	char line[CHECK_LINE_MAX], val[64];
	char usepam[64] = "no", kbd[64] = "yes", grace[64] = "120";
	bool from_t = sshd_config == NULL;
	FILE *f;
	long g;

	/* sshd -T resolves Include and Match-free defaults for us. */
	f = from_t ? popen("/usr/sbin/sshd -T 2>/dev/null", "r") :
	    fopen(sshd_config, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line_key(line, "UsePAM", val, sizeof(val)))
			snprintf(usepam, sizeof(usepam), "%s", val);
		else if (line_key(line, "KbdInteractiveAuthentication", val,
		    sizeof(val)) || line_key(line,
		    "ChallengeResponseAuthentication", val, sizeof(val)))
			snprintf(kbd, sizeof(kbd), "%s", val);
		else if (line_key(line, "LoginGraceTime", val, sizeof(val)))
			snprintf(grace, sizeof(grace), "%s", val);
	}
	if (from_t ? pclose(f) != 0 : fclose(f) != 0) {
		finding(c, false, "%s", "sshd -T failed; sshd not checked");
		return;
	}

	if (strcasecmp(usepam, "yes") != 0)
		finding(c, true, "sshd: UsePAM is %s, must be yes", usepam);
	if (strcasecmp(kbd, "yes") != 0)
		finding(c, true, "sshd: KbdInteractiveAuthentication is %s, "
		    "must be yes (see the shipped sshd_config.d/bsure.conf)",
		    kbd);
	g = parse_grace(grace);
	if (g > 0 && g < c->max_wait) {
		finding(c, false, "sshd: LoginGraceTime %lds is below "
		    "max_wait %lds: sshd drops users still signing in", g,
		    c->max_wait);
	}
}

/* One PAM stack file that mentions pam_bsure.so. */
static void
check_stack(struct check *c, const char *dir, const char *name)
{
	char path[4096], line[CHECK_LINE_MAX];
	bool keyinit = false, bsure_session = false, bsure_auth = false;
	bool sshd = strcmp(name, "sshd") == 0;
	/* sudo runs inside a login whose own session keyring it keeps. */
	bool nested = strncmp(name, "sudo", 4) == 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line + strspn(line, " \t");
		bool session = strncmp(p, "session", 7) == 0;
		bool auth = strncmp(p, "auth", 4) == 0;

		if (*p == '#')
			continue;
		if (session && strstr(p, "pam_keyinit.so") && !bsure_session)
			keyinit = true;
		if (session && strstr(p, "pam_bsure.so")) {
			bsure_session = true;
			if (!keyinit && !nested)
				finding(c, true, "%s: pam_keyinit.so force "
				    "revoke must come before pam_bsure.so in "
				    "the session stack", path);
		}
		if (auth && strstr(p, "pam_bsure.so"))
			bsure_auth = true;
		else if (sshd && bsure_auth && (strstr(p, "pam_unix.so") ||
		    strstr(p, "common-auth")))
			finding(c, true, "%s: a password fallback follows "
			    "pam_bsure.so in the auth stack", path);
		else if (sshd && strncmp(p, "@include", 8) == 0 &&
		    strstr(p, "common-auth") && bsure_auth)
			finding(c, true, "%s: common-auth follows pam_bsure.so "
			    "(password fallback)", path);
	}
	fclose(f);
}

static void
check_pam(struct check *c, const char *dir)
{
	char path[4096], line[CHECK_LINE_MAX];
	struct dirent *de;
	int seen = 0, files = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && files++ < CHECK_FILES_MAX) {
		bool uses = false;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (!uses && fgets(line, sizeof(line), f) != NULL)
			uses = line[strspn(line, " \t")] != '#' &&
			    strstr(line, "pam_bsure.so") != NULL;
		fclose(f);
		if (uses) {
			seen++;
			check_stack(c, dir, de->d_name);
		}
	}
	closedir(d);
	if (seen == 0) {
		finding(c, false, "no PAM stack in %s uses pam_bsure.so",
		    dir);
	}
}

int
bsure_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "helper", required_argument, NULL, 'H' },
		{ "pam-dir", required_argument, NULL, 'p' },
		{ "sshd-config", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = BSURE_CONF_PATH, *helper = BSURE_HELPER_PATH;
	const char *pamdir = "/etc/pam.d", *sshd_config = NULL;
	struct check c = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'c')
			conf = optarg;
		else if (opt == 'H')
			helper = optarg;
		else if (opt == 'p')
			pamdir = optarg;
		else if (opt == 's')
			sshd_config = optarg;
		else
			return 2;
	}

	check_helper(&c, helper, conf);
	read_max_wait(&c, conf);
	if (c.max_wait <= 0)
		c.max_wait = DEFAULT_MAX_WAIT;
	check_sshd(&c, sshd_config);
	check_pam(&c, pamdir);

	printf("%d error(s), %d warning(s)\n", c.errors, c.warnings);
	return c.errors > 0 ? 1 : 0;
}
