# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end test bench: a private mount namespace with its own users,
PAM stacks, sudoers and /dev/log, the local IdP over TLS, and a real sshd
on 127.0.0.1 whose PAM service is a test service.  Nothing outside the
namespace changes except /run/sshd (created if missing, as sshd needs it)
and, where the host has no /dev/log, an empty file as its mount point.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SRCDIR = os.path.abspath(os.environ.get(
    "BSURE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")))
BUILDDIR = os.path.abspath(os.environ.get("BSURE_BUILDDIR", SRCDIR))
MODULE = os.path.join(BUILDDIR, "pam_module", ".libs", "pam_bsure.so")
HELPER = os.path.join(BUILDDIR, "helper", "bsure-helper")
BSURE = os.path.join(BUILDDIR, "pam_module", "bsure")
IDPCTL = os.path.join(SRCDIR, "tests", "lib", "idpctl.py")
PYTHON = "/usr/bin/python3"

USERS = {"alice": 2101, "bob": 2102, "carol": 2103, "dave": 2104}
# The local IdP's exception group (G1) and login form password.
EXCEPTION_GROUP = "5e0c9b1a-2f47-4d83-b6e5-71a3c8d902f6"
IDP_PASSWORD = "bsure-test-password"
CODE_RE = re.compile(r"(?i:code)[: ]+([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)")
URL_RE = re.compile(r"(https://\S+)")

failures = []


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


passed = [0]


