#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Test-side client of the local test IdP (tests/idp): its /_test/ control
# surface, the device flow as a client would run it, and a walk through the
# real verification and sign-in pages. Standard library only.
"""Control the pam_bsure test IdP. See tests/idp/README.md."""

import argparse
import html.parser
import http.cookiejar
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

TEST_PASSWORD = "bsure-test-password"
DEVICE_GT = "urn:ietf:params:oauth:grant-type:device_code"


class IdpError(Exception):
    """A control call failed; status is the HTTP status (0: no answer)."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status


def _ssl_context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    return ctx


class Idp:
    """Client of one running test IdP (defaults from IDP_PORT, IDP_CA)."""

    def __init__(self, port=None, ca=None, timeout=15):
        port = port or os.environ.get("IDP_PORT")
        ca = ca or os.environ.get("IDP_CA")
        if not port or not ca:
            raise IdpError(0, "IDP_PORT and IDP_CA (or port, ca) needed")
        self.port = int(port)
        self.ca = ca
        self.base = f"https://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.ctx = _ssl_context(ca)
        self._config = None

    # -- plumbing ------------------------------------------------------
    def request(self, method, path, body=None, form=None, headers=None):
        """Returns (status, content_type, bytes); never raises on 4xx/5xx."""
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        url = path if path.startswith("https://") else self.base + path
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=hdrs)
        try:
            with urllib.request.urlopen(req, context=self.ctx,
                                        timeout=self.timeout) as r:
                return (r.status, r.headers.get("Content-Type", ""),
                        r.read())
        except urllib.error.HTTPError as e:
            return (e.code, e.headers.get("Content-Type", ""), e.read())

    def _control(self, method, path, body=None, query=None):
        if query:
            path += "?" + urllib.parse.urlencode(query)
        status, _, raw = self.request(method, "/_test/" + path, body=body)
        try:
            out = json.loads(raw.decode() or "{}")
        except ValueError:
            raise IdpError(status, raw[:200].decode(errors="replace"))
        if status != 200:
            raise IdpError(status, out.get("error", "control call failed"))
        return out

    # -- control surface -----------------------------------------------
    def health(self):
        return self._control("GET", "health")

    def config(self, **changes):
        """GET /_test/config, or POST it with changes."""
        if changes:
            return self._control("POST", "config", changes)
        return self._control("GET", "config")

    @property
    def issuer(self):
        self._config = self._config or self.config()
        return self._config["issuer"]

    @property
    def client_id(self):
        self._config = self._config or self.config()
        return self._config["client_id"]

    @property
    def tenant(self):
        self._config = self._config or self.config()
        return self._config["tenant"]

    def pending(self, all=False):
        """Device codes (dicts with user_code, status, ...)."""
        q = {"all": "1"} if all else None
        return self._control("GET", "pending", query=q)["codes"]

    def wait_pending(self, timeout=30, ignore=()):
        """Waits for a pending user_code not in ignore; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for c in self.pending():
                if c["user_code"] not in ignore:
                    return c["user_code"]
            time.sleep(0.1)
        raise IdpError(0, f"no pending device code within {timeout} s")

    def approve(self, user_code, account="alice", id_token_claims=None,
                id_token_header=None, sign=None, omit_id_token=False,
                amr=None, acr=None):
        body = {"user_code": user_code, "account": account}
        if id_token_claims is not None:
            body["id_token_claims"] = id_token_claims
        if id_token_header is not None:
            body["id_token_header"] = id_token_header
        if sign is not None:
            body["sign"] = sign
        if omit_id_token:
            body["omit_id_token"] = True
        if amr is not None:
            body["amr"] = amr
        if acr is not None:
            body["acr"] = acr
        return self._control("POST", "approve", body)

    def deny(self, user_code, error="access_denied"):
        return self._control("POST", "deny",
                             {"user_code": user_code, "error": error})

    def expire(self, user_code):
        return self._control("POST", "expire", {"user_code": user_code})

    def script_token(self, responses, user_code=None, next_code=False,
                     pending_forever=None, replace=False):
        body = {"responses": list(responses), "replace": replace}
        if user_code:
            body["user_code"] = user_code
        if next_code:
            body["next_code"] = True
        if pending_forever is not None:
            body["pending_forever"] = pending_forever
        return self._control("POST", "script/token", body)

    def script_device(self, responses, replace=False):
        return self._control("POST", "script/device",
                             {"responses": list(responses),
                              "replace": replace})

    def polls(self, user_code):
        return self._control("GET", "polls", query={"user_code": user_code})

    def poll_gaps(self, user_code):
        """Gaps between consecutive token polls of a code, in seconds."""
        return [g / 1000.0 for g in self.polls(user_code)["gaps_ms"]]

    def rotate(self, drop_old=False):
        return self._control("POST", "rotate", {"drop_old": drop_old})

    def accounts(self):
        return self._control("GET", "accounts")["accounts"]

    def put_account(self, account_id, claims):
        return self._control("POST", "accounts",
                             {"id": account_id, "claims": claims})

    def reset(self):
        return self._control("POST", "reset", {})

    # -- the device flow as a client runs it ---------------------------
    def endpoint(self, name):
        t = self.tenant
        return {
            "discovery": f"/{t}/v2.0/.well-known/openid-configuration",
            "device": f"/{t}/oauth2/v2.0/devicecode",
            "token": f"/{t}/oauth2/v2.0/token",
            "jwks": f"/{t}/discovery/v2.0/keys",
        }[name]

    def device_authorize(self, scope="openid profile", client_id=None):
        """Returns (status, parsed JSON or raw bytes)."""
        status, ctype, raw = self.request("POST", self.endpoint("device"),
                                          form={"client_id": client_id
                                                or self.client_id,
                                                "scope": scope})
        return status, _maybe_json(ctype, raw)

    def token_poll(self, device_code, client_id=None):
        """One token request; returns (status, parsed JSON or raw bytes)."""
        status, ctype, raw = self.request("POST", self.endpoint("token"),
                                          form={"grant_type": DEVICE_GT,
                                                "client_id": client_id
                                                or self.client_id,
                                                "device_code": device_code})
        return status, _maybe_json(ctype, raw)


