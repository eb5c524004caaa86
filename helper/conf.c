/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_bsure.conf(5): "key = value" lines, every key known and every value
 * checked here, so the rest of the helper can trust struct bsure_conf.
 * Errors name the line; the file must be root's and not writable by others.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#ifndef BSURE_LOCALSTATEDIR
#define BSURE_LOCALSTATEDIR "/var"
#endif

struct conf_parser {
	struct bsure_conf *conf;
	unsigned int line;
	unsigned long seen; /* bit per key index: duplicates are errors */
	char *err;
	size_t errsize;
};

typedef int (*conf_setter)(struct conf_parser *p, const char *value);

struct conf_key {
	const char *name;
	conf_setter set;
	bool repeatable;
};

static int conf_error(struct conf_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
conf_error(struct conf_parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errsize, "line %u: %s", p->line, msg);
	else
		snprintf(p->err, p->errsize, "%s", msg);
	return -EINVAL;
}

/* Printable ASCII without spaces: ids, claim names, paths. */
static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

static int
set_string(struct conf_parser *p, char **dst, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int
set_token(struct conf_parser *p, char **dst, const char *value,
    size_t max)
{
	if (!is_token(value) || strlen(value) > max)
		return conf_error(p, "bad value '%s'", value);
	return set_string(p, dst, value);
}

static int
set_https_url(struct conf_parser *p, char **dst, const char *value)
{
	if (strncmp(value, "https://", 8) != 0 || value[8] == '\0' ||
	    value[8] == '/' || !is_token(value))
		return conf_error(p, "'%s' is not an https:// URL", value);
	return set_string(p, dst, value);
}

static int
set_abs_path(struct conf_parser *p, char **dst, const char *value)
{
	if (value[0] != '/' || !is_token(value) || strlen(value) >= PATH_MAX)
		return conf_error(p, "'%s' is not an absolute path", value);
	return set_string(p, dst, value);
}

static int
set_long(struct conf_parser *p, long *dst, const char *value, long min,
    long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || !isdigit(
	    (unsigned char)value[0]) || v < min || v > max)
		return conf_error(p, "'%s' is not a number in %ld..%ld", value,
		    min, max);
	*dst = v;
	return 0;
}

/* Pick a word from a NULL-terminated list; *ret gets its index. */
static int
set_choice(struct conf_parser *p, int *ret, const char *value,
    const char *const *words)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(value, words[i]) == 0) {
			*ret = i;
			return 0;
		}
	return conf_error(p, "bad value '%s'", value);
}

static bool
is_guid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == '-' ? s[i] != '-' :
		    !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int
k_issuer(struct conf_parser *p, const char *v)
{
	return set_https_url(p, &p->conf->issuer, v);
}

static int
k_client_id(struct conf_parser *p, const char *v)
{
	return set_token(p, &p->conf->client_id, v, 256);
}

static int
k_tenant_id(struct conf_parser *p, const char *v)
{
	return set_token(p, &p->conf->tenant_id, v, 63);
}

static int
k_scopes(struct conf_parser *p, const char *v)
{
	char buf[CONF_VALUE_MAX + 1];
	bool openid = false;
	char *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (!is_token(w) || strchr(w, '"') || strchr(w, '\\'))
			return conf_error(p, "bad scope '%s'", w);
		if (strcmp(w, "openid") == 0)
			openid = true;
	}
	/* OIDC Core 3.1.2.1: no openid scope, no ID token to validate. */
	if (!openid)
		return conf_error(p, "scopes must include openid");
	return set_string(p, &p->conf->scopes, v);
}

static int
k_ca_file(struct conf_parser *p, const char *v)
{
	return set_abs_path(p, &p->conf->ca_file, v);
}

static int
k_proxy(struct conf_parser *p, const char *v)
{
	if (strcmp(v, "env") != 0 && strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0)
		return conf_error(p, "proxy must be an http:// or https:// "
		    "URL or 'env'");
	return set_token(p, &p->conf->proxy, v, 256);
}

