/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PAM-level test harness (pamtest.h).  Runs the built module through
 * pam_start_confdir() with a private confdir, so no root and no changes
 * to /etc/pam.d are needed.
 */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pamtest.h"

struct pt_conv pt_conv_state;
int pt_failures;

static char dir[256], confdir[300], script[300], record[300];
static char user[256];

static void
die(const char *what)
{
	perror(what);
	exit(99);
}

void
pt_init(void)
{
	const char *tmp = getenv("TMPDIR");
	struct passwd *pw = getpwuid(getuid());

	if (pw == NULL)
		die("getpwuid");
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	snprintf(dir, sizeof(dir), "%s/bsure-pamtest.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(confdir, sizeof(confdir), "%s/pam.d", dir);
	if (mkdir(confdir, 0700) < 0)
		die("mkdir");
	snprintf(script, sizeof(script), "%s/script.conf", dir);
	snprintf(record, sizeof(record), "%s/record", dir);
	setvbuf(stdout, NULL, _IONBF, 0);
}

const char *
pt_user(void)
{
	return user;
}

const char *
pt_record_path(void)
{
	return record;
}

const char *
pt_conf_path(void)
{
	return script;
}

const char *
pt_dir(void)
{
	return dir;
}

void
pt_service_raw(const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bsure-test", confdir);
	f = fopen(path, "w");
	if (f == NULL)
		die(path);
	fputs(text, f);
	fclose(f);
}

void
pt_service(const char *args)
{
	char text[4096];
	const char *types[] = { "auth", "account", "session" };
	size_t i, off = 0;

	for (i = 0; i < 3; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "%s required %s helper=%s conf=%s %s\n", types[i],
		    MODULE_PATH, FAKE_HELPER, script, args);
	pt_service_raw(text);
}

void
pt_script(const char *first, ...)
{
	const char *line;
	va_list ap;
	FILE *f;

	unlink(record);
	f = fopen(script, "w");
	if (f == NULL)
		die(script);
	fprintf(f, "record=%s\n", record);
	va_start(ap, first);
	for (line = first; line != NULL; line = va_arg(ap, const char *))
		fprintf(f, "%s\n", line);
	va_end(ap);
	fclose(f);
}

void
pt_reset_conv(void)
{
	int i;

	for (i = 0; i < pt_conv_state.n; i++)
		free(pt_conv_state.text[i]);
	memset(&pt_conv_state, 0, sizeof(pt_conv_state));
}

int
pt_conv_fn(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct pt_conv *c = &pt_conv_state;
	struct pam_response *r;
	int i;

	c->calls++;
	if (c->fail_at_call == c->calls)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (c->n < PT_MSGS_MAX) {
			c->style[c->n] = msg[i]->msg_style;
			c->call_of[c->n] = c->calls;
			c->text[c->n] = strdup(msg[i]->msg);
			c->n++;
		}
		if ((msg[i]->msg_style == PAM_PROMPT_ECHO_ON ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) &&
		    !c->null_response)
			r[i].resp = strdup("");
	}
	*resp = r;
	return PAM_SUCCESS;
}

pam_handle_t *
pt_start(const char *u, bool with_conv)
{
	static struct pam_conv conv = { pt_conv_fn, NULL };
	/* An application without a conversation function. */
	static struct pam_conv none = { NULL, NULL };
	pam_handle_t *pamh = NULL;
	int r;

	pt_reset_conv();
	r = pam_start_confdir("bsure-test", u, with_conv ? &conv : &none,
	    confdir, &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %d\n", r);
		exit(99);
	}
	return pamh;
}

const char *
pt_record(const char *key)
{
	static char val[1024];
	char line[1100];
	size_t n = strlen(key);
	const char *found = NULL;
	FILE *f = fopen(record, "r");

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, n) == 0 && line[n] == '=') {
			snprintf(val, sizeof(val), "%s", line + n + 1);
			val[strcspn(val, "\n")] = '\0';
			found = val;
		}
	}
	fclose(f);
	return found;
}

bool
pt_record_exists(void)
{
	return access(record, F_OK) == 0;
}

int
pt_children(void)
{
	struct dirent *de;
	int count = 0;
	DIR *d = opendir("/proc");

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[300], line[256];
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "PPid:", 5) == 0 &&
			    atoi(line + 5) == (int)getpid())
				count++;
		fclose(f);
	}
	closedir(d);
	return count;
}

bool
pt_pid_alive(int pid)
{
	return pid > 0 && kill(pid, 0) == 0;
}

double
pt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
pt_stdin_tty(bool tty)
{
	int fd;

	if (tty) {
		int master = posix_openpt(O_RDWR | O_NOCTTY);

		if (master < 0 || grantpt(master) < 0 ||
		    unlockpt(master) < 0)
			die("posix_openpt");
		fd = open(ptsname(master), O_RDWR | O_NOCTTY);
		/* The master stays open (leaked on purpose) so the
		 * terminal lives as long as the test. */
	} else {
		fd = open("/dev/null", O_RDONLY);
	}
	if (fd < 0 || dup2(fd, 0) < 0)
		die("stdin");
	close(fd);
}

int
pt_find(const char *needle)
{
	int i;

	for (i = 0; i < pt_conv_state.n; i++)
		if (strcasestr(pt_conv_state.text[i], needle) != NULL)
			return i;
	return -1;
}

int
pt_finish(const char *name)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
	printf("%s: %s (%d failures)\n", name, pt_failures ? "FAIL" : "ok",
	    pt_failures);
	return pt_failures ? 1 : 0;
}
