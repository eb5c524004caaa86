#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Starts the local test IdP in the foreground over TLS on 127.0.0.1.
# Usage: start.sh STATEDIR [--port N] [--tenant TID] [--client-id ID]
#   [--entra-shape] [--interval N] [--device-expires-in N] [--accounts FILE]
#   [--no-enforce-interval] [--host 127.0.0.1|localhost]
# Prints one line "IDP_READY port=... issuer=... ca=... tenant=...
# client_id=..." on stdout once it listens; stops on SIGTERM.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
state=${1:?usage: start.sh STATEDIR [options]}
shift
mkdir -p "$state"
state=$(cd "$state" && pwd)

if [ ! -d "$here/node_modules/oidc-provider" ]; then
	echo "start.sh: $here/node_modules missing; run npm ci in $here" >&2
	exit 77
fi

"$here/gen-certs.sh" "$state"
exec node "$here/server.js" --state "$state" --test-control "$@"
