# tests/integration/pvxs_lib.sh - real PVXS agents for the integration
# tests.  Sourced after lib.sh, used after setup_root.
#
# The agents come from the PVXS runtime bundle (PVXS 1.5 with Secure
# PVAccess: softIocPVX, pvxinfo, pvxget, pvxmonitor, ...) described in
# ../shared/pvxs/README.md.  pvxs_setup finds it, checks its sha256,
# unpacks it (layout kept) into the test root, checks every file against
# its MANIFEST.sha256 and checks that its programs run; when any of that
# fails the whole test reports SKIP with the reason, never PASS.
#
# Everything stays on 127.0.0.1: one private UDP search port shared by the
# IOC and its clients, TCP and TLS ports picked by softIocPVX (port 0;
# clients learn them from the search reply), Channel Access on private
# ports.  The EPICS settings are given only to the PVXS processes (never
# exported), so pvacms and authnjwt see none of them.  Every PVXS process
# gets its own XDG_CONFIG_HOME/XDG_DATA_HOME under the root: PVXS takes the
# home directory from the password database, not $HOME, and would
# otherwise load ~/.config/pva/1.5/client.p12 or server.p12.
#
# Environment: PVXS_RUNTIME (the bundle; default
# $top_srcdir/../shared/pvxs/pvxs-runtime.tar.xz), PVXS_RUNTIME_SHA256
# (expected checksum of the bundle; default the README's; empty: trust the
# MANIFEST alone), PVXS_LOG_SPEC (PVXS_LOG given to softIocPVX).

# shellcheck shell=bash

PVXS_RUNTIME_SHA256_DEFAULT=e9c0de0f60b4c54b15b2a2ea680baa809cf06b9f30f7dc541f7a29fc153b39b6
PVXS_PROGRAMS="softIocPVX pvxinfo pvxget pvxmonitor pvxput pvxcall pvxcert authnstd"
# What softIocPVX logs: the peer's credentials (pvxs.tcp.init), status
# checks (pvxs.certs.*), stapling, and why TLS is (not) set up.
PVXS_LOG_SPEC=${PVXS_LOG_SPEC:-pvxs.tcp.init=DEBUG,pvxs.certs.*=DEBUG,pvxs.stapling=DEBUG,pvxs.ossl.init=DEBUG}
PVXS_TOP=
PVXS_BIN=
PVXS_UDP=
declare -a PVXS_ENV=()

# pvxs_bundle_path: where the bundle is looked for.
pvxs_bundle_path()
{
	echo "${PVXS_RUNTIME:-$top_srcdir/../shared/pvxs/pvxs-runtime.tar.xz}"
}

