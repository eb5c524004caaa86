/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module <-> helper framing (bsure_proto.h) as the helper uses it:
 * round trips, every malformed frame, and timeouts/EOF on a socketpair.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bsure_proto.h"

static struct bsure_msg m, back;
static unsigned char buf[BSURE_MSG_MAX + 64];

static void
test_round_trip(void **state)
{
	uint64_t v;
	size_t len;

	bsure_msg_init(&m, BSURE_MSG_RESULT);
	assert_int_equal(bsure_msg_add_u64(&m, BSURE_T_RESULT, 2), 0);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_REASON, "not_in_group"),
	    0);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_TEXT, ""), 0);
	assert_int_equal(bsure_msg_encode(&m, buf, sizeof(buf), &len), 0);
	assert_int_equal(bsure_msg_parse(&back, buf + 4, len - 4), 0);
	assert_int_equal(back.type, BSURE_MSG_RESULT);
	assert_int_equal(back.nfields, 3);
	assert_int_equal(bsure_msg_get_u64(&back, BSURE_T_RESULT, 3, &v), 0);
	assert_int_equal(v, 2);
	assert_string_equal(bsure_msg_get(&back, BSURE_T_REASON),
	    "not_in_group");
	assert_string_equal(bsure_msg_get(&back, BSURE_T_TEXT), "");
	assert_null(bsure_msg_get(&back, BSURE_T_TOKEN));
	assert_int_equal(bsure_msg_get_u64(&back, BSURE_T_REASON, 3, &v),
	    -EINVAL);
	/* A value above max is out of range, one digit or many. */
	assert_int_equal(bsure_msg_get_u64(&back, BSURE_T_RESULT, 1, &v),
	    -ERANGE);
	assert_int_equal(bsure_msg_get_u64(&back, BSURE_T_RESULT, 2, &v), 0);
	bsure_msg_init(&m, BSURE_MSG_RESULT);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_RESULT,
	    "99999999999999999999"), 0);
	assert_int_equal(bsure_msg_get_u64(&m, BSURE_T_RESULT, UINT64_MAX,
	    &v), -ERANGE);
}

/* A hand-made frame body: type then fields. */
static size_t
frame(unsigned char *b, uint8_t type, const uint8_t *tags,
    const char *const *vals, size_t n)
{
	size_t pos = 0, i;

	b[pos++] = type;
	for (i = 0; i < n; i++) {
		size_t l = strlen(vals[i]);

		b[pos++] = tags[i];
		b[pos++] = (unsigned char)(l >> 8);
		b[pos++] = (unsigned char)l;
		memcpy(b + pos, vals[i], l);
		pos += l;
	}
	return pos;
}

static void
test_malformed(void **state)
{
	const uint8_t dup_tags[] = { BSURE_T_USER, BSURE_T_USER };
	const char *const dup_vals[] = { "alice", "root" };
	uint8_t many_tags[BSURE_FIELDS_MAX + 1];
	const char *many_vals[BSURE_FIELDS_MAX + 1];
	size_t len, i;

	/* Length 0 and over the maximum. */
	assert_int_equal(bsure_msg_parse(&back, buf, 0), -EBADMSG);
	assert_int_equal(bsure_msg_parse(&back, buf, BSURE_MSG_MAX + 1),
	    -EBADMSG);

	/* Truncated field header and truncated value. */
	len = frame(buf, BSURE_MSG_AUTH, dup_tags, dup_vals, 1);
	assert_int_equal(bsure_msg_parse(&back, buf, len), 0);
	assert_int_equal(bsure_msg_parse(&back, buf, 3), -EBADMSG);
	assert_int_equal(bsure_msg_parse(&back, buf, len - 1), -EBADMSG);

	/* A tag twice. */
	len = frame(buf, BSURE_MSG_AUTH, dup_tags, dup_vals, 2);
	assert_int_equal(bsure_msg_parse(&back, buf, len), -EBADMSG);

	/* NUL inside a value. */
	len = frame(buf, BSURE_MSG_AUTH, dup_tags, dup_vals, 1);
	buf[5] = '\0';
	assert_int_equal(bsure_msg_parse(&back, buf, len), -EBADMSG);

	/* Too many fields. */
	for (i = 0; i <= BSURE_FIELDS_MAX; i++) {
		many_tags[i] = (uint8_t)(100 + i);
		many_vals[i] = "x";
	}
	len = frame(buf, BSURE_MSG_AUTH, many_tags, many_vals,
	    BSURE_FIELDS_MAX);
	assert_int_equal(bsure_msg_parse(&back, buf, len), 0);
	len = frame(buf, BSURE_MSG_AUTH, many_tags, many_vals,
	    BSURE_FIELDS_MAX + 1);
	assert_int_equal(bsure_msg_parse(&back, buf, len), -EBADMSG);

	/* Building refuses the same things. */
	bsure_msg_init(&m, BSURE_MSG_AUTH);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_USER, "a"), 0);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_USER, "b"), -EEXIST);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_SERVICE, NULL), -EINVAL);
}

static void
test_too_big(void **state)
{
	char *big = malloc(BSURE_MSG_MAX + 1);

	assert_non_null(big);
	memset(big, 'a', BSURE_MSG_MAX);
	big[BSURE_MSG_MAX] = '\0';
	bsure_msg_init(&m, BSURE_MSG_RESULT);
	assert_int_equal(bsure_msg_add(&m, BSURE_T_TOKEN, big), -E2BIG);
	big[BSURE_MSG_MAX - 100] = '\0';
	assert_int_equal(bsure_msg_add(&m, BSURE_T_TOKEN, big), 0);
	free(big);
}

static void
test_socketpair(void **state)
{
	unsigned char hdr[4] = { 0, 0, 0, 9 };
	unsigned char huge[4] = { 0, 1, 0, 0 };
	int sv[2], sv2[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	bsure_msg_init(&m, BSURE_MSG_CHECK);
	assert_int_equal(bsure_msg_send(sv[0], &m), 0);
	assert_int_equal(bsure_msg_recv(sv[1], &back, 1000), 0);
	assert_int_equal(back.type, BSURE_MSG_CHECK);

	/* Nothing sent: timeout. */
	assert_int_equal(bsure_msg_recv(sv[1], &back, 50), -ETIMEDOUT);

	/* Header promising more than arrives: timeout, then EOF. */
	assert_int_equal(write(sv[0], hdr, 4), 4);
	assert_int_equal(write(sv[0], "\x0b", 1), 1);
	assert_int_equal(bsure_msg_recv(sv[1], &back, 50), -ETIMEDOUT);

	/* A length over the maximum is refused before reading it. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
	assert_int_equal(write(sv2[0], huge, 4), 4);
	assert_int_equal(bsure_msg_recv(sv2[1], &back, 1000), -EBADMSG);
	close(sv2[0]);
	close(sv2[1]);

	close(sv[0]);
	assert_int_equal(bsure_msg_recv(sv[1], &back, 1000), -EPIPE);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_socketpair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
