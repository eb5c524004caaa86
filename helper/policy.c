/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identity and authorization rules applied to verified ID token claims.
 * A missing or odd claim always denies; no rule ever falls back to a
 * different claim, since that is how one person becomes another.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jwt.h"
#include "policy.h"
#include "util.h"

static const char *const policy_user_claims[] = {
	"upn", "preferred_username", "email", "oid", "sub", NULL
};

/* ASCII only: a locale must not decide who someone is. */
static int
policy_ascii_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
	} while (ca != '\0' && ca == cb);
	return ca - cb;
}

static bool
policy_is_id_claim(const char *claim)
{
	return strcmp(claim, "oid") == 0 || strcmp(claim, "sub") == 0;
}

static bool
policy_value_equal(const char *claim, const char *a, const char *b)
{
	if (policy_is_id_claim(claim))
		return strcmp(a, b) == 0;
	return policy_ascii_casecmp(a, b) == 0;
}

/* Expand a user_map pattern: %u is the local user, %% a percent sign. */
static int
policy_expand(const char *pattern, const char *pam_user, char *out,
    size_t outsize)
{
	size_t n = 0, ulen = strlen(pam_user);
	bool has_user = false;
	const char *p;

	for (p = pattern; *p != '\0'; p++) {
		const char *add = p;
		size_t alen = 1;

		if (*p == '%') {
			p++;
			if (*p == 'u') {
				add = pam_user;
				alen = ulen;
				has_user = true;
			} else if (*p != '%') {
				return -EINVAL;
			}
		}
		if (n + alen >= outsize)
			return -E2BIG;
		memcpy(out + n, add, alen);
		n += alen;
	}
	out[n] = '\0';

	/* Without %u every local user would map to the same identity. */
	return has_user ? 0 : -EINVAL;
}

/* Read a whole map file that only root (or we) can change. */
static int
policy_read_map(const char *path, char **ret_text, size_t *ret_len)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t k;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		r = -EPERM;
		goto out;
	}
	if (st.st_size > POLICY_MAP_FILE_MAX) {
		r = -E2BIG;
		goto out;
	}
	text = malloc(POLICY_MAP_FILE_MAX + 1);
	if (text == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (len <= POLICY_MAP_FILE_MAX) {
		k = read(fd, text + len, POLICY_MAP_FILE_MAX + 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > POLICY_MAP_FILE_MAX) {
		r = -E2BIG;
		goto out;
	}
	text[len] = '\0';
	*ret_text = text;
	*ret_len = len;
	text = NULL;
	r = 0;
out:
	free(text);
	close(fd);
	return r;
}

/*
 * 1 if a "localuser claimvalue" line pairs pam_user with value, 0 if
 * none does, -EINVAL (with *ret_line) for a malformed file.
 */
static int
policy_map_file(const char *text, size_t len, const char *claim,
    const char *pam_user, const char *value, size_t *ret_line)
{
	char line[POLICY_MAP_LINE_MAX + 1];
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - text - pos) : len - pos;
		char *save = NULL, *user, *val, *extra;

		lineno++;
		*ret_line = lineno;
		if (lineno > POLICY_MAP_LINES_MAX ||
		    llen > POLICY_MAP_LINE_MAX ||
		    memchr(text + pos, '\0', llen) != NULL)
			return -EINVAL;
		memcpy(line, text + pos, llen);
		line[llen] = '\0';
		pos += llen + 1;

		user = strtok_r(line, " \t\r", &save);
		if (user == NULL || user[0] == '#')
			continue;
		val = strtok_r(NULL, " \t\r", &save);
		extra = strtok_r(NULL, " \t\r", &save);
		if (val == NULL || (extra != NULL && extra[0] != '#'))
			return -EINVAL;
		/* Local names are case-sensitive on Linux. */
		if (strcmp(user, pam_user) == 0 &&
		    policy_value_equal(claim, val, value))
			return 1;
	}
	return 0;
}

/* An optional identity claim copied into a field of the identity. */
static int
policy_copy_claim(struct json_object *claims, const char *name, char *out,
    size_t outsize, char *reason, size_t reasonsize)
{
	const char *s;
	int r;

	r = jwt_claim_string(claims, name, outsize - 1, &s);
	if (r == -ENOENT) {
		out[0] = '\0';
		return 0;
	}
	if (r < 0) {
		util_errf(reason, reasonsize, "claim %s invalid", name);
		return r;
	}
	snprintf(out, outsize, "%s", s);
	return 0;
}

static bool
policy_user_ok(const char *pam_user)
{
	size_t i, len;

	if (pam_user == NULL)
		return false;
	len = strnlen(pam_user, POLICY_USER_MAX + 1);
	if (len == 0 || len > POLICY_USER_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)pam_user[i] <= 0x20 ||
		    pam_user[i] == 0x7f)
			return false;
	return true;
}

