/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes and parses the key payload (kr_payload.h).  The parser sees bytes
 * that a root-owned key returned, but it stays strict anyway: it is fuzzed
 * and `bsure status` relies on it.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_payload.h"

enum { F_USER, F_NAME, F_ISS, F_OID, F_GROUP, F_KEYRING, F_EXP, F_PIM_END,
	F_IAT, F_TOKEN, F_COUNT };

static const char *const field_names[F_COUNT] = {
	"user", "name", "iss", "oid", "group", "keyring", "exp", "pim_end",
	"iat", "token",
};

static bool
has_newline(const char *s)
{
	return s != NULL && strchr(s, '\n') != NULL;
}

int
kr_payload_format(const struct kr_payload *p, char **ret_text,
    size_t *ret_len)
{
	const char *strs[] = { p->user, p->name, p->iss, p->oid, p->group,
		p->keyring, p->token };
	char *text;
	size_t i;
	int n;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (has_newline(strs[i]))
			return -EINVAL;
	if (p->user == NULL || *p->user == '\0' || p->token == NULL)
		return -EINVAL;

	text = malloc(KR_PAYLOAD_MAX + 1);
	if (text == NULL)
		return -ENOMEM;
	n = snprintf(text, KR_PAYLOAD_MAX + 1,
	    "v=%d\nuser=%s\nname=%s\niss=%s\noid=%s\ngroup=%s\nkeyring=%s\n"
	    "exp=%llu\npim_end=%llu\niat=%llu\ntoken=%s\n",
	    KR_PAYLOAD_VERSION, p->user, p->name ? p->name : "",
	    p->iss ? p->iss : "", p->oid ? p->oid : "",
	    p->group ? p->group : "", p->keyring ? p->keyring : "",
	    (unsigned long long)p->exp, (unsigned long long)p->pim_end,
	    (unsigned long long)p->iat, p->token);
	if (n < 0 || n > KR_PAYLOAD_MAX) {
		kr_payload_text_free(text, KR_PAYLOAD_MAX + 1);
		return -E2BIG;
	}

	*ret_text = text;
	*ret_len = (size_t)n;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return -EBADMSG;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EBADMSG;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

/* Split buf (NUL-terminated, newline-separated) into fields[]. */
static int
split_fields(char *buf, const char *fields[F_COUNT])
{
	char *line = buf, *nl;
	bool first = true;
	int k;

	while (*line != '\0') {
		char *eq;

		nl = strchr(line, '\n');
		if (nl == NULL)
			return -EBADMSG;
		*nl = '\0';
		eq = strchr(line, '=');
		if (eq == NULL)
			return -EBADMSG;
		*eq = '\0';

		if (first) {
			if (strcmp(line, "v") != 0 || strcmp(eq + 1, "1") != 0)
				return -EBADMSG;
			first = false;
			line = nl + 1;
			continue;
		}
		for (k = 0; k < F_COUNT; k++)
			if (strcmp(line, field_names[k]) == 0)
				break;
		if (k == F_COUNT || fields[k] != NULL)
			return -EBADMSG;
		fields[k] = eq + 1;
		line = nl + 1;
	}
	return first ? -EBADMSG : 0;
}

int
kr_payload_parse(const char *text, size_t len, struct kr_payload *ret)
{
	const char *fields[F_COUNT] = { NULL };
	struct kr_payload p = { 0 };
	int r = -EBADMSG;
	int k;

	if (len == 0 || len > KR_PAYLOAD_MAX || memchr(text, '\0', len))
		return -EBADMSG;
	p.buf = malloc(len + 1);
	if (p.buf == NULL)
		return -ENOMEM;
	memcpy(p.buf, text, len);
	p.buf[len] = '\0';
	p.buflen = len + 1;

	r = split_fields(p.buf, fields);
	if (r < 0)
		goto out;
	r = -EBADMSG;
	if (fields[F_USER] == NULL || *fields[F_USER] == '\0' ||
	    fields[F_EXP] == NULL || fields[F_TOKEN] == NULL)
		goto out;
	for (k = 0; k < F_COUNT; k++)
		if (fields[k] == NULL)
			fields[k] = "";
	if (parse_u64(fields[F_EXP], &p.exp) < 0)
		goto out;
	if (*fields[F_PIM_END] != '\0' &&
	    parse_u64(fields[F_PIM_END], &p.pim_end) < 0)
		goto out;
	if (*fields[F_IAT] != '\0' && parse_u64(fields[F_IAT], &p.iat) < 0)
		goto out;

	p.user = fields[F_USER];
	p.name = fields[F_NAME];
	p.iss = fields[F_ISS];
	p.oid = fields[F_OID];
	p.group = fields[F_GROUP];
	p.keyring = fields[F_KEYRING];
	p.token = fields[F_TOKEN];
	*ret = p;
	return 0;

out:
	kr_payload_free(&p);
	return r;
}

void
kr_payload_free(struct kr_payload *p)
{
	if (p->buf != NULL) {
		explicit_bzero(p->buf, p->buflen);
		free(p->buf);
	}
	memset(p, 0, sizeof(*p));
}

void
kr_payload_text_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	explicit_bzero(text, len);
	free(text);
}
