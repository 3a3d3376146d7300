# bench/lib.sh - helpers sourced by the benchmarks in bench/.
#
# A benchmark runs real processes on loopback (127.0.0.1 only): the
# sample token issuer (contrib/jwt-issuer/jwt_issuer.py) and pvacms with
# the seed's JWT settings, both on ephemeral ports learnt from a port
# file and a listen-info file.  Everything is bounded: each wait has a
# limit, the whole run has a watchdog (BENCH_LIMIT seconds) that stops it,
# and a trap stops every process started here and removes the private
# `mktemp -d` root.  Benchmarks print figures; they never pass or fail
# on timing (exit 1 only when they could not measure at all).
#
# Environment: top_builddir (the build tree; default: one level above
# this file), top_srcdir (default: the same), PYTHON3 (default
# /usr/bin/python3, which has Flask, PyJWT and cryptography on Debian),
# PVACMS_PLUGIN_DIR (optional: where pvacms finds its plugins),
# BENCH_LIMIT (default 300), WAIT_SECS (each wait, default 15),
# KEEP_ROOT=1 to keep the root.

# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
: "${PYTHON3:=/usr/bin/python3}"
if ! "$PYTHON3" -c 'import flask, jwt, cryptography' 2>/dev/null &&
    [ -x /usr/bin/python3 ]; then
	PYTHON3=/usr/bin/python3
fi
OPENSSL=${OPENSSL:-openssl}
ISSUER_PY=$top_srcdir/contrib/jwt-issuer/jwt_issuer.py
WAIT_SECS=${WAIT_SECS:-15}
BENCH_LIMIT=${BENCH_LIMIT:-300}
export LC_ALL=C TZ=UTC

ROOT=
BENCH_WD=
BENCH_CHILD=
declare -a BENCH_PIDS=()

# die MSG: the benchmark cannot run.
die()
{
	echo "${0##*/}: $*" >&2
	exit 1
}