# pvxs_free_udp_port: a UDP port on 127.0.0.1 nobody has bound right now.
pvxs_free_udp_port()
{
	"$PYTHON3" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# pvxs_setup: find, verify and unpack the bundle into $ROOT/pvxs, check
# that its programs run, and choose the ports.  Call it right after
# setup_root, before any test line: it may skip_all.  Sets PVXS_TOP (the
# unpacked pvxs-runtime/), PVXS_BIN, PVXS_VERSION, PVXS_SETUP_MS (how
# long finding, checking and unpacking took), PVXS_UDP, PVXS_CA_PORT,
# PVXS_CA_REPEATER_PORT, PVXS_ENV (the loopback settings, NAME=VALUE).
pvxs_setup()
{
	local bundle want got p missing out t0
	t0=$(now_ms)
	bundle=$(pvxs_bundle_path)
	[ -n "$ROOT" ] || bail_out "pvxs_setup before setup_root"
	for p in tar xz sha256sum ldd timeout; do
		command -v "$p" >/dev/null ||
		    skip_all "PVXS runtime: '$p' is not installed"
	done
	[ -f "$bundle" ] ||
	    skip_all "PVXS runtime bundle not found at $bundle (set PVXS_RUNTIME to pvxs-runtime.tar.xz)"
	[ -r "$bundle" ] || skip_all "PVXS runtime bundle $bundle is not readable"
	want=${PVXS_RUNTIME_SHA256-$PVXS_RUNTIME_SHA256_DEFAULT}
	if [ -n "$want" ]; then
		got=$(sha256sum <"$bundle" | cut -d' ' -f1)
		[ "$got" = "$want" ] ||
		    skip_all "PVXS runtime bundle $bundle has sha256 $got, expected $want (set PVXS_RUNTIME_SHA256 for another build)"
	fi
	mkdir -p "$ROOT/pvxs" || bail_out "mkdir $ROOT/pvxs"
	out=$(timeout -k 2 60 tar -xJf "$bundle" -C "$ROOT/pvxs" 2>&1) ||
	    skip_all "PVXS runtime bundle $bundle cannot be unpacked: $(printf '%s' "$out" | head -n 1)"
	PVXS_TOP=$ROOT/pvxs/pvxs-runtime
	PVXS_BIN=$PVXS_TOP/bin/linux-x86_64
	[ -f "$PVXS_TOP/MANIFEST.sha256" ] ||
	    skip_all "PVXS runtime bundle $bundle has no pvxs-runtime/MANIFEST.sha256"
	out=$(cd "$PVXS_TOP" && sha256sum -c --quiet MANIFEST.sha256 2>&1) ||
	    skip_all "PVXS runtime: MANIFEST.sha256 check failed: $(printf '%s' "$out" | head -n 1)"
	for p in $PVXS_PROGRAMS; do
		[ -x "$PVXS_BIN/$p" ] ||
		    skip_all "PVXS runtime: $PVXS_BIN/$p missing or not executable"
		missing=$(ldd "$PVXS_BIN/$p" 2>&1 | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')
		[ -z "$missing" ] ||
		    skip_all "PVXS runtime: $p cannot run, missing shared libraries: ${missing% } (the system ones: tests/install-deps.sh)"
		# -V prints the versions and exits; it loads every library.
		out=$(timeout -k 2 "$WAIT_SECS" "$PVXS_BIN/$p" -V 2>&1) ||
		    skip_all "PVXS runtime: '$p -V' fails: $(printf '%s' "$out" | tail -n 1)"
	done
	PVXS_VERSION=$("$PVXS_BIN/pvxinfo" -V 2>/dev/null | head -n 1)
	PVXS_SETUP_MS=$(($(now_ms) - t0))
	PVXS_UDP=$(pvxs_free_udp_port)
	PVXS_CA_PORT=$(free_port)
	PVXS_CA_REPEATER_PORT=$(pvxs_free_udp_port)
	PVXS_ENV=(
		EPICS_PVAS_INTF_ADDR_LIST=127.0.0.1
		EPICS_PVA_ADDR_LIST=127.0.0.1
		EPICS_PVA_AUTO_ADDR_LIST=NO
		EPICS_PVAS_BEACON_ADDR_LIST=127.0.0.1
		EPICS_PVAS_AUTO_BEACON_ADDR_LIST=NO
		EPICS_PVA_BROADCAST_PORT="$PVXS_UDP"
		EPICS_PVAS_BROADCAST_PORT="$PVXS_UDP"
		EPICS_PVAS_SERVER_PORT=0
		EPICS_PVAS_TLS_PORT=0
		EPICS_CAS_INTF_ADDR_LIST=127.0.0.1
		EPICS_CA_ADDR_LIST=127.0.0.1
		EPICS_CA_AUTO_ADDR_LIST=NO
		EPICS_CA_SERVER_PORT="$PVXS_CA_PORT"
		EPICS_CA_REPEATER_PORT="$PVXS_CA_REPEATER_PORT"
	)
	export PVXS_TOP PVXS_BIN PVXS_UDP PVXS_CA_PORT PVXS_CA_REPEATER_PORT \
	    PVXS_VERSION PVXS_SETUP_MS
}

# pvxs_use_front UDP_PORT: also send the agents' searches to a PVAccess
# server on 127.0.0.1:UDP_PORT (pvacms's front on a UDP port of its own):
# clients and their status lookups through EPICS_PVA_ADDR_LIST, the IOC's
# status lookups through EPICS_PVAS_BEACON_ADDR_LIST, which is the only
# list an IOC's lookups use (../shared/reference/pvaccess.md 2.4).  Call
# it after pvxs_setup, before starting the IOC and the clients.
pvxs_use_front()
{
	local i
	for i in "${!PVXS_ENV[@]}"; do
		case ${PVXS_ENV[$i]} in
		EPICS_PVA_ADDR_LIST=* | EPICS_PVAS_BEACON_ADDR_LIST=*)
			PVXS_ENV[i]="${PVXS_ENV[i]} 127.0.0.1:$1"
			;;
		esac
	done
}

# pvxs_keychain USER USAGE AUTHNJWT_ARGS...: USER gets a keychain from
# pvacms with a fresh token (one TAP line: authnjwt exits 0); sets KC (its
# path), ID (the cert id), SERIAL and PV (the status PV name, serial
# padded to 20 digits), and $ROOT/run/USER.crt and .key.
pvxs_keychain()
{
	local name=$1 usage=$2
	shift 2
	make_home "$name"
	get_token "$name" >"$ROOT/home/$name/token_file"
	run as_user "$name" authnjwt "$@" --token-file token_file
	is "$RC" 0 "$name: authnjwt $* exits 0"
	KC=$(keychain_path "$name" "$usage")
	ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
	SERIAL=${ID#*:}
	PV=$(printf 'CERT:STATUS:%s:%020d' "${ID%%:*}" "$((10#$SERIAL))")
	p12_extract "$KC" "$ROOT/run/$name" ||
	    not_ok "$name: openssl reads the keychain"
}

# pvxs_home NAME: a private XDG base for PVXS process NAME (created
# empty, so PVXS finds no default keychain there).
pvxs_home()
{
	mkdir -p "$ROOT/pvxs-home/$1/config" "$ROOT/pvxs-home/$1/data"
	echo "$ROOT/pvxs-home/$1"
}

# pvxs_db FILE PREFIX: a small database: PREFIX:ai (ai, 42.5),
# PREFIX:calc (calc, A*B = 6*7 once at start) and PREFIX:str (stringin).
pvxs_db()
{
	cat >"$1" <<EOF
record(ai, "$2:ai") {
    field(VAL, "42.5")
    field(PREC, "2")
}
record(calc, "$2:calc") {
    field(INPA, "6")
    field(INPB, "7")
    field(CALC, "A*B")
    field(PINI, "YES")
}
record(stringin, "$2:str") {
    field(VAL, "hello from pvacms tests")
}
EOF
}

# pvxs_start_ioc NAME DB [NAME=VALUE...]: softIocPVX -S -d DB with the
# loopback settings, PVXS_LOG=$PVXS_LOG_SPEC and the extra settings
# (e.g. EPICS_PVAS_TLS_KEYCHAIN=...), logging to $ROOT/run/NAME.log.
# Waits (bounded) for "iocRun: All initialization complete".  Sets
# IOC_PID, IOC_LOG, IOC_MS (start-up time), IOC_TCP_PORTS (what it
# listens on, from ss when available).
pvxs_start_ioc()
{
	local name=$1 db=$2 home t0
	shift 2
	home=$(pvxs_home "$name")
	IOC_LOG=$ROOT/run/$name.log
	t0=$(now_ms)
	(
		cd "$home" || exit 1
		exec env "${PVXS_ENV[@]}" XDG_CONFIG_HOME="$home/config" \
		    XDG_DATA_HOME="$home/data" PVXS_LOG="$PVXS_LOG_SPEC" "$@" \
		    "$PVXS_BIN/softIocPVX" -S -d "$db"
	) </dev/null >"$IOC_LOG" 2>&1 &
	IOC_PID=$!
	track "$IOC_PID"
	wait_file "$IOC_LOG" "$IOC_PID" 'iocRun: All initialization complete' ||
	    bail_out "softIocPVX $name did not start: $(tail -n 5 "$IOC_LOG")"
	IOC_MS=$(($(now_ms) - t0))
	IOC_TCP_PORTS=
	if command -v ss >/dev/null; then
		IOC_TCP_PORTS=$(ss -Hltnp 2>/dev/null |
		    grep "pid=$IOC_PID," | awk '{print $4}' | sort | tr '\n' ' ')
	fi
	export IOC_PID IOC_LOG IOC_MS IOC_TCP_PORTS
}

# pvxs_stop_ioc: stop the IOC of the last pvxs_start_ioc (STOP_RC).
pvxs_stop_ioc()
{
	stop_pid "$IOC_PID" TERM
}

# pvxs_as NAME KEYCHAIN CMD...: run CMD (under run) as PVXS client NAME
# with KEYCHAIN as EPICS_PVA_TLS_KEYCHAIN (empty: none), the loopback
# settings, and any NAME=VALUE in PVXS_CLIENT_ENV (an array).
declare -a PVXS_CLIENT_ENV=()
pvxs_as()
{
	local name=$1 kc=$2 home
	shift 2
	home=$(pvxs_home "$name")
	local -a kcenv=()
	[ -z "$kc" ] || kcenv=(EPICS_PVA_TLS_KEYCHAIN="$kc")
	run env -C "$home" "${PVXS_ENV[@]}" XDG_CONFIG_HOME="$home/config" \
	    XDG_DATA_HOME="$home/data" "${kcenv[@]}" "${PVXS_CLIENT_ENV[@]}" \
	    "$@"
}

# pvxs_client NAME KEYCHAIN PROGRAM ARGS...: a PVXS client program as
# pvxs_as runs it, bounded by RUN_TIMEOUT.  Sets RC, OUT, ERR, MS.
# PVXS's own teardown can race after an error: PVXS's pvxcert -A, having
# printed pvacms's refusal, sometimes logs "evbase self-joining" (exit 1)
# or dies of SIGSEGV or SIGABRT, where it usually exits 4.  That is PVXS
# tearing its context down on its own loop thread, not an answer of
# pvacms: such a run is noted and run again, up to PVXS_CLIENT_TRIES
# times in all (default 5); the last run's result stands.
pvxs_client()
{
	local name=$1 kc=$2 prog=$3 try=1
	shift 3
	while :; do
		pvxs_as "$name" "$kc" timeout -k 2 "$RUN_TIMEOUT" \
		    "$PVXS_BIN/$prog" "$@"
		case $RC:$ERR in
		134:* | 139:* | *"evbase self-joining"*) ;;
		*) return 0 ;;
		esac
		[ "$try" -lt "${PVXS_CLIENT_TRIES:-5}" ] || return 0
		diag "$prog hit PVXS's teardown race (exit $RC after $MS ms;" \
		    "stderr: $ERR); running it again"
		try=$((try + 1))
	done
}

