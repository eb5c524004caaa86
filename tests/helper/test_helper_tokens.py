# SPDX-License-Identifier: BSD-3-Clause
# ID token checks through the whole helper: key rotation with exactly one
# JWKS refetch (T2), alg none and HS256 with the public key (T3), wrong
# tenant, audience, issuer and expiry (T4), and an unknown kid.
import time

import helperlib as H

H.prerequisites()
env = H.Env("tokens", ["--interval", "1"])


def approve_with(**kw):
    return lambda idp, uc: idp.approve(uc, account="alice", **kw)


try:
    # Warm the cache with K1.
    d, code, res, rc = H.run_case(env, approve_as="alice")
    H.check(rc == 0 and d.log_text().count("jwks fetched") == 1,
            "cold cache: one JWKS fetch, success (rc=%s)" % rc)
    d, code, res, rc = H.run_case(env, approve_as="alice")
    H.check(rc == 0 and "jwks fetched" not in d.log_text() and
            "jwks from cache" in d.log_text() and
            "discovery from cache" in d.log_text(),
            "warm cache: discovery and JWKS from the cache (rc=%s)" % rc)

    # --- T2: rotation ---------------------------------------------------
    env.idp.rotate()
    d, code, res, rc = H.run_case(env, approve_as="alice")
    log = d.log_text()
    H.check(rc == 0, "T2: token signed with K2 accepted (rc=%s)" % rc)
    H.check(log.count("jwks fetched") == 1 and
            "unknown kid: refetching jwks" in log,
            "T2: exactly one JWKS refetch")
    env.idp.reset()

    # --- T3 / T4: rejected tokens ------------------------------------------
    now = int(time.time())
    cases = [
        ("T3 alg none", approve_with(sign="none")),
        ("T3 HS256 with the RSA public key", approve_with(
            sign="hs256-pubkey")),
        ("T4 tid of another tenant", approve_with(id_token_claims={
            "tid": "00000000-1111-2222-3333-444444444444"})),
        ("T4 aud not our client", approve_with(id_token_claims={
            "aud": "11111111-2222-3333-4444-555555555555"})),
        ("T4 iss of another tenant", approve_with(id_token_claims={
            "iss": "https://127.0.0.1:%s/00000000-1111-2222-3333-"
                   "444444444444/v2.0" % env.port})),
        ("T4 exp in the past beyond skew", approve_with(id_token_claims={
            "exp": now - 3600, "iat": now - 7200})),
    ]
    for what, approve in cases:
        n = len(env.audit_events())
        d, code, res, rc = H.run_case(env, approve=approve)
        ev = env.audit_events()[n:]
        why = ev[-1].get("reason", "") if ev else ""
        H.check(rc == 1 and res is not None and res["reason"] ==
                "token_invalid" and res["token_len"] == "0",
                "%s: rejected, AUTH_ERR (rc=%s)" % (what, rc))
        H.check(why.startswith("token_invalid: ") and
                len(why) > len("token_invalid: "),
                "%s: failing check logged (%s)" % (what, why))

    # An unknown kid right after a refetch: no second refetch (cooldown).
    d, code, res, rc = H.run_case(env, approve=approve_with(
        sign="unknown-kid"))
    H.check(rc == 1 and "jwks fetched" not in d.log_text(),
            "unknown kid within the cooldown: rejected without a refetch "
            "(rc=%s)" % rc)
finally:
    env.close()
H.finish()
