/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: jwks_parse on arbitrary bytes, then a kid lookup and a
 * signature check with whatever keys came out (they must never pass).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kids[] = { "fuzz-rsa", "fuzz-ec", "E", NULL };
	static const char *const algs[] = { "RS256", "PS256", "ES256", NULL };
	unsigned char sig[256];
	struct jwks *set = NULL;
	char err[256];
	size_t i, j;

	if (jwks_parse((const char *)data, size, &set, err, sizeof(err)) != 0)
		return 0;
	if (jwks_count(set) == 0 || jwks_count(set) > JWKS_KEYS_MAX)
		abort();

	/* A zero signature verifies under no key and no alg. */
	memset(sig, 0, sizeof(sig));
	for (i = 0; kids[i] != NULL; i++) {
		(void)jwks_has_kid(set, kids[i]);
		for (j = 0; algs[j] != NULL; j++) {
			if (jwks_verify(set, kids[i], algs[j],
			    (const unsigned char *)"x", 1, sig,
			    j == 2 ? 64 : sizeof(sig), err, sizeof(err)) == 0)
				abort();
		}
	}
	jwks_free(set);
	return 0;
}
