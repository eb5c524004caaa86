# SPDX-License-Identifier: BSD-3-Clause
# RFC 8628 timing through the whole helper, with the IdP recording when
# each poll arrived: slow_down (P1), absent or zero interval (P2), our own
# deadline (P3), cancel and disconnect while polling (P8).  The cases are
# slow (tens of seconds), so each gets its own IdP and they run at once.
import threading
import time

import helperlib as H

H.prerequisites()


def gaps_ok(gaps, want):
    return len(gaps) >= len(want) and all(
        g >= w - 0.05 for g, w in zip(gaps, want))


def case_p1():
    env = H.Env("p1", ["--interval", "5"])
    try:
        env.idp.script_token(["slow_down", "authorization_pending",
                              "slow_down"], next_code=True)
        d, code, res, rc = H.run_case(env, approve_as="alice")
        gaps = env.idp.poll_gaps(code["user_code"])
        H.check(rc == 0, "P1: success after slow_down (rc=%s)" % rc)
        H.check(gaps_ok(gaps, [10, 10, 15]),
                "P1: poll gaps >= 10, 10, 15 s (got %s)" %
                ", ".join("%.1f" % g for g in gaps))
        log = d.log_text()
        H.check("reason=slow_down interval=10" in log and
                "reason=slow_down interval=15" in log,
                "P1: new interval logged (10, then 15)")
    finally:
        env.close()


def case_p2():
    env = H.Env("p2", ["--interval", "5"])
    try:
        for what, entry in (("absent", {"interval": None}),
                            ("0", {"interval": 0})):
            env.idp.script_device([entry])
            d = env.drive("alice", args=["--cancel-after", "11.5"])
            code = d.code()
            H.check(code is not None and code["interval"] == "5",
                    "P2: interval %s -> 5" % what)
            d.result()
            d.wait()
            polls = env.idp.polls(code["user_code"])["polls"]
            gaps = env.idp.poll_gaps(code["user_code"])
            H.check(len(polls) == 2 and gaps_ok(gaps, [5]),
                    "P2: interval %s: polls >= 5 s apart, no busy loop "
                    "(%d polls, gaps %s)" % (what, len(polls), gaps))
    finally:
        env.close()


def case_p3_p8():
    env = H.Env("p3", ["--interval", "5"])
    try:
        # P3: expires_in 30 and an IdP that says pending forever.
        env.idp.script_device([{"expires_in": 30}])
        d = env.drive("alice")
        t0, code = d.expect("CODE")
        env.idp.script_token([], user_code=code["user_code"],
                             pending_forever=True)

        # P8 on the same IdP meanwhile: cancel, then close.
        for how in ("cancel", "close"):
            d8 = env.drive("alice", args=["--%s-after" % how, "6"])
            c8 = d8.code()
            _, res8 = d8.expect("RESULT", timeout=20)
            rc8 = d8.wait()
            exited = [line for line in d8.lines
                      if line.startswith("HELPER ")]
            after = int(H.parse_line(exited[-1])[1]["after_ms"]) \
                if exited else 99999
            H.check(after <= 5000 + 1000,
                    "P8 %s: helper exits within one interval (%d ms)" %
                    (how, after))
            if how == "cancel":
                H.check(rc8 == 1 and res8 is not None and
                        res8["reason"] == "cancelled",
                        "P8 cancel: RESULT AUTH_ERR cancelled (rc=%s)" %
                        rc8)
            else:
                H.check(rc8 == 12, "P8 close: no RESULT (rc=%s)" % rc8)
            npolls = len(env.idp.polls(c8["user_code"])["polls"])
            env.idp.approve(c8["user_code"], account="alice")
            time.sleep(6)
            H.check(len(env.idp.polls(c8["user_code"])["polls"]) ==
                    npolls,
                    "P8 %s: the later approval is never collected" % how)

        t1, res = d.expect("RESULT", timeout=60)
        rc = d.wait()
        took = t1 - t0 if t1 else 999
        H.check(rc == 1 and res["reason"] == "expired" and
                "expired" in res["text"],
                "P3: AUTH_ERR expired, user told (rc=%s)" % rc)
        H.check(28 <= took <= 36, "P3: stopped at ~30 s (%.1f s)" % took)
        polls = env.idp.polls(code["user_code"])["polls"]
        H.check(len(polls) <= 7, "P3: no polls after the deadline "
                "(%d polls)" % len(polls))
    finally:
        env.close()


def guarded(case):
    """A case that dies (an IdP that never starts) fails the test."""
    def run():
        try:
            case()
        except Exception as e:
            H.check(False, "%s raised %r" % (case.__name__, e))
    return run


threads = [threading.Thread(target=guarded(f)) for f in (case_p1, case_p2,
                                                           case_p3_p8)]
start = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
print("timing cases took %.0f s" % (time.monotonic() - start))
H.finish()
