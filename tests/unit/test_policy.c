/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identity mapping, exception group, required and device claims over
 * verified claims (cases A1-A3, A4/A6 claim side).  The config struct is
 * built by hand so these tests do not depend on the config parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

#define GROUP_A "6f1a0e3c-1b2d-4c5e-8f90-a1b2c3d4e5f6"
#define GROUP_B "00000000-aaaa-bbbb-cccc-111111111111"
#define OID "0f0e0d0c-0b0a-0908-0706-050403020100"

static struct bsure_conf
conf_default(void)
{
	struct bsure_conf c;

	memset(&c, 0, sizeof(c));
	c.issuer = "https://login.microsoftonline.com/t/v2.0";
	c.client_id = "client";
	c.user_claim = "upn";
	c.user_map = "%u";
	c.exception_group[0] = GROUP_A;
	c.n_exception_group = 1;
	c.require_group = true;
	c.device_policy = DEVICE_POLICY_NONE;
	c.device_claim = "deviceid";
	c.clock_skew = 120;
	return c;
}

static struct json_object *
claims(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	assert_non_null(o);
	return o;
}

static enum bsure_result
map(const struct bsure_conf *c, const char *user, const char *json,
    struct policy_identity *id, char *reason, size_t reasonsize)
{
	struct json_object *o = claims(json);
	enum bsure_result r;

	reason[0] = '\0';
	r = policy_map_user(c, user, o, id, reason, reasonsize);
	json_object_put(o);
	return r;
}

#define MAP(c, user, json) map(c, user, json, &id, reason, sizeof(reason))

