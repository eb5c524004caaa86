#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Builds pam_bsure (if needed) and runs the demo: a real device-code sign-in
# through the PAM stack against the bundled local IdP.  Root; Debian 12.
#   tests/demo.sh [--auto-approve]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${BSURE_BUILD_DIR:-}" ] && [ -e "$top/config.status" ]; then
	echo "$top is configured in place; run \"make distclean\" there first" \
	    "(this script builds out of tree)" >&2
	exit 1
fi
build=${BSURE_BUILD_DIR:-$top/tests/run/build}

if [ ! -x "$build/pam_module/bsure" ] || [ ! -x "$build/helper/bsure-helper" ]
then
	(cd "$top" && ./autogen.sh >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && "$top/configure" --sysconfdir=/etc \
	    --localstatedir=/var >/dev/null &&
	    make -j2 >/dev/null)
fi
BSURE_SRCDIR=$top BSURE_BUILDDIR=$build exec /usr/bin/python3 \
	"$top/tests/e2e/demo.py" "$@"
