# SPDX-License-Identifier: BSD-3-Clause
"""`bsure login -- COMMAND` as a container entrypoint: the code shows at
once (module prompt=info), with and without a terminal; the command runs as
the user inside the opened session; its exit status comes back; signals
reach it; the session key is revoked when it exits."""
import os
import pty
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import check, read_until, drain  # noqa: E402

e2elib.require_root_namespace()

SERVICE = "bsure-login"


def install_service(bench):
    path = os.path.join(bench.pamd, SERVICE)
    args = bench.module_args("prompt=info")
    with open(path, "w") as f:
        f.write("auth required %s %s\n"
                "account required %s %s\n"
                "session optional pam_keyinit.so force revoke\n"
                "session required %s %s\n" %
                (e2elib.MODULE, args, e2elib.MODULE, args,
                 e2elib.MODULE, args))


def login_no_tty(bench, cmd, account="alice", decide="approve"):
    p = subprocess.Popen([e2elib.BSURE, "login", "-u", "alice", "--"] + cmd,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    start = time.time()
    text = read_until(p.stdout.fileno(), r"code[: ]+[A-Z0-9-]{6,}")
    shown = time.time() - start
    code = e2elib.find_code(text)
    if code:
        if decide == "form":
            # As a person would: the IdP's verification page and login form.
            url = e2elib.URL_RE.search(text).group(1)
            bench.idpctl("browser-approve", url, code, "--account", account)
        elif decide == "approve":
            bench.idpctl("approve", code, "--account", account)
        else:
            bench.idpctl("deny", code)
    rest = drain(p.stdout.fileno(), 60)
    rc = p.wait(60)
    return rc, text + rest, code, shown


def test_no_tty(bench):
    rc, out, code, shown = login_no_tty(
        bench, ["sh", "-c", "id -un; keyctl show @s; %s status; exit 7" %
                e2elib.BSURE], decide="form")
    check(code is not None, "bsure login shows the code without a TTY; "
          "approved through the IdP's verification page and login form")
    check(shown < 10, "the code shows at once (%.1f s)" % shown)
    check("alice" in [l.strip() for l in out.splitlines()],
          "the command runs as alice")
    check("pam_bsure:alice:" in out, "the command's @s holds the key")
    check(rc == 7, "bsure login returns the command's status (%d)" % rc)
    serials = [int(l.split()[0]) for l in out.splitlines()
               if "pam_bsure:" in l]
    if serials:
        check(key_gone(serials[0]), "the key is revoked when the command "
              "exits")


def key_gone(serial):
    with open("/proc/keys") as f:
        for line in f:
            fields = line.split()
            if int(fields[0], 16) == serial:
                return "R" in fields[1]
    return True


def test_denied(bench):
    rc, out, code, _ = login_no_tty(bench, ["true"], decide="deny")
    check(code is not None and rc != 0, "a declined sign-in runs nothing "
          "(rc %d)" % rc)
    check("declined" in out.lower() or "denied" in out.lower(),
          "the user is told the sign-in was declined")


def test_tty_and_signal(bench):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(e2elib.BSURE, [e2elib.BSURE, "login", "-u", "alice", "--",
                                "sh", "-c", "echo started; sleep 60"])
    text = read_until(fd, r"code[: ]+[A-Z0-9-]{6,}")
    code = e2elib.find_code(text)
    check(code is not None, "bsure login shows the code on a TTY")
    if code:
        bench.idpctl("approve", code, "--account", "alice")
    text += read_until(fd, r"started", 60)
    check("started" in text, "the command starts after approval on a TTY")
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    check(rc == 128 + signal.SIGTERM,
          "SIGTERM reaches the command; status 143 (%d)" % rc)
    os.close(fd)


def test_pamtester(bench):
    """login-style: pamtester drives the shipped-like stack on a TTY."""
    args = bench.module_args()
    with open(os.path.join(bench.pamd, "bsure-e2e-login"), "w") as f:
        f.write("auth required pam_nologin.so\n"
                "auth required %s %s\naccount required %s %s\n"
                "session optional pam_keyinit.so force revoke\n"
                "session required %s %s\n" %
                (e2elib.MODULE, args, e2elib.MODULE, args,
                 e2elib.MODULE, args))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("pamtester", ["pamtester", "-v", "bsure-e2e-login",
                                "alice", "authenticate", "acct_mgmt",
                                "open_session", "close_session"])
    text = read_until(fd, r"code[: ]+[A-Z0-9-]{6,}")
    code = e2elib.find_code(text)
    check(code is not None and "Press Enter" in text,
          "pamtester: the code comes with a press-Enter prompt")
    if code:
        os.write(fd, b"\n")       # Enter before approval: asked again
        text += read_until(fd, r"Not approved yet")
        check("Not approved yet" in text,
              "Enter before approval prompts again")
        bench.idpctl("approve", code, "--account", "alice")
        os.write(fd, b"\n")
    text += drain(fd, 30)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    check(os.waitstatus_to_exitcode(status) == 0 and
          "session has successfully been closed" in text,
          "pamtester: authenticate, acct_mgmt, open and close succeed:\n"
          + text[-600:])


def main():
    bench = e2elib.Bench("login")
    try:
        install_service(bench)
        test_no_tty(bench)
        test_denied(bench)
        test_tty_and_signal(bench)
        test_pamtester(bench)
    finally:
        bench.close()
    e2elib.finish()


main()
