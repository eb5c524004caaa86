/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for bsure-helper in the PAM-level tests.  It speaks the real
 * protocol and reads its script from the --conf file ("key=value" lines):
 * mode=ok|auth_err|perm_denied|unavail|reuse|crash_before_code|
 *      crash_after_code|garbage|hang|close
 * pending=N  answers N CHECKs with PENDING first
 * autoresult=1  sends RESULT without waiting for CHECK (prompt=info)
 * token_ttl=S  keyring=K  pim_end_in=S  message_len=N  qr_lines=N
 * record=PATH  what it saw: pid, environment size, open fds, AUTH fields
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bsure_proto.h"

#define FAKE_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.c2lnbmF0dXJl"

extern char **environ;

struct script {
	char mode[600];
	int pending;
	int autoresult;
	long token_ttl;
	long pim_end_in;
	char keyring[600];
	int message_len;
	int qr_lines;
	char record[600];
};

static FILE *rec;

static void
load(const char *path, struct script *s)
{
	char line[600], key[64], val[600];
	FILE *f = fopen(path, "r");

	snprintf(s->mode, sizeof(s->mode), "ok");
	s->token_ttl = 3600;
	snprintf(s->keyring, sizeof(s->keyring), "off");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%63[^=]=%599[^\n]", key, val) != 2)
			continue;
		if (strcmp(key, "mode") == 0)
			snprintf(s->mode, sizeof(s->mode), "%s", val);
		else if (strcmp(key, "pending") == 0)
			s->pending = atoi(val);
		else if (strcmp(key, "autoresult") == 0)
			s->autoresult = atoi(val);
		else if (strcmp(key, "token_ttl") == 0)
			s->token_ttl = atol(val);
		else if (strcmp(key, "pim_end_in") == 0)
			s->pim_end_in = atol(val);
		else if (strcmp(key, "keyring") == 0)
			snprintf(s->keyring, sizeof(s->keyring), "%s", val);
		else if (strcmp(key, "message_len") == 0)
			s->message_len = atoi(val);
		else if (strcmp(key, "qr_lines") == 0)
			s->qr_lines = atoi(val);
		else if (strcmp(key, "record") == 0)
			snprintf(s->record, sizeof(s->record), "%s", val);
	}
	fclose(f);
}

static void
record_start(const struct script *s, int argc)
{
	struct dirent *de;
	DIR *d;
	int envc = 0;

	if (s->record[0] == '\0')
		return;
	rec = fopen(s->record, "w");
	if (rec == NULL)
		return;
	while (environ != NULL && environ[envc] != NULL)
		envc++;
	fprintf(rec, "pid=%d\nargc=%d\nenvc=%d\nfds=", (int)getpid(), argc,
	    envc);
	d = opendir("/proc/self/fd");
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d) &&
		    atoi(de->d_name) != fileno(rec))
			fprintf(rec, "%s,", de->d_name);
	}
	if (d != NULL)
		closedir(d);
	fprintf(rec, "\n");
	fflush(rec);
}

static void
note(const char *key, const char *val)
{
	if (rec == NULL)
		return;
	fprintf(rec, "%s=%s\n", key, val != NULL ? val : "(none)");
	fflush(rec);
}

static void
send_code(const struct script *s, struct bsure_msg *m)
{
	char buf[8192];
	int i;

	bsure_msg_init(m, BSURE_MSG_CODE);
	bsure_msg_add(m, BSURE_T_USER_CODE, "FAKE-CODE");
	bsure_msg_add(m, BSURE_T_VERIFICATION_URI,
	    "https://idp.example.test/device");
	bsure_msg_add_u64(m, BSURE_T_EXPIRES_IN, 600);
	bsure_msg_add_u64(m, BSURE_T_EXPIRES_AT, (uint64_t)time(NULL) + 600);
	bsure_msg_add_u64(m, BSURE_T_INTERVAL, 1);
	if (s->message_len > 0 && s->message_len < (int)sizeof(buf)) {
		for (i = 0; i < s->message_len; i++)
			buf[i] = (i % 60 == 59) ? '\n' : 'm';
		buf[i] = '\0';
		bsure_msg_add(m, BSURE_T_MESSAGE, buf);
	}
	if (s->qr_lines > 0 && s->qr_lines * 31 < (int)sizeof(buf)) {
		for (i = 0; i < s->qr_lines * 31; i++)
			buf[i] = (i % 31 == 30) ? '\n' : '#';
		buf[i] = '\0';
		bsure_msg_add(m, BSURE_T_QR, buf);
	}
	bsure_msg_send(0, m);
}

