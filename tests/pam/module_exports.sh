#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pam_bsure.so exports only the pam_sm_* entry points and links nothing
# but libpam, libkeyutils and libc: no network, crypto or JSON in sshd.
set -eu
so="${top_builddir:-../..}/pam_module/.libs/pam_bsure.so"
[ -f "$so" ] || { echo "missing $so"; exit 1; }
command -v nm >/dev/null || { echo "nm not installed"; exit 77; }

bad=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBVWRGS]$/ { print $3 }' |
	grep -v '^pam_sm_' || true)
if [ -n "$bad" ]; then
	echo "unexpected exports:"; echo "$bad"; exit 1
fi
for f in pam_sm_authenticate pam_sm_setcred pam_sm_acct_mgmt \
	pam_sm_open_session pam_sm_close_session; do
	nm -D --defined-only "$so" | grep -q " T $f\$" ||
		{ echo "missing $f"; exit 1; }
done

needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
	grep -v -e '^libpam\.so\.' -e '^libkeyutils\.so\.' -e '^libc\.so\.' \
	-e '^ld-linux' || true)
if [ -n "$needed" ]; then
	echo "unexpected libraries:"; echo "$needed"; exit 1
fi
echo "exports and libraries: ok"
