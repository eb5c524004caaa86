/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing what the IdP sends: device authorization responses (P2, P4,
 * P5, O4), token responses (P6, P7, A7, O4) and discovery documents
 * (issuer mismatch, non-https endpoints).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oidc.h"

#define ISS "https://login.example/tid/v2.0"

static int
device(long status, const char *body, struct oidc_device *d, char *err)
{
	char cid[64];

	return oidc_parse_device(status, "application/json", body,
	    strlen(body), d, cid, sizeof(cid), err, 256);
}

static void
test_device_rfc_shape(void **state)
{
	struct oidc_device d;
	char err[256];

	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"ABCD-EFGH\",\"verification_uri\":\"https://idp.example/dev\","
	    "\"verification_uri_complete\":\"https://idp.example/dev?c=1\","
	    "\"expires_in\":600,\"interval\":7,\"message\":\"Go\\u001b[31m "
	    "there\"}", &d, err), 0);
	assert_string_equal(d.device_code, "DC");
	assert_string_equal(d.user_code, "ABCD-EFGH");
	assert_string_equal(d.verification_uri, "https://idp.example/dev");
	assert_string_equal(d.verification_uri_complete,
	    "https://idp.example/dev?c=1");
	assert_int_equal(d.expires_in, 600);
	assert_int_equal(d.interval, 7);
	/* No escape sequence reaches the user's terminal. */
	assert_null(strchr(d.message, 0x1b));
	oidc_device_wipe(&d);
}

static void
test_device_p4_entra_v1(void **state)
{
	struct oidc_device d;
	char err[256];

	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"X1\",\"verification_url\":\"https://microsoft.com/devicelogin\""
	    ",\"expires_in\":\"900\",\"interval\":\"5\"}", &d, err), 0);
	assert_string_equal(d.verification_uri,
	    "https://microsoft.com/devicelogin");
	assert_int_equal(d.expires_in, 900);
	assert_int_equal(d.interval, 5);
}

static void
test_device_p2_interval(void **state)
{
	struct oidc_device d;
	char err[256];

	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"X\",\"verification_uri\":\"https://a.example/d\",\"expires_in\""
	    ":900}", &d, err), 0);
	assert_int_equal(d.interval, 5);
	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"X\",\"verification_uri\":\"https://a.example/d\",\"expires_in\""
	    ":900,\"interval\":0}", &d, err), 0);
	assert_int_equal(d.interval, 5);
}

static void
test_device_p5_and_bad(void **state)
{
	struct oidc_device d;
	char err[256], cid[64];
	static const char html[] = "<html><body>Bad\x01</body></html>";

	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"X\",\"expires_in\":900}", &d, err), -ENOENT);
	assert_non_null(strstr(err, "neither verification_uri"));

	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"X\",\"verification_uri\":\"http://a.example/d\"}", &d, err),
	    -EPROTO);
	assert_int_equal(device(200, "{\"user_code\":\"X\",\"verification_uri"
	    "\":\"https://a.example/d\"}", &d, err), -EPROTO);
	assert_int_equal(device(200, "{\"device_code\":\"DC\",\"user_code\":"
	    "\"X\",\"verification_uri\":\"https://a.example/d\",\"expires_in\""
	    ":\"9x\"}", &d, err), -EPROTO);
	assert_int_equal(device(200, "[1,2]", &d, err), -EPROTO);
	assert_int_equal(device(200, "{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}", &d,
	    err), -EPROTO);

	/* O4 a: status, content type, escaped first bytes. */
	assert_int_equal(oidc_parse_device(400, "text/html", html,
	    strlen(html), &d, cid, sizeof(cid), err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "HTTP 400"));
	assert_non_null(strstr(err, "text/html"));
	assert_non_null(strstr(err, "<html><body>Bad\\x01"));

	assert_int_equal(device(401, "{\"error\":\"invalid_client\","
	    "\"error_codes\":[7000218],\"correlation_id\":\"c-1\"}", &d, err),
	    -EREMOTEIO);
	assert_non_null(strstr(err, "allow public client flows"));
}

static void
token(long status, const char *body, struct token_reply *r)
{
	oidc_parse_token(status, "application/json", body, strlen(body), r);
}

