/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only token minting: keys generated at run time, JWKs made from
 * them, and JWS tokens signed (or deliberately mis-signed) with them.
 */
#ifndef BSURE_MINT_VALIDATION_H
#define BSURE_MINT_VALIDATION_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#define MINT_ISSUER \
	"https://login.microsoftonline.com/" \
	"11111111-2222-3333-4444-555555555555/v2.0"
#define MINT_TENANT "11111111-2222-3333-4444-555555555555"
#define MINT_CLIENT "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define MINT_GRAPH_AUD "00000003-0000-0000-c000-000000000000"

EVP_PKEY *mint_rsa(int bits);
EVP_PKEY *mint_ec(void);

/* A JWK object for key's public half; alg and use may be NULL. */
struct json_object *mint_jwk(EVP_PKEY *key, const char *kid,
    const char *alg, const char *use);

/* {"keys":[...]} text of the given JWKs (reference taken); free(). */
char *mint_jwks_text(struct json_object *const *jwks, size_t n);

/* {"alg":alg,"typ":"JWT","kid":kid}; kid may be NULL. */
struct json_object *mint_header(const char *alg, const char *kid);

/* An ID token's claims that pass with MINT_* expectations at now. */
struct json_object *mint_claims(time_t now);

/*
 * header.claims.signature; alg taken from the header's "alg" member and
 * used as given ("RS256", "PS256", "ES256"; "none" gives an empty
 * signature).  free() the result.
 */
char *mint_sign(struct json_object *header, struct json_object *claims,
    EVP_PKEY *key);

/* Same, signed with HMAC-SHA256 under secret. */
char *mint_sign_hmac(struct json_object *header, struct json_object *claims,
    const unsigned char *secret, size_t secret_len);

/* The public key as PEM or DER (the HMAC confusion secret); free(). */
unsigned char *mint_pubkey_pem(EVP_PKEY *key, size_t *ret_len);
unsigned char *mint_pubkey_der(EVP_PKEY *key, size_t *ret_len);

/* Base64url of len bytes; free(). */
char *mint_b64(const void *data, size_t len);

#endif
