# SPDX-License-Identifier: BSD-3-Clause
"""A real sshd on 127.0.0.1 with pam_bsure as its only way in: device-code
sign-ins approved, denied, expired, for the wrong user or outside the
exception group; the token key in the login's session keyring and revoked at
logout; parallel logins; password-only sshd; client gone while polling."""
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import check  # noqa: E402

e2elib.require_root_namespace()
import paramiko  # noqa: E402


class Login:
    """One scripted SSH client: answers keyboard-interactive prompts."""

    def __init__(self, bench, user, decide):
        self.bench = bench
        self.user = user
        self.decide = decide   # called with the user code; returns nothing
        self.prompts = []
        self.code = None
        self.ok = False
        self.error = None
        self.t = None

    def _handler(self, title, instructions, prompts):
        answers = []
        for text, _echo in prompts:
            self.prompts.append((time.time(), text))
            code = e2elib.find_code(text)
            if code and self.code is None:
                self.code = code
                self.decide(code)
            answers.append("")
        return answers

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.bench.sshd_port))
        self.t = paramiko.Transport(sock)
        self.t.start_client(timeout=10)
        try:
            self.t.auth_interactive(self.user, self._handler)
            self.ok = self.t.is_authenticated()
        except paramiko.SSHException as e:
            self.error = e
            self.ok = False
        return self.ok

    def run(self, cmd):
        return e2elib.ssh_exec(self.t, cmd)

    def close(self):
        if self.t:
            self.t.close()


def key_serials(text):
    """Serials of pam_bsure keys in `keyctl show` output."""
    out = []
    for line in text.splitlines():
        if "pam_bsure:" in line:
            out.append(int(line.split()[0]))
    return out


def key_state(serial):
    """'live', 'revoked' or 'gone' from /proc/keys (root sees all)."""
    with open("/proc/keys") as f:
        for line in f:
            fields = line.split()
            if int(fields[0], 16) == serial:
                return "revoked" if "R" in fields[1] else "live"
    return "gone"


def live_keys():
    """Serials of every live pam_bsure key (root sees them all)."""
    with open("/proc/keys") as f:
        return {int(l.split()[0], 16) for l in f
                if " pam_bsure" in l and "R" not in l.split()[1]}


