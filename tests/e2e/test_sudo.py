# SPDX-License-Identifier: BSD-3-Clause
"""Real sudo with pam_bsure in its stack: a fresh device flow on a TTY even
though sudo passes PAM_SILENT; no conversation (`sudo -S </dev/null`) fails
at once without requesting a code; re-authentication inside an SSH login
reuses the login's token only when sudo_reuse allows it."""
import os
import pty
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import check, read_until  # noqa: E402

e2elib.require_root_namespace()
import paramiko  # noqa: E402


def install_sudo_service(bench):
    args = bench.module_args()
    with open(os.path.join(bench.pamd, "sudo"), "w") as f:
        f.write("auth required %s %s\naccount required %s %s\n"
                "account required pam_unix.so\n" %
                (e2elib.MODULE, args, e2elib.MODULE, args))


def as_alice(cmd):
    return ["setpriv", "--reuid=alice", "--regid=alice", "--init-groups",
            "keyctl", "session", "-"] + cmd


def test_no_conversation(bench):
    before = len(bench.audit_events())
    start = time.time()
    r = subprocess.run(as_alice(["sudo", "-S", "true"]),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30)
    took = time.time() - start
    check(r.returncode != 0, "S5: sudo -S </dev/null is refused")
    check(took < 2, "S5: refused within a second or so (%.2f s)" % took)
    ev = [e.get("event") for e in bench.audit_events()[before:]]
    check("code_issued" not in ev, "S5: no device code requested")


def test_tty_fresh_flow(bench):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("setpriv", as_alice(["sudo", "true"]))
    text = read_until(fd, r"code[: ]+[A-Z0-9-]{6,}")
    code = e2elib.find_code(text)
    check(code is not None, "S5: interactive sudo shows code and URL "
          "despite PAM_SILENT")
    if code:
        bench.idpctl("approve", code, "--account", "alice")
        time.sleep(0.5)
        os.write(fd, b"\n")
    read_until(fd, r"(?!x)x", 20)
    _, status = os.waitpid(pid, 0)
    check(os.waitstatus_to_exitcode(status) == 0,
          "sudo succeeds after approval")
    os.close(fd)


def ssh_login(bench):
    sock = socket.create_connection(("127.0.0.1", bench.sshd_port))
    t = paramiko.Transport(sock)
    t.start_client(timeout=10)

    def handler(title, instr, prompts):
        for text, _ in prompts:
            code = e2elib.find_code(text)
            if code:
                bench.idpctl("approve", code, "--account", "alice")
        return [""] * len(prompts)

    t.auth_interactive("alice", handler)
    return t


def sudo_in_session(t, timeout=15):
    chan = t.open_session()
    chan.get_pty()
    chan.exec_command("sudo true; echo rc=$?")
    chan.settimeout(timeout)
    out = b""
    try:
        while b"rc=" not in out:
            data = chan.recv(4096)
            if not data:
                break
            out += data
    except socket.timeout:
        pass
    chan.close()
    return out.decode("utf-8", "replace")


def test_reuse(bench):
    bench.write_conf("sudo_reuse = 300\n")
    t = ssh_login(bench)
    out = sudo_in_session(t)
    check("rc=0" in out and e2elib.find_code(out) is None,
          "sudo_reuse: sudo inside the login reuses its token, no new code")
    _, keys = e2elib.ssh_exec(t, "keyctl show @s")
    n = keys.count("pam_bsure:")
    check(n == 1, "reuse adds no key (%d keys)" % n)
    t.close()

    bench.write_conf("sudo_reuse = 0\n")
    t = ssh_login(bench)
    out = sudo_in_session(t, timeout=8)
    check(e2elib.find_code(out) is not None,
          "sudo_reuse = 0: sudo runs a fresh flow")
    t.close()


def main():
    bench = e2elib.Bench("sudo")
    try:
        if not os.path.exists("/usr/bin/sudo"):
            e2elib.skip("sudo missing")
        install_sudo_service(bench)
        bench.start_sshd()
        test_no_conversation(bench)
        test_tty_fresh_flow(bench)
        test_reuse(bench)
    finally:
        bench.close()
    e2elib.finish()


main()
