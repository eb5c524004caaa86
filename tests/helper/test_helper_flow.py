# SPDX-License-Identifier: BSD-3-Clause
# bsure-helper device flow outcomes against the local IdP (interval 1):
# approval and identity (A1, A3), declines (P9), wrong user (A2), group
# (carol), response shapes (P4, P5), token endpoint errors (P6, P7, A7),
# unusable answers (O4), allowed_rhosts, CHECK/PENDING and sudo_reuse.
import os
import time

import helperlib as H

H.prerequisites()
env = H.Env("flow", ["--interval", "1"])


def audit_since(n):
    return env.audit_events()[n:]


def reasons(events):
    return " | ".join("%s:%s" % (e.get("event"), e.get("reason", ""))
                      for e in events)


try:
    # --- A1/A3: alice approves; UPN compared case-insensitively -------
    n = len(env.audit_events())
    tokfile = os.path.join(env.dir, "alice.jwt")
    d, code, res, rc = H.run_case(
        env, args=["--token-out", tokfile],
        approve=lambda idp, uc: idp.approve(
            uc, account="alice",
            id_token_claims={"upn": "Alice@Contoso.EXAMPLE"}))
    H.check(code is not None and code["user_code"] != "" and
            code["verification_uri"].startswith("https://"),
            "A1: CODE carries user_code and an https verification_uri")
    H.check(rc == 0 and res["reason"] == "ok",
            "A1: Alice@Contoso.EXAMPLE maps to alice: RESULT OK (rc=%s)" % rc)
    H.check(res["oid"] == H.ALICE_OID and res["group"] == H.GROUP and
            res["issuer"] == env.issuer and int(res["token_len"]) > 100,
            "A3: identity from the ID token: oid, group, issuer, token")
    H.check(int(res["expires_at"]) > time.time() and
            res["keyring"] == "required" and res["reused"] == "0",
            "RESULT has EXPIRES_AT in the future, KEYRING, REUSED=0")
    ev = audit_since(n)
    H.check([e["event"] for e in ev] == ["start", "code_issued",
                                         "approved"],
            "audit_file: start, code_issued, approved (%s)" % reasons(ev))
    H.check(ev[-1].get("oid") == H.ALICE_OID and ev[-1].get("user") ==
            "alice" and ev[-1].get("rhost") == "127.0.0.1",
            "approved event names user, rhost and oid")
    token = open(tokfile).read().strip()
    logs = d.log_text() + open(env.audit).read()
    H.check(token not in logs and code["user_code"] not in logs,
            "neither the token nor the user code is logged")

    # --- P9: access_denied and authorization_declined -----------------
    for err in ("access_denied", "authorization_declined"):
        d, code, res, rc = H.run_case(
            env, approve=lambda idp, uc: idp.deny(uc, error=err))
        H.check(rc == 1 and res["reason"] == "declined" and
                "declined" in res["text"],
                "P9: %s -> AUTH_ERR declined, user told (rc=%s)" %
                (err, rc))

    # --- A2: bob approves the code shown to alice ---------------------
    n = len(env.audit_events())
    d, code, res, rc = H.run_case(env, user="alice", approve_as="bob")
    ev = audit_since(n)
    H.check(rc == 1 and res["reason"] == "user_mismatch",
            "A2: bob approving for alice -> AUTH_ERR (rc=%s)" % rc)
    H.check(any("bob@contoso.example" in e.get("reason", "") and "alice"
                in e.get("reason", "") for e in ev),
            "A2: log names bob and alice (%s)" % reasons(ev))

    # --- carol is in no exception group -------------------------------
    d, code, res, rc = H.run_case(env, user="carol", approve_as="carol")
    H.check(rc == 2 and res["reason"] == "not_in_group",
            "carol not in exception group -> PERM_DENIED (rc=%s)" % rc)

    # --- P4: Entra v1 shape -------------------------------------------
    d, code, res, rc = H.run_case(
        env, approve_as="alice",
        before=lambda: env.idp.script_device([{"v1": True}]))
    H.check(code is not None and code["verification_uri"].startswith(
        "https://") and code["expires_in"] == "900",
        "P4: verification_url and expires_in \"900\" understood")
    H.check(rc == 0, "P4: login works (rc=%s)" % rc)

    # --- P5: no URL at all --------------------------------------------
    n = len(env.audit_events())
    d, code, res, rc = H.run_case(
        env, approve_as="alice",
        before=lambda: env.idp.script_device([{"omit_uris": True}]))
    ev = audit_since(n)
    H.check(code is None and rc == 3 and res["reason"] ==
            "no_verification_uri", "P5: no URL -> UNAVAIL, no CODE "
            "(rc=%s)" % rc)
    H.check(any("verification_uri" in e.get("reason", "") for e in ev),
            "P5: reason logged (%s)" % reasons(ev))
    H.check("polling the token endpoint" not in d.log_text(),
            "P5: no polling")

    # --- P6: invalid_client 7000218 -------------------------------------
    n = len(env.audit_events())
    t0 = time.monotonic()
    d, code, res, rc = H.run_case(
        env, before=lambda: env.idp.script_token(
            ["invalid_client_7000218"], next_code=True))
    ev = audit_since(n)
    H.check(rc == 3 and res["reason"] == "invalid_client",
            "P6: invalid_client -> UNAVAIL (rc=%s)" % rc)
    H.check(time.monotonic() - t0 < 8, "P6: stops at the first answer")
    H.check(any("7000218" in e.get("reason", "") and
                "allow public client flows" in e.get("reason", "")
                for e in ev),
            "P6: log names 7000218 and the fix (%s)" % reasons(ev))

    # --- P7: access_token without id_token ------------------------------
    n = len(env.audit_events())
    d, code, res, rc = H.run_case(
        env, approve=lambda idp, uc: idp.approve(uc, account="alice",
                                                 omit_id_token=True))
    ev = audit_since(n)
    H.check(rc == 1 and res["reason"] == "no_id_token" and
            res["token_len"] == "0",
            "P7: no id_token -> AUTH_ERR, no token passed on (rc=%s)" % rc)
    H.check(any("no ID token (check the openid scope)" in
                e.get("reason", "") for e in ev),
            "P7: log says no ID token (%s)" % reasons(ev))

    # --- A7: Conditional Access 53003 ---------------------------------
    d, code, res, rc = H.run_case(
        env, before=lambda: env.idp.script_token(["ca_blocked_53003"],
                                                 next_code=True))
    H.check(rc == 2 and res["reason"] == "conditional_access" and
            "policy" in res["text"],
            "A7: invalid_grant 53003 -> PERM_DENIED, user told (rc=%s)" %
            rc)

    # --- O4 a: 400 text/html from the device endpoint ------------------
    n = len(env.audit_events())
    d, code, res, rc = H.run_case(
        env, before=lambda: env.idp.script_device(
            [{"http_400_html": True}]))
    ev = audit_since(n)
    H.check(code is None and rc == 3, "O4a: 400 text/html -> UNAVAIL "
            "(rc=%s)" % rc)
    H.check(any("HTTP 400" in e.get("reason", "") and "text/html" in
                e.get("reason", "") and "<html>" in e.get("reason", "")
                for e in ev),
            "O4a: log has status, content type, first bytes (%s)" %
            reasons(ev))

    # --- O4 b: 502 twice mid-polling, then success ----------------------
    d, code, res, rc = H.run_case(
        env, approve_as="alice",
        before=lambda: env.idp.script_token(["http_502", "http_502"],
                                            next_code=True))
    H.check(rc == 0, "O4b: two 502s are retried, then success (rc=%s)" % rc)
    H.check(d.log_text().count("token endpoint unusable") == 2,
            "O4b: both 502s logged as retries")

    # --- allowed_rhosts: refused before any network ----------------------
    conf = env.write_conf("allowed_rhosts = 10.0.0.0/8, ::1\n",
                          name="rhosts.conf")
    before = len(env.idp.pending(all=True))
    d, code, res, rc = H.run_case(env, conf=conf, rhost="192.0.2.7")
    H.check(rc == 2 and res["reason"] == "rhost not allowed",
            "rhost outside allowed_rhosts -> PERM_DENIED (rc=%s)" % rc)
    H.check(len(env.idp.pending(all=True)) == before,
            "rhost refused: no device code requested")
    d, code, res, rc = H.run_case(env, conf=conf, rhost="10.1.2.3",
                                  approve_as="alice")
    H.check(rc == 0, "rhost inside allowed_rhosts -> OK (rc=%s)" % rc)

    # --- Graph-only checks asked for: refused, never silently skipped ----
    for extra in ("pim = check\n", "device_policy = compliant\n"):
        conf = env.write_conf(extra, name="graph.conf")
        before = len(env.idp.pending(all=True))
        d, code, res, rc = H.run_case(env, conf=conf)
        H.check(rc == 3 and res["reason"] == "config" and
                "Microsoft Graph" in d.log_text(),
                "%s -> UNAVAIL, log says Graph is needed (rc=%s)" %
                (extra.strip(), rc))
        H.check(len(env.idp.pending(all=True)) == before,
                "%s: no device code requested" % extra.strip())

    # --- CHECK -> PENDING, then approval ---------------------------------
    d = env.drive("alice", args=["--check-after", "0.2"])
    code = d.code()
    _, pend = d.expect("PENDING", timeout=10)
    H.check(pend is not None and "Not approved yet" in pend["text"],
            "CHECK while pending -> PENDING with a sentence")
    env.idp.approve(code["user_code"], account="alice")
    res = d.result()
    H.check(d.wait() == 0 and res["result"] == "0",
            "after PENDING, approval -> RESULT OK")

    # --- sudo_reuse ---------------------------------------------------------
    conf = env.write_conf("sudo_reuse = 600\n", name="reuse.conf")
    d = env.drive("alice", conf=conf, args=["--reuse-token-file", tokfile])
    res = d.result(timeout=20)
    rc = d.wait()
    H.check(rc == 0 and res["reused"] == "1" and res["token_len"] == "0" and
            not any(line.startswith("CODE") for line in d.lines),
            "sudo_reuse: a recent session token -> OK REUSED=1, no code "
            "(rc=%s)" % rc)
    d = env.drive("bob", conf=conf, args=["--reuse-token-file", tokfile,
                                          "--cancel-after", "0.2"])
    code = d.code()
    res = d.result()
    d.wait()
    H.check(code is not None and "session token not reused" in
            d.log_text(),
            "sudo_reuse: alice's token for bob is refused, fresh flow, "
            "reason logged")
    conf0 = env.write_conf("sudo_reuse = 0\n", name="noreuse.conf")
    d = env.drive("alice", conf=conf0, args=["--reuse-token-file", tokfile,
                                             "--cancel-after", "0.2"])
    code = d.code()
    d.result()
    d.wait()
    H.check(code is not None, "sudo_reuse = 0: always a fresh flow")
finally:
    env.close()
H.finish()
