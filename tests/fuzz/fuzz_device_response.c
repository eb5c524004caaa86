/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: what the IdP may send.  The first byte picks the parser
 * (device authorization, token, discovery) and the HTTP status; the rest
 * is the body.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 502 };
	struct oidc_device d;
	struct oidc_provider p;
	struct token_reply r;
	char err[256], cid[64];
	const char *body;
	long status;

	if (size < 1)
		return 0;
	status = statuses[(data[0] >> 2) % 4];
	body = (const char *)data + 1;
	switch (data[0] % 3) {
	case 0:
		if (oidc_parse_device(status, "application/json", body,
		    size - 1, &d, cid, sizeof(cid), err, sizeof(err)) == 0) {
			if (strlen(d.verification_uri) < 9 || d.interval <= 0 ||
			    d.expires_in <= 0)
				abort();
			oidc_device_wipe(&d);
		}
		break;
	case 1:
		oidc_parse_token(status, "application/json", body, size - 1,
		    &r);
		token_reply_clear(&r);
		break;
	default:
		oidc_parse_discovery(body, size - 1,
		    "https://login.example/tid/v2.0", &p, err, sizeof(err));
		break;
	}
	return 0;
}
