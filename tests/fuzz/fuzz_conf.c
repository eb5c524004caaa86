/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: conf_parse() over arbitrary bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bsure_conf conf;
	char err[256];

	if (conf_parse((const char *)data, size, &conf, err,
	    sizeof(err)) == 0) {
		conf_rhost_allowed(&conf, "192.0.2.1");
		conf_rhost_allowed(&conf, "2001:db8::1");
		conf_free(&conf);
	}
	return 0;
}