def _maybe_json(ctype, raw):
    if "json" in ctype:
        return json.loads(raw.decode())
    return raw


def jwt_parts(jwt):
    """(header, payload) of a JWT, not verified."""
    import base64

    def dec(s):
        return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    h, p = jwt.split(".")[:2]
    return dec(h), dec(p)


class _Forms(html.parser.HTMLParser):
    """Collects <form>s: id, action, method and their named inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._cur = {"id": a.get("id"), "action": a.get("action", ""),
                         "method": a.get("method", "get").lower(),
                         "fields": {}}
            self.forms.append(self._cur)
        elif tag == "input" and self._cur is not None and a.get("name"):
            self._cur["fields"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None


def _forms(page):
    p = _Forms()
    p.feed(page)
    return {f["id"]: f for f in p.forms}


def approve_via_browser_form(verification_uri, user_code, account,
                             password=TEST_PASSWORD, ca=None, abort=False):
    """Signs in through the IdP's real pages like a person would: open
    verification_uri, enter user_code, confirm, log in as account with
    password. Returns the final page's HTML; raises IdpError when a page
    is not what a person would see on the way to success."""
    ca = ca or os.environ.get("IDP_CA")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=_ssl_context(ca)),
        urllib.request.HTTPCookieProcessor(jar))

    def go(url, fields=None):
        data = urllib.parse.urlencode(fields).encode() if fields else None
        try:
            with opener.open(url, data=data, timeout=15) as r:
                return r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            body = e.read().decode(errors="replace")
            raise IdpError(e.code, f"{url}: {body[:300]}")

    def submit(url, page, form_id, extra=None):
        forms = _forms(page)
        if form_id not in forms:
            raise IdpError(0, f"{url}: no form {form_id} in page")
        f = forms[form_id]
        fields = dict(f["fields"])
        fields.update(extra or {})
        return go(urllib.parse.urljoin(url, f["action"]), fields)

    url, page = go(verification_uri)
    url, page = submit(url, page, "op.deviceInputForm",
                       {"user_code": user_code})
    if abort:
        url, page = submit(url, page, "op.deviceConfirmForm",
                           {"abort": "yes"})
        return page
    url, page = submit(url, page, "op.deviceConfirmForm")
    url, page = submit(url, page, "login",
                       {"login": account, "password": password})
    if "consent" in _forms(page):
        url, page = submit(url, page, "consent")
    if "Sign-in Success" not in page:
        raise IdpError(0, f"{url}: sign-in did not succeed: {page[:300]}")
    return page


# -- command line ------------------------------------------------------
def _json_arg(s):
    try:
        return json.loads(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not JSON: {s}")


def _response_arg(s):
    """A scripted response: a bare name or a JSON object."""
    return _json_arg(s) if s.lstrip().startswith("{") else s


def main(argv=None):
    ap = argparse.ArgumentParser(prog="idpctl.py", description=__doc__)
    ap.add_argument("--port", help="IdP port (default $IDP_PORT)")
    ap.add_argument("--ca", help="test CA file (default $IDP_CA)")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("pending", help="list pending user codes")
    p.add_argument("--all", action="store_true",
                   help="also approved, denied, expired, consumed")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("wait-pending",
                       help="wait for a pending code, print it")
    p.add_argument("--timeout", type=float, default=30)
    p = sub.add_parser("approve")
    p.add_argument("user_code")
    p.add_argument("--account", default="alice")
    p.add_argument("--claims", type=_json_arg,
                   help="ID token claim overrides (null deletes)")
    p.add_argument("--header", type=_json_arg,
                   help="ID token header overrides")
    p.add_argument("--sign", choices=["rs256", "none", "hs256-pubkey",
                                      "unknown-kid", "k2"])
    p.add_argument("--no-id-token", action="store_true")
    p.add_argument("--amr", help="comma-separated amr values")
    p = sub.add_parser("deny")
    p.add_argument("user_code")
    p.add_argument("--declined", action="store_true",
                   help="Entra's authorization_declined, not access_denied")
    p = sub.add_parser("expire")
    p.add_argument("user_code")
    p = sub.add_parser("script-token",
                       help="queue token answers (names or JSON objects)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--user-code")
    g.add_argument("--next-code", action="store_true")
    p.add_argument("--pending-forever", choices=["on", "off"])
    p.add_argument("--replace", action="store_true")
    p.add_argument("responses", nargs="*", type=_response_arg)
    p = sub.add_parser("script-device",
                       help="queue device authorization answers (JSON)")
    p.add_argument("--replace", action="store_true")
    p.add_argument("responses", nargs="*", type=_json_arg)
    p = sub.add_parser("polls", help="token polls of a code")
    p.add_argument("user_code")
    p.add_argument("--gaps", action="store_true",
                   help="print only the gaps in seconds")
    p = sub.add_parser("rotate", help="publish K2 and sign with it")
    p.add_argument("--drop-old", action="store_true")
    p = sub.add_parser("config", help="show or change settings")
    p.add_argument("--entra-shape", choices=["on", "off"])
    p.add_argument("--interval",
                   help="number, or null for no interval")
    p.add_argument("--enforce-interval", choices=["on", "off"])
    p.add_argument("--device-expires-in", type=int)
    p = sub.add_parser("account", help="add or replace an account")
    p.add_argument("id")
    p.add_argument("claims", type=_json_arg)
    sub.add_parser("accounts")
    sub.add_parser("reset", help="clear scripts, unrotate keys")
    p = sub.add_parser("browser-approve",
                       help="approve through the real pages")
    p.add_argument("verification_uri")
    p.add_argument("user_code")
    p.add_argument("--account", default="alice")
    p.add_argument("--password", default=TEST_PASSWORD)
    a = ap.parse_args(argv)

    try:
        if a.cmd == "browser-approve":
            approve_via_browser_form(a.verification_uri, a.user_code,
                                     a.account, a.password, ca=a.ca)
            print("approved")
            return 0
        idp = Idp(a.port, a.ca)
        out = _run(idp, a)
    except IdpError as e:
        print(f"idpctl: {e}", file=sys.stderr)
        return 1
    if isinstance(out, str):
        print(out)
    elif out is not None:
        print(json.dumps(out, indent=1))
    return 0


def _onoff(v):
    return None if v is None else v == "on"


def _run(idp, a):
    if a.cmd == "pending":
        codes = idp.pending(a.all)
        if a.json:
            return codes
        return "\n".join(c["user_code"] if not a.all
                         else f"{c['user_code']} {c['status']}"
                         for c in codes) or None
    if a.cmd == "wait-pending":
        return idp.wait_pending(a.timeout)
    if a.cmd == "approve":
        return idp.approve(a.user_code, a.account, a.claims, a.header,
                           a.sign, a.no_id_token,
                           a.amr.split(",") if a.amr else None)
    if a.cmd == "deny":
        return idp.deny(a.user_code, "authorization_declined"
                        if a.declined else "access_denied")
    if a.cmd == "expire":
        return idp.expire(a.user_code)
    if a.cmd == "script-token":
        return idp.script_token(a.responses, a.user_code, a.next_code,
                                _onoff(a.pending_forever), a.replace)
    if a.cmd == "script-device":
        return idp.script_device(a.responses, a.replace)
    if a.cmd == "polls":
        if a.gaps:
            return " ".join(f"{g:.3f}" for g in idp.poll_gaps(a.user_code))
        return idp.polls(a.user_code)
    if a.cmd == "rotate":
        return idp.rotate(a.drop_old)
    if a.cmd == "config":
        ch = {}
        if a.entra_shape:
            ch["entra_shape"] = _onoff(a.entra_shape)
        if a.interval is not None:
            ch["interval"] = _json_arg(a.interval)
        if a.enforce_interval:
            ch["enforce_interval"] = _onoff(a.enforce_interval)
        if a.device_expires_in is not None:
            ch["device_expires_in"] = a.device_expires_in
        return idp.config(**ch)
    if a.cmd == "account":
        return idp.put_account(a.id, a.claims)
    if a.cmd == "accounts":
        return idp.accounts()
    if a.cmd == "reset":
        return idp.reset()
    raise IdpError(0, f"unknown command {a.cmd}")


if __name__ == "__main__":
    sys.exit(main())