/* A1: UPN differs in case from the pattern's expansion. */
static void
test_a1_upn_case_insensitive(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];

	c.user_map = "%u@contoso.com";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"Alice@Contoso.COM\","
	    "\"oid\":\"" OID "\",\"tid\":\"t1\",\"exp\":200,\"iat\":100}"),
	    BSURE_OK);
	assert_string_equal(id.user_value, "Alice@Contoso.COM");
	assert_string_equal(id.upn, "Alice@Contoso.COM");
	assert_string_equal(id.oid, OID);
	assert_string_equal(id.tid, "t1");
	assert_int_equal(id.exp, 200);
	assert_int_equal(id.iat, 100);
	assert_string_equal(id.group, "");

	/* Local names stay case-sensitive: "Alice" is another account. */
	assert_int_equal(MAP(&c, "alice2", "{\"upn\":\"alice@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	/* Another domain is another person. */
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice@contoso.com.evil\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice@contoso.co\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
}

/* A2: bob approved the code for alice (or root). */
static void
test_a2_other_user_does_not_map(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];

	c.user_map = "%u@contoso.com";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"bob@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_non_null(strstr(reason, "does not map to alice"));
	assert_string_equal(reason, "bob@contoso.com does not map to alice");
	assert_int_equal(MAP(&c, "root", "{\"upn\":\"bob@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_string_equal(reason, "bob@contoso.com does not map to root");
}

/* A3: only the configured claim names the user; never name or email. */
static void
test_a3_only_configured_claim(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];

	c.user_map = "%u@contoso.com";
	assert_int_equal(MAP(&c, "alice", "{\"name\":\"alice\","
	    "\"email\":\"alice@contoso.com\",\"preferred_username\":"
	    "\"alice@contoso.com\",\"sub\":\"x\",\"exp\":200,\"iat\":100}"),
	    BSURE_AUTH_ERR);
	assert_string_equal(reason, "claim upn missing");

	c.user_map = "%u";
	assert_int_equal(MAP(&c, "alice", "{\"name\":\"alice\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_string_equal(reason, "claim upn missing");

	/* upn present but wrong; a matching email does not rescue it. */
	c.user_map = "%u@contoso.com";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"eve@contoso.com\","
	    "\"email\":\"alice@contoso.com\",\"exp\":200,\"iat\":100}"),
	    BSURE_AUTH_ERR);

	/* Display names can never be configured. */
	c.user_claim = "name";
	assert_int_equal(MAP(&c, "alice", "{\"name\":\"alice@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);

	/* Configured email: used, and upn is then irrelevant. */
	c.user_claim = "email";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"bob@contoso.com\","
	    "\"email\":\"ALICE@contoso.com\",\"exp\":200,\"iat\":100}"),
	    BSURE_OK);
	assert_string_equal(id.user_value, "ALICE@contoso.com");
	assert_string_equal(id.upn, "bob@contoso.com");
}

/* ids compare exactly. */
static void
test_oid_exact_case(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];
	char path[] = "/tmp/bsure-map-XXXXXX";
	char map_opt[64];
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "alice " OID "\n");
	fclose(f);
	snprintf(map_opt, sizeof(map_opt), "file:%s", path);
	c.user_claim = "oid";
	c.user_map = map_opt;

	assert_int_equal(MAP(&c, "alice", "{\"oid\":\"" OID "\","
	    "\"exp\":200,\"iat\":100}"), BSURE_OK);
	assert_int_equal(MAP(&c, "alice", "{\"oid\":"
	    "\"0F0E0D0C-0B0A-0908-0706-050403020100\",\"exp\":200,"
	    "\"iat\":100}"), BSURE_AUTH_ERR);
	unlink(path);

	/* sub with a plain pattern, exact. */
	c.user_claim = "sub";
	c.user_map = "%u";
	assert_int_equal(MAP(&c, "AbC", "{\"sub\":\"AbC\",\"exp\":200,"
	    "\"iat\":100}"), BSURE_OK);
	assert_int_equal(MAP(&c, "abc", "{\"sub\":\"AbC\",\"exp\":200,"
	    "\"iat\":100}"), BSURE_AUTH_ERR);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_user_map_file(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];
	char dir[] = "/tmp/bsure-mapdir-XXXXXX";
	char path[128], map_opt[160];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/map", dir);
	snprintf(map_opt, sizeof(map_opt), "file:%s", path);
	c.user_map = map_opt;
	write_file(path, "# local  claim\n\n"
	    "alice   Alice.Smith@contoso.com\n"
	    "ops\tcarol@contoso.com  # shared account\n"
	    "ops dave@contoso.com\n"
	    "  \n", 0600);

	assert_int_equal(MAP(&c, "alice", "{\"upn\":"
	    "\"alice.smith@CONTOSO.com\",\"exp\":200,\"iat\":100}"), BSURE_OK);
	assert_int_equal(MAP(&c, "ops", "{\"upn\":\"dave@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_OK);
	assert_int_equal(MAP(&c, "ops", "{\"upn\":\"carol@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_OK);
	/* A listed identity maps only to its own line's user. */
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"dave@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_string_equal(reason, "dave@contoso.com does not map to alice");
	assert_int_equal(MAP(&c, "bob", "{\"upn\":\"bob@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);

	/* Malformed line, group-writable file, missing file: config error. */
	write_file(path, "alice\n", 0600);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);
	assert_non_null(strstr(reason, "line 1"));
	write_file(path, "alice a b\n", 0600);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"a\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);
	write_file(path, "alice alice\n", 0620);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);
	unlink(path);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);

	/* A directory is not a map file. */
	snprintf(map_opt, sizeof(map_opt), "file:%s", dir);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);
	rmdir(dir);
}

static void
test_map_bad_inputs(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];

	/* Claim of the wrong type, empty, with a control character. */
	assert_int_equal(MAP(&c, "alice", "{\"upn\":[\"alice\"],"
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_string_equal(reason, "claim upn invalid");
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\\n\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	/* Pattern without %u, or with an unknown escape. */
	c.user_map = "admin@contoso.com";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"admin@contoso.com\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);
	c.user_map = "%u%x";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\","
	    "\"exp\":200,\"iat\":100}"), BSURE_UNAVAIL);
	c.user_map = "%u%%";
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice%\","
	    "\"exp\":200,\"iat\":100}"), BSURE_OK);
	/* Bad local names. */
	c.user_map = "%u";
	assert_int_equal(MAP(&c, "", "{\"upn\":\"\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	assert_int_equal(MAP(&c, "a b", "{\"upn\":\"a b\","
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	/* oid of the wrong type spoils the identity. */
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"alice\",\"oid\":5,"
	    "\"exp\":200,\"iat\":100}"), BSURE_AUTH_ERR);
	/* Defaults when the conf leaves claim and map unset. */
	c.user_claim = NULL;
	c.user_map = NULL;
	assert_int_equal(MAP(&c, "alice", "{\"upn\":\"ALICE\","
	    "\"exp\":200,\"iat\":100}"), BSURE_OK);
}

