# tests/integration/lib.sh - helpers sourced by the integration tests.
#
# Each test runs real processes on loopback: the sample token issuer
# (contrib/jwt-issuer/jwt_issuer.py), the pvacms daemon and the command
# line tools, all from the build tree.  Nothing here picks a port number:
# the issuer and pvacms listen on port 0 and report what they got through
# a port file (--port-file) and a listen-info file (--listen-info).
# Every wait is bounded.  Each test gets a private `mktemp -d` root with
# its own HOME/XDG directories per user, and a trap that stops every
# process started here and removes the root (set KEEP_ROOT=1 to keep it).
#
# Output is TAP: plan/done_testing, ok/not_ok/is/like/check, diag.
#
# Environment: top_builddir (the build tree; default: two levels above
# this file), top_srcdir (default: the same), PYTHON3 (default
# /usr/bin/python3, which has Flask, PyJWT and cryptography on Debian),
# PVACMS_PLUGIN_DIR (optional: where pvacms finds its plugins), KEEP_ROOT,
# WAIT_SECS (bound of every wait, default 10).

# shellcheck shell=bash

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$LIB_DIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
case $PYTHON3 in
"") PYTHON3=/usr/bin/python3 ;;
esac
# The issuer needs Flask: prefer Debian's python when the configured one
# lacks it.
if ! "$PYTHON3" -c 'import flask, jwt, cryptography' 2>/dev/null &&
    [ -x /usr/bin/python3 ]; then
	PYTHON3=/usr/bin/python3
fi
OPENSSL=${OPENSSL:-openssl}
ISSUER_PY=$top_srcdir/contrib/jwt-issuer/jwt_issuer.py
WAIT_SECS=${WAIT_SECS:-10}
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
export LC_ALL=C TZ=UTC

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=
ROOT=
declare -a LIB_PIDS=()

# ---------------------------------------------------------------- TAP

plan()
{
	TAP_PLANNED=$1
	echo "1..$1"
}

done_testing()
{
	[ -n "$TAP_PLANNED" ] || echo "1..$TAP_N"
	TAP_PLANNED=${TAP_PLANNED:-$TAP_N}
}

diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

# TODO=reason before a test marks it as a known gap (TAP "# TODO").
ok()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1${TODO:+ # TODO $TODO}"
}

not_ok()
{
	TAP_N=$((TAP_N + 1))
	[ -n "${TODO:-}" ] || TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1${TODO:+ # TODO $TODO}"
	shift
	[ $# -eq 0 ] || diag "$@"
}

# check NAME CMD... : ok when CMD succeeds (its output is discarded).
check()
{
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		ok "$name"
	else
		not_ok "$name" "failed: $*"
	fi
}

# is GOT WANT NAME
is()
{
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}

# like GOT ERE NAME
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want match: /$2/"
	fi
}

# unlike GOT ERE NAME
unlike()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		not_ok "$3" "got:  '$1'" "want no match: /$2/"
	else
		ok "$3"
	fi
}

bail_out()
{
	echo "Bail out! $*"
	exit 1
}

skip_all()
{
	echo "1..0 # SKIP $*"
	TAP_PLANNED=0
	exit 0
}

# ---------------------------------------------------------------- setup