enum bsure_result
policy_map_user(const struct bsure_conf *conf, const char *pam_user,
    struct json_object *claims, struct policy_identity *ret_id,
    char *reason, size_t reasonsize)
{
	struct policy_identity id;
	const char *claim, *map, *value;
	char want[sizeof(id.user_value)];
	char *text = NULL;
	size_t i, len = 0, line = 0;
	enum bsure_result res = BSURE_AUTH_ERR;
	int r;

	if (conf == NULL || claims == NULL || ret_id == NULL)
		return BSURE_UNAVAIL;
	if (!policy_user_ok(pam_user)) {
		util_errf(reason, reasonsize, "invalid local user name");
		return BSURE_AUTH_ERR;
	}
	memset(&id, 0, sizeof(id));

	/* Step 1: the one configured claim, never another. */
	claim = conf->user_claim ? conf->user_claim : "upn";
	for (i = 0; policy_user_claims[i] != NULL; i++)
		if (strcmp(policy_user_claims[i], claim) == 0)
			break;
	if (policy_user_claims[i] == NULL) {
		util_errf(reason, reasonsize, "user_claim %s not supported",
		    claim);
		return BSURE_UNAVAIL;
	}
	r = jwt_claim_string(claims, claim, sizeof(id.user_value) - 1, &value);
	if (r == -ENOENT) {
		util_errf(reason, reasonsize, "claim %s missing", claim);
		return BSURE_AUTH_ERR;
	}
	if (r < 0 || value[0] == '\0') {
		util_errf(reason, reasonsize, "claim %s invalid", claim);
		return BSURE_AUTH_ERR;
	}
	snprintf(id.user_value, sizeof(id.user_value), "%s", value);

	/* Step 2: does that value name pam_user under user_map? */
	map = conf->user_map ? conf->user_map : "%u";
	if (strncmp(map, "file:", 5) == 0) {
		r = policy_read_map(map + 5, &text, &len);
		if (r < 0) {
			util_errf(reason, reasonsize,
			    "user_map file %s: %s", map + 5, strerror(-r));
			return BSURE_UNAVAIL;
		}
		r = policy_map_file(text, len, claim, pam_user, value, &line);
		free(text);
		if (r < 0) {
			util_errf(reason, reasonsize,
			    "user_map file %s: line %zu malformed", map + 5,
			    line);
			return BSURE_UNAVAIL;
		}
	} else {
		r = policy_expand(map, pam_user, want, sizeof(want));
		if (r == -EINVAL) {
			util_errf(reason, reasonsize,
			    "user_map pattern invalid (needs %%u)");
			return BSURE_UNAVAIL;
		}
		r = r == 0 && policy_value_equal(claim, want, value);
	}
	if (r != 1) {
		util_errf(reason, reasonsize, "%s does not map to %s", value,
		    pam_user);
		return BSURE_AUTH_ERR;
	}

	/* Step 3: the rest of the identity, for logs and the session. */
	if (policy_copy_claim(claims, "oid", id.oid, sizeof(id.oid), reason,
	    reasonsize) < 0 ||
	    policy_copy_claim(claims, "tid", id.tid, sizeof(id.tid), reason,
	    reasonsize) < 0 ||
	    policy_copy_claim(claims, "upn", id.upn, sizeof(id.upn), reason,
	    reasonsize) < 0)
		return res;
	if (jwt_claim_time(claims, "exp", &id.exp) < 0 ||
	    jwt_claim_time(claims, "iat", &id.iat) < 0) {
		util_errf(reason, reasonsize, "claim exp or iat invalid");
		return res;
	}

	*ret_id = id;
	return BSURE_OK;
}

static bool
policy_has_overage(struct json_object *claims)
{
	struct json_object *names, *v;

	/* Entra: _claim_names.groups points at Graph (JWT overage). */
	if (json_object_object_get_ex(claims, "_claim_names", &names) &&
	    json_object_is_type(names, json_type_object) &&
	    json_object_object_get_ex(names, "groups", &v))
		return true;
	/* Entra implicit-flow form of the same. */
	if (json_object_object_get_ex(claims, "hasgroups", &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v))
		return true;
	return false;
}