static enum bsure_result
group(const struct bsure_conf *c, const char *json, bool *overage,
    struct policy_identity *id, char *reason, size_t reasonsize)
{
	struct json_object *o = claims(json);
	enum bsure_result r;

	reason[0] = '\0';
	r = policy_check_group(c, o, overage, id, reason, reasonsize);
	json_object_put(o);
	return r;
}

#define GROUP(c, json) group(c, json, &overage, &id, reason, sizeof(reason))

static void
test_group_membership(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	bool overage = true;
	char reason[256];

	assert_int_equal(GROUP(&c, "{\"groups\":[\"x\",\"" GROUP_A "\"]}"),
	    BSURE_OK);
	assert_false(overage);
	assert_string_equal(id.group, GROUP_A);

	/* GUIDs compare case-insensitively. */
	assert_int_equal(GROUP(&c, "{\"groups\":"
	    "[\"6F1A0E3C-1B2D-4C5E-8F90-A1B2C3D4E5F6\"]}"), BSURE_OK);

	/* Second configured group. */
	c.exception_group[1] = GROUP_B;
	c.n_exception_group = 2;
	assert_int_equal(GROUP(&c, "{\"groups\":[\"" GROUP_B "\"]}"),
	    BSURE_OK);
	assert_string_equal(id.group, GROUP_B);

	assert_int_equal(GROUP(&c, "{\"groups\":[\"other\"]}"),
	    BSURE_PERM_DENIED);
	assert_string_equal(reason, "not in exception group");
	assert_string_equal(id.group, "");
	assert_int_equal(GROUP(&c, "{\"groups\":[]}"), BSURE_PERM_DENIED);
	assert_int_equal(GROUP(&c, "{}"), BSURE_PERM_DENIED);
	assert_non_null(strstr(reason, "not in exception group"));
	assert_false(overage);
}

/* A4 (claim side): overage is never "no groups". */
static void
test_group_overage(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	bool overage = false;
	char reason[256];

	assert_int_equal(GROUP(&c, "{\"_claim_names\":{\"groups\":\"src1\"},"
	    "\"_claim_sources\":{\"src1\":{\"endpoint\":"
	    "\"https://graph.microsoft.com/v1.0/users/x/getMemberObjects\"}}}"),
	    BSURE_UNAVAIL);
	assert_true(overage);
	assert_string_equal(reason,
	    "groups overage: Graph lookup not configured");

	overage = false;
	assert_int_equal(GROUP(&c, "{\"hasgroups\":true}"), BSURE_UNAVAIL);
	assert_true(overage);
	assert_int_equal(GROUP(&c, "{\"hasgroups\":\"false\"}"),
	    BSURE_PERM_DENIED);
	assert_false(overage);
}

static void
test_group_wrong_types(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	bool overage;
	char reason[256];

	assert_int_equal(GROUP(&c, "{\"groups\":\"" GROUP_A "\"}"),
	    BSURE_AUTH_ERR);
	assert_int_equal(GROUP(&c, "{\"groups\":[\"" GROUP_A "\",7]}"),
	    BSURE_AUTH_ERR);
	assert_int_equal(GROUP(&c, "{\"groups\":{\"a\":1}}"), BSURE_AUTH_ERR);
}

static void
test_group_not_required(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	bool overage;
	char reason[256];

	c.require_group = false;
	c.n_exception_group = 0;
	assert_int_equal(GROUP(&c, "{}"), BSURE_OK);
	assert_string_equal(id.group, "");
	/* Required but none configured: a config error, not a pass. */
	c.require_group = true;
	assert_int_equal(GROUP(&c, "{\"groups\":[\"" GROUP_A "\"]}"),
	    BSURE_UNAVAIL);
}

static enum bsure_result
check_claims(const struct bsure_conf *c, const char *json,
    struct policy_identity *id, char *reason, size_t reasonsize)
{
	struct json_object *o = claims(json);
	enum bsure_result r;

	reason[0] = '\0';
	r = policy_check_claims(c, o, id, reason, reasonsize);
	json_object_put(o);
	return r;
}

#define CLAIMS(c, json) check_claims(c, json, &id, reason, sizeof(reason))