# setup_root: make the test root, a per-user HOME/XDG layout under it, a
# bin/ with the tools under test, and the cleanup trap.
setup_root()
{
	local v b
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pvacms-it.XXXXXX") ||
	    bail_out "mktemp -d failed"
	ROOT=$(cd "$ROOT" && pwd -P)
	trap lib_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# Nothing of the caller's EPICS configuration leaks in.
	for v in $(env | sed -n 's/^\(EPICS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	unset XDG_CONFIG_HOME XDG_DATA_HOME
	# PVACMS_PLUGIN_DIR overrides where pvacms looks for plugins (by
	# default: the build tree, found by pvacms itself).
	[ -z "${PVACMS_PLUGIN_DIR:-}" ] ||
	    export EPICS_PVACMS_PLUGIN_DIR=$PVACMS_PLUGIN_DIR
	make_home default
	export HOME=$ROOT/home/default
	export XDG_CONFIG_HOME=$HOME/.config XDG_DATA_HOME=$HOME/.local/share
	mkdir -p "$ROOT/bin" "$ROOT/run"
	for b in pvacms authnjwt pvxcert; do
		[ -x "$top_builddir/$b" ] ||
		    bail_out "$top_builddir/$b not built (make $b)"
		ln -s "$top_builddir/$b" "$ROOT/bin/$b"
	done
	PATH=$ROOT/bin:$PATH
	[ -r "$ISSUER_PY" ] || bail_out "$ISSUER_PY missing"
	command -v curl >/dev/null || bail_out "curl not installed"
	command -v "$OPENSSL" >/dev/null || bail_out "openssl not installed"
}

# make_home NAME: $ROOT/home/NAME with its XDG directories.
make_home()
{
	mkdir -p "$ROOT/home/$1/.config" "$ROOT/home/$1/.local/share"
}

# user_config NAME: the XDG_CONFIG_HOME of user NAME.
user_config()
{
	echo "$ROOT/home/$1/.config"
}

# lib_cleanup: stop what we started (TERM, then KILL after 5 s), dump the
# logs when a test failed, remove the root.
lib_cleanup()
{
	local rc=$? pid i f
	for pid in "${LIB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LIB_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	LIB_PIDS=()
	if [ -n "$TAP_PLANNED" ] && [ "$TAP_N" -ne "$TAP_PLANNED" ]; then
		diag "planned $TAP_PLANNED tests, ran $TAP_N"
		rc=1
	fi
	if [ "$TAP_FAILED" -ne 0 ] || [ "$rc" -ne 0 ]; then
		[ -n "$TAP_PLANNED" ] || echo "1..$TAP_N"
		if [ -n "$ROOT" ] && [ -d "$ROOT/run" ]; then
			for f in "$ROOT"/run/*.log "$ROOT"/run/*.out \
			    "$ROOT"/run/*.err; do
				[ -s "$f" ] || continue
				diag "---- ${f#"$ROOT"/} (last 30 lines)"
				tail -n 30 "$f" | sed 's/^/# /'
			done
		fi
		[ "$rc" -ne 0 ] || rc=1
	fi
	if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
		if [ -n "$KEEP_ROOT" ]; then
			diag "kept $ROOT"
		else
			rm -rf "$ROOT"
		fi
	fi
	exit "$rc"
}

# track PID: stop it on exit.
track()
{
	LIB_PIDS+=("$1")
}

# stop_pid PID [SIG]: signal PID, wait up to WAIT_SECS for it to exit and
# set STOP_RC to its exit status (124 when it did not stop).
stop_pid()
{
	local pid=$1 sig=${2:-TERM} i
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq $((WAIT_SECS * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		STOP_RC=124
	else
		wait "$pid" 2>/dev/null
		STOP_RC=$?
	fi
	untrack "$pid"
}

untrack()
{
	local p keep=()
	for p in "${LIB_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	LIB_PIDS=("${keep[@]}")
}

# now_ms: milliseconds since the epoch.
now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# free_port: a port nobody listens on right now (bound, then released).
free_port()
{
	"$PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_file FILE PID [ERE]: wait until FILE exists (and holds a line
# matching ERE) while PID lives.  Returns 1 on timeout or death.
wait_file()
{
	local f=$1 pid=$2 re=${3:-} i
	for i in $(seq $((WAIT_SECS * 20))); do
		if [ -s "$f" ]; then
			[ -z "$re" ] && return 0
			grep -Eq -- "$re" "$f" && return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# ---------------------------------------------------------------- issuer

ISSUER_SEQ=0

# start_issuer [ARGS]: start the sample issuer on an ephemeral port.
# Exports ISSUER_PORT, ISSUER_URL (its iss), ISSUER_PID, ISSUER_LOG.
start_issuer()
{
	local pf
	ISSUER_SEQ=$((ISSUER_SEQ + 1))
	pf=$ROOT/run/issuer$ISSUER_SEQ.port
	ISSUER_LOG=$ROOT/run/issuer$ISSUER_SEQ.log
	"$PYTHON3" "$ISSUER_PY" --host 127.0.0.1 --port 0 --port-file "$pf" \
	    "$@" </dev/null >"$ISSUER_LOG" 2>&1 &
	ISSUER_PID=$!
	track "$ISSUER_PID"
	wait_file "$pf" "$ISSUER_PID" '^[0-9]+$' ||
	    bail_out "sample issuer did not start: $(tail -n 3 "$ISSUER_LOG")"
	ISSUER_PORT=$(cat "$pf")
	ISSUER_URL=$(sed -n 's/.*listening on .*, issuer //p' "$ISSUER_LOG")
	: "${ISSUER_URL:=http://localhost:$ISSUER_PORT/default}"
	export ISSUER_PORT ISSUER_URL ISSUER_PID ISSUER_LOG
}

# get_token SUB [EXTRA_QUERY]: a token from the current issuer on stdout,
# e.g. get_token client '&exp_secs=-120'.
get_token()
{
	curl -sf --max-time "$WAIT_SECS" \
	    "http://localhost:$ISSUER_PORT/default/token?sub=$1&password=secret${2:-}"
}

# jwt_claim TOKEN NAME: a claim of the token's payload (no verification).
jwt_claim()
{
	"$PYTHON3" - "$1" "$2" <<'EOF'
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(c[sys.argv[2]])
EOF
}

# fmt_epoch SECS: the date format pvxcert prints.
fmt_epoch()
{
	date -u -d "@$1" '+%a %b %d %H:%M:%S %Y UTC'
}

# ---------------------------------------------------------------- pvacms

PVACMS_SEQ=0

# start_pvacms [ARGS]: start pvacms as user "pvacms" (its own XDG dirs)
# with the seed's JWT settings against the current issuer, on ephemeral
# ports.  Waits for the listen-info file and for GET /healthz on both
# listeners.  Exports PVACMS_PID, PVACMS_OUT, PVACMS_ERR, HTTPS_PORT,
# HTTP_PORT, CMS_URL, STATUS_URL, CA_FILE, AUDIT_LOG.
start_pvacms()
{
	local li home i
	PVACMS_SEQ=$((PVACMS_SEQ + 1))
	make_home pvacms
	home=$ROOT/home/pvacms
	li=$ROOT/run/pvacms.listen
	rm -f "$li"
	PVACMS_OUT=$ROOT/run/pvacms$PVACMS_SEQ.out
	PVACMS_ERR=$ROOT/run/pvacms$PVACMS_SEQ.err
	CA_FILE=$home/.config/pva/1.4/cert_auth.pem
	AUDIT_LOG=$home/.local/share/pva/1.4/audit.log
	(
		cd "$home" || exit 1
		export HOME=$home XDG_CONFIG_HOME=$home/.config \
		    XDG_DATA_HOME=$home/.local/share
		# PVACMS_BARE=1: no validator of the sample issuer, so that
		# the flags alone say how tokens are checked.
		if [ -z "${PVACMS_BARE:-}" ]; then
			export EPICS_AUTH_JWT_REQUEST_FORMAT='#token#'
			export EPICS_AUTH_JWT_REQUEST_METHOD='GET'
			export EPICS_AUTH_JWT_RESPONSE_FORMAT='{ *, "valid": "#response#" }'
			export EPICS_AUTH_JWT_TRUSTED_URI="http://localhost:${ISSUER_PORT:-1}/default/verify"
		fi
		exec pvacms --https-listen 127.0.0.1:0 \
		    --http-listen 127.0.0.1:0 --pvas-server-port 0 \
		    --pvas-broadcast-port 0 --listen-info "$li" \
		    "$@"
	) </dev/null >"$PVACMS_OUT" 2>"$PVACMS_ERR" &
	PVACMS_PID=$!
	track "$PVACMS_PID"
	if ! wait_file "$li" "$PVACMS_PID" '^http=' ||
	    ! grep -q '^https=' "$li"; then
		bail_out "pvacms did not start: $(tail -n 3 "$PVACMS_ERR")"
	fi
	HTTPS_PORT=$(sed -n 's/^https=.*:\([0-9]*\)$/\1/p' "$li")
	HTTP_PORT=$(sed -n 's/^http=.*:\([0-9]*\)$/\1/p' "$li")
	CMS_URL=https://localhost:$HTTPS_PORT
	STATUS_URL=http://127.0.0.1:$HTTP_PORT
	export PVACMS_PID PVACMS_OUT PVACMS_ERR HTTPS_PORT HTTP_PORT CMS_URL \
	    STATUS_URL CA_FILE AUDIT_LOG
	for i in $(seq $((WAIT_SECS * 10))); do
		if healthz && healthz_https; then
			return 0
		fi
		kill -0 "$PVACMS_PID" 2>/dev/null || break
		sleep 0.1
	done
	bail_out "pvacms does not answer /healthz: $(tail -n 3 "$PVACMS_ERR")"
}

# stop_pvacms [SIG]: stop pvacms; STOP_RC is its exit status.
stop_pvacms()
{
	stop_pid "$PVACMS_PID" "${1:-TERM}"
}

# healthz: GET /healthz on the HTTP listener answers {"status":"ok"}.
healthz()
{
	curl -sf --max-time 2 "$STATUS_URL/healthz" 2>/dev/null |
	    grep -q '"status" *: *"ok"'
}

# healthz_https: the same over HTTPS, trusting only the CA file.
healthz_https()
{
	[ -s "$CA_FILE" ] &&
	curl -sf --max-time 2 --cacert "$CA_FILE" "$CMS_URL/healthz" \
	    2>/dev/null | grep -q '"status" *: *"ok"'
}

# ---------------------------------------------------------------- users

# as_user NAME CMD...: run CMD as user NAME (own HOME and XDG dirs, cwd in
# that home, pointed at this pvacms and its CA), bounded by RUN_TIMEOUT.
as_user()
{
	local name=$1 home
	shift
	make_home "$name"
	home=$ROOT/home/$name
	(
		cd "$home" || exit 1
		export HOME=$home XDG_CONFIG_HOME=$home/.config \
		    XDG_DATA_HOME=$home/.local/share
		[ -z "${CMS_URL:-}" ] || export EPICS_PVACMS_URL=$CMS_URL
		[ -z "${CA_FILE:-}" ] || export EPICS_PVACMS_CA_FILE=$CA_FILE
		exec timeout -k 2 "$RUN_TIMEOUT" "$@"
	)
}

# run CMD...: run CMD; set RC, OUT and ERR (stdout/stderr, newline
# stripped), and MS (how long it took).
run()
{
	local t0
	t0=$(now_ms)
	"$@" >"$ROOT/run/last.stdout" 2>"$ROOT/run/last.stderr"
	RC=$?
	MS=$(($(now_ms) - t0))
	OUT=$(cat "$ROOT/run/last.stdout")
	ERR=$(cat "$ROOT/run/last.stderr")
}

# nlines TEXT: number of lines in TEXT (0 for empty).
nlines()
{
	if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi
}

# keychain_path USER USAGE: where authnjwt puts USER's keychain.
keychain_path()
{
	case $2 in
	server | ioc) echo "$(user_config "$1")/pva/1.4/server.p12" ;;
	*) echo "$(user_config "$1")/pva/1.4/client.p12" ;;
	esac
}

# file_mode FILE: octal permission bits.
file_mode()
{
	stat -c '%a' "$1"
}

# ---------------------------------------------------------------- openssl

# p12_extract P12 PREFIX: PREFIX.crt (leaf), PREFIX.key, PREFIX.chain.
p12_extract()
{
	"$OPENSSL" pkcs12 -in "$1" -passin pass: -nodes -clcerts -nokeys \
	    -out "$2.crt" 2>/dev/null &&
	"$OPENSSL" pkcs12 -in "$1" -passin pass: -nodes -nocerts \
	    -out "$2.key" 2>/dev/null &&
	"$OPENSSL" pkcs12 -in "$1" -passin pass: -nodes -cacerts -nokeys \
	    -out "$2.chain" 2>/dev/null
}

# pubkey_of_p12 P12: the public key (PEM) of the keychain's private key.
pubkey_of_p12()
{
	"$OPENSSL" pkcs12 -in "$1" -passin pass: -nodes -nocerts 2>/dev/null |
	    "$OPENSSL" pkey -pubout 2>/dev/null
}

# tls_handshake SERVER_P12 CLIENT_P12 CA_PEM: a mutual TLS handshake with
# openssl s_server/s_client, each verifying the other against CA_PEM.
# The server runs in -rev mode (it echoes lines reversed, "CLOSE" ends the
# connection).  Sets TLS_SERVER_OUT / TLS_CLIENT_OUT / TLS_CLIENT_RC;
# returns 0 when both sides verified and a line made the round trip.
tls_handshake()
{
	local d=$ROOT/run/tls port spid= i line rev
	mkdir -p "$d"
	p12_extract "$1" "$d/srv" && p12_extract "$2" "$d/cli" || return 1
	line="hello-from-client-$$"
	rev=$("$PYTHON3" -c 'import sys; print(sys.argv[1][::-1])' "$line")
	for i in 1 2 3; do
		port=$(free_port)
		"$OPENSSL" s_server -accept "127.0.0.1:$port" -naccept 1 \
		    -cert "$d/srv.crt" -key "$d/srv.key" \
		    -cert_chain "$d/srv.chain" -CAfile "$3" \
		    -Verify 1 -verify_return_error -rev \
		    </dev/null >"$d/s_server.out" 2>&1 &
		spid=$!
		track "$spid"
		wait_file "$d/s_server.out" "$spid" '^ACCEPT' && break
		stop_pid "$spid" KILL
		spid=
	done
	[ -n "$spid" ] || return 1
	printf '%s\nCLOSE\n' "$line" | timeout -k 2 "$WAIT_SECS" \
	    "$OPENSSL" s_client -connect "127.0.0.1:$port" -CAfile "$3" \
	    -cert "$d/cli.crt" -key "$d/cli.key" -cert_chain "$d/cli.chain" \
	    -verify_return_error -servername localhost -ign_eof \
	    >"$d/s_client.out" 2>&1
	TLS_CLIENT_RC=$?
	stop_pid "$spid"
	TLS_SERVER_OUT=$(cat "$d/s_server.out")
	TLS_CLIENT_OUT=$(cat "$d/s_client.out")
	[ "$TLS_CLIENT_RC" -eq 0 ] &&
	    grep -q 'Verify return code: 0 (ok)' "$d/s_client.out" &&
	    grep -q "$rev" "$d/s_client.out" &&
	    grep -q '^Verification: OK' "$d/s_server.out" &&
	    ! grep -qi 'verify error' "$d/s_server.out"
}

# ---------------------------------------------------------------- lua hooks

# craft_token CLAIMS_JSON: a JWT with these claims (header: RS256, kid
# demo-key-1) and a made-up signature, on stdout.  Only for checks that
# never reach a validator (pvacms --dry-run without a live call).
craft_token()
{
	"$PYTHON3" - "$1" <<'EOF_PY'
import base64, json, sys
def b64(d):
    return base64.urlsafe_b64encode(d).rstrip(b"=").decode()
h = {"alg": "RS256", "kid": "demo-key-1", "typ": "JWT"}
c = json.loads(sys.argv[1])
print("%s.%s.%s" % (b64(json.dumps(h).encode()),
                    b64(json.dumps(c).encode()), b64(b"not-a-signature")))
EOF_PY
}

# dry_run ARGS...: pvacms --dry-run ARGS as user "dryrun", whose HOME
# starts empty (so a test can check that nothing was created), bounded by
# RUN_TIMEOUT.  Sets RC, OUT, ERR and MS like run.
dry_run()
{
	run as_user dryrun pvacms --dry-run "$@"
}

# dry_field NAME: the value of the "NAME : value" line of the last dry run.
dry_field()
{
	printf '%s\n' "$OUT" | sed -n "s/^$1 *: //p"
}

# tree_sum DIR...: one line per file under DIR (path and checksum), to
# compare a directory before and after.
tree_sum()
{
	find "$@" -type f -print0 2>/dev/null | sort -z |
	    xargs -0 -r sha256sum
}

# ---------------------------------------------------------------- local mode

CRAFT_PY=$LIB_DIR/craft_token.py

# start_pvacms_local [ARGS]: start_pvacms in local verification mode
# against the current issuer: keys from its JWKS URL, exact iss
# ISSUER_URL, audience "default".  ARGS come last (they win).
start_pvacms_local()
{
	start_pvacms --jwt-mode local \
	    --jwt-jwks-uri "http://localhost:$ISSUER_PORT/default/jwks" \
	    --jwt-issuer "$ISSUER_URL" --jwt-audience default "$@"
}

# craft CASE [ARGS]: a hostile token from tests/integration/craft_token.py
# on stdout, signed (when the case wants it) with the current issuer's
# keys; the issuer must have been started with --key-dir "$ISSUER_KEYS".
craft()
{
	local case=$1
	shift
	"$PYTHON3" "$CRAFT_PY" --key-dir "$ISSUER_KEYS" --iss "$ISSUER_URL" \
	    "$@" "$case"
}

# issuer_stat NAME: a number from the current issuer's GET /default/stats.
issuer_stat()
{
	curl -sf --max-time "$WAIT_SECS" \
	    "http://localhost:$ISSUER_PORT/default/stats" |
	    "$PYTHON3" -c 'import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# post_token TOKEN [USAGE]: POST /v1/certs with TOKEN and a throwaway CSR
# (made once per test root); sets CODE (HTTP status), BODY and ECODE
# (the JSON error code, empty on success).
# cert_body CSR_FILE TOKEN [USAGE]: the JSON body of POST /v1/certs.
cert_body()
{
	"$PYTHON3" - "$1" "$2" "${3:-client}" <<'EOF_PY'
import json, sys
print(json.dumps({"type": "jwt", "usage": sys.argv[3],
                  "csr": open(sys.argv[1]).read(),
                  "data": {"token": sys.argv[2]}}))
EOF_PY
}


# cert_subject: "subject=..." (RFC 2253 order) of the certificate in the
# answer BODY of the last post_token.
cert_subject()
{
	printf '%s' "$BODY" | "$PYTHON3" -c 'import json, sys
print(json.load(sys.stdin)["certificate"])' |
	    "$OPENSSL" x509 -noout -subject -nameopt RFC2253 2>/dev/null
}

# ec_csr NAME: a P-256 key and CSR, $ROOT/run/NAME.key and NAME.csr.
ec_csr()
{
	"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$ROOT/run/$1.key" -subj /CN=x \
	    -out "$ROOT/run/$1.csr" 2>/dev/null
}

post_token()
{
	local csr=$ROOT/run/post.csr
	if [ ! -s "$csr" ]; then
		"$OPENSSL" req -new -newkey rsa:2048 -nodes \
		    -keyout "$ROOT/run/post.key" -subj /CN=x -out "$csr" \
		    2>/dev/null || return 1
	fi
	cert_body "$csr" "$1" "${2:-client}" >"$ROOT/run/post.body"
	CODE=$(curl -s --max-time "$RUN_TIMEOUT" --cacert "$CA_FILE" \
	    -o "$ROOT/run/post.answer" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/post.body" "$CMS_URL/v1/certs")
	BODY=$(cat "$ROOT/run/post.answer")
	ECODE=$(printf '%s' "$BODY" |
	    sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p')
}

# last_denied_code: the code of the last "denied" line of the audit log.
last_denied_code()
{
	grep '"event" *: *"denied"' "$AUDIT_LOG" 2>/dev/null | tail -n 1 |
	    sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p'
}

# jwt_header TOKEN NAME: a member of the token's header (no verification).
jwt_header()
{
	"$PYTHON3" - "$1" "$2" <<'EOF_PY'
import base64, json, sys
p = sys.argv[1].split(".")[0]
h = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(h.get(sys.argv[2], ""))
EOF_PY
}

# no_token_leaked TOKEN...: one test that none of the JWTs given (the
# arguments that look like one) appears in pvacms's output or audit log.
no_token_leaked()
{
	local t leak=no
	for t in "$@"; do
		case $t in *.*.*) ;; *) continue ;; esac
		if grep -qF -- "$t" "$ROOT"/run/pvacms*.out \
		    "$ROOT"/run/pvacms*.err "$AUDIT_LOG" 2>/dev/null; then
			leak=yes
		fi
	done
	is "$leak" no "no token appears in pvacms's output or audit log"
}
