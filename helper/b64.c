/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict base64url for JWS segments and JWK members.  Lenient decoders
 * let one token have many spellings; this one accepts exactly one.
 */
#include <errno.h>
#include <stdint.h>

#include "b64.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
b64url_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outsize, size_t *ret_len)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	/* RFC 4648 section 5 without padding: 4n+1 characters never decode. */
	if (inlen % 4 == 1)
		return -EINVAL;

	for (i = 0; i < inlen; i++) {
		int v = b64url_value((unsigned char)in[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outsize)
				return -ENOBUFS;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}

	/* Leftover bits must be zero, else two strings decode alike. */
	if (acc != 0)
		return -EINVAL;

	*ret_len = n;
	return 0;
}

int
b64url_encode(const unsigned char *in, size_t len, char *out,
    size_t outsize)
{
	size_t need = (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0) + 1;
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	if (outsize < need)
		return -ENOBUFS;

	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = b64url_alphabet[(acc >> bits) & 0x3f];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[n++] = b64url_alphabet[(acc << (6 - bits)) & 0x3f];
	out[n] = '\0';
	return 0;
}
