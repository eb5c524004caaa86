#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs every build and test dependency of pam_bsure on Debian 12 (as root):
# the Debian packages, then the local test IdP's npm packages from its lock file.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	autoconf automake libtool pkg-config make gcc \
	libpam0g-dev libcurl4-openssl-dev libjson-c-dev libkeyutils-dev \
	libssl-dev libcmocka-dev libqrencode-dev \
	openssl ca-certificates keyutils curl \
	openssh-server openssh-client sudo pamtester tinyproxy \
	python3 python3-paramiko util-linux procps iproute2 \
	libpam-modules libpam-runtime \
	nodejs

if ! command -v npm >/dev/null 2>&1; then
	apt-get install -y -q --no-install-recommends npm
fi

cd "$top/tests/idp"
npm ci --no-audit --no-fund --loglevel=error
