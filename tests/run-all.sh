#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Builds pam_bsure out of tree and runs every test: unit, fuzz replays,
# PAM-level, helper against the local IdP, and (as root) the end-to-end
# sshd, sudo and bsure login tests; then "make distcheck".
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
if [ -e "$top/config.status" ]; then
	echo "$top is configured in place; run \"make distclean\" there first" \
	    "(this script builds out of tree)" >&2
	exit 1
fi
build=${BSURE_BUILD_DIR:-$top/tests/run/build}
jobs=${BSURE_JOBS:-2}

cd "$top"
./autogen.sh >/dev/null 2>&1 || ./autogen.sh
rm -rf "$build"
mkdir -p "$build"
cd "$build"
"$top/configure" --enable-werror --sysconfdir=/etc --localstatedir=/var \
	>configure.out ||
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
pass=$(cat $(find . -name '*.trs') | grep -c '^:test-result: PASS' || true)
fail=$(cat $(find . -name '*.trs') | grep -c '^:test-result: \(FAIL\|ERROR\)' ||
	true)
skip=$(cat $(find . -name '*.trs') | grep -c '^:test-result: SKIP' || true)
summary="$pass passed, $fail failed, $skip skipped"
if [ "$status" -ne 0 ]; then
	echo "$summary"
	exit "$status"
fi

make -j"$jobs" distcheck >distcheck.out 2>&1 ||
	{ tail -n 100 distcheck.out; echo "$summary"; exit 1; }
echo "distcheck: ok"
echo "$summary"
