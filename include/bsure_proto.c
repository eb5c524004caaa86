/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of the module <-> helper protocol (see bsure_proto.h).  Compiled
 * into both sides; bsure_msg_parse() is the fuzzed entry point.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bsure_proto.h"

/* type byte, then per field: tag byte and a 16-bit length */
#define HDR_LEN 4
#define FIELD_HDR_LEN 3

void
bsure_msg_init(struct bsure_msg *m, uint8_t type)
{
	m->type = type;
	m->nfields = 0;
	m->used = 0;
}

static int
msg_add_bytes(struct bsure_msg *m, uint8_t tag, const char *val, size_t len)
{
	size_t wire = 1;
	unsigned int i;

	if (memchr(val, '\0', len) != NULL)
		return -EINVAL;
	if (m->nfields >= BSURE_FIELDS_MAX || len > UINT16_MAX)
		return -E2BIG;
	for (i = 0; i < m->nfields; i++) {
		if (m->f[i].tag == tag)
			return -EEXIST;
		wire += FIELD_HDR_LEN + m->f[i].len;
	}
	if (wire + FIELD_HDR_LEN + len > BSURE_MSG_MAX ||
	    m->used + len + 1 > sizeof(m->arena))
		return -E2BIG;

	m->f[m->nfields].tag = tag;
	m->f[m->nfields].len = (uint16_t)len;
	m->f[m->nfields].val = m->arena + m->used;
	memcpy(m->arena + m->used, val, len);
	m->arena[m->used + len] = '\0';
	m->used += len + 1;
	m->nfields++;
	return 0;
}

int
bsure_msg_add(struct bsure_msg *m, uint8_t tag, const char *val)
{
	if (val == NULL)
		return -EINVAL;
	return msg_add_bytes(m, tag, val, strlen(val));
}

int
bsure_msg_add_u64(struct bsure_msg *m, uint8_t tag, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return bsure_msg_add(m, tag, buf);
}

const char *
bsure_msg_get(const struct bsure_msg *m, uint8_t tag)
{
	unsigned int i;

	for (i = 0; i < m->nfields; i++)
		if (m->f[i].tag == tag)
			return m->f[i].val;
	return NULL;
}

int
bsure_msg_get_u64(const struct bsure_msg *m, uint8_t tag, uint64_t max,
    uint64_t *ret_val)
{
	const char *s = bsure_msg_get(m, tag);
	uint64_t v = 0;

	if (s == NULL)
		return -ENOENT;
	if (*s == '\0' || strlen(s) > 20)
		return -EINVAL;
	for (; *s != '\0'; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret_val = v;
	return 0;
}

int
bsure_msg_encode(const struct bsure_msg *m, unsigned char *buf,
    size_t bufsize, size_t *ret_len)
{
	size_t pos = HDR_LEN;
	unsigned int i;

	if (bufsize < HDR_LEN + 1)
		return -E2BIG;
	buf[pos++] = m->type;
	for (i = 0; i < m->nfields; i++) {
		const struct bsure_field *f = &m->f[i];

		if (pos + FIELD_HDR_LEN + f->len > bufsize ||
		    pos - HDR_LEN + FIELD_HDR_LEN + f->len > BSURE_MSG_MAX)
			return -E2BIG;
		buf[pos++] = f->tag;
		buf[pos++] = (unsigned char)(f->len >> 8);
		buf[pos++] = (unsigned char)(f->len & 0xff);
		memcpy(buf + pos, f->val, f->len);
		pos += f->len;
	}

	buf[0] = (unsigned char)((pos - HDR_LEN) >> 24);
	buf[1] = (unsigned char)((pos - HDR_LEN) >> 16);
	buf[2] = (unsigned char)((pos - HDR_LEN) >> 8);
	buf[3] = (unsigned char)((pos - HDR_LEN) & 0xff);
	*ret_len = pos;
	return 0;
}

int
bsure_msg_parse(struct bsure_msg *m, const unsigned char *buf, size_t len)
{
	size_t pos = 1;
	int r;

	if (len < 1 || len > BSURE_MSG_MAX)
		return -EBADMSG;
	bsure_msg_init(m, buf[0]);

	while (pos < len) {
		uint8_t tag;
		size_t flen;

		if (len - pos < FIELD_HDR_LEN)
			return -EBADMSG;
		tag = buf[pos];
		flen = ((size_t)buf[pos + 1] << 8) | buf[pos + 2];
		pos += FIELD_HDR_LEN;
		if (flen > len - pos)
			return -EBADMSG;
		r = msg_add_bytes(m, tag, (const char *)buf + pos, flen);
		if (r < 0)
			return -EBADMSG;
		pos += flen;
	}
	return 0;
}

static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EPIPE ? -EPIPE : -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
bsure_msg_send(int fd, const struct bsure_msg *m)
{
	unsigned char *buf;
	size_t len;
	int r;

	buf = malloc(BSURE_MSG_MAX + HDR_LEN);
	if (buf == NULL)
		return -ENOMEM;
	r = bsure_msg_encode(m, buf, BSURE_MSG_MAX + HDR_LEN, &len);
	if (r == 0)
		r = write_all(fd, buf, len);
	explicit_bzero(buf, BSURE_MSG_MAX + HDR_LEN);
	free(buf);
	return r;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly len bytes before the deadline (-1: none). */
static int
read_full(int fd, unsigned char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait = -1;
		ssize_t n;
		int r;

		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;

		n = read(fd, buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
bsure_msg_recv(int fd, struct bsure_msg *m, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	unsigned char hdr[HDR_LEN];
	unsigned char *buf;
	size_t len;
	int r;

	r = read_full(fd, hdr, HDR_LEN, deadline);
	if (r < 0)
		return r;
	len = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) |
	    ((size_t)hdr[2] << 8) | hdr[3];
	if (len < 1 || len > BSURE_MSG_MAX)
		return -EBADMSG;

	buf = malloc(len);
	if (buf == NULL)
		return -ENOMEM;
	r = read_full(fd, buf, len, deadline);
	if (r == 0)
		r = bsure_msg_parse(m, buf, len);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

void
bsure_msg_wipe(struct bsure_msg *m)
{
	explicit_bzero(m, sizeof(*m));
}
