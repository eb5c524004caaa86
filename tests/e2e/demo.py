# SPDX-License-Identifier: BSD-3-Clause
"""The demo: a real device-code sign-in through the PAM stack with
`bsure login`, against the bundled local IdP over TLS, in a private mount
namespace (test user alice, private /etc/pam.d).  With --auto-approve the
code is approved through the IdP's own verification page and login form;
otherwise open the URL shown and approve it yourself."""
import os
import pty
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

AUTO = "--auto-approve" in sys.argv
e2elib.require_root_namespace()


def say(text):
    if sys.stdout.isatty():
        text = "\033[1m[demo] %s\033[0m" % text
    else:
        text = "[demo] " + text
    print(text, flush=True)


def give_up(signum, frame):
    raise SystemExit("[demo] no result after %d s: giving up" % LIMIT)


# The code's own lifetime bounds a sign-in; the demo never waits longer.
LIMIT = 330


def main():
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(LIMIT)
    bench = e2elib.Bench("demo", interval=2)
    try:
        args = bench.module_args("prompt=info")
        with open(os.path.join(bench.pamd, "bsure-login"), "w") as f:
            f.write("auth required %s %s\naccount required %s %s\n"
                    "session optional pam_keyinit.so force revoke\n"
                    "session required %s %s\n" %
                    (e2elib.MODULE, args, e2elib.MODULE, args,
                     e2elib.MODULE, args))
        say("local IdP: %s (TLS, test CA %s)" % (bench.issuer, bench.ca))
        say("signing in as alice: bsure login -u alice -- sh -c "
            "'bsure status; keyctl show @s'")
        cmd = [e2elib.BSURE, "login", "-u", "alice", "--", "sh", "-c",
               "%s status; echo; keyctl show @s" % e2elib.BSURE]
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(e2elib.BSURE, cmd)
        child.append(pid)
        seen = ""
        approved = False
        serials = []
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            text = data.decode("utf-8", "replace")
            sys.stdout.write(text)
            sys.stdout.flush()
            seen += text
            code = e2elib.find_code(seen)
            if code and not approved:
                approved = True
                if AUTO:
                    threading.Thread(target=approve, args=(bench, code,
                                                           seen),
                                     daemon=True).start()
                else:
                    say("open the URL above in a browser (trust %s), "
                        "enter the code, sign in as alice / %s" %
                        (bench.ca, e2elib.IDP_PASSWORD))
        _, status = os.waitpid(pid, 0)
        child.clear()
        for line in seen.splitlines():
            if "pam_bsure:" in line:
                serials.append(int(line.split()[0]))
        say("bsure login exited with %d; the session is closed" %
            os.waitstatus_to_exitcode(status))
        for s in serials:
            out = e2elib.run(["keyctl", "describe", str(s)], check=False,
                             capture_output=True, text=True)
            say("key %d after logout: %s" % (s, (out.stdout + out.stderr)
                                             .strip() or "gone"))
    finally:
        for pid in child:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        bench.close()


child = []


def approve(bench, code, text):
    url = e2elib.URL_RE.search(text)
    say("approving %s through the IdP's verification page as alice" % code)
    try:
        bench.idpctl("browser-approve", url.group(1) if url else "", code,
                     "--account", "alice")
    except RuntimeError:
        say("the form approval failed; approving through the test API")
        bench.idpctl("approve", code, "--account", "alice")


main()