static int
k_user_claim(struct conf_parser *p, const char *v)
{
	static const char *const words[] = { "upn", "preferred_username",
		"email", "oid", "sub", NULL };
	int i = 0;
	int r = set_choice(p, &i, v, words);

	if (r < 0)
		return r;
	return set_string(p, &p->conf->user_claim, v);
}

static int
k_user_map(struct conf_parser *p, const char *v)
{
	const char *s;

	if (strncmp(v, "file:", 5) == 0)
		return set_abs_path(p, &p->conf->user_map, v + 5) < 0 ?
		    -EINVAL :
		    set_string(p, &p->conf->user_map, v);
	if (!is_token(v) || strstr(v, "%u") == NULL)
		return conf_error(p,
		    "user_map must contain %%u or be file:PATH");
	for (s = v; (s = strchr(s, '%')) != NULL; s += 2)
		if (s[1] != 'u')
			return conf_error(p,
			    "user_map: only %%u may follow %%");
	return set_string(p, &p->conf->user_map, v);
}

static int
k_exception_group(struct conf_parser *p, const char *v)
{
	struct bsure_conf *c = p->conf;
	char buf[CONF_VALUE_MAX + 1];
	char *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, ", \t", &save); w != NULL;
	    w = strtok_r(NULL, ", \t", &save)) {
		if (!is_guid(w))
			return conf_error(p, "exception_group '%s' is not a "
			    "GUID", w);
		if (c->n_exception_group >= CONF_GROUPS_MAX)
			return conf_error(p, "more than %d exception groups",
			    CONF_GROUPS_MAX);
		c->exception_group[c->n_exception_group] = strdup(w);
		if (c->exception_group[c->n_exception_group] == NULL)
			return -ENOMEM;
		c->n_exception_group++;
	}
	if (c->n_exception_group == 0)
		return conf_error(p, "exception_group is empty");
	return 0;
}

static int
k_require_group(struct conf_parser *p, const char *v)
{
	static const char *const words[] = { "no", "yes", NULL };
	int i = 0;
	int r = set_choice(p, &i, v, words);

	if (r == 0)
		p->conf->require_group = i == 1;
	return r;
}

static int
k_device_policy(struct conf_parser *p, const char *v)
{
	static const char *const words[] = { "none", "claim", "compliant",
		"managed", NULL };
	int i = 0;
	int r = set_choice(p, &i, v, words);

	if (r == 0)
		p->conf->device_policy = (enum conf_device_policy)i;
	return r;
}

static int
k_device_claim(struct conf_parser *p, const char *v)
{
	return set_token(p, &p->conf->device_claim, v, 64);
}

static int
k_require_claim(struct conf_parser *p, const char *v)
{
	struct bsure_conf *c = p->conf;
	const char *eq = strchr(v, '=');
	struct conf_claim *cl;

	if (eq == NULL || eq == v || eq[1] == '\0' || !is_token(v) ||
	    eq - v > 64)
		return conf_error(p, "require_claim must be NAME=VALUE");
	if (c->n_require_claim >= CONF_CLAIMS_MAX)
		return conf_error(p, "more than %d require_claim lines",
		    CONF_CLAIMS_MAX);
	cl = &c->require_claim[c->n_require_claim];
	cl->name = strndup(v, (size_t)(eq - v));
	cl->value = strdup(eq + 1);
	if (cl->name == NULL || cl->value == NULL) {
		free(cl->name);
		free(cl->value);
		cl->name = cl->value = NULL;
		return -ENOMEM;
	}
	c->n_require_claim++;
	return 0;
}

static int
k_allowed_rhosts(struct conf_parser *p, const char *v)
{
	struct bsure_conf *c = p->conf;
	char buf[CONF_VALUE_MAX + 1];
	char *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, ", \t", &save); w != NULL;
	    w = strtok_r(NULL, ", \t", &save)) {
		if (c->n_allowed_rhosts >= CONF_RHOSTS_MAX)
			return conf_error(p, "more than %d allowed_rhosts",
			    CONF_RHOSTS_MAX);
		if (rhost_parse_cidr(w,
		    &c->allowed_rhosts[c->n_allowed_rhosts]) < 0)
			return conf_error(p, "'%s' is not a CIDR", w);
		c->n_allowed_rhosts++;
	}
	if (c->n_allowed_rhosts == 0)
		return conf_error(p, "allowed_rhosts is empty");
	return 0;
}

