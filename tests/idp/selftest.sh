#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Self-test of the local test IdP: Entra-shaped discovery and endpoints, a
# complete device flow with curl, control-surface approval, scripted and
# enforced slow_down, device response shapes, sign-in through the real
# pages, key rotation and ID token overrides. Exit 0 on success, 77 skip.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lib=$(cd "$here/../lib" && pwd)
. "$lib/idp.sh"

work=$(mktemp -d /tmp/bsure-idp-selftest.XXXXXX)
cleanup() {
	idp_stop
	rm -rf "$work"
}
trap cleanup EXIT

fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
ctl() { python3 "$lib/idpctl.py" "$@"; }
# jget EXPR: evaluates a Python expression over the JSON on stdin as j.
jget() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

idp_start "$work/state" --interval 1
echo "IdP: port=$IDP_PORT issuer=$IDP_ISSUER tenant=$IDP_TENANT client=$IDP_CLIENT_ID"
base="https://127.0.0.1:$IDP_PORT"
t=$IDP_TENANT
c() { curl -sS --cacert "$IDP_CA" "$@"; }

# --- discovery and key set, laid out like Entra ------------------------
disc=$(c "$IDP_ISSUER/.well-known/openid-configuration")
check "issuer is https://127.0.0.1:PORT/<tid>/v2.0" \
	test "$(jget 'j["issuer"]' <<<"$disc")" = "$base/$t/v2.0"
check "device endpoint /<tid>/oauth2/v2.0/devicecode" \
	test "$(jget 'j["device_authorization_endpoint"]' <<<"$disc")" = \
	"$base/$t/oauth2/v2.0/devicecode"
check "token endpoint /<tid>/oauth2/v2.0/token" \
	test "$(jget 'j["token_endpoint"]' <<<"$disc")" = \
	"$base/$t/oauth2/v2.0/token"
check "jwks_uri /<tid>/discovery/v2.0/keys" \
	test "$(jget 'j["jwks_uri"]' <<<"$disc")" = \
	"$base/$t/discovery/v2.0/keys"
check "no revocation_endpoint (as Entra)" \
	test "$(jget '"revocation_endpoint" in j' <<<"$disc")" = False
jwks=$(c "$base/$t/discovery/v2.0/keys")
check "JWKS has one RS256 key" \
	test "$(jget '[k["alg"] for k in j["keys"]]' <<<"$jwks")" = "['RS256']"
k1=$(jget 'j["keys"][0]["kid"]' <<<"$jwks")
check "control surface refuses a peer other than 127.0.0.1" \
	test "$(c -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
	"$base/_test/health")" = 403

