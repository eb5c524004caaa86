/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenID Connect side of the helper: discovery and JWKS (cached on
 * disk in a root-only directory), the RFC 8628 device authorization
 * request, token polling, and ID token validation against the key set.
 */
#ifndef BSURE_OIDC_H
#define BSURE_OIDC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "http.h"
#include "devpoll.h"

#define OIDC_URL_MAX 512
#define OIDC_JSON_DEPTH 8
#define OIDC_DEVICE_CODE_MAX 2048
#define OIDC_USER_CODE_MAX 64
#define OIDC_MESSAGE_MAX 1024
#define OIDC_EXPIRES_IN_MAX 86400
#define OIDC_EXPIRES_IN_DEFAULT 900 /* RFC 8628 requires it; be lenient */
#define OIDC_DISCOVERY_TTL (24 * 3600)
#define OIDC_JWKS_TTL 3600
#define OIDC_JWKS_COOLDOWN 300 /* seconds between forced JWKS refetches */

struct jwks;
struct jwt;

struct oidc_provider {
	char issuer[OIDC_URL_MAX];
	char device_authorization_endpoint[OIDC_URL_MAX];
	char token_endpoint[OIDC_URL_MAX];
	char jwks_uri[OIDC_URL_MAX];
};

struct oidc_device {
	/* Secret: sent to the token endpoint only. */
	char device_code[OIDC_DEVICE_CODE_MAX];
	char user_code[OIDC_USER_CODE_MAX];
	char verification_uri[OIDC_URL_MAX];
	char verification_uri_complete[OIDC_URL_MAX * 2];
	long expires_in;
	long interval; /* 0: absent */
	char message[OIDC_MESSAGE_MAX];
};

/* Pure parsers (unit tests and fuzzing).  0 or -errno with err set. */
int oidc_parse_discovery(const char *json, size_t len, const char *issuer,
    struct oidc_provider *ret, char *err, size_t errsize);
/*
 * Device authorization response of any status.  -EPROTO: unusable, err
 * has status, content type and escaped first bytes; -ENOENT: no
 * verification URI (P5); -EREMOTEIO: an OAuth error, err names it (and any
 * Entra code, e.g. 7000218).  correlation_id (may be NULL) gets Entra's.
 */
int oidc_parse_device(long status, const char *ctype, const char *body,
    size_t len, struct oidc_device *ret, char *correlation_id,
    size_t cidsize, char *err, size_t errsize);
void oidc_parse_token(long status, const char *ctype, const char *body,
    size_t len, struct token_reply *ret);
void oidc_device_wipe(struct oidc_device *d);

struct oidc {
	const struct bsure_conf *conf;
	struct http *http;
	struct oidc_provider prov;
	struct jwks *jwks;
	bool no_cache_read; /* bsure check: always ask the network */
	bool jwks_fetched;  /* this run fetched the key set */
	unsigned int jwks_fetches;
	char correlation_id[64];
};

int oidc_init(struct oidc *o, const struct bsure_conf *conf,
    struct http *http);
void oidc_done(struct oidc *o);

int oidc_discover(struct oidc *o, char *err, size_t errsize);
/* force: refetch now unless the persisted cooldown forbids it. */
int oidc_load_jwks(struct oidc *o, bool force, char *err, size_t errsize);

/* oidc_parse_device()'s results, or http_request()'s (-EACCES: 407). */
int oidc_device_authorize(struct oidc *o, struct oidc_device *ret,
    char *err, size_t errsize);
void oidc_token_poll(struct oidc *o, const char *device_code,
    struct token_reply *ret);

/*
 * Parse and verify an ID token (signature, iss, aud, tid, exp, max_age
 * by iat when > 0).  An unknown kid refetches the JWKS once (cooldown)
 * and retries.  0 with *ret_jwt, jwt_parse()/jwt_verify()'s error with
 * reason, or -EAGAIN when the key set could not be had (unavailable).
 */
int oidc_verify_id_token(struct oidc *o, const char *token, long max_age,
    time_t now, struct jwt **ret_jwt, char *reason, size_t reasonsize);

#endif
