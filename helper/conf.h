/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The helper's configuration (pam_bsure.conf(5)): parsed once per run,
 * every value checked, unknown keys refused with their line number.
 */
#ifndef BSURE_CONF_H
#define BSURE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "rhost.h"

#define CONF_GROUPS_MAX 16
#define CONF_CLAIMS_MAX 16
#define CONF_RHOSTS_MAX 32
#define CONF_LINE_MAX 1024
#define CONF_VALUE_MAX 512
#define CONF_LINES_MAX 1000
#define CONF_FILE_MAX (64 * 1024)
#define CONF_MAX_WAIT_MIN 10
#define CONF_MAX_WAIT_MAX 3600
#define CONF_CLOCK_SKEW_MAX 3600
#define CONF_SUDO_REUSE_MAX 86400

enum conf_device_policy {
	DEVICE_POLICY_NONE,
	DEVICE_POLICY_CLAIM,
	DEVICE_POLICY_COMPLIANT,
	DEVICE_POLICY_MANAGED,
};

enum conf_pim { PIM_OFF, PIM_CHECK, PIM_CAP };
enum conf_keyring { KEYRING_REQUIRED, KEYRING_OPTIONAL, KEYRING_OFF };
enum conf_qr { QR_AUTO, QR_ON, QR_OFF };

struct conf_claim {
	char *name;
	char *value;
};

struct bsure_conf {
	char *issuer;    /* https://..., exactly as the provider names it */
	char *client_id;
	char *tenant_id; /* NULL: not checked */
	char *scopes;    /* "openid profile" */
	char *ca_file;
	char *proxy;     /* NULL: none; "env": environment variables */
	char *user_claim; /* "upn" */
	char *user_map;   /* "%u", "%u@contoso.com" or "file:PATH" */
	char *exception_group[CONF_GROUPS_MAX];
	size_t n_exception_group;
	bool require_group;
	enum conf_device_policy device_policy;
	char *device_claim; /* "deviceid" */
	struct conf_claim require_claim[CONF_CLAIMS_MAX];
	size_t n_require_claim;
	struct rhost_cidr allowed_rhosts[CONF_RHOSTS_MAX];
	size_t n_allowed_rhosts; /* 0: any */
	char *graph_url;
	char *graph_client_id;
	char *graph_client_secret_file;
	char *graph_client_cert;
	char *graph_client_key;
	enum conf_pim pim;
	long max_wait;   /* seconds */
	long clock_skew; /* seconds */
	enum conf_keyring keyring;
	long sudo_reuse; /* seconds, 0: always a fresh flow */
	enum conf_qr qr;
	char *audit_file;

	/* Not admin-facing: where discovery and JWKS are cached. */
	char *cache_dir;
};

/*
 * Read and check the file at path.  On error returns -errno or -EINVAL and
 * writes a one-line reason naming the line ("line 7: unknown key 'foo'")
 * into err.  check_owner: refuse a file or directory writable by non-root.
 */
int conf_load(const char *path, bool check_owner, struct bsure_conf *ret_conf,
    char *err, size_t errsize);

/* Parse from memory (tests, fuzzing); no ownership checks. */
int conf_parse(const char *text, size_t len, struct bsure_conf *ret_conf,
    char *err, size_t errsize);

void conf_free(struct bsure_conf *conf);

const char *conf_keyring_name(enum conf_keyring k);

/* Tests only (bsure-helper --cache-dir): an absolute path. */
int conf_set_cache_dir(struct bsure_conf *conf, const char *dir);

/* rhost (numeric IPv4/IPv6) inside allowed_rhosts; true when unset. */
bool conf_rhost_allowed(const struct bsure_conf *conf, const char *rhost);

#endif