# device_authorize [SCOPE]: prints the device authorization response.
device_authorize() {
	c -d "client_id=$IDP_CLIENT_ID" --data-urlencode "scope=${1:-openid profile}" \
		"$base/$t/oauth2/v2.0/devicecode"
}
# new_code: a fresh device authorization into $dc, $uc, $resp.
new_code() {
	resp=$(device_authorize)
	dc=$(jget 'j["device_code"]' <<<"$resp")
	uc=$(jget 'j["user_code"]' <<<"$resp")
}
# poll: one token request for $dc (read from stdin, never argv); prints
# the body and sets $status.
poll() {
	local out
	out=$(printf '%s' "$dc" | c -w '\n%{http_code}' \
		-d "client_id=$IDP_CLIENT_ID" \
		-d grant_type=urn:ietf:params:oauth:grant-type:device_code \
		--data-urlencode device_code@- "$base/$t/oauth2/v2.0/token")
	status=${out##*$'\n'}
	body=${out%$'\n'*}
}
claims() { # claims JWT-FIELD-EXPR: decoded header and payload of the id_token
	python3 -c '
import base64, json, sys
j = json.load(sys.stdin)
h, p = j["id_token"].split(".")[:2]
d = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
print(json.dumps({"header": d(h), "claims": d(p)}, sort_keys=True))'
}

# verify_sig JWKS TOKEN-RESPONSE: RS256 signature of its id_token checks
# out against the key of that kid in JWKS.
verify_sig() {
	printf '%s' "$2" | node -e '
const crypto = require("node:crypto");
const jwks = JSON.parse(process.argv[1]);
let raw = "";
process.stdin.on("data", (d) => { raw += d; });
process.stdin.on("end", () => {
	const [h, p, s] = JSON.parse(raw).id_token.split(".");
	const hdr = JSON.parse(Buffer.from(h, "base64url"));
	const jwk = jwks.keys.find((k) => k.kid === hdr.kid);
	const ok = jwk && crypto.verify("sha256", Buffer.from(`${h}.${p}`),
	    crypto.createPublicKey({ key: jwk, format: "jwk" }),
	    Buffer.from(s, "base64url"));
	process.exit(ok ? 0 : 1);
});' "$1"
}

# --- a complete device flow -----------------------------------------
new_code
echo "device authorization: $(jget '{k: v for k, v in j.items() if k != "device_code"}' <<<"$resp")"
check "device response carries interval 1" \
	test "$(jget 'j["interval"]' <<<"$resp")" = 1
check "device response carries verification_uri" \
	test "$(jget 'j["verification_uri"]' <<<"$resp")" = "$base/devicelogin"
poll
check "first poll: 400 authorization_pending" \
	test "$status/$(jget 'j["error"]' <<<"$body")" = "400/authorization_pending"
check "control lists the pending user code" \
	bash -c "python3 '$lib/idpctl.py' pending | grep -qx '${uc//-/}'"
ctl approve "$uc" --account alice >/dev/null
sleep 1.1
poll
check "poll after approval: 200" test "$status" = 200
check "token response has access_token and id_token" \
	test "$(jget '"access_token" in j and "id_token" in j' <<<"$body")" = True
idt=$(claims <<<"$body")
echo "ID token: $idt"
check "iss is the issuer" test "$(jget 'j["claims"]["iss"]' <<<"$idt")" = "$IDP_ISSUER"
check "aud is the client id" test "$(jget 'j["claims"]["aud"]' <<<"$idt")" = "$IDP_CLIENT_ID"
check "tid is the tenant" test "$(jget 'j["claims"]["tid"]' <<<"$idt")" = "$t"
check "upn alice@contoso.example" \
	test "$(jget 'j["claims"]["upn"]' <<<"$idt")" = alice@contoso.example
check "groups has G1" test "$(jget 'j["claims"]["groups"]' <<<"$idt")" = \
	"['5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6']"
check "amr from the account" \
	test "$(jget 'j["claims"]["amr"]' <<<"$idt")" = "['pwd', 'mfa']"
check "signed RS256 with K1" \
	test "$(jget 'j["header"]["alg"] + " " + j["header"]["kid"]' <<<"$idt")" = "RS256 $k1"
check "K1 signature verifies against the published JWKS" \
	verify_sig "$jwks" "$body"
check "polls recorded (2)" \
	test "$(ctl polls "$uc" | jget 'len(j["polls"])')" = 2

# --- scripted and enforced slow_down ----------------------------------
new_code
ctl script-token --user-code "$uc" slow_down authorization_pending >/dev/null
poll
check "scripted slow_down" \
	test "$status/$(jget 'j["error"]' <<<"$body")" = "400/slow_down"
sleep 0.5
poll
check "too-early poll: enforced slow_down" \
	test "$(jget 'j["error"]' <<<"$body")" = slow_down
check "interval now 1+5+5 = 11" \
	test "$(ctl polls "$uc" | jget 'j["interval"]')" = 11
sleep 11.1
poll
check "next scripted answer after waiting 11 s: authorization_pending" \
	test "$(jget 'j["error"]' <<<"$body")" = authorization_pending
check "poll gaps recorded (~0.5 s, >= 11 s)" \
	python3 -c "import sys; g=[float(x) for x in sys.argv[1:]]; sys.exit(not (len(g)==2 and g[1]>=11))" \
	$(ctl polls "$uc" --gaps)

# --- scripted token errors, each on a fresh code (one poll each) ------
new_code
ctl script-token --user-code "$uc" invalid_client_7000218 >/dev/null
poll
check "invalid_client with error_codes [7000218], 401" \
	test "$status/$(jget '(j["error"], j["error_codes"])' <<<"$body")" = \
	"401/('invalid_client', [7000218])"
ctl script-token --next-code ca_blocked_53003 >/dev/null
new_code
poll
check "invalid_grant with error_codes [53003] (queued for the next code)" \
	test "$(jget '(j["error"], j["error_codes"])' <<<"$body")" = "('invalid_grant', [53003])"
ctl script-token http_502 >/dev/null
new_code
poll
check "502 text/html (queued for any code)" \
	bash -c "test '$status' = 502 && grep -q '<html>' <<<'$body'"
new_code
ctl expire "$uc" >/dev/null
poll
check "expired code: expired_token" \
	test "$(jget 'j["error"]' <<<"$body")" = expired_token
new_code
ctl script-token --user-code "$uc" --pending-forever on >/dev/null
ctl expire "$uc" >/dev/null
poll
check "pending forever: authorization_pending after expiry" \
	test "$(jget 'j["error"]' <<<"$body")" = authorization_pending

# --- device response shapes ------------------------------------------
ctl script-device '{"interval": null}' '{"interval": 0}' '{"v1": true}' \
	'{"omit_uris": true}' '{"http_400_html": true}' '{"expires_in": 30}' >/dev/null
r=$(device_authorize)
check "scripted: no interval" test "$(jget '"interval" in j' <<<"$r")" = False
r=$(device_authorize)
check "scripted: interval 0" test "$(jget 'j["interval"]' <<<"$r")" = 0
r=$(device_authorize)
check "scripted: v1 shape (verification_url, expires_in \"900\")" \
	test "$(jget '("verification_uri" in j, j["verification_url"], j["expires_in"])' <<<"$r")" = \
	"(False, '$base/devicelogin', '900')"
r=$(device_authorize)
check "scripted: neither URL field" \
	test "$(jget '[k for k in j if k.startswith("verification")]' <<<"$r")" = "[]"
r=$(c -w '\n%{http_code} %{content_type}' -d "client_id=$IDP_CLIENT_ID" -d scope=openid \
	"$base/$t/oauth2/v2.0/devicecode")
check "scripted: 400 text/html" \
	test "${r##*$'\n'}" = "400 text/html; charset=utf-8"
r=$(device_authorize)
check "scripted: expires_in 30" test "$(jget 'j["expires_in"]' <<<"$r")" = 30

# --- approval through the real verification and sign-in pages ----------
new_code
vu=$(jget 'j["verification_uri"]' <<<"$resp")
check "wrong password is refused by the login form" \
	bash -c "! python3 '$lib/idpctl.py' browser-approve '$vu' '$uc' --account bob --password wrong 2>/dev/null"
new_code
check "sign-in through the pages as bob" \
	bash -c "python3 '$lib/idpctl.py' browser-approve '$vu' '$uc' --account bob >/dev/null"
poll
check "form approval gives tokens for bob" \
	test "$status/$(claims <<<"$body" | jget 'j["claims"]["upn"]')" = "200/bob@contoso.example"

# --- key rotation and ID token overrides -------------------------------
rot=$(ctl rotate)
k2=$(jget 'j["signing_kid"]' <<<"$rot")
check "after rotation JWKS has K1 and K2" \
	test "$(c "$base/$t/discovery/v2.0/keys" | jget 'sorted(k["kid"] for k in j["keys"])')" = \
	"$(python3 -c "import sys; print(sorted(sys.argv[1:]))" "$k1" "$k2")"
new_code
ctl approve "$uc" --account carol --claims '{"iss": "https://127.0.0.1/other/v2.0", "exp": 1000}' >/dev/null
poll
idt=$(claims <<<"$body")
check "rotated: signed with K2" test "$(jget 'j["header"]["kid"]' <<<"$idt")" = "$k2"
check "override: iss and exp replaced" \
	test "$(jget '(j["claims"]["iss"], j["claims"]["exp"])' <<<"$idt")" = "('https://127.0.0.1/other/v2.0', 1000)"
check "carol has no groups claim" test "$(jget '"groups" in j["claims"]' <<<"$idt")" = False
check "K2 signature verifies against the published JWKS" \
	verify_sig "$(c "$base/$t/discovery/v2.0/keys")" "$body"
ctl rotate --drop-old >/dev/null
check "drop_old: JWKS has only K2" \
	test "$(c "$base/$t/discovery/v2.0/keys" | jget '[k["kid"] for k in j["keys"]]')" = "['$k2']"
ctl reset >/dev/null
new_code
ctl approve "$uc" --account alice --sign none >/dev/null
poll
check "sign none: alg none, empty signature" \
	test "$(jget 'j["id_token"].split(".")[2] == ""' <<<"$body")/$(claims <<<"$body" | jget 'j["header"]["alg"]')" = "True/none"
new_code
ctl approve "$uc" --account alice --no-id-token >/dev/null
poll
check "no id_token: access token only" \
	test "$status/$(jget '("access_token" in j, "id_token" in j)' <<<"$body")" = "200/(True, False)"
new_code
ctl deny "$uc" --declined >/dev/null
poll
check "declined: authorization_declined" \
	test "$(jget 'j["error"]' <<<"$body")" = authorization_declined

# --- Entra shape ----------------------------------------------------------
ctl config --entra-shape on >/dev/null
new_code
echo "Entra-shaped device authorization: $(jget '{k: v for k, v in j.items() if k != "device_code"}' <<<"$resp")"
check "Entra: 9-letter user code, no dash" \
	bash -c "grep -qE '^[A-Z]{9}$' <<<'$uc'"
check "Entra: no verification_uri_complete, has message" \
	test "$(jget '("verification_uri_complete" in j, "message" in j)' <<<"$resp")" = "(False, True)"
poll
echo "Entra-shaped error: $body"
check "Entra: error body has error_codes, timestamp, trace_id, correlation_id" \
	test "$(jget '(j["error_codes"], all(k in j for k in ("timestamp", "trace_id", "correlation_id")))' <<<"$body")" = \
	"([70016], True)"

if [ "$fails" -ne 0 ]; then
	echo "selftest: $fails check(s) failed"
	exit 1
fi
echo "selftest: all checks passed"
