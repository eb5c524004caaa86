# SPDX-License-Identifier: BSD-3-Clause
# O2: the IdP's name resolves to an IPv6 address where nothing listens
# (::1) and an IPv4 one where it does (127.0.0.1): the helper falls back
# to IPv4 within a few seconds and the sign-in succeeds.
import os
import socket
import subprocess
import sys
import tempfile
import time

import helperlib as H

H.prerequisites()
if os.environ.get("BSURE_O2_NS") != "1":
    # A private /etc/hosts in a private mount namespace: localhost is
    # ::1 first, then 127.0.0.1, whatever the host's own file says.
    hosts = tempfile.NamedTemporaryFile("w", prefix="bsure-hosts-",
                                        delete=False)
    hosts.write("::1 localhost\n127.0.0.1 localhost\n")
    hosts.close()
    os.chmod(hosts.name, 0o644)
    rc = subprocess.call(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         'mount --bind "$0" /etc/hosts && exec "$@"', hosts.name,
         sys.executable] + sys.argv,
        env=dict(os.environ, BSURE_O2_NS="1"))
    os.unlink(hosts.name)
    sys.exit(rc)

v6 = {a[4][0] for a in socket.getaddrinfo("localhost", 443)}
H.check("::1" in v6 and "127.0.0.1" in v6,
        "localhost resolves to ::1 and 127.0.0.1: %s" % sorted(v6))

env = H.Env("ipv6", ["--interval", "1", "--host", "localhost"])
try:
    H.check(env.issuer.startswith("https://localhost:"),
            "the issuer names localhost: " + env.issuer)
    s = socket.socket(socket.AF_INET6)
    dead = s.connect_ex(("::1", int(env.port))) != 0
    s.close()
    H.check(dead, "nothing listens on [::1]:%s" % env.port)
    start = time.monotonic()
    d, code, res, rc = H.run_case(env, approve_as="alice")
    took = time.monotonic() - start
    H.check(rc == 0, "O2: sign-in succeeds over IPv4 (rc=%s)" % rc)
    H.check(took < 10, "O2: within a few seconds (%.1f s with one poll "
            "interval)" % took)
finally:
    env.close()
H.finish()
