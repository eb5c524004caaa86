/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_parse()/conf_load(): every key, the defaults, errors with line
 * numbers, and the refusal of a config file others could write.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

#define BASE "issuer = https://login.example/tid/v2.0\n" \
	"client_id = 0f1e2d3c-aaaa-bbbb-cccc-000000000001\n" \
	"exception_group = 5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6\n"

static int
parse(const char *text, struct bsure_conf *c, char *err, size_t errsize)
{
	return conf_parse(text, strlen(text), c, err, errsize);
}

/* Expect a parse error whose message contains want. */
static void
expect_error(const char *text, const char *want)
{
	struct bsure_conf c;
	char err[256];

	assert_int_equal(parse(text, &c, err, sizeof(err)), -EINVAL);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
test_defaults(void **state)
{
	struct bsure_conf c;
	char err[256];

	assert_int_equal(parse(BASE, &c, err, sizeof(err)), 0);
	assert_string_equal(c.issuer, "https://login.example/tid/v2.0");
	assert_null(c.tenant_id);
	assert_string_equal(c.scopes, "openid profile");
	assert_null(c.ca_file);
	assert_null(c.proxy);
	assert_string_equal(c.user_claim, "upn");
	assert_string_equal(c.user_map, "%u");
	assert_int_equal(c.n_exception_group, 1);
	assert_true(c.require_group);
	assert_int_equal(c.device_policy, DEVICE_POLICY_NONE);
	assert_string_equal(c.device_claim, "deviceid");
	assert_int_equal(c.n_require_claim, 0);
	assert_int_equal(c.n_allowed_rhosts, 0);
	assert_string_equal(c.graph_url, "https://graph.microsoft.com");
	assert_int_equal(c.pim, PIM_OFF);
	assert_int_equal(c.max_wait, 300);
	assert_int_equal(c.clock_skew, 120);
	assert_int_equal(c.keyring, KEYRING_REQUIRED);
	assert_int_equal(c.sudo_reuse, 0);
	assert_int_equal(c.qr, QR_AUTO);
	assert_null(c.audit_file);
	assert_non_null(strstr(c.cache_dir, "/cache/pam_bsure"));
	assert_true(conf_rhost_allowed(&c, "192.0.2.1"));
	conf_free(&c);
}

static void
test_every_key(void **state)
{
	static const char text[] = "# all keys\n"
	    "issuer = https://idp.example/\n"
	    "client_id = app\n"
	    "tenant_id = 3f2c8a41-7b5e-4d19-a6c0-52e8b9d17f04\n"
	    "scopes = openid profile email\n"
	    "ca_file = /etc/ssl/extra.pem\n"
	    "proxy = http://proxy.example:3128\n"
	    "user_claim = preferred_username\n"
	    "user_map = %u@contoso.com\n"
	    "exception_group = 5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6, "
	    "8D2F4E6A-1B3C-4A5D-9E7F-0C1D2E3F4A5B 11111111-2222-3333-4444-"
	    "555555555555\n"
	    "require_group = yes\n"
	    "device_policy = compliant\n"
	    "device_claim = did\n"
	    "require_claim = amr=mfa\n"
	    "  require_claim=acrs=c1  \n"
	    "allowed_rhosts = 10.0.0.0/8, 192.0.2.7 2001:db8::/32\n"
	    "graph_url = https://graph.example\n"
	    "graph_client_id = gapp\n"
	    "graph_client_secret_file = /etc/bsure/secret\n"
	    "graph_client_cert = /etc/bsure/cert.pem\n"
	    "graph_client_key = /etc/bsure/key.pem\n"
	    "pim = cap\n"
	    "max_wait = 600\n"
	    "clock_skew = 60\n"
	    "keyring = optional\n"
	    "sudo_reuse = 900\n"
	    "qr = off\n"
	    "audit_file = /var/log/bsure.jsonl\n";
	struct bsure_conf c;
	char err[256];

	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_string_equal(c.issuer, "https://idp.example/");
	assert_string_equal(c.client_id, "app");
	assert_string_equal(c.tenant_id,
	    "3f2c8a41-7b5e-4d19-a6c0-52e8b9d17f04");
	assert_string_equal(c.scopes, "openid profile email");
	assert_string_equal(c.ca_file, "/etc/ssl/extra.pem");
	assert_string_equal(c.proxy, "http://proxy.example:3128");
	assert_string_equal(c.user_claim, "preferred_username");
	assert_string_equal(c.user_map, "%u@contoso.com");
	assert_int_equal(c.n_exception_group, 3);
	assert_string_equal(c.exception_group[1],
	    "8D2F4E6A-1B3C-4A5D-9E7F-0C1D2E3F4A5B");
	assert_int_equal(c.device_policy, DEVICE_POLICY_COMPLIANT);
	assert_string_equal(c.device_claim, "did");
	assert_int_equal(c.n_require_claim, 2);
	assert_string_equal(c.require_claim[0].name, "amr");
	assert_string_equal(c.require_claim[0].value, "mfa");
	assert_string_equal(c.require_claim[1].name, "acrs");
	assert_string_equal(c.require_claim[1].value, "c1");
	assert_int_equal(c.n_allowed_rhosts, 3);
	assert_string_equal(c.graph_url, "https://graph.example");
	assert_string_equal(c.graph_client_id, "gapp");
	assert_string_equal(c.graph_client_secret_file, "/etc/bsure/secret");
	assert_string_equal(c.graph_client_cert, "/etc/bsure/cert.pem");
	assert_string_equal(c.graph_client_key, "/etc/bsure/key.pem");
	assert_int_equal(c.pim, PIM_CAP);
	assert_int_equal(c.max_wait, 600);
	assert_int_equal(c.clock_skew, 60);
	assert_int_equal(c.keyring, KEYRING_OPTIONAL);
	assert_string_equal(conf_keyring_name(c.keyring), "optional");
	assert_int_equal(c.sudo_reuse, 900);
	assert_int_equal(c.qr, QR_OFF);
	assert_string_equal(c.audit_file, "/var/log/bsure.jsonl");

	assert_true(conf_rhost_allowed(&c, "10.200.1.1"));
	assert_true(conf_rhost_allowed(&c, "192.0.2.7"));
	assert_false(conf_rhost_allowed(&c, "192.0.2.8"));
	assert_true(conf_rhost_allowed(&c, "2001:db8:1::5"));
	assert_true(conf_rhost_allowed(&c, "::ffff:10.0.0.1"));
	assert_false(conf_rhost_allowed(&c, "2001:db9::1"));
	assert_false(conf_rhost_allowed(&c, "host.example"));
	assert_false(conf_rhost_allowed(&c, ""));
	conf_free(&c);
}

static void
test_require_group_no(void **state)
{
	struct bsure_conf c;
	char err[256];

	assert_int_equal(parse("issuer = https://a.example\nclient_id = x\n"
	    "require_group = no\n", &c, err, sizeof(err)), 0);
	assert_false(c.require_group);
	conf_free(&c);
	expect_error("issuer = https://a.example\nclient_id = x\n",
	    "exception_group is required");
}

/* Entra signs all tenants' tokens with one key set: tid must be pinned. */
static void
test_entra_needs_tenant(void **state)
{
	struct bsure_conf c;
	char err[256];

	expect_error("issuer = https://login.microsoftonline.com/"
	    "3f2c8a41-7b5e-4d19-a6c0-52e8b9d17f04/v2.0\n"
	    "client_id = 0f1e2d3c-aaaa-bbbb-cccc-000000000001\n"
	    "exception_group = 5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6\n",
	    "tenant_id is required for Entra issuers");
	assert_int_equal(parse("issuer = https://LOGIN.microsoftonline.com/"
	    "3f2c8a41-7b5e-4d19-a6c0-52e8b9d17f04/v2.0\n"
	    "client_id = 0f1e2d3c-aaaa-bbbb-cccc-000000000001\n"
	    "tenant_id = 3f2c8a41-7b5e-4d19-a6c0-52e8b9d17f04\n"
	    "exception_group = 5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6\n",
	    &c, err, sizeof(err)), 0);
	conf_free(&c);
	/* Other providers may leave it out. */
	assert_int_equal(parse(BASE, &c, err, sizeof(err)), 0);
	conf_free(&c);
}

static void
test_errors(void **state)
{
	expect_error(BASE "\nfoo = bar\n", "line 5: unknown key 'foo'");
	expect_error(BASE "cache_dir = /tmp/x\n", "line 4: unknown key");
	expect_error("client_id = x\n", "issuer is required");
	expect_error("issuer = https://a.example\n", "client_id is required");
	expect_error("issuer = http://a.example\n", "line 1: 'http://a."
	    "example' is not an https:// URL");
	expect_error(BASE "scopes = profile email\n", "line 4: scopes must "
	    "include openid");
	expect_error(BASE "max_wait = 5\n", "line 4:");
	expect_error(BASE "max_wait = 300s\n", "line 4:");
	expect_error(BASE "max_wait = -1\n", "line 4:");
	expect_error(BASE "clock_skew = 99999\n", "line 4:");
	expect_error(BASE "sudo_reuse = lots\n", "line 4:");
	expect_error(BASE "keyring = maybe\n", "line 4: bad value 'maybe'");
	expect_error(BASE "qr = yes\n", "line 4: bad value");
	expect_error(BASE "pim = on\n", "line 4: bad value");
	expect_error(BASE "device_policy = strict\n", "line 4: bad value");
	expect_error(BASE "require_group = maybe\n", "line 4: bad value");
	expect_error(BASE "user_claim = name\n", "line 4: bad value");
	expect_error(BASE "user_map = alice\n", "line 4: user_map");
	expect_error(BASE "user_map = %s@x\n", "line 4: user_map");
	expect_error(BASE "user_map = file:relative\n", "line 4:");
	expect_error(BASE "require_claim = amr\n", "line 4: require_claim");
	expect_error(BASE "allowed_rhosts = 10.0.0.0/33\n", "line 4: "
	    "'10.0.0.0/33' is not a CIDR");
	expect_error(BASE "allowed_rhosts = example.com\n", "line 4:");
	expect_error(BASE "allowed_rhosts = ::1/129\n", "line 4:");
	expect_error("issuer = https://a.example\nclient_id = x\n"
	    "exception_group = admins\n", "line 3: exception_group 'admins' "
	    "is not a GUID");
	expect_error(BASE "ca_file = relative.pem\n", "line 4:");
	expect_error(BASE "audit_file = log.json\n", "line 4:");
	expect_error(BASE "proxy = socks5://p:1\n", "line 4: proxy");
	expect_error(BASE "graph_url = http://g.example\n", "line 4:");
	expect_error(BASE "issuer = https://b.example\n", "line 4: "
	    "duplicate key 'issuer'");
	expect_error(BASE "max_wait =\n", "line 4: no value");
	expect_error(BASE "just words\n", "line 4: expected");
}

static void
test_bounds(void **state)
{
	struct bsure_conf c;
	char err[256];
	char *big = malloc(CONF_FILE_MAX + 16);
	size_t i;

	assert_non_null(big);
	memset(big, 'a', CONF_LINE_MAX + 1);
	big[CONF_LINE_MAX + 1] = '\0';
	assert_int_equal(parse(big, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1: line longer"));

	for (i = 0; i < CONF_LINES_MAX + 1; i++)
		big[i] = '\n';
	big[i] = '\0';
	assert_int_equal(parse(big, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than"));

	assert_int_equal(conf_parse("# x\0issuer", 10, &c, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	free(big);
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
test_load_ownership(void **state)
{
	char dir[] = "/tmp/bsure-test-conf-XXXXXX";
	char path[64];
	struct bsure_conf c;
	char err[256];

	if (geteuid() != 0)
		skip(); /* ownership by root cannot be arranged otherwise */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pam_bsure.conf", dir);

	write_file(path, BASE, 0600);
	assert_int_equal(conf_load(path, true, &c, err, sizeof(err)), 0);
	conf_free(&c);

	write_file(path, BASE, 0620);
	assert_int_equal(conf_load(path, true, &c, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(conf_load(path, false, &c, err, sizeof(err)), 0);
	conf_free(&c);

	write_file(path, BASE, 0602);
	assert_int_equal(conf_load(path, true, &c, err, sizeof(err)), -EPERM);

	write_file(path, BASE, 0600);
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_int_equal(conf_load(path, true, &c, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not owned by root"));
	assert_int_equal(chown(path, 0, 0), 0);

	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(conf_load(path, true, &c, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "config directory"));
	assert_int_equal(chmod(dir, 0700), 0);

	write_file(path, BASE "bogus = 1\n", 0600);
	assert_int_equal(conf_load(path, true, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 4"));

	unlink(path);
	assert_true(conf_load(path, true, &c, err, sizeof(err)) == -ENOENT);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_require_group_no),
		cmocka_unit_test(test_entra_needs_tenant),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_load_ownership),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
