/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ID token (OIDC Core section 2, JWS compact form) parsing and
 * validation.  Parsing gives an untrusted token; only jwt_verify() == 0
 * makes its claims usable.  There is no way to skip the signature check.
 */
#ifndef BSURE_JWT_H
#define BSURE_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "jwks.h"

#define JWT_MAX_LEN 16384      /* whole token, characters */
#define JWT_HEADER_MAX 2048    /* decoded header, bytes */
#define JWT_CLAIMS_MAX 12288   /* decoded claims, bytes */
#define JWT_SIG_MAX 1024       /* decoded signature: RSA-8192 */
#define JWT_JSON_DEPTH 8       /* _claim_sources nests three deep */
#define JWT_STR_MAX 1024       /* any string claim or header we read */
#define JWT_ARRAY_MAX 256      /* aud entries */
#define JWT_ALG_MAX 16
#define JWT_SKEW_MAX 86400     /* clock_skew above a day is a config bug */
#define JWT_TIME_MAX 253402300799LL /* 9999-12-31: NumericDate upper bound */

struct jwt; /* parsed, NOT yet trusted */

/*
 * Split, decode and JSON-parse a compact JWS: exactly three base64url
 * segments (strict, unpadded), header and claims JSON objects of bounded
 * size and depth, header "alg" a string.  The token is copied; the copy
 * is wiped by jwt_free().  0, -EINVAL (err says why), -E2BIG, -ENOMEM.
 */
int jwt_parse(const char *token, struct jwt **ret_jwt, char *err,
    size_t errsize);

const char *jwt_kid(const struct jwt *t); /* NULL if none */
const char *jwt_alg(const struct jwt *t);
/* Borrowed; untrusted until jwt_verify() returned 0. */
struct json_object *jwt_claims(const struct jwt *t);

struct jwt_expect {
	const char *issuer;      /* exact match */
	const char *client_id;   /* aud must equal (string, or array
	                          * containing it AND azp==client_id if
	                          * several; azp if present must equal) */
	const char *tenant_id;   /* NULL: tid not checked; else tid must
	                          * equal (ASCII case-insensitive GUID) */
	const char *const *algs; /* NULL-terminated allowlist; NULL means
	                          * {"RS256", NULL}; only RS256, PS256, ES256
	                          * can ever pass */
	long clock_skew;         /* seconds, 0..JWT_SKEW_MAX */
	time_t now;
	long max_age;            /* >0: iat must be within
	                          * now-max_age-skew; 0: no check */
};

/*
 * 0 when signature and every claim check pass.  Errors:
 * -ENOKEY kid not in set (caller may refetch JWKS once, then call again),
 * -EKEYREJECTED bad signature / disallowed alg / none / HMAC / crit /
 *  header nonce / typ not JWT / no kid,
 * -EINVAL malformed claim or bad arguments,
 * -ESTALE exp/nbf/iat/max_age,
 * -EPERM iss/aud/azp/tid mismatch.
 * reason gets a short log-ready text naming the failing check, e.g.
 * "aud mismatch", "alg none refused", "exp in the past (by 300 s)".
 */
int jwt_verify(const struct jwt *t, const struct jwks *keys,
    const struct jwt_expect *e, char *reason, size_t reasonsize);

/*
 * The claim half of jwt_verify() alone (same results but -ENOKEY and
 * -EKEYREJECTED).  For tests and fuzzing: on its own it proves nothing
 * about who issued the token.
 */
int jwt_check_claims(const struct jwt *t, const struct jwt_expect *e,
    char *reason, size_t reasonsize);

/*
 * Read a NumericDate claim (integer or finite double, 0..JWT_TIME_MAX).
 * 0, -ENOENT if absent, -EINVAL wrong type or range.
 */
int jwt_claim_time(struct json_object *claims, const char *name,
    time_t *ret_time);

/*
 * Read a string claim of at most max bytes without NUL or control
 * characters.  0, -ENOENT if absent, -EINVAL wrong type, -E2BIG too long.
 */
int jwt_claim_string(struct json_object *claims, const char *name,
    size_t max, const char **ret_str);

void jwt_free(struct jwt *t); /* wipes token bytes */

#endif
