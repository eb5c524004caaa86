/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bsure: `status` describes this session's token key (never the token),
 * `login` and `check` live in bsure_login.c and bsure_check.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bsure.h"
#include "kr.h"
#include "kr_payload.h"

static void
usage(FILE *f)
{
	fputs("usage: bsure status\n"
	    "       bsure login [-u USER] [-s SERVICE] -- COMMAND [ARG...]\n"
	    "       bsure check [--config PATH]\n", f);
}

static void
print_time(const char *label, uint64_t t)
{
	time_t tt = (time_t)t;
	long long left = (long long)t - (long long)time(NULL);
	char buf[64] = "?";
	struct tm tm;

	if (t == 0) {
		printf("%-10s none\n", label);
		return;
	}
	if (localtime_r(&tt, &tm) != NULL)
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (left > 0)
		printf("%-10s %s (in %lld min)\n", label, buf,
		    (left + 59) / 60);
	else
		printf("%-10s %s (passed)\n", label, buf);
}

static int
dead_key(int r)
{
	fprintf(stderr, "bsure: this session's token key is %s\n",
	    r == -EKEYREVOKED ? "revoked" : "expired");
	return 2;
}

int
bsure_status(int argc, char **argv)
{
	struct kr_payload p;
	key_serial_t serial;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (argc > 1) {
		usage(stderr);
		return 1;
	}
	r = kr_session_find(NULL, &serial);
	if (r == -EKEYREVOKED || r == -EKEYEXPIRED)
		return dead_key(r);
	if (r < 0) {
		fprintf(stderr, "bsure: no pam_bsure token in this session "
		    "keyring\n");
		return 1;
	}
	r = kr_read(serial, &text, &len);
	if (r == -EKEYREVOKED || r == -EKEYEXPIRED)
		return dead_key(r);
	if (r < 0) {
		fprintf(stderr, "bsure: cannot read key %d: %s\n", serial,
		    strerror(-r));
		return 1;
	}
	r = kr_payload_parse(text, len, &p);
	kr_payload_text_free(text, len);
	if (r < 0) {
		fprintf(stderr, "bsure: key %d has an unknown format\n",
		    serial);
		return 1;
	}

	printf("%-10s %s\n", "user", p.user);
	if (*p.name != '\0')
		printf("%-10s %s\n", "identity", p.name);
	printf("%-10s %s\n", "issuer", p.iss);
	print_time("expires", p.exp);
	printf("%-10s %s\n", "group", *p.group != '\0' ? p.group : "none");
	print_time("pim_end", p.pim_end);
	printf("%-10s %d\n", "key", serial);
	r = p.exp <= (uint64_t)time(NULL) ? 2 : 0;
	kr_payload_free(&p);
	return r;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "status") == 0)
		return bsure_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "login") == 0)
		return bsure_login(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return bsure_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 1;
}
