# SPDX-License-Identifier: BSD-3-Clause
# Shared plumbing for the bsure-helper integration tests: a local IdP per
# Env, a config pointing at it, and bsure-drive runs whose output lines
# are parsed into dicts.  Standard library plus tests/lib/idpctl.py.
import json
import os
import queue
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SRCDIR = os.environ.get("BSURE_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BSURE_BUILDDIR") or SRCDIR
HELPER = os.path.join(BUILDDIR, "helper", "bsure-helper")
DRIVE = os.path.join(BUILDDIR, "tests", "helper", "bsure-drive")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
import idpctl  # noqa: E402

GROUP = "5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6"
ALICE_OID = "a11ce5a7-0c4b-4d2e-9f13-6b8a7c5d4e01"

_lock = threading.Lock()
failures = []


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def prerequisites():
    if os.geteuid() != 0:
        skip("needs root (the helper refuses a config not owned by root)")
    if not os.path.isdir(os.path.join(SRCDIR, "tests", "idp",
                                      "node_modules", "oidc-provider")):
        skip("test IdP not installed (cd tests/idp && npm ci)")
    if shutil.which("node") is None:
        skip("node not found")
    for p in (HELPER, DRIVE):
        if not os.access(p, os.X_OK):
            skip(p + " not built")


def check(cond, what):
    with _lock:
        print(("ok: " if cond else "FAIL: ") + what, flush=True)
        if not cond:
            failures.append(what)
    return cond


def finish():
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def parse_line(line):
    """'KIND k=v k="q"' -> ('KIND', {k: v})."""
    parts = shlex.split(line)
    if not parts:
        return "", {}
    fields = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        fields[k] = v
    return parts[0], fields


class Drive:
    """One bsure-drive run; output lines arrive on a queue."""

    def __init__(self, env, user, conf, rhost="127.0.0.1", args=()):
        self.env = env
        self.log = tempfile.mktemp(prefix="log-", dir=env.dir)
        cmd = [DRIVE, "--helper", HELPER, "--conf", conf, "--user", user,
               "--service", "bsure-test", "--rhost", rhost,
               "--cache-dir", env.cache, "--log-file", self.log,
               "--debug"] + list(args)
        self.started = time.monotonic()
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        self.q = queue.Queue()
        self.lines = []
        self.early_result = None
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for line in self.p.stdout:
            self.q.put((time.monotonic(), line.rstrip("\n")))
        self.q.put((time.monotonic(), None))

    def expect(self, kind, timeout=30):
        """Next line of this kind (skipping others); (t, fields) or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            try:
                t, line = self.q.get(timeout=left)
            except queue.Empty:
                return None, None
            if line is None:
                return None, None
            self.lines.append(line)
            k, f = parse_line(line)
            if k == kind:
                return t, f
            if k == "RESULT":
                # The last message: keep it for result().
                self.early_result = (t, f)
                return None, None

    def code(self, timeout=30):
        return self.expect("CODE", timeout)[1]

    def result(self, timeout=60):
        if self.early_result is not None:
            return self.early_result[1]
        return self.expect("RESULT", timeout)[1]

    def wait(self, timeout=30):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        # Drain what is left so self.lines is complete.
        while True:
            try:
                _, line = self.q.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return rc

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""


class Env:
    """A local IdP over TLS and a helper config for it."""

    def __init__(self, name, idp_args=()):
        self.dir = tempfile.mkdtemp(prefix="bsure-helper-%s-" % name)
        self.cache = os.path.join(self.dir, "cache")
        state = os.path.join(self.dir, "idp")
        os.makedirs(state)
        cmd = [os.path.join(SRCDIR, "tests", "idp", "start.sh"), state] + \
            list(idp_args)
        # One more try if the IdP does not come up: a stalled start must
        # cost a bounded wait, not the whole run.
        for attempt in (1, 2):
            line = self._start_idp(cmd, 30)
            if line.startswith("IDP_READY"):
                break
            print("IdP start %d: no ready line in 30 s" % attempt)
        if not line.startswith("IDP_READY"):
            failures.append("IdP did not start")
            self.close()
            raise RuntimeError("IdP did not start; see %s/idp.log" %
                               self.dir)
        f = dict(kv.split("=", 1) for kv in line.split()[1:])
        self.port, self.issuer, self.ca = f["port"], f["issuer"], f["ca"]
        self.tenant, self.client_id = f["tenant"], f["client_id"]
        self.idp = idpctl.Idp(self.port, self.ca)
        self.audit = os.path.join(self.dir, "audit.jsonl")
        self.conf = self.write_conf()

    def _start_idp(self, cmd, timeout):
        """Starts the IdP; its ready line, or "" after timeout seconds."""
        self.idp_proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.dir, "idp.log"), "a"),
            start_new_session=True)
        fd = self.idp_proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            data = os.read(fd, 4096)
            if not data:
                break
            buf += data
        line = buf.decode("utf-8", "replace").split("\n")[0]
        if not line.startswith("IDP_READY"):
            self._stop_idp()
        return line

    def _stop_idp(self):
        if self.idp_proc.poll() is None:
            os.killpg(self.idp_proc.pid, signal.SIGTERM)
            try:
                self.idp_proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.idp_proc.pid, signal.SIGKILL)
                self.idp_proc.wait()

    def write_conf(self, extra="", name="pam_bsure.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("# written by tests/helper\n"
                    "issuer = %s\nclient_id = %s\ntenant_id = %s\n"
                    "ca_file = %s\nuser_map = %%u@contoso.example\n"
                    "exception_group = %s\nmax_wait = 120\n"
                    "audit_file = %s\n%s" %
                    (self.issuer, self.client_id, self.tenant, self.ca,
                     GROUP, self.audit, extra))
        os.chmod(path, 0o600)
        return path

    def drive(self, user="alice", conf=None, rhost="127.0.0.1", args=()):
        return Drive(self, user, conf or self.conf, rhost, args)

    def audit_events(self):
        try:
            with open(self.audit) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def close(self):
        self._stop_idp()
        if not failures and not os.environ.get("BSURE_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


def run_case(env, user="alice", approve_as=None, conf=None, args=(),
             rhost="127.0.0.1", approve=None, before=None):
    """Starts a drive, optionally approves its code; returns (drive, code,
    result, rc).  approve: a callable(idp, user_code) instead."""
    if before:
        before()
    d = env.drive(user, conf=conf, rhost=rhost, args=args)
    code = d.code(timeout=20)
    if code is not None:
        if approve is not None:
            approve(env.idp, code["user_code"])
        elif approve_as is not None:
            env.idp.approve(code["user_code"], account=approve_as)
    res = d.result(timeout=90)
    rc = d.wait()
    return d, code, res, rc
