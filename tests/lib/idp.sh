# SPDX-License-Identifier: BSD-3-Clause
# Sourceable helpers that start and stop the local test IdP (tests/idp).
#   idp_start STATEDIR [start.sh options]   exports IDP_PORT IDP_ISSUER
#       IDP_CA IDP_PID IDP_TENANT IDP_CLIENT_ID; exits 77 without node_modules
#   idp_stop
# IDP_START_TIMEOUT (seconds, default 30) bounds the wait for the ready line.
# tests/idp is found from IDP_DIR, bash's BASH_SOURCE, $top_srcdir or $0.

_idp_find_dir()
{
	local d
	for d in "${IDP_DIR:-}" \
		"${BASH_SOURCE:+$(dirname "${BASH_SOURCE:-}")/../idp}" \
		"${top_srcdir:+$top_srcdir/tests/idp}" \
		"$(dirname "$0")/../idp" "$(dirname "$0")/idp"; do
		if [ -n "$d" ] && [ -f "$d/start.sh" ]; then
			(cd "$d" && pwd)
			return 0
		fi
	done
	return 1
}
_idp_dir=$(_idp_find_dir || true)

idp_start()
{
	local state=${1:?idp_start STATEDIR [options]}
	shift
	local timeout=${IDP_START_TIMEOUT:-30}
	local line="" i=0 f

	if [ -z "$_idp_dir" ] || [ ! -d "$_idp_dir/node_modules/oidc-provider" ]; then
		echo "SKIP: test IdP not installed (run: cd tests/idp && npm ci)" >&2
		exit 77
	fi
	if ! command -v node >/dev/null 2>&1; then
		echo "SKIP: node not found; the test IdP needs Node.js" >&2
		exit 77
	fi

	mkdir -p "$state"
	state=$(cd "$state" && pwd)
	: > "$state/idp.out"
	"$_idp_dir/start.sh" "$state" "$@" > "$state/idp.out" \
		2> "$state/idp.log" &
	IDP_PID=$!

	while [ $i -lt $((timeout * 10)) ]; do
		line=$(grep -m1 '^IDP_READY ' "$state/idp.out" 2>/dev/null || true)
		[ -n "$line" ] && break
		if ! kill -0 "$IDP_PID" 2>/dev/null; then
			echo "idp_start: IdP exited early; log:" >&2
			cat "$state/idp.log" >&2
			IDP_PID=
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$line" ]; then
		echo "idp_start: no ready line within ${timeout}s; log:" >&2
		cat "$state/idp.log" >&2
		idp_stop
		return 1
	fi

	for f in $line; do
		case $f in
		port=*) IDP_PORT=${f#port=} ;;
		issuer=*) IDP_ISSUER=${f#issuer=} ;;
		ca=*) IDP_CA=${f#ca=} ;;
		tenant=*) IDP_TENANT=${f#tenant=} ;;
		client_id=*) IDP_CLIENT_ID=${f#client_id=} ;;
		esac
	done
	export IDP_PORT IDP_ISSUER IDP_CA IDP_PID IDP_TENANT IDP_CLIENT_ID
	return 0
}

idp_stop()
{
	local i=0

	[ -n "${IDP_PID:-}" ] || return 0
	kill -TERM "$IDP_PID" 2>/dev/null || true
	while kill -0 "$IDP_PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$IDP_PID" 2>/dev/null || true
	wait "$IDP_PID" 2>/dev/null || true
	IDP_PID=
}