static int
k_graph_url(struct conf_parser *p, const char *v)
{
	return set_https_url(p, &p->conf->graph_url, v);
}

static int
k_graph_client_id(struct conf_parser *p, const char *v)
{
	return set_token(p, &p->conf->graph_client_id, v, 256);
}

static int
k_graph_client_secret_file(struct conf_parser *p, const char *v)
{
	return set_abs_path(p, &p->conf->graph_client_secret_file, v);
}

static int
k_graph_client_cert(struct conf_parser *p, const char *v)
{
	return set_abs_path(p, &p->conf->graph_client_cert, v);
}

static int
k_graph_client_key(struct conf_parser *p, const char *v)
{
	return set_abs_path(p, &p->conf->graph_client_key, v);
}

static int
k_pim(struct conf_parser *p, const char *v)
{
	static const char *const words[] = { "off", "check", "cap", NULL };
	int i = 0;
	int r = set_choice(p, &i, v, words);

	if (r == 0)
		p->conf->pim = (enum conf_pim)i;
	return r;
}

static int
k_max_wait(struct conf_parser *p, const char *v)
{
	return set_long(p, &p->conf->max_wait, v, CONF_MAX_WAIT_MIN,
	    CONF_MAX_WAIT_MAX);
}

static int
k_clock_skew(struct conf_parser *p, const char *v)
{
	return set_long(p, &p->conf->clock_skew, v, 0, CONF_CLOCK_SKEW_MAX);
}

static int
k_keyring(struct conf_parser *p, const char *v)
{
	static const char *const words[] = { "required", "optional", "off",
		NULL };
	int i = 0;
	int r = set_choice(p, &i, v, words);

	if (r == 0)
		p->conf->keyring = (enum conf_keyring)i;
	return r;
}

static int
k_sudo_reuse(struct conf_parser *p, const char *v)
{
	return set_long(p, &p->conf->sudo_reuse, v, 0, CONF_SUDO_REUSE_MAX);
}

static int
k_qr(struct conf_parser *p, const char *v)
{
	static const char *const words[] = { "auto", "on", "off", NULL };
	int i = 0;
	int r = set_choice(p, &i, v, words);

	if (r == 0)
		p->conf->qr = (enum conf_qr)i;
	return r;
}

static int
k_audit_file(struct conf_parser *p, const char *v)
{
	return set_abs_path(p, &p->conf->audit_file, v);
}

/* cache_dir is deliberately absent: it is not the admin's to move. */
static const struct conf_key conf_keys[] = {
	{ "issuer", k_issuer, false },
	{ "client_id", k_client_id, false },
	{ "tenant_id", k_tenant_id, false },
	{ "scopes", k_scopes, false },
	{ "ca_file", k_ca_file, false },
	{ "proxy", k_proxy, false },
	{ "user_claim", k_user_claim, false },
	{ "user_map", k_user_map, false },
	{ "exception_group", k_exception_group, false },
	{ "require_group", k_require_group, false },
	{ "device_policy", k_device_policy, false },
	{ "device_claim", k_device_claim, false },
	{ "require_claim", k_require_claim, true },
	{ "allowed_rhosts", k_allowed_rhosts, false },
	{ "graph_url", k_graph_url, false },
	{ "graph_client_id", k_graph_client_id, false },
	{ "graph_client_secret_file", k_graph_client_secret_file, false },
	{ "graph_client_cert", k_graph_client_cert, false },
	{ "graph_client_key", k_graph_client_key, false },
	{ "pim", k_pim, false },
	{ "max_wait", k_max_wait, false },
	{ "clock_skew", k_clock_skew, false },
	{ "keyring", k_keyring, false },
	{ "sudo_reuse", k_sudo_reuse, false },
	{ "qr", k_qr, false },
	{ "audit_file", k_audit_file, false },
};

