/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict base64url (RFC 4648 section 5) as JWS and JWK use it: no padding,
 * no whitespace, unused trailing bits must be zero, so every value has
 * exactly one encoding.
 */
#ifndef BSURE_B64_H
#define BSURE_B64_H

#include <stddef.h>

/* Bytes needed to decode inlen characters (an upper bound). */
#define B64URL_DECODED_MAX(inlen) (((inlen) / 4) * 3 + 2)

/*
 * Decode inlen characters of in into out (outsize bytes).  0 on success
 * with *ret_len set; -EINVAL on a character outside the alphabet, '=',
 * a length of 4n+1 or non-zero trailing bits; -ENOBUFS if out is short.
 */
int b64url_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outsize, size_t *ret_len);

/*
 * Encode len bytes into out without padding; outsize must hold the
 * result and a NUL.  0 or -ENOBUFS.
 */
int b64url_encode(const unsigned char *in, size_t len, char *out,
    size_t outsize);

#endif
