#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark (not a test): bsure-helper time from start to CODE and from
# approval to RESULT, with a cold and a warm discovery/JWKS cache, against
# the local IdP.  Usage: bench-helper.sh [BUILDDIR] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src}
runs=${2:-5}
export BSURE_SRCDIR=$src BSURE_BUILDDIR=$build
exec python3 - "$runs" <<'PY'
import os, shutil, sys, time
sys.path.insert(0, os.path.join(os.environ["BSURE_SRCDIR"], "tests", "helper"))
import helperlib as H

H.prerequisites()
runs = int(sys.argv[1])
env = H.Env("bench", ["--interval", "1"])
rows = {"cold": [], "warm": []}
try:
    for i in range(runs):
        for kind in ("cold", "warm"):
            if kind == "cold":
                shutil.rmtree(env.cache, ignore_errors=True)
            d = env.drive("alice")
            t_code, code = d.expect("CODE")
            t_appr = time.monotonic()
            env.idp.approve(code["user_code"], account="alice")
            t_res, res = d.expect("RESULT", timeout=30)
            d.wait()
            if res is None or res["result"] != "0":
                sys.exit("run failed: %s" % d.lines)
            rows[kind].append(((t_code - d.started) * 1000,
                               (t_res - t_appr) * 1000))
finally:
    env.close()

def stats(v):
    v = sorted(v)
    return "%7.0f %7.0f %7.0f" % (v[0], v[len(v) // 2], v[-1])

print("IdP poll interval 1 s; approval-to-RESULT includes up to one interval")
print("%-6s %-24s %-24s" % ("cache", "start->CODE ms min/med/max",
                            "approve->RESULT ms min/med/max"))
for kind in ("cold", "warm"):
    print("%-6s %-24s %-24s" % (kind, stats([r[0] for r in rows[kind]]),
                                stats([r[1] for r in rows[kind]])))
PY
