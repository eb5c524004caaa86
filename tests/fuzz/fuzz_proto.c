/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: bsure_msg_parse() over arbitrary frame bodies; a frame
 * that parses must encode back to the same bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bsure_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bsure_msg m;
static unsigned char out[BSURE_MSG_MAX + 8];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;
	size_t len;

	if (bsure_msg_parse(&m, data, size) != 0)
		return 0;
	bsure_msg_get(&m, BSURE_T_USER);
	bsure_msg_get_u64(&m, BSURE_T_VERSION, 255, &v);
	if (bsure_msg_encode(&m, out, sizeof(out), &len) != 0 ||
	    len != size + 4 || memcmp(out + 4, data, size) != 0)
		abort();
	return 0;
}
