/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the key payload parser (pam_module/kr_payload.c): any
 * input must parse or be refused without a crash, and whatever parses must
 * format back to the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kr_payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_payload p;
	char *text = NULL;
	size_t len = 0;

	if (kr_payload_parse((const char *)data, size, &p) != 0)
		return 0;
	/* Field order is free on input, so compare after one round trip. */
	if (kr_payload_format(&p, &text, &len) == 0) {
		struct kr_payload q;

		if (kr_payload_parse(text, len, &q) != 0 ||
		    strcmp(p.user, q.user) != 0 ||
		    strcmp(p.token, q.token) != 0 || p.exp != q.exp ||
		    p.pim_end != q.pim_end || p.iat != q.iat)
			abort();
		kr_payload_free(&q);
		kr_payload_text_free(text, len);
	}
	kr_payload_free(&p);
	return 0;
}