static void
test_token_replies(void **state)
{
	struct token_reply r;

	token(200, "{\"access_token\":\"AT\",\"id_token\":\"a.b.c\","
	    "\"token_type\":\"Bearer\"}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_TOKENS);
	assert_string_equal(r.id_token, "a.b.c");
	token_reply_clear(&r);

	/* P7: an access token without an ID token. */
	token(200, "{\"access_token\":\"AT\",\"token_type\":\"Bearer\"}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_TOKENS);
	assert_null(r.id_token);
	assert_true(r.has_access_token);
	token_reply_clear(&r);

	/* The error is read whatever the status (P6: 401; some IdPs: 200). */
	token(401, "{\"error\":\"invalid_client\",\"error_codes\":[7000218],"
	    "\"correlation_id\":\"5f1c\"}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_ERROR);
	assert_string_equal(r.error, "invalid_client");
	assert_int_equal(r.n_error_codes, 1);
	assert_int_equal(r.error_codes[0], 7000218);
	assert_string_equal(r.correlation_id, "5f1c");
	token(200, "{\"error\":\"authorization_pending\"}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_ERROR);
	token(400, "{\"error\":\"invalid_grant\",\"error_codes\":[50126,"
	    "53003]}", &r);
	assert_int_equal(r.n_error_codes, 2);
	assert_int_equal(r.error_codes[1], 53003);

	/* O4 b: 502 text/html. */
	oidc_parse_token(502, "text/html", "<html>Bad Gateway</html>", 24, &r);
	assert_int_equal(r.kind, TOKEN_REPLY_BAD);
	assert_non_null(strstr(r.detail, "HTTP 502"));
	token(500, "{}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_BAD);
	token(200, "{}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_BAD);
	token(200, "{\"id_token\":42}", &r);
	assert_int_equal(r.kind, TOKEN_REPLY_BAD);
}

static void
test_discovery(void **state)
{
	static const char good[] = "{\"issuer\":\"" ISS "\","
	    "\"device_authorization_endpoint\":\"https://login.example/d\","
	    "\"token_endpoint\":\"https://login.example/t\","
	    "\"jwks_uri\":\"https://login.example/k\"}";
	static const char other[] = "{\"issuer\":\"https://login.example/"
	    "evil/v2.0\",\"device_authorization_endpoint\":\"https://l/d\","
	    "\"token_endpoint\":\"https://l/t\",\"jwks_uri\":\"https://l/k\"}";
	static const char plain[] = "{\"issuer\":\"" ISS "\","
	    "\"device_authorization_endpoint\":\"http://login.example/d\","
	    "\"token_endpoint\":\"https://login.example/t\","
	    "\"jwks_uri\":\"https://login.example/k\"}";
	static const char nodev[] = "{\"issuer\":\"" ISS "\","
	    "\"token_endpoint\":\"https://login.example/t\","
	    "\"jwks_uri\":\"https://login.example/k\"}";
	struct oidc_provider p;
	char err[256];

	assert_int_equal(oidc_parse_discovery(good, strlen(good), ISS, &p, err,
	    sizeof(err)), 0);
	assert_string_equal(p.token_endpoint, "https://login.example/t");
	assert_string_equal(p.jwks_uri, "https://login.example/k");

	assert_int_equal(oidc_parse_discovery(good, strlen(good), ISS "/", &p,
	    err, sizeof(err)), -EPERM);
	assert_int_equal(oidc_parse_discovery(other, strlen(other), ISS, &p,
	    err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not the configured issuer"));
	assert_int_equal(oidc_parse_discovery(plain, strlen(plain), ISS, &p,
	    err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "device_authorization_endpoint"));
	assert_int_equal(oidc_parse_discovery(nodev, strlen(nodev), ISS, &p,
	    err, sizeof(err)), -EPROTO);
	assert_int_equal(oidc_parse_discovery("nope", 4, ISS, &p, err,
	    sizeof(err)), -EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_rfc_shape),
		cmocka_unit_test(test_device_p4_entra_v1),
		cmocka_unit_test(test_device_p2_interval),
		cmocka_unit_test(test_device_p5_and_bad),
		cmocka_unit_test(test_token_replies),
		cmocka_unit_test(test_discovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