static void
test_require_claim_string_and_array(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];

	c.require_claim[0].name = "amr";
	c.require_claim[0].value = "mfa";
	c.require_claim[1].name = "acrs";
	c.require_claim[1].value = "c1";
	c.n_require_claim = 2;

	assert_int_equal(CLAIMS(&c, "{\"amr\":[\"pwd\",\"mfa\"],"
	    "\"acrs\":\"c1\"}"), BSURE_OK);
	assert_int_equal(CLAIMS(&c, "{\"amr\":[\"pwd\"],\"acrs\":\"c1\"}"),
	    BSURE_PERM_DENIED);
	assert_string_equal(reason, "required claim amr lacks mfa");
	assert_int_equal(CLAIMS(&c, "{\"amr\":\"mfa\",\"acrs\":\"c2\"}"),
	    BSURE_PERM_DENIED);
	assert_string_equal(reason, "required claim acrs is not c1");
	assert_int_equal(CLAIMS(&c, "{\"amr\":\"mfa\"}"), BSURE_PERM_DENIED);
	assert_string_equal(reason, "required claim acrs missing");
	/* Case matters for claim values; numbers never equal strings. */
	assert_int_equal(CLAIMS(&c, "{\"amr\":[\"MFA\"],\"acrs\":\"c1\"}"),
	    BSURE_PERM_DENIED);
	assert_int_equal(CLAIMS(&c, "{\"amr\":[\"mfa\"],\"acrs\":1}"),
	    BSURE_PERM_DENIED);

	c.require_claim[0].name = "email_verified";
	c.require_claim[0].value = "true";
	c.n_require_claim = 1;
	assert_int_equal(CLAIMS(&c, "{\"email_verified\":true}"), BSURE_OK);
	assert_int_equal(CLAIMS(&c, "{\"email_verified\":false}"),
	    BSURE_PERM_DENIED);
}

/* A6 (claim side): a device claim, when the policy wants one. */
static void
test_device_claim(void **state)
{
	struct bsure_conf c = conf_default();
	struct policy_identity id;
	char reason[256];

	assert_int_equal(CLAIMS(&c, "{}"), BSURE_OK);
	assert_string_equal(id.device, "");
	assert_int_equal(CLAIMS(&c, "{\"deviceid\":\"dev-1\"}"), BSURE_OK);
	assert_string_equal(id.device, "dev-1");

	c.device_policy = DEVICE_POLICY_CLAIM;
	assert_int_equal(CLAIMS(&c, "{\"deviceid\":\"dev-1\"}"), BSURE_OK);
	assert_string_equal(id.device, "dev-1");
	assert_int_equal(CLAIMS(&c, "{}"), BSURE_PERM_DENIED);
	assert_string_equal(reason, "device claim deviceid missing");
	assert_int_equal(CLAIMS(&c, "{\"deviceid\":\"\"}"), BSURE_PERM_DENIED);
	assert_int_equal(CLAIMS(&c, "{\"deviceid\":5}"), BSURE_PERM_DENIED);

	c.device_policy = DEVICE_POLICY_COMPLIANT;
	assert_int_equal(CLAIMS(&c, "{}"), BSURE_PERM_DENIED);
	assert_string_equal(reason, "device claim deviceid missing");
	c.device_policy = DEVICE_POLICY_MANAGED;
	c.device_claim = "xms_did";
	assert_int_equal(CLAIMS(&c, "{\"deviceid\":\"d\"}"),
	    BSURE_PERM_DENIED);
	assert_string_equal(reason, "device claim xms_did missing");
	assert_int_equal(CLAIMS(&c, "{\"xms_did\":\"d\"}"), BSURE_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a1_upn_case_insensitive),
		cmocka_unit_test(test_a2_other_user_does_not_map),
		cmocka_unit_test(test_a3_only_configured_claim),
		cmocka_unit_test(test_oid_exact_case),
		cmocka_unit_test(test_user_map_file),
		cmocka_unit_test(test_map_bad_inputs),
		cmocka_unit_test(test_group_membership),
		cmocka_unit_test(test_group_overage),
		cmocka_unit_test(test_group_wrong_types),
		cmocka_unit_test(test_group_not_required),
		cmocka_unit_test(test_require_claim_string_and_array),
		cmocka_unit_test(test_device_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
