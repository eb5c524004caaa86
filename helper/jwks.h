/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A provider's signing keys (RFC 7517 JWK Set) turned into OpenSSL keys:
 * RSA and EC P-256.  Keys of other types are skipped, not errors, since
 * providers publish encryption keys and new types next to ours.
 */
#ifndef BSURE_JWKS_H
#define BSURE_JWKS_H

#include <stdbool.h>
#include <stddef.h>

#define JWKS_MAX_LEN (256 * 1024) /* Entra's set with x5c is ~20 KiB */
#define JWKS_KEYS_MAX 64
#define JWKS_KID_MAX 128          /* characters */
#define JWKS_JSON_DEPTH 8
#define JWKS_RSA_BITS_MIN 2048
#define JWKS_RSA_BITS_MAX 8192

struct jwks;

/*
 * Parse a JWK Set.  Keys with an unknown kty, no kid, or use other than
 * "sig" are skipped.  A malformed key of a known type is an error (the
 * set is not trusted half-read).  0, -EINVAL (err says why), -E2BIG,
 * -ENOKEY (no usable signing key), -ENOMEM.
 */
int jwks_parse(const char *json, size_t len, struct jwks **ret_jwks,
    char *err, size_t errsize);

bool jwks_has_kid(const struct jwks *set, const char *kid);
size_t jwks_count(const struct jwks *set);
void jwks_free(struct jwks *set);

/*
 * Verify a JWS signature over data with the key named kid, for alg
 * ("RS256", "PS256" or "ES256", already allowed by the caller).  The key
 * must be of the alg's kty, its "alg" (if any) must equal alg, RSA keys
 * must have at least JWKS_RSA_BITS_MIN bits.  0, -ENOKEY (kid not in
 * the set), -EKEYREJECTED (reason says why), -ENOMEM.
 */
int jwks_verify(const struct jwks *set, const char *kid, const char *alg,
    const unsigned char *data, size_t len, const unsigned char *sig,
    size_t siglen, char *reason, size_t reasonsize);

#endif