# pvxs_monitor NAME KEYCHAIN SECS ARGS...: pvxmonitor ARGS for SECS
# seconds (then SIGINT, as a user would stop it), otherwise as
# pvxs_client.  RC is 124 when it was stopped by the time limit.
pvxs_monitor()
{
	local name=$1 kc=$2 secs=$3
	shift 3
	pvxs_as "$name" "$kc" timeout -s INT -k 2 "$secs" \
	    "$PVXS_BIN/pvxmonitor" "$@"
}

# pvxs_identity TEXT: the "# ..." server identity line pvxinfo -v prints
# (e.g. "# TLS x509:<issuer>:<serial>:<CA CN>/<server CN>@127.0.0.1:PORT").
pvxs_identity()
{
	printf '%s\n' "$1" | grep -E '^# (TLS )?[a-z0-9]+[:/]' | grep '@' |
	    head -n 1
}

# pvxs_ioc_mark: remember how far the IOC log goes; pvxs_ioc_new prints
# what it logged since.
pvxs_ioc_mark()
{
	IOC_MARK=$(wc -l <"$IOC_LOG")
}

pvxs_ioc_new()
{
	tail -n +"$((${IOC_MARK:-0} + 1))" "$IOC_LOG"
}

# pvxs_ioc_wait_new ERE: wait (bounded by WAIT_SECS) until the IOC has
# logged a line matching ERE since pvxs_ioc_mark (its errlog thread
# writes asynchronously).  Prints the first such line.
pvxs_ioc_wait_new()
{
	local i
	for i in $(seq $((WAIT_SECS * 20))); do
		if pvxs_ioc_new | grep -Eq -- "$1"; then
			pvxs_ioc_new | grep -E -- "$1" | head -n 1
			return 0
		fi
		kill -0 "$IOC_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}