static int
conf_defaults(struct bsure_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->scopes = strdup("openid profile");
	c->user_claim = strdup("upn");
	c->user_map = strdup("%u");
	c->device_claim = strdup("deviceid");
	c->graph_url = strdup("https://graph.microsoft.com");
	c->cache_dir = strdup(BSURE_LOCALSTATEDIR "/cache/pam_bsure");
	c->require_group = true;
	c->device_policy = DEVICE_POLICY_NONE;
	c->pim = PIM_OFF;
	c->max_wait = 300;
	c->clock_skew = 120;
	c->keyring = KEYRING_REQUIRED;
	c->sudo_reuse = 0;
	c->qr = QR_AUTO;
	if (c->scopes == NULL || c->user_claim == NULL || c->user_map == NULL ||
	    c->device_claim == NULL || c->graph_url == NULL ||
	    c->cache_dir == NULL)
		return -ENOMEM;
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int
conf_line(struct conf_parser *p, char *line)
{
	char *key, *value, *eq;
	size_t i;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (eq == NULL)
		return conf_error(p, "expected 'key = value'");
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if (*value == '\0')
		return conf_error(p, "no value for '%.64s'", key);
	if (strlen(value) > CONF_VALUE_MAX)
		return conf_error(p, "value of '%.64s' too long", key);

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		if (strcmp(key, conf_keys[i].name) != 0)
			continue;
		if (!conf_keys[i].repeatable && (p->seen & (1ul << i)))
			return conf_error(p, "duplicate key '%s'", key);
		p->seen |= 1ul << i;
		return conf_keys[i].set(p, value);
	}
	return conf_error(p, "unknown key '%.64s'", key);
}

/* Entra's sign-in hosts, public and national clouds.  The issuer was
 * already checked to start with https://. */
static bool
conf_is_entra(const char *issuer)
{
	static const char *const hosts[] = { "login.microsoftonline.com",
		"login.microsoftonline.us", "login.partner.microsoftonline.cn",
		"login.chinacloudapi.cn", NULL };
	const char *host = issuer + strlen("https://");
	size_t n = strcspn(host, ":/");
	int i;

	for (i = 0; hosts[i] != NULL; i++)
		if (strlen(hosts[i]) == n &&
		    strncasecmp(host, hosts[i], n) == 0)
			return true;
	return false;
}

/* Checks that span keys, after the whole file is read. */
static int
conf_finish(struct conf_parser *p)
{
	struct bsure_conf *c = p->conf;

	p->line = 0;
	if (c->issuer == NULL)
		return conf_error(p, "issuer is required");
	if (c->client_id == NULL)
		return conf_error(p, "client_id is required");
	if (c->require_group && c->n_exception_group == 0)
		return conf_error(p, "exception_group is required unless "
		    "require_group = no");
	/* Entra signs every tenant's tokens with the same keys: without a
	 * pinned tid, another tenant's user could pass the signature. */
	if (c->tenant_id == NULL && conf_is_entra(c->issuer))
		return conf_error(p, "tenant_id is required for Entra "
		    "issuers");
	return 0;
}

int
conf_parse(const char *text, size_t len, struct bsure_conf *ret_conf,
    char *err, size_t errsize)
{
	struct bsure_conf conf;
	struct conf_parser p = { .conf = &conf, .err = err,
		.errsize = errsize };
	char line[CONF_LINE_MAX + 1];
	size_t pos = 0;
	int r;

	if (errsize > 0)
		err[0] = '\0';
	r = conf_defaults(&conf);
	if (r < 0) {
		snprintf(err, errsize, "out of memory");
		goto out;
	}
	if (len > CONF_FILE_MAX) {
		r = conf_error(&p, "file larger than %d bytes", CONF_FILE_MAX);
		goto out;
	}

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		p.line++;
		if (p.line > CONF_LINES_MAX) {
			r = conf_error(&p, "more than %d lines",
			    CONF_LINES_MAX);
			goto out;
		}
		if (n > CONF_LINE_MAX) {
			r = conf_error(&p, "line longer than %d bytes",
			    CONF_LINE_MAX);
			goto out;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			r = conf_error(&p, "NUL byte");
			goto out;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		r = conf_line(&p, line);
		if (r < 0)
			goto out;
	}
	r = conf_finish(&p);
out:
	if (r < 0) {
		if (r == -ENOMEM && errsize > 0 && err[0] == '\0')
			snprintf(err, errsize, "out of memory");
		conf_free(&conf);
		return r;
	}
	*ret_conf = conf;
	return 0;
}

