#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Builds pam_bsure out of tree and runs every test: unit, fuzz replays,
# PAM-level, helper against the local IdP, and (as root) the end-to-end
# sshd, sudo and bsure login tests; then "make distcheck".
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BSURE_BUILD_DIR:-$top/tests/run/build}
jobs=${BSURE_JOBS:-2}

cd "$top"
./autogen.sh >/dev/null 2>&1 || ./autogen.sh
rm -rf "$build"
mkdir -p "$build"
cd "$build"
"$top/configure" --enable-werror --sysconfdir=/etc >configure.out ||
	{ cat configure.out; exit 1; }
make -j"$jobs" >make.out 2>&1 || { cat make.out; exit 1; }

status=0
make -j"$jobs" check || status=$?
# Show every failing test's log so a CI transcript is enough to debug.
for log in $(find . -name '*.log' ! -name config.log); do
	if grep -q '^:test-result: FAIL\|^:test-result: ERROR' \
	    "${log%.log}.trs" 2>/dev/null; then
		echo "===== $log"
		tail -n 80 "$log"
	fi
done
[ "$status" -eq 0 ] || exit "$status"

make -j"$jobs" distcheck >distcheck.out 2>&1 ||
	{ tail -n 100 distcheck.out; exit 1; }
echo "distcheck: ok"