# bench_setup: the root (HOME/XDG per user under it), the cleanup trap,
# the watchdog, and a check that the tools are built.
bench_setup()
{
	local v b
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pvacms-bench.XXXXXX") ||
	    die "mktemp -d failed"
	ROOT=$(cd "$ROOT" && pwd -P)
	trap bench_cleanup EXIT
	trap 'echo "${0##*/}: interrupted" >&2; exit 130' INT
	trap 'echo "${0##*/}: terminated (run limit ${BENCH_LIMIT}s)" >&2
	    exit 143' TERM
	bench_watchdog "$BENCH_LIMIT"
	for v in $(env | sed -n 's/^\(EPICS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	unset XDG_CONFIG_HOME XDG_DATA_HOME
	[ -z "${PVACMS_PLUGIN_DIR:-}" ] ||
	    export EPICS_PVACMS_PLUGIN_DIR=$PVACMS_PLUGIN_DIR
	mkdir -p "$ROOT/run" || die "cannot make $ROOT/run"
	for b in pvacms authnjwt; do
		[ -x "$top_builddir/$b" ] ||
		    die "$top_builddir/$b not built (make $b)"
	done
	[ -r "$ISSUER_PY" ] || die "$ISSUER_PY missing"
	command -v curl >/dev/null || die "curl not installed"
	command -v "$OPENSSL" >/dev/null || die "openssl not installed"
}

# bench_watchdog SECS: send this shell TERM after SECS (the trap then
# cleans up).  The watchdog's own sleep goes away with it.
bench_watchdog()
{
	local top=$$
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		sp=$!
		wait "$sp" && kill -TERM "$top" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	BENCH_WD=$!
}

# bench_cleanup: stop what we started (TERM, then KILL after 5 s), show
# the logs when the run failed, remove the root.
bench_cleanup()
{
	local rc=$? pid f
	trap - TERM INT
	[ -z "$BENCH_CHILD" ] || kill -TERM "$BENCH_CHILD" 2>/dev/null
	for pid in "${BENCH_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $BENCH_CHILD "${BENCH_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$BENCH_WD" ]; then
		kill -TERM "$BENCH_WD" 2>/dev/null
		wait "$BENCH_WD" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ -n "$ROOT" ] && [ -d "$ROOT/run" ]; then
		for f in "$ROOT"/run/*.log "$ROOT"/run/*.err; do
			[ -s "$f" ] || continue
			echo "---- ${f#"$ROOT"/} (last 10 lines)" >&2
			tail -n 10 "$f" >&2
		done
	fi
	if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
		if [ -n "${KEEP_ROOT:-}" ]; then
			echo "kept $ROOT" >&2
		else
			rm -rf "$ROOT"
		fi
	fi
	exit "$rc"
}

# bench_run CMD...: run CMD in the background and wait for it, so that
# the watchdog's TERM interrupts the wait (the trap then stops CMD).
# Returns CMD's exit status.
bench_run()
{
	local rc
	"$@" &
	BENCH_CHILD=$!
	wait "$BENCH_CHILD"
	rc=$?
	BENCH_CHILD=
	return "$rc"
}

# wait_file FILE PID [ERE]: wait until FILE exists (and holds a line
# matching ERE) while PID lives.  Returns 1 on timeout or death.
wait_file()
{
	local f=$1 pid=$2 re=${3:-}
	for _ in $(seq $((WAIT_SECS * 20))); do
		if [ -s "$f" ]; then
			[ -z "$re" ] && return 0
			grep -Eq -- "$re" "$f" && return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# start_issuer: the sample issuer on 127.0.0.1, an ephemeral port, quiet.
# Sets ISSUER_PORT and TOKEN_URL (holds the demo password: never print).
start_issuer()
{
	local pf=$ROOT/run/issuer.port pid
	"$PYTHON3" "$ISSUER_PY" --host 127.0.0.1 --port 0 --port-file "$pf" \
	    --quiet </dev/null >"$ROOT/run/issuer.log" 2>&1 &
	pid=$!
	BENCH_PIDS+=("$pid")
	wait_file "$pf" "$pid" '^[0-9]+$' ||
	    die "sample issuer did not start"
	ISSUER_PORT=$(cat "$pf")
	TOKEN_URL="http://127.0.0.1:$ISSUER_PORT/default/token"
	TOKEN_URL="$TOKEN_URL?sub=client&password=secret"
}

# get_token: one fresh token on stdout.
get_token()
{
	curl -sf --max-time "$WAIT_SECS" "$TOKEN_URL"
}

# start_pvacms [ARGS]: pvacms as user "pvacms" (own XDG dirs) with the
# seed's JWT settings against the issuer, on ephemeral ports.  Waits for
# the listen-info file and GET /healthz on both listeners.  Sets
# HTTPS_PORT, HTTP_PORT, CMS_URL, STATUS_URL, CA_FILE.
start_pvacms()
{
	local home=$ROOT/home/pvacms li=$ROOT/run/pvacms.listen pid v
	mkdir -p "$home/.config" "$home/.local/share"
	rm -f "$li"	# a second start must not read the first one's ports
	(
		cd "$home" || exit 1
		export HOME=$home XDG_CONFIG_HOME=$home/.config \
		    XDG_DATA_HOME=$home/.local/share
		export EPICS_AUTH_JWT_REQUEST_FORMAT='#token#'
		export EPICS_AUTH_JWT_REQUEST_METHOD='GET'
		v='{ *, "valid": "#response#" }'
		export EPICS_AUTH_JWT_RESPONSE_FORMAT=$v
		v=http://localhost:$ISSUER_PORT/default/verify
		export EPICS_AUTH_JWT_TRUSTED_URI=$v
		exec "$top_builddir/pvacms" --https-listen 127.0.0.1:0 \
		    --pvas-server-port 0 --pvas-broadcast-port 0 \
		    --http-listen 127.0.0.1:0 --listen-info "$li" "$@"
	) </dev/null >"$ROOT/run/pvacms.log" 2>"$ROOT/run/pvacms.err" &
	pid=$!
	PVACMS_PID=$pid
	BENCH_PIDS+=("$pid")
	if ! wait_file "$li" "$pid" '^http=' || ! grep -q '^https=' "$li"; then
		die "pvacms did not start"
	fi
	HTTPS_PORT=$(sed -n 's/^https=.*:\([0-9]*\)$/\1/p' "$li")
	HTTP_PORT=$(sed -n 's/^http=.*:\([0-9]*\)$/\1/p' "$li")
	CMS_URL=https://127.0.0.1:$HTTPS_PORT
	STATUS_URL=http://127.0.0.1:$HTTP_PORT
	CA_FILE=$home/.config/pva/1.4/cert_auth.pem
	for _ in $(seq $((WAIT_SECS * 10))); do
		if [ -s "$CA_FILE" ] &&
		    curl -sf --max-time 2 "$STATUS_URL/healthz" >/dev/null &&
		    curl -sf --max-time 2 --cacert "$CA_FILE" \
		    "$CMS_URL/healthz" >/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	die "pvacms does not answer /healthz"
}

# as_user NAME: from now on this shell is user NAME (own HOME and XDG
# dirs, cwd in that home), pointed at this pvacms and its CA.
as_user()
{
	local home=$ROOT/home/$1
	mkdir -p "$home/.config" "$home/.local/share"
	cd "$home" || die "cannot enter $home"
	export HOME=$home XDG_CONFIG_HOME=$home/.config \
	    XDG_DATA_HOME=$home/.local/share
	export EPICS_PVACMS_URL=$CMS_URL EPICS_PVACMS_CA_FILE=$CA_FILE
}

. "$BENCH_DIR/stats.sh"

# stats MS...: "median X ms (min X, p90 X, max X)" of the values
# (p90: nearest rank).
stats()
{
	local med min p90 max
	read -r med min p90 max <<<"$(stats_values "$@")"
	printf 'median %s ms (min %s, p90 %s, max %s)\n' "$med" "$min" \
	    "$p90" "$max"
}
