/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test driver: starts bsure-helper the way pam_bsure.so does (socketpair
 * on fd 0, /dev/null on 1 and 2, empty environment), sends AUTH, and
 * prints every message it gets back as one line.  Exit status: the
 * RESULT number, or 10 and up for protocol trouble.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bsure_proto.h"

#define EXIT_NO_RESULT 10
#define EXIT_BAD_MESSAGE 11
#define EXIT_CLOSED 12
#define EXIT_USAGE 13

struct drive_opts {
	const char *helper, *conf, *user, *service, *rhost, *cache_dir;
	const char *reuse_file, *token_out, *log_file;
	double check_after, cancel_after, close_after; /* < 0: never */
	bool debug, interactive;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bsure-drive --helper PATH --conf PATH --user U"
	    " [--service S] [--rhost R]\n"
	    "  [--cache-dir D] [--reuse-token-file F] [--token-out F]"
	    " [--log-file F]\n"
	    "  [--check-after SEC] [--cancel-after SEC] [--close-after SEC]"
	    " [--debug] [--interactive]\n");
	exit(EXIT_USAGE);
}

static pid_t
spawn(const struct drive_opts *o, int sock)
{
	char *argv[16];
	char *envp[] = { NULL };
	int argc = 0, fd;
	pid_t pid;

	argv[argc++] = (char *)o->helper;
	argv[argc++] = (char *)"--conf";
	argv[argc++] = (char *)o->conf;
	if (o->debug)
		argv[argc++] = (char *)"--debug";
	if (o->cache_dir != NULL) {
		argv[argc++] = (char *)"--cache-dir";
		argv[argc++] = (char *)o->cache_dir;
	}
	if (o->log_file != NULL) {
		argv[argc++] = (char *)"--log-fd";
		argv[argc++] = (char *)"3";
	}
	argv[argc] = NULL;

	pid = fork();
	if (pid != 0)
		return pid;
	if (dup2(sock, 0) < 0)
		_exit(127);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	if (o->log_file != NULL) {
		fd = open(o->log_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 3) < 0)
			_exit(127);
	}
	for (fd = o->log_file ? 4 : 3; fd < 1024; fd++)
		close(fd);
	execve(o->helper, argv, envp);
	_exit(127);
}

static char *
read_file(const char *path)
{
	static char buf[BSURE_MSG_MAX];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		exit(EXIT_USAGE);
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

static const char *
get(const struct bsure_msg *m, uint8_t tag)
{
	const char *v = bsure_msg_get(m, tag);

	return v ? v : "";
}

/* Quote text for one output line: no newlines, quotes escaped. */
static void
print_quoted(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
	putchar('"');
}

static int
print_message(const struct drive_opts *o, const struct bsure_msg *m)
{
	const char *tok;

	switch (m->type) {
	case BSURE_MSG_CODE:
		printf("CODE user_code=%s verification_uri=%s expires_in=%s "
		    "interval=%s expires_at=%s complete=%s qr=%d message=",
		    get(m, BSURE_T_USER_CODE),
		    get(m, BSURE_T_VERIFICATION_URI),
		    get(m, BSURE_T_EXPIRES_IN), get(m, BSURE_T_INTERVAL),
		    get(m, BSURE_T_EXPIRES_AT),
		    get(m, BSURE_T_VERIFICATION_URI_COMPLETE),
		    bsure_msg_get(m, BSURE_T_QR) != NULL);
		print_quoted(get(m, BSURE_T_MESSAGE));
		putchar('\n');
		return 0;
	case BSURE_MSG_PENDING:
		printf("PENDING text=");
		print_quoted(get(m, BSURE_T_TEXT));
		putchar('\n');
		return 0;
	case BSURE_MSG_RESULT:
		tok = get(m, BSURE_T_TOKEN);
		printf("RESULT result=%s reason=", get(m, BSURE_T_RESULT));
		print_quoted(get(m, BSURE_T_REASON));
		printf(" text=");
		print_quoted(get(m, BSURE_T_TEXT));
		printf(" user=%s oid=%s group=%s issuer=%s expires_at=%s "
		    "iat=%s pim_end=%s keyring=%s reused=%s token_len=%zu\n",
		    get(m, BSURE_T_USER), get(m, BSURE_T_OID),
		    get(m, BSURE_T_GROUP), get(m, BSURE_T_ISSUER),
		    get(m, BSURE_T_EXPIRES_AT), get(m, BSURE_T_IAT),
		    get(m, BSURE_T_PIM_END), get(m, BSURE_T_KEYRING),
		    get(m, BSURE_T_REUSED), strlen(tok));
		if (o->token_out != NULL && *tok != '\0') {
			FILE *f = fopen(o->token_out, "w");

			if (f != NULL) {
				fprintf(f, "%s\n", tok);
				fclose(f);
			}
		}
		return 1;
	default:
		printf("UNKNOWN type=%u\n", m->type);
		return -1;
	}
}

static int
wait_child(pid_t pid, long long since)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	printf("HELPER exit=%d after_ms=%lld\n", WIFEXITED(status) ?
	    WEXITSTATUS(status) : 128 + WTERMSIG(status), now_ms() - since);
	return status;
}

static double
arg_sec(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || v < 0)
		usage();
	return v;
}