def check(cond, what):
    """Record one assertion; the test fails at the end if any failed."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if cond:
        passed[0] += 1
    else:
        failures.append(what)
    return cond


def finish():
    print("%d passed, %d failed" % (passed[0], len(failures)))
    sys.exit(1 if failures else 0)


def require_root_namespace():
    """Re-run this script in a private mount namespace (as root)."""
    if os.geteuid() != 0:
        skip("end-to-end tests need root")
    for path, why in ((MODULE, "module not built"),
                      (HELPER, "helper not built"),
                      (os.path.join(SRCDIR, "tests", "idp", "node_modules"),
                       "IdP packages missing (tests/install-deps.sh)"),
                      ("/usr/sbin/sshd", "openssh-server missing")):
        if not os.path.exists(path):
            skip(why + ": " + path)
    if os.environ.get("BSURE_E2E_NS") != "1":
        env = dict(os.environ, BSURE_E2E_NS="1")
        os.execvpe("unshare", ["unshare", "--mount", "--propagation",
                               "private", PYTHON] + sys.argv, env)


def build_var(name):
    """A make variable of the build (prefix, localstatedir ...)."""
    values = {}
    with open(os.path.join(BUILDDIR, "Makefile")) as f:
        for line in f:
            k, sep, v = line.partition(" = ")
            if sep and k in ("prefix", "localstatedir"):
                values[k] = v.strip()
    return values[name].replace("${prefix}", values["prefix"])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


class Syslog:
    """Catches syslog datagrams on /dev/log inside the namespace."""

    def __init__(self, state):
        self.path = os.path.join(state, "log.sock")
        self.file = open(os.path.join(state, "syslog.txt"), "a")
        self.lines = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        if not os.path.exists("/dev/log"):
            # A mount point only; removed again by Bench.close().
            open("/dev/log", "w").close()
            self.made_devlog = True
        else:
            self.made_devlog = False
        run(["mount", "--bind", self.path, "/dev/log"])
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            line = data.decode("utf-8", "replace")
            self.lines.append(line)
            self.file.write(line + "\n")
            self.file.flush()

    def grep(self, pattern):
        r = re.compile(pattern)
        return [l for l in self.lines if r.search(l)]

    def close(self):
        subprocess.run(["umount", "/dev/log"], stderr=subprocess.DEVNULL)
        if self.made_devlog:
            try:
                os.unlink("/dev/log")
            except OSError:
                pass


class Bench:
    def __init__(self, name, interval=1, entra_shape=False, conf_extra=""):
        self.name = name
        self.state = tempfile.mkdtemp(prefix="bsure-e2e-")
        os.chmod(self.state, 0o755)
        self.procs = []
        self.etc = os.path.join(self.state, "etc")
        os.makedirs(self.etc)
        self._private_etc()
        self.syslog = Syslog(self.state)
        self._start_idp(interval, entra_shape)
        self.write_conf(conf_extra)

    # --- the private /etc -------------------------------------------------
    def _bind(self, src, dst):
        run(["mount", "--bind", src, dst])

    def _private_etc(self):
        for f in ("passwd", "group", "shadow"):
            shutil.copy2("/etc/" + f, os.path.join(self.etc, f))
        home = os.path.join(self.state, "home")
        os.makedirs(home)
        with open(os.path.join(self.etc, "passwd"), "a") as pw, \
                open(os.path.join(self.etc, "group"), "a") as gr, \
                open(os.path.join(self.etc, "shadow"), "a") as sh:
            for user, uid in USERS.items():
                h = os.path.join(home, user)
                os.makedirs(h)
                os.chown(h, uid, uid)
                pw.write("%s:x:%d:%d::%s:/bin/sh\n" % (user, uid, uid, h))
                gr.write("%s:x:%d:\n" % (user, uid))
                # "*": no password at all, so nothing but the module admits.
                sh.write("%s:*:19000:0:99999:7:::\n" % user)
        for f in ("passwd", "group", "shadow"):
            self._bind(os.path.join(self.etc, f), "/etc/" + f)

        pamd = os.path.join(self.etc, "pam.d")
        shutil.copytree("/etc/pam.d", pamd, symlinks=True)
        self._bind(pamd, "/etc/pam.d")
        self.pamd = pamd

        sudoers = os.path.join(self.etc, "sudoers")
        with open(sudoers, "w") as f:
            f.write("Defaults !lecture, !fqdn, timestamp_timeout=0\n"
                    "Defaults !use_pty\n"
                    "root ALL=(ALL:ALL) ALL\n"
                    "alice ALL=(ALL:ALL) ALL\n"
                    "carol ALL=(ALL:ALL) ALL\n")
        os.chmod(sudoers, 0o440)
        if os.path.exists("/etc/sudoers"):
            self._bind(sudoers, "/etc/sudoers")
        emptyd = os.path.join(self.etc, "sudoers.d")
        os.makedirs(emptyd)
        if os.path.isdir("/etc/sudoers.d"):
            self._bind(emptyd, "/etc/sudoers.d")

        # The helper caches discovery and JWKS under its compiled-in
        # localstatedir: a private tmpfs keeps the host's cache untouched.
        cache = os.path.join(build_var("localstatedir"), "cache")
        if os.path.isdir(cache):
            run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", cache])
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)

    # --- the IdP ----------------------------------------------------------
    def _start_idp(self, interval, entra_shape):
        idpstate = os.path.join(self.state, "idp")
        os.makedirs(idpstate)
        cmd = [os.path.join(SRCDIR, "tests", "idp", "start.sh"), idpstate,
               "--interval", str(interval)]
        if entra_shape:
            cmd.append("--entra-shape")
        # One more try if the IdP does not come up in 30 s: a stalled
        # start costs a bounded wait, not the whole run.
        for attempt in (1, 2):
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                 stderr=open(os.path.join(self.state,
                                                          "idp.log"), "a"),
                                 start_new_session=True)
            self.procs.append(p)
            out = read_until(p.stdout.fileno(), r"IDP_READY[^\n]*\n", 30)
            line = next((l for l in out.splitlines()
                         if l.startswith("IDP_READY")), "")
            if line:
                break
            print("IdP start %d: no ready line in 30 s" % attempt)
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            self.procs.remove(p)
        if not line:
            os.environ["BSURE_KEEP_STATE"] = "1"
            self.close()
            raise RuntimeError("the local IdP did not start: see "
                               "%s/idp.log" % self.state)
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        self.idp_port = fields["port"]
        self.issuer = fields["issuer"]
        self.ca = fields["ca"]
        self.tenant = fields["tenant"]
        self.client_id = fields["client_id"]

    def idpctl(self, *args, capture=False):
        env = dict(os.environ, IDP_PORT=self.idp_port, IDP_CA=self.ca)
        r = subprocess.run([PYTHON, IDPCTL] + list(args), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            raise RuntimeError("idpctl %s: %s" % (" ".join(args), r.stderr))
        return r.stdout if capture else None

    # --- pam_bsure configuration -----------------------------------------
    def write_conf(self, extra=""):
        confdir = os.path.join(self.state, "conf")
        os.makedirs(confdir, mode=0o700, exist_ok=True)
        self.conf = os.path.join(confdir, "pam_bsure.conf")
        self.audit = os.path.join(confdir, "audit.jsonl")
        client_id = self.client_id
        group = EXCEPTION_GROUP
        text = ("issuer = %s\nclient_id = %s\ntenant_id = %s\n"
                "ca_file = %s\nuser_map = %%u@contoso.example\n"
                "exception_group = %s\nmax_wait = 120\n"
                "audit_file = %s\n%s" %
                (self.issuer, client_id, self.tenant, self.ca, group,
                 self.audit, extra))
        with open(self.conf, "w") as f:
            f.write(text)
        os.chmod(self.conf, 0o600)

    def audit_events(self):
        try:
            with open(self.audit) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def module_args(self, extra=""):
        return "conf=%s helper=%s debug %s" % (self.conf, HELPER, extra)

    def pam_service(self, name, auth_args="", session=True,
                    fallback=False):
        lines = ["auth required %s %s" % (MODULE, self.module_args(auth_args))]
        if fallback:
            lines.append("auth required pam_unix.so")
        lines.append("account required %s %s" % (MODULE, self.module_args()))
        lines.append("account required pam_unix.so")
        if session:
            lines.append("session optional pam_keyinit.so force revoke")
            lines.append("session required %s %s" %
                         (MODULE, self.module_args()))
            lines.append("session required pam_unix.so")
        with open(os.path.join(self.pamd, name), "w") as f:
            f.write("\n".join(lines) + "\n")

    # --- sshd -------------------------------------------------------------
    def start_sshd(self, service="bsure-e2e-sshd", kbdint=True,
                   grace=120):
        sdir = os.path.join(self.state, "sshd")
        os.makedirs(sdir, exist_ok=True)
        key = os.path.join(sdir, "host_ed25519")
        if not os.path.exists(key):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        self.sshd_port = free_port()
        cfg = self.sshd_config = os.path.join(sdir, service + ".conf")
        with open(cfg, "w") as f:
            f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s\n"
                    "PidFile %s/sshd.pid\nUsePAM yes\n"
                    "KbdInteractiveAuthentication %s\n"
                    "PasswordAuthentication %s\n"
                    "PubkeyAuthentication no\nPermitRootLogin yes\n"
                    "LoginGraceTime %d\nMaxStartups 20\nMaxSessions 20\n"
                    "StrictModes no\nPrintMotd no\nPrintLastLog no\n"
                    "LogLevel VERBOSE\n" %
                    (self.sshd_port, key, sdir,
                     "yes" if kbdint else "no",
                     "no" if kbdint else "yes", grace))
        link = os.path.join(sdir, service)
        if os.path.lexists(link):
            os.unlink(link)
        # sshd names its PAM service after argv[0] (OpenSSH < 9.8).
        os.symlink("/usr/sbin/sshd", link)
        self.pam_service(service)
        self.sshd_log = os.path.join(sdir, "sshd.log")
        p = subprocess.Popen([link, "-D", "-e", "-f", cfg],
                             stderr=open(self.sshd_log, "w"),
                             start_new_session=True)
        self.procs.append(p)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.sshd_port),
                                         1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("sshd did not start: see " + self.sshd_log)

    def close(self):
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.syslog.close()
        if os.environ.get("BSURE_KEEP_STATE") != "1":
            shutil.rmtree(self.state, ignore_errors=True)


def find_code(text):
    m = CODE_RE.search(text)
    return m.group(1) if m else None


def ssh_exec(transport, cmd):
    """Run cmd over an SSH transport: (exit status, all it printed)."""
    chan = transport.open_session()
    chan.exec_command(cmd)
    out = b""
    while True:
        data = chan.recv(65536)
        if not data:
            break
        out += data
    return chan.recv_exit_status(), out.decode()


def helper_processes():
    """PIDs of running helpers of this build (not another test run's)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv0 = f.read().split(b"\0")[0]
        except OSError:
            continue
        if argv0 == HELPER.encode():
            out.append(int(pid))
    return out


def read_until(fd, pattern, timeout=30):
    buf = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        buf += data
        if re.search(pattern, buf.decode("utf-8", "replace")):
            break
    return buf.decode("utf-8", "replace")


def drain(fd, timeout=30):
    return read_until(fd, r"(?!x)x", timeout)