enum bsure_result
policy_check_group(const struct bsure_conf *conf, struct json_object *claims,
    bool *ret_overage, struct policy_identity *id, char *reason,
    size_t reasonsize)
{
	struct json_object *groups, *v;
	size_t i, j, n;

	if (ret_overage != NULL)
		*ret_overage = false;
	if (conf == NULL || claims == NULL || id == NULL)
		return BSURE_UNAVAIL;
	id->group[0] = '\0';
	if (!conf->require_group)
		return BSURE_OK;
	if (conf->n_exception_group == 0) {
		util_errf(reason, reasonsize,
		    "no exception_group configured");
		return BSURE_UNAVAIL;
	}

	/* Step 1: no groups claim is overage or non-membership, never OK. */
	if (!json_object_object_get_ex(claims, "groups", &groups)) {
		if (policy_has_overage(claims)) {
			if (ret_overage != NULL)
				*ret_overage = true;
			util_errf(reason, reasonsize,
			    "groups overage: Graph lookup not configured");
			return BSURE_UNAVAIL;
		}
		util_errf(reason, reasonsize,
		    "not in exception group (no groups claim)");
		return BSURE_PERM_DENIED;
	}
	if (!json_object_is_type(groups, json_type_array)) {
		util_errf(reason, reasonsize, "groups claim not an array");
		return BSURE_AUTH_ERR;
	}
	n = json_object_array_length(groups);
	if (n > POLICY_GROUPS_MAX) {
		util_errf(reason, reasonsize, "groups claim too large");
		return BSURE_AUTH_ERR;
	}

	/* Step 2: any configured group among the token's. */
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(groups, i);
		if (!json_object_is_type(v, json_type_string)) {
			util_errf(reason, reasonsize,
			    "groups claim has a non-string entry");
			return BSURE_AUTH_ERR;
		}
	}
	for (j = 0; j < conf->n_exception_group; j++) {
		const char *want = conf->exception_group[j];

		if (want == NULL)
			continue;
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(groups, i);
			if (strlen(json_object_get_string(v)) ==
			    (size_t)json_object_get_string_len(v) &&
			    policy_ascii_casecmp(json_object_get_string(v),
			    want) == 0) {
				snprintf(id->group, sizeof(id->group), "%s",
				    want);
				return BSURE_OK;
			}
		}
	}
	util_errf(reason, reasonsize, "not in exception group");
	return BSURE_PERM_DENIED;
}

/* Exact string equality that an embedded NUL cannot shorten. */
static bool
policy_json_str_equal(struct json_object *v, const char *want)
{
	return json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == strlen(want) &&
	    strcmp(json_object_get_string(v), want) == 0;
}

/* One NAME=VALUE rule against the claims. */
static enum bsure_result
policy_required_claim(struct json_object *claims, const struct conf_claim *c,
    char *reason, size_t reasonsize)
{
	struct json_object *v, *item;
	size_t i, n;

	if (c->name == NULL || c->value == NULL) {
		util_errf(reason, reasonsize, "require_claim invalid");
		return BSURE_UNAVAIL;
	}
	if (!json_object_object_get_ex(claims, c->name, &v) || v == NULL) {
		util_errf(reason, reasonsize, "required claim %s missing",
		    c->name);
		return BSURE_PERM_DENIED;
	}
	switch (json_object_get_type(v)) {
	case json_type_string:
		if (policy_json_str_equal(v, c->value))
			return BSURE_OK;
		break;
	case json_type_boolean:
		if (strcmp(c->value, json_object_get_boolean(v) ?
		    "true" : "false") == 0)
			return BSURE_OK;
		break;
	case json_type_array:
		n = json_object_array_length(v);
		if (n > POLICY_CLAIM_ARRAY_MAX)
			break;
		for (i = 0; i < n; i++) {
			item = json_object_array_get_idx(v, i);
			if (policy_json_str_equal(item, c->value))
				return BSURE_OK;
		}
		util_errf(reason, reasonsize, "required claim %s lacks %s",
		    c->name, c->value);
		return BSURE_PERM_DENIED;
	default:
		break;
	}
	util_errf(reason, reasonsize, "required claim %s is not %s",
	    c->name, c->value);
	return BSURE_PERM_DENIED;
}

enum bsure_result
policy_check_claims(const struct bsure_conf *conf, struct json_object *claims,
    struct policy_identity *id, char *reason, size_t reasonsize)
{
	const char *dclaim, *dev;
	enum bsure_result res;
	size_t i;
	int r;

	if (conf == NULL || claims == NULL || id == NULL)
		return BSURE_UNAVAIL;

	/* Step 1: every require_claim must hold. */
	for (i = 0; i < conf->n_require_claim && i < CONF_CLAIMS_MAX; i++) {
		res = policy_required_claim(claims, &conf->require_claim[i],
		    reason, reasonsize);
		if (res != BSURE_OK)
			return res;
	}

	/* Step 2: the device claim; Graph decides compliant/managed later. */
	dclaim = conf->device_claim ? conf->device_claim : "deviceid";
	id->device[0] = '\0';
	r = jwt_claim_string(claims, dclaim, sizeof(id->device) - 1, &dev);
	if (r == 0)
		snprintf(id->device, sizeof(id->device), "%s", dev);
	if (conf->device_policy == DEVICE_POLICY_NONE)
		return BSURE_OK;
	if (r == -ENOENT) {
		util_errf(reason, reasonsize, "device claim %s missing",
		    dclaim);
		return BSURE_PERM_DENIED;
	}
	if (r < 0 || id->device[0] == '\0') {
		id->device[0] = '\0';
		util_errf(reason, reasonsize, "device claim %s invalid",
		    dclaim);
		return BSURE_PERM_DENIED;
	}
	return BSURE_OK;
}