static void
send_result(const struct script *s, struct bsure_msg *m, const char *user)
{
	int verdict = BSURE_OK;
	time_t now = time(NULL);

	if (strcmp(s->mode, "auth_err") == 0)
		verdict = BSURE_AUTH_ERR;
	else if (strcmp(s->mode, "perm_denied") == 0)
		verdict = BSURE_PERM_DENIED;
	else if (strcmp(s->mode, "unavail") == 0)
		verdict = BSURE_UNAVAIL;

	bsure_msg_init(m, BSURE_MSG_RESULT);
	bsure_msg_add_u64(m, BSURE_T_RESULT, (uint64_t)verdict);
	bsure_msg_add(m, BSURE_T_REASON, s->mode);
	bsure_msg_add(m, BSURE_T_TEXT, verdict == BSURE_OK ?
	    "Signed in." : "Fake helper says: sign-in refused.");
	if (verdict == BSURE_OK) {
		bsure_msg_add(m, BSURE_T_TOKEN, FAKE_TOKEN);
		bsure_msg_add_u64(m, BSURE_T_EXPIRES_AT,
		    (uint64_t)(now + s->token_ttl));
		bsure_msg_add(m, BSURE_T_USER, user);
		bsure_msg_add(m, BSURE_T_OID,
		    "00000000-0000-0000-0000-0000000000a1");
		bsure_msg_add(m, BSURE_T_ISSUER, "https://idp.example.test");
		bsure_msg_add(m, BSURE_T_GROUP,
		    "00000000-0000-0000-0000-0000000000b2");
		bsure_msg_add_u64(m, BSURE_T_PIM_END, s->pim_end_in != 0 ?
		    (uint64_t)(now + s->pim_end_in) : 0);
		bsure_msg_add_u64(m, BSURE_T_IAT, (uint64_t)now);
	}
	bsure_msg_add(m, BSURE_T_KEYRING, s->keyring);
	bsure_msg_add(m, BSURE_T_REUSED,
	    strcmp(s->mode, "reuse") == 0 ? "1" : "0");
	bsure_msg_send(0, m);
}

static void __attribute__((noreturn))
hang(void)
{
	signal(SIGTERM, SIG_IGN);
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	static struct bsure_msg m;
	struct script s = { 0 };
	char user[256] = "";
	const char *v;
	int checks = 0;

	if (argc < 3 || strcmp(argv[1], "--conf") != 0)
		return 2;
	load(argv[2], &s);
	record_start(&s, argc);

	if (bsure_msg_recv(0, &m, 5000) < 0 || m.type != BSURE_MSG_AUTH)
		return 3;
	snprintf(user, sizeof(user), "%s", bsure_msg_get(&m, BSURE_T_USER));
	note("user", user);
	note("service", bsure_msg_get(&m, BSURE_T_SERVICE));
	note("rhost", bsure_msg_get(&m, BSURE_T_RHOST));
	note("tty", bsure_msg_get(&m, BSURE_T_TTY));
	note("interactive", bsure_msg_get(&m, BSURE_T_INTERACTIVE));
	v = bsure_msg_get(&m, BSURE_T_REUSE_TOKEN);
	note("reuse", v == NULL ? "absent" :
	    strcmp(v, FAKE_TOKEN) == 0 ? "match" : "other");

	if (strcmp(s.mode, "crash_before_code") == 0)
		abort();
	if (strcmp(s.mode, "garbage") == 0) {
		if (write(0, "\0\0\0\3\xff\xff\xff garbage", 15) < 0)
			return 4;
		sleep(5);
		return 0;
	}
	if (strcmp(s.mode, "close") == 0)
		return 0;
	if (strcmp(s.mode, "reuse") != 0)
		send_code(&s, &m);
	if (s.autoresult || strcmp(s.mode, "reuse") == 0) {
		usleep(100 * 1000);
		send_result(&s, &m, user);
		return 0;
	}

	for (;;) {
		char n[16];

		if (bsure_msg_recv(0, &m, -1) < 0) {
			note("eof", "1");
			if (strcmp(s.mode, "hang") == 0)
				hang();
			return 0;
		}
		if (m.type == BSURE_MSG_CANCEL) {
			note("cancel", "1");
			if (strcmp(s.mode, "hang") == 0)
				hang();
			return 0;
		}
		if (m.type != BSURE_MSG_CHECK)
			return 5;
		snprintf(n, sizeof(n), "%d", ++checks);
		note("checks", n);
		if (strcmp(s.mode, "crash_after_code") == 0)
			abort();
		if (strcmp(s.mode, "hang") == 0)
			hang();
		if (checks <= s.pending) {
			bsure_msg_init(&m, BSURE_MSG_PENDING);
			bsure_msg_add(&m, BSURE_T_TEXT,
			    "Not approved yet: fake pending.");
			bsure_msg_send(0, &m);
			continue;
		}
		send_result(&s, &m, user);
		return 0;
	}
}