/* Root's, and nobody else may write it: it decides who logs in. */
static int
check_owner_mode(const struct stat *st, const char *what, const char *path,
    char *err, size_t errsize)
{
	if (st->st_uid != 0) {
		snprintf(err, errsize, "%s %s is not owned by root", what,
		    path);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errsize, "%s %s is writable by group or others",
		    what, path);
		return -EPERM;
	}
	return 0;
}

int
conf_load(const char *path, bool check_owner, struct bsure_conf *ret_conf,
    char *err, size_t errsize)
{
	char dir[PATH_MAX];
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1;
	int r;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errsize, "config path too long");
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "cannot open %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errsize, "%s is not a regular file", path);
		goto out;
	}
	if (check_owner) {
		r = check_owner_mode(&st, "config file", path, err, errsize);
		if (r < 0)
			goto out;
		snprintf(dir, sizeof(dir), "%s", path);
		if (stat(dirname(dir), &st) < 0) {
			r = -errno;
			snprintf(err, errsize, "cannot stat %s: %s", dir,
			    strerror(errno));
			goto out;
		}
		r = check_owner_mode(&st, "config directory", dir, err,
		    errsize);
		if (r < 0)
			goto out;
	}

	buf = malloc(CONF_FILE_MAX + 1);
	if (buf == NULL) {
		r = -ENOMEM;
		snprintf(err, errsize, "out of memory");
		goto out;
	}
	while ((n = read(fd, buf + len, CONF_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errsize, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)n;
		if (len > CONF_FILE_MAX)
			break;
	}
	r = conf_parse(buf, len, ret_conf, err, errsize);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

void
conf_free(struct bsure_conf *c)
{
	size_t i;

	free(c->issuer);
	free(c->client_id);
	free(c->tenant_id);
	free(c->scopes);
	free(c->ca_file);
	free(c->proxy);
	free(c->user_claim);
	free(c->user_map);
	for (i = 0; i < c->n_exception_group; i++)
		free(c->exception_group[i]);
	free(c->device_claim);
	for (i = 0; i < c->n_require_claim; i++) {
		free(c->require_claim[i].name);
		free(c->require_claim[i].value);
	}
	free(c->graph_url);
	free(c->graph_client_id);
	free(c->graph_client_secret_file);
	free(c->graph_client_cert);
	free(c->graph_client_key);
	free(c->audit_file);
	free(c->cache_dir);
	memset(c, 0, sizeof(*c));
}

int
conf_set_cache_dir(struct bsure_conf *conf, const char *dir)
{
	char *copy;

	if (dir[0] != '/')
		return -EINVAL;
	copy = strdup(dir);
	if (copy == NULL)
		return -ENOMEM;
	free(conf->cache_dir);
	conf->cache_dir = copy;
	return 0;
}

bool
conf_rhost_allowed(const struct bsure_conf *conf, const char *rhost)
{
	if (conf->n_allowed_rhosts == 0)
		return true;
	return rhost_match(conf->allowed_rhosts, conf->n_allowed_rhosts,
	    rhost);
}

const char *
conf_keyring_name(enum conf_keyring k)
{
	switch (k) {
	case KEYRING_REQUIRED:
		return "required";
	case KEYRING_OPTIONAL:
		return "optional";
	case KEYRING_OFF:
		return "off";
	}
	return "required";
}