static void
parse_args(int argc, char **argv, struct drive_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->service = "bsure-test";
	o->rhost = "";
	o->check_after = o->cancel_after = o->close_after = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--debug") == 0) {
			o->debug = true;
			continue;
		}
		if (strcmp(a, "--interactive") == 0) {
			o->interactive = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--helper") == 0)
			o->helper = v;
		else if (strcmp(a, "--conf") == 0)
			o->conf = v;
		else if (strcmp(a, "--user") == 0)
			o->user = v;
		else if (strcmp(a, "--service") == 0)
			o->service = v;
		else if (strcmp(a, "--rhost") == 0)
			o->rhost = v;
		else if (strcmp(a, "--cache-dir") == 0)
			o->cache_dir = v;
		else if (strcmp(a, "--reuse-token-file") == 0)
			o->reuse_file = v;
		else if (strcmp(a, "--token-out") == 0)
			o->token_out = v;
		else if (strcmp(a, "--log-file") == 0)
			o->log_file = v;
		else if (strcmp(a, "--check-after") == 0)
			o->check_after = arg_sec(v);
		else if (strcmp(a, "--cancel-after") == 0)
			o->cancel_after = arg_sec(v);
		else if (strcmp(a, "--close-after") == 0)
			o->close_after = arg_sec(v);
		else
			usage();
	}
	if (o->helper == NULL || o->conf == NULL || o->user == NULL)
		usage();
}

static int
send_simple(int fd, uint8_t type)
{
	struct bsure_msg m;

	bsure_msg_init(&m, type);
	return bsure_msg_send(fd, &m);
}

int
main(int argc, char **argv)
{
	struct drive_opts o;
	struct bsure_msg *m = malloc(sizeof(*m));
	long long start, code_at = -1, base;
	bool checked = false;
	int sv[2], rc = EXIT_NO_RESULT;
	pid_t pid;

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (m == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) < 0)
		return EXIT_USAGE;
	start = now_ms();
	pid = spawn(&o, sv[1]);
	close(sv[1]);
	if (pid < 0)
		return EXIT_USAGE;

	bsure_msg_init(m, BSURE_MSG_AUTH);
	bsure_msg_add_u64(m, BSURE_T_VERSION, BSURE_PROTO_VERSION);
	bsure_msg_add(m, BSURE_T_USER, o.user);
	bsure_msg_add(m, BSURE_T_SERVICE, o.service);
	bsure_msg_add(m, BSURE_T_RHOST, o.rhost);
	bsure_msg_add(m, BSURE_T_TTY, "");
	bsure_msg_add(m, BSURE_T_INTERACTIVE, o.interactive ? "1" : "0");
	if (o.reuse_file != NULL)
		bsure_msg_add(m, BSURE_T_REUSE_TOKEN, read_file(o.reuse_file));
	if (bsure_msg_send(sv[0], m) < 0)
		printf("SEND failed\n");
	bsure_msg_wipe(m);

	for (;;) {
		struct pollfd pfd = { .fd = sv[0], .events = POLLIN };
		long long now = now_ms(), next = -1;
		int n, r;

		/* Timed actions count from CODE (or from start without one). */
		base = code_at >= 0 ? code_at : start;
		if (o.check_after >= 0 && !checked)
			next = base + (long long)(o.check_after * 1000);
		if (o.cancel_after >= 0) {
			long long t = base + (long long)(o.cancel_after * 1000);

			next = next < 0 || t < next ? t : next;
		}
		if (o.close_after >= 0) {
			long long t = base + (long long)(o.close_after * 1000);

			next = next < 0 || t < next ? t : next;
		}
		n = poll(&pfd, 1, next < 0 ? -1 : next <= now ? 0 :
		    (int)(next - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			now = now_ms();
			if (o.close_after >= 0 && now >= base +
			    (long long)(o.close_after * 1000)) {
				printf("CLOSE\n");
				close(sv[0]);
				wait_child(pid, now);
				return EXIT_CLOSED;
			}
			if (o.cancel_after >= 0 && now >= base +
			    (long long)(o.cancel_after * 1000)) {
				printf("CANCEL\n");
				send_simple(sv[0], BSURE_MSG_CANCEL);
				o.cancel_after = -1;
				/* Later actions count from here. */
				code_at = now;
			}
			if (o.check_after >= 0 && !checked && now >= base +
			    (long long)(o.check_after * 1000)) {
				printf("CHECK\n");
				send_simple(sv[0], BSURE_MSG_CHECK);
				checked = true;
			}
			continue;
		}
		r = bsure_msg_recv(sv[0], m, 5000);
		if (r == -EPIPE) {
			printf("EOF\n");
			break;
		}
		if (r < 0) {
			printf("BADMSG error=%d\n", r);
			rc = EXIT_BAD_MESSAGE;
			break;
		}
		if (m->type == BSURE_MSG_CODE && code_at < 0)
			code_at = now_ms();
		r = print_message(&o, m);
		if (r > 0) {
			uint64_t v = EXIT_BAD_MESSAGE;

			bsure_msg_get_u64(m, BSURE_T_RESULT, BSURE_RESULT_MAX,
			    &v);
			rc = (int)v;
			bsure_msg_wipe(m);
			break;
		}
		if (r < 0) {
			rc = EXIT_BAD_MESSAGE;
			break;
		}
		bsure_msg_wipe(m);
	}
	close(sv[0]);
	wait_child(pid, now_ms());
	free(m);
	return rc;
}
