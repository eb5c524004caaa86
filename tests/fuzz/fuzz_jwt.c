/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: jwt_parse + jwt_verify against a fixed key set (public
 * halves of throwaway test keys), then the policy checks on the claims.
 * Aborts if a token with a forbidden header ever verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwks.h"
#include "jwt.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seed corpus in corpus/jwt was signed with these keys' private
 * halves, which were discarded after signing. */
static const char fuzz_jwks_text[] =
	"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"fuzz-rsa\",\"use\":\"s"
	"ig\",\"n\":\"k4VS6EbRkCpwAnCteEHUicrPV8THrgGPe8lonYLKobn29yb"
	"fKFB8MAPMzDg6TvTYqK0kO7TNjlIHg6RmoCNrGu7-frVIlkaGIidGCuCjjRu"
	"d1ZfXYs23nVxpF7mBkxpRnTNrZrnQOWCVsIzygwfMwL_M4NU9kHcAqt-Fv9C"
	"uerHGfREIvV-sZSUGFPjhFZRmhHisyGPK1fnR2k_7ElfRWjLV7SS4mT2Bi3h"
	"WVpgxYIFjiKcEyZKzDDfPm_XLyGiW83UZx0VOZdr8wRJAH6DNVGcnv77w6lg"
	"ayfcBAXUFFU0TMP3B3VwLL3AvzwTfyFnUbegPaeB0tHs8MGYsiucfyw\",\""
	"e\":\"AQAB\"},{\"kty\":\"EC\",\"kid\":\"fuzz-ec\",\"crv\":\""
	"P-256\",\"alg\":\"ES256\",\"x\":\"ncOuKqDJ6Osa3GYxZ32oS_p0tm"
	"XyyxI_2qyQs1l5usk\",\"y\":\"-rkjvFL6UMQTmERjG4R2rAWP3GzJYVCV"
	"4HGib-8iRDY\"}]}";

#define FUZZ_NOW 1750000000

static struct jwks *fuzz_keys;

static void
fuzz_policy(struct json_object *claims)
{
	struct bsure_conf conf;
	struct policy_identity id;
	char reason[256];
	bool overage;

	memset(&conf, 0, sizeof(conf));
	conf.user_claim = "upn";
	conf.user_map = "%u@contoso.com";
	conf.exception_group[0] = "6f1a0e3c-1b2d-4c5e-8f90-a1b2c3d4e5f6";
	conf.n_exception_group = 1;
	conf.require_group = true;
	conf.device_policy = DEVICE_POLICY_CLAIM;
	conf.device_claim = "deviceid";
	conf.require_claim[0].name = "amr";
	conf.require_claim[0].value = "mfa";
	conf.n_require_claim = 1;

	memset(&id, 0, sizeof(id));
	(void)policy_map_user(&conf, "alice", claims, &id, reason,
	    sizeof(reason));
	(void)policy_check_group(&conf, claims, &overage, &id, reason,
	    sizeof(reason));
	(void)policy_check_claims(&conf, claims, &id, reason, sizeof(reason));
	conf.user_claim = "oid";
	conf.user_map = "%u";
	(void)policy_map_user(&conf, "alice", claims, &id, reason,
	    sizeof(reason));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const algs[] = { "RS256", "PS256", "ES256", NULL };
	struct jwt_expect e = {
		.issuer = "https://login.microsoftonline.com/"
		    "11111111-2222-3333-4444-555555555555/v2.0",
		.client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		.tenant_id = "11111111-2222-3333-4444-555555555555",
		.algs = algs,
		.clock_skew = 120,
		.now = FUZZ_NOW,
		.max_age = 0,
	};
	struct jwt *t = NULL;
	char reason[256], *token;
	int r;

	if (fuzz_keys == NULL &&
	    jwks_parse(fuzz_jwks_text, strlen(fuzz_jwks_text), &fuzz_keys,
	    reason, sizeof(reason)) != 0)
		abort();

	token = malloc(size + 1);
	if (token == NULL)
		return 0;
	memcpy(token, data, size);
	token[size] = '\0';

	if (jwt_parse(token, &t, reason, sizeof(reason)) == 0) {
		(void)jwt_kid(t);
		r = jwt_verify(t, fuzz_keys, &e, reason, sizeof(reason));
		if (r == 0 && (strcasecmp(jwt_alg(t), "none") == 0 ||
		    strncasecmp(jwt_alg(t), "HS", 2) == 0))
			abort();
		/* The claim checks also see what the signature would stop. */
		(void)jwt_check_claims(t, &e, reason, sizeof(reason));
		e.max_age = 600;
		(void)jwt_check_claims(t, &e, reason, sizeof(reason));
		fuzz_policy(jwt_claims(t));
		jwt_free(t);
	}
	free(token);
	return 0;
}
