/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyring operations (kr.h).  Every key is checked by type, owner and
 * description before it is trusted: a user can link keys of their own into
 * their session keyring, but cannot make them root-owned.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "kr.h"
#include "kr_payload.h"

/* The login user may view, read and search its key (possession), but not
 * change its timeout; root keeps everything for close_session. */
#define KR_SESSION_PERM (KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH | \
	KEY_USR_ALL)
#define KR_HANDOFF_PERM KR_SESSION_PERM

static int
random_id(char *buf, size_t size)
{
	unsigned char raw[8];
	size_t i;

	if (size < sizeof(raw) * 2 + 1)
		return -ENOBUFS;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* "type;uid;gid;perm;description": is it a root-owned user key whose
 * description starts with prefix? */
static int
key_matches(key_serial_t serial, const char *prefix)
{
	char *desc = NULL;
	char type[16];
	unsigned long uid;
	int off = 0;
	int r;

	if (keyctl_describe_alloc(serial, &desc) < 0)
		return -errno;
	r = -ENOKEY;
	if (sscanf(desc, "%15[^;];%lu;%*u;%*x;%n", type, &uid, &off) == 2 &&
	    off > 0 && strcmp(type, "user") == 0 && uid == 0 &&
	    strncmp(desc + off, prefix, strlen(prefix)) == 0)
		r = 0;
	free(desc);
	return r;
}

static int
user_prefix(char *buf, size_t size, const char *base, const char *user)
{
	int n = snprintf(buf, size, "%s%s:", base, user);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int
add_key_with(const char *base, const char *user, const char *payload,
    size_t len, key_serial_t ring, unsigned int timeout, key_perm_t perm,
    key_serial_t *ret_serial)
{
	char desc[KR_DESC_MAX], id[17];
	key_serial_t serial;
	int r;

	r = random_id(id, sizeof(id));
	if (r < 0)
		return r;
	if (snprintf(desc, sizeof(desc), "%s%s:%s", base, user, id) >=
	    (int)sizeof(desc))
		return -ENAMETOOLONG;

	/* Only a possessed key may be changed by its creator (new keys
	 * grant the owner "view" alone), and a key in @u is not possessed
	 * unless @u hangs off @s: build it in the thread keyring, then
	 * link it to its target. */
	serial = add_key("user", desc, payload, len, KEY_SPEC_THREAD_KEYRING);
	if (serial < 0)
		return -errno;

	/* Timeout first: once the permissions are narrowed, a non-root
	 * caller could no longer set it.  Link last, so that the key is
	 * never visible in its target with the creator's full rights. */
	if (keyctl_set_timeout(serial, timeout) < 0 ||
	    keyctl_setperm(serial, perm) < 0 || keyctl_link(serial, ring) < 0)
		r = -errno;
	else
		r = 0;
	keyctl_unlink(serial, KEY_SPEC_THREAD_KEYRING);
	if (r < 0) {
		keyctl_revoke(serial);
		keyctl_unlink(serial, ring);
		return r;
	}
	*ret_serial = serial;
	return 0;
}

int
kr_handoff_add(const char *user, const char *payload, size_t len,
    key_serial_t *ret_serial)
{
	return add_key_with(KR_HANDOFF_PREFIX, user, payload, len,
	    KEY_SPEC_USER_KEYRING, KR_HANDOFF_TIMEOUT, KR_HANDOFF_PERM,
	    ret_serial);
}

bool
kr_handoff_valid(key_serial_t serial, const char *user)
{
	char prefix[KR_DESC_MAX];

	if (serial <= 0 ||
	    user_prefix(prefix, sizeof(prefix), KR_HANDOFF_PREFIX, user) < 0)
		return false;
	return key_matches(serial, prefix) == 0;
}

int
kr_handoff_take(key_serial_t serial, const char *user, char **ret_text,
    size_t *ret_len)
{
	int r;

	if (!kr_handoff_valid(serial, user))
		return -ENOKEY;
	r = kr_read(serial, ret_text, ret_len);
	kr_handoff_drop(serial);
	return r;
}

void
kr_handoff_drop(key_serial_t serial)
{
	if (serial <= 0)
		return;
	keyctl_revoke(serial);
	keyctl_unlink(serial, KEY_SPEC_USER_KEYRING);
}

int
kr_session_check(void)
{
	char *desc = NULL;
	const char *name;
	int r = 0;

	if (keyctl_describe_alloc(KEY_SPEC_SESSION_KEYRING, &desc) < 0)
		return -errno;
	name = strrchr(desc, ';');
	name = name != NULL ? name + 1 : desc;
	if (strncmp(name, "_uid_ses.", 9) == 0)
		r = -EPERM;
	free(desc);
	return r;
}

int
kr_session_add(const char *user, const char *payload, size_t len,
    time_t expires_at, key_serial_t *ret_serial)
{
	time_t now = time(NULL);

	if (expires_at <= now)
		return -EKEYEXPIRED;
	return add_key_with(KR_PREFIX, user, payload, len,
	    KEY_SPEC_SESSION_KEYRING, (unsigned int)(expires_at - now),
	    KR_SESSION_PERM, ret_serial);
}

int
kr_session_find(const char *user, key_serial_t *ret_serial)
{
	char prefix[KR_DESC_MAX];
	key_serial_t *keys = NULL;
	int n, i, r = -ENOKEY;

	if (user == NULL)
		snprintf(prefix, sizeof(prefix), "%s", KR_PREFIX);
	else if (user_prefix(prefix, sizeof(prefix), KR_PREFIX, user) < 0)
		return -ENAMETOOLONG;

	n = keyctl_read_alloc(KEY_SPEC_SESSION_KEYRING, (void **)&keys);
	if (n < 0)
		return -errno;
	n /= (int)sizeof(key_serial_t);

	for (i = 0; i < n; i++) {
		int m = key_matches(keys[i], prefix);

		if (m == 0) {
			*ret_serial = keys[i];
			r = 0;
			break;
		}
		/* A dead key cannot be described; report it if nothing
		 * live is found. */
		if (m == -EKEYREVOKED || m == -EKEYEXPIRED)
			r = m;
	}
	free(keys);
	return r;
}

int
kr_session_revoke(key_serial_t serial, const char *user)
{
	char prefix[KR_DESC_MAX];
	int r;

	r = user_prefix(prefix, sizeof(prefix), KR_PREFIX, user);
	if (r < 0)
		return r;
	r = key_matches(serial, prefix);
	if (r == -ENOKEY || r == -EKEYREVOKED || r == -EKEYEXPIRED)
		return 0;
	if (r < 0)
		return r;
	if (keyctl_revoke(serial) < 0 && errno != EKEYREVOKED &&
	    errno != EKEYEXPIRED && errno != ENOKEY)
		return -errno;
	return 0;
}

int
kr_read(key_serial_t serial, char **ret_text, size_t *ret_len)
{
	void *buf = NULL;
	long n;

	n = keyctl_read_alloc(serial, &buf);
	if (n < 0)
		return -errno;
	if (n == 0 || n > KR_PAYLOAD_MAX) {
		kr_payload_text_free(buf, (size_t)n);
		return -EBADMSG;
	}
	*ret_text = buf;
	*ret_len = (size_t)n;
	return 0;
}

int
kr_serial_parse(const char *s, key_serial_t *ret_serial)
{
	long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 10)
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v <= 0 || v > 0x7fffffffL)
		return -EINVAL;
	*ret_serial = (key_serial_t)v;
	return 0;
}
