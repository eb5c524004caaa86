# SPDX-License-Identifier: BSD-3-Clause
# O1: the IdP reached only through the HTTPS proxy named in the config, a
# real one (tinyproxy) on 127.0.0.1: the flow goes through it; a proxy that
# wants credentials (407) gives UNAVAIL "proxy authentication required"
# with no code requested; credentials in the proxy URL never reach a log.
import os
import shutil
import socket
import subprocess
import time

import helperlib as H

H.prerequisites()
if shutil.which("tinyproxy") is None:
    H.skip("tinyproxy not installed (tests/install-deps.sh)")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_proxy(d, name, basic_auth=None):
    """tinyproxy in the foreground on a free port; returns (proc, port,
    log path)."""
    port = free_port()
    log = os.path.join(d, name + ".log")
    open(log, "w").close()
    os.chmod(log, 0o666)
    conf = os.path.join(d, name + ".conf")
    with open(conf, "w") as f:
        f.write("User nobody\nGroup nogroup\nPort %d\nListen 127.0.0.1\n"
                "Timeout 30\nLogFile \"%s\"\nLogLevel Connect\n"
                "MaxClients 20\nAllow 127.0.0.1\n" % (port, log))
        if basic_auth:
            f.write("BasicAuth %s %s\n" % basic_auth)
    p = subprocess.Popen(["tinyproxy", "-d", "-c", conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return p, port, log
        except OSError:
            time.sleep(0.1)
    p.kill()
    raise RuntimeError("tinyproxy did not start")


env = H.Env("proxy", ["--interval", "1"])
procs = []
try:
    os.chmod(env.dir, 0o755)
    p, open_port, open_log = start_proxy(env.dir, "open")
    procs.append(p)
    p, auth_port, auth_log = start_proxy(env.dir, "auth",
                                         ("bsure", "proxy-secret"))
    procs.append(p)
    idp_target = "127.0.0.1:%s" % env.port

    conf = env.write_conf("proxy = http://127.0.0.1:%d\n" % open_port,
                          name="open.conf")
    d, code, res, rc = H.run_case(env, conf=conf, approve_as="alice")
    with open(open_log) as f:
        seen = f.read()
    H.check(rc == 0, "O1: sign-in through the configured proxy (rc=%s)" % rc)
    H.check("CONNECT" in seen and idp_target in seen,
            "O1: the proxy carried the IdP connection")

    before = len(env.idp.pending(all=True))
    conf = env.write_conf("proxy = http://127.0.0.1:%d\n" % auth_port,
                          name="auth.conf")
    d, code, res, rc = H.run_case(env, conf=conf)
    H.check(rc == 3 and code is None,
            "O1: proxy answering 407 -> UNAVAIL before any code (rc=%s)" %
            rc)
    H.check("proxy authentication required" in d.log_text(),
            "O1: log says proxy authentication required")
    H.check(len(env.idp.pending(all=True)) == before,
            "O1: no device code requested through a refusing proxy")

    conf = env.write_conf(
        "proxy = http://bsure:proxy-secret@127.0.0.1:%d\n" % auth_port,
        name="creds.conf")
    d, code, res, rc = H.run_case(env, conf=conf, approve_as="alice")
    H.check(rc == 0, "O1: proxy credentials from the config work (rc=%s)" %
            rc)
    logs = d.log_text()
    with open(env.audit) as f:
        logs += f.read()
    H.check("proxy-secret" not in logs,
            "O1: the proxy password never reaches a log")
finally:
    for p in procs:
        p.terminate()
        p.wait(5)
    env.close()
H.finish()