def wait_for(pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


def approver(bench, account):
    return lambda code: bench.idpctl("approve", code, "--account", account)


def files_under(*tops):
    """Every file path below tops (the test's own state excluded)."""
    out = set()
    for top in tops:
        for root, dirs, files in os.walk(top):
            if root.startswith("/tmp/bsure-e2e-"):
                dirs[:] = []
                continue
            out.update(os.path.join(root, f) for f in files)
    return out


def holds(path, secret):
    try:
        with open(path, "rb") as f:
            return secret in f.read(1 << 20)
    except OSError:
        return False


def test_approved_login(bench):
    before = files_under("/tmp", "/run")
    login = Login(bench, "alice", approver(bench, "alice"))
    start = time.time()
    check(login.connect(), "S1: alice signs in over sshd with a device code")
    first = login.prompts[0][1] if login.prompts else ""
    check(login.code is not None and "https://127.0.0.1" in first,
          "S1: code and URL travel with the first prompt (%.2f s after "
          "connecting, before any poll)" %
          ((login.prompts[0][0] - start) if login.prompts else -1))
    check("only enter this code if you started this sign-in" in
          first.lower(), "prompt warns about code phishing")
    check("alice" in first and "bsure-e2e-sshd" in first,
          "prompt names the user and the service")
    rc, out = login.run("keyctl show @s; echo; "
                        "%s status; echo status=$?" % e2elib.BSURE)
    serials = key_serials(out)
    check(len(serials) == 1, "S7: one pam_bsure key in the login's @s:\n" +
          out)
    check("status=0" in out and "alice" in out,
          "bsure status describes the session token")
    check("eyJ" not in out, "bsure status never prints the token")
    if serials:
        serial = serials[0]
        r = subprocess.run(["setpriv", "--reuid=2102", "--regid=2102",
                            "--clear-groups", "keyctl", "print",
                            str(serial)], capture_output=True, text=True)
        check(r.returncode != 0 and "denied" in r.stderr.lower(),
              "S9: another user cannot read the key (%s)" %
              r.stderr.strip())
        rc, out = login.run("keyctl rdescribe %d" % serial)
        check(out.startswith("user;0;0;"),
              "S7: the key is owned by root: " + out.strip())
        # Root may read it (owner): the token, to look for it on disk.
        r = subprocess.run(["keyctl", "pipe", str(serial)],
                           capture_output=True)
        token = next((l[6:] for l in r.stdout.splitlines()
                      if l.startswith(b"token=")), b"")
        new = files_under("/tmp", "/run") - before
        check(token != b"" and not any(holds(f, token) for f in
                                       files_under("/tmp", "/run",
                                                   "/var/cache",
                                                   bench.state)),
              "S7: the token is in no file (/tmp, /run, /var/cache, "
              "the test state)")
        check(not new, "S7: the login wrote nothing to /tmp or /run: %s" %
              sorted(new)[:5])
    login.close()
    if serials:
        check(wait_for(lambda: key_state(serials[0]) != "live"),
              "logout revokes the key")
    ev = [e.get("event") for e in bench.audit_events()]
    check("code_issued" in ev and "approved" in ev,
          "audit log has code_issued and approved: %s" % ev)
    check(not any("device_code" in l or "eyJ" in l
                  for l in bench.syslog.lines),
          "no token or device code in syslog")
    check(wait_for(lambda: bench.syslog.grep(
        r"event=session_close .*revocation=local")),
        "S11: no revocation endpoint: logout logs local revocation")


def test_refused(bench, user, account, action, what, log_re):
    def decide(code):
        if action == "approve":
            bench.idpctl("approve", code, "--account", account)
        elif action == "deny":
            bench.idpctl("deny", code)
        elif action == "expire":
            bench.idpctl("expire", code)

    before = len(bench.audit_events())
    keys_before = live_keys()
    login = Login(bench, user, decide)
    ok = login.connect()
    check(not ok and login.code is not None, what + ": sign-in refused")
    check(not any("assword" in p for _, p in login.prompts),
          what + ": S3 no password prompt follows")
    check(live_keys() <= keys_before, what + ": no key stored")
    login.close()
    events = bench.audit_events()[before:]
    reasons = " | ".join("%s %s" % (e.get("event"), e.get("reason", ""))
                         for e in events)
    check(any(__import__("re").search(log_re, "%s %s" % (
        e.get("event"), e.get("reason", ""))) for e in events),
        what + ": logged (%s)" % reasons)


def test_parallel(bench, n=5):
    logins = [Login(bench, "alice", approver(bench, "alice"))
              for _ in range(n)]
    threads = [threading.Thread(target=l.connect) for l in logins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(all(l.ok for l in logins), "S10: %d parallel logins succeed (%s)"
          % (n, [str(l.error) if not l.ok else "ok" for l in logins]))
    serials = []
    for l in logins:
        if l.ok:
            _, out = l.run("keyctl show @s")
            serials.append(key_serials(out))
    flat = [s for ss in serials for s in ss]
    check(len(flat) == n and len(set(flat)) == n,
          "S10: each login has its own key: %s" % serials)
    logins[0].close()
    if len(flat) == n:
        check(wait_for(lambda: key_state(flat[0]) != "live"),
              "S10: logout of the first revokes its key")
        time.sleep(1)
        check(all(key_state(s) == "live" for s in flat[1:]),
              "S10: the other four keys stay")
    if len(flat) == n and logins[1].ok:
        # bsure status: 0 live, 2 revoked, 1 when there is no key at all.
        subprocess.run(["keyctl", "revoke", str(flat[1])], check=True)
        _, out = logins[1].run("%s status; echo status=$?; keyctl session "
                               "- %s status; echo status=$?" %
                               (e2elib.BSURE, e2elib.BSURE))
        codes = [l for l in out.splitlines() if l.startswith("status=")]
        check(codes == ["status=2", "status=1"],
              "bsure status: 2 for a revoked key, 1 for none: %s" % codes)
    for l in logins[1:]:
        l.close()


def test_client_gone(bench):
    """P8: the client disconnects while the helper polls."""
    seen = {}

    def decide(code):
        seen["code"] = code
        raise EOFError("client leaves")

    login = Login(bench, "alice", decide)
    try:
        login.connect()
    except Exception:
        pass
    login.close()
    gone = wait_for(lambda: not e2elib.helper_processes(), 5)
    check(gone, "P8/S4: no helper left within one interval after the "
          "client leaves")
    if "code" in seen:
        bench.idpctl("approve", seen["code"], "--account", "alice")
    time.sleep(2)
    check(not e2elib.helper_processes(), "P8: the later approval starts "
          "nothing")


def test_grace_time(bench):
    """S4: sshd drops a login nobody approves at LoginGraceTime; the
    helper stops with it, and bsure check warns about the short grace."""
    bench.start_sshd(service="bsure-e2e-sshd-grace", grace=4)

    def never(code):
        time.sleep(12)     # the user walks away without pressing Enter

    start = time.time()
    login = Login(bench, "alice", never)
    try:
        login.connect()
    except Exception:
        pass
    login.close()
    check(login.code is not None and not login.ok,
          "S4: the unapproved login is dropped (%.1f s)" %
          (time.time() - start))
    check(wait_for(lambda: not e2elib.helper_processes(), 3),
          "S4: no helper left after sshd's LoginGraceTime")
    r = subprocess.run([e2elib.BSURE, "check", "--config", bench.conf,
                        "--helper", e2elib.HELPER, "--sshd-config",
                        bench.sshd_config, "--pam-dir", bench.pamd],
                       capture_output=True, text=True)
    check(any("LoginGraceTime" in l and "warning" in l.lower()
              for l in r.stdout.splitlines()),
          "S4: bsure check warns that LoginGraceTime is below max_wait:\n"
          + r.stdout)


def test_password_only(bench):
    """S2: sshd without keyboard-interactive never asks for a code."""
    bench.start_sshd(service="bsure-e2e-sshd-pw", kbdint=False)
    before = len(bench.audit_events())
    sock = socket.create_connection(("127.0.0.1", bench.sshd_port))
    t = paramiko.Transport(sock)
    t.start_client(timeout=10)
    start = time.time()
    try:
        t.auth_password("alice", "whatever")
        ok = True
    except paramiko.SSHException:
        ok = False
    took = time.time() - start
    t.close()
    check(not ok, "S2: password-only sshd refuses")
    check(took < 3, "S2: refused quickly (%.1f s)" % took)
    ev = [e.get("event") for e in bench.audit_events()[before:]]
    check("code_issued" not in ev, "S2: no device code requested")
    check(bench.syslog.grep("keyboard-interactive"),
          "S2: log says keyboard-interactive is required")


def main():
    bench = e2elib.Bench("sshd")
    try:
        bench.start_sshd()
        if os.environ.get("ONLY") == "parallel":
            test_parallel(bench)
            return
        test_approved_login(bench)
        test_refused(bench, "alice", None, "deny", "P9 denied",
                     r"denied|declined")
        test_refused(bench, "alice", None, "expire", "code expired",
                     r"expired")
        test_refused(bench, "alice", "bob", "approve", "A2 wrong user",
                     r"does not map to alice")
        test_refused(bench, "carol", "carol", "approve", "not in group",
                     r"not in exception group")
        test_parallel(bench)
        test_client_gone(bench)
        test_grace_time(bench)
        test_password_only(bench)
    finally:
        bench.close()
    e2elib.finish()


main()
