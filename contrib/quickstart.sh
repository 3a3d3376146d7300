#!/bin/bash
# quickstart.sh - the JWT quick start, end to end, on one Debian 12 machine.
#
# Installs the Debian packages the build needs (only those missing), builds
# pvacms out of tree in build-quickstart/ (it never configures the source
# tree, so tests/run-all.sh works before or after it), then plays the quick
# start guide: it starts the sample token issuer
# (contrib/jwt-issuer/jwt_issuer.py) and pvacms on loopback, and for two
# users, "softioc" (a server) and "client", gets a token, checks it with
# the validator, exchanges it for a keychain with authnjwt and shows it with
# pvxcert.  It ends with a mutual TLS handshake between the two keychains
# (openssl s_server / s_client, each verifying the other against the CA).
#
# Everything happens in a fresh temporary directory with one HOME (and XDG
# directories) per user, so your own files are untouched, unless you pass
# --in-place, which uses your real HOME for all three roles.  The issuer
# takes port 8080 when it is free (else any free port); pvacms and the TLS
# check use free ports; every wait is bounded and the processes it starts
# are stopped on exit, so it can run again, and next to other runs.
#
# usage: contrib/quickstart.sh [--no-build] [--builddir DIR] [--keep]
#                              [--in-place] [-h]

set -u

PROG=quickstart
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=$SRCDIR/build-quickstart
DO_BUILD=yes
KEEP=no
IN_PLACE=no
PY=/usr/bin/python3
WAIT_SECS=15
DEBS="build-essential autoconf automake libtool pkg-config
libssl-dev libevent-dev libcurl4-openssl-dev libjansson-dev
libsqlite3-dev libcjose-dev liblua5.4-dev
python3 python3-flask python3-jwt python3-cryptography
curl openssl"

usage()
{
	cat <<EOF
usage: $0 [--no-build] [--builddir DIR] [--keep] [--in-place] [-h]

Runs the pvacms JWT quick start on this machine: installs missing Debian
packages, builds, starts the sample token issuer and pvacms on loopback,
gets certificates for a server (softioc) and a client with authnjwt, shows
them with pvxcert, and checks a mutual TLS handshake between them.

  --no-build      use the existing build (do not install packages or build)
  --builddir DIR  where to build, out of tree (default: build-quickstart/
                  at the top of the source tree)
  --keep          keep the temporary directory and say where it is
  --in-place      use your real HOME and XDG directories instead of a
                  temporary one per user
  -h, --help      this text
EOF
}

die()
{
	echo "$PROG: error: $*" >&2
	exit 1
}

say()
{
	printf '\n== %s\n' "$*"
}

while [ $# -gt 0 ]; do
	case $1 in
	--no-build) DO_BUILD=no ;;
	--builddir)
		[ $# -ge 2 ] || die "--builddir needs a directory"
		BUILDDIR=$2
		shift ;;
	--builddir=*) BUILDDIR=${1#*=} ;;
	--keep) KEEP=yes ;;
	--in-place) IN_PLACE=yes ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
case $BUILDDIR in
/*) ;;
*) BUILDDIR=$PWD/$BUILDDIR ;;
esac

# ---------------------------------------------------------------- cleanup

WORK=
PIDS=
cleanup()
{
	local rc=$? pid i alive
	trap - EXIT INT TERM
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	# Give them 5 s to stop, then kill what is left: never wait for ever.
	for i in $(seq 50); do
		alive=
		for pid in $PIDS; do
			kill -0 "$pid" 2>/dev/null && alive=yes
		done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	for pid in $PIDS; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "$KEEP" = yes ] || [ $rc -ne 0 ]; then
			echo "$PROG: files kept in $WORK" >&2
		else
			rm -rf "$WORK"
		fi
	fi
	[ $rc -eq 0 ] || echo "$PROG: FAILED (exit $rc)" >&2
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- packages

install_packages()
{
	local missing= p sudo=
	command -v dpkg-query >/dev/null ||
	    die "dpkg-query not found: this script expects Debian 12"
	for p in $DEBS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "All required Debian packages are installed."
		return 0
	fi
	echo "Installing missing Debian packages:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null ||
		    die "not root and no sudo: run as root, or install:$missing"
		sudo=sudo
	fi
	# shellcheck disable=SC2086
	$sudo apt-get update &&
	    $sudo env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y --no-install-recommends $missing ||
	    die "apt-get install failed for:$missing"
}

# unconfigure_srcdir: an older quick start configured and built in the
# source tree; that stops every out-of-tree configure ("source directory
# already configured"), so clean it away with make distclean.
unconfigure_srcdir()
{
	[ -f "$SRCDIR/config.status" ] || [ -f "$SRCDIR/Makefile" ] || return 0
	echo "$PROG: the source tree is configured in place (./configure there, or an older quick start): make distclean"
	(cd "$SRCDIR" && make distclean) >/dev/null 2>&1
	[ ! -f "$SRCDIR/config.status" ] ||
	    die "'make distclean' in $SRCDIR failed: clean the source tree (make distclean, or git clean -xdf) and retry"
	[ ! -f "$SRCDIR/Makefile" ] ||
	    echo "$PROG: warning: make distclean left $SRCDIR/Makefile behind" >&2
}

build()
{
	cd "$SRCDIR" || die "cannot cd to $SRCDIR"
	if [ "$(mkdir -p "$BUILDDIR" && cd "$BUILDDIR" && pwd)" != "$SRCDIR" ]; then
		unconfigure_srcdir
	fi
	if [ ! -x configure ]; then
		echo "\$ ./autogen.sh"
		./autogen.sh || die "./autogen.sh failed"
	fi
	mkdir -p "$BUILDDIR" || die "cannot create $BUILDDIR"
	cd "$BUILDDIR" || die "cannot cd to $BUILDDIR"
	if [ ! -f Makefile ] || [ ! -f config.status ]; then
		echo "\$ cd $BUILDDIR && $SRCDIR/configure"
		"$SRCDIR/configure" -q || die "configure failed"
	fi
	echo "\$ make  (in $BUILDDIR)"
	make -j"$(nproc 2>/dev/null || echo 2)" >"$BUILDDIR/quickstart-make.log" 2>&1 ||
	    { tail -n 30 "$BUILDDIR/quickstart-make.log" >&2
	      die "make failed (full log: $BUILDDIR/quickstart-make.log)"; }
	echo "Build OK."
}

if [ "$DO_BUILD" = yes ]; then
	say "Packages"
	install_packages
	say "Build"
	build
fi
BUILDDIR=$(cd "$BUILDDIR" && pwd) || die "no build directory $BUILDDIR"
for b in pvacms authnjwt pvxcert; do
	[ -x "$BUILDDIR/$b" ] || die "$BUILDDIR/$b is not built (run without --no-build)"
done
[ -x "$PY" ] || die "$PY not found (apt-get install python3)"
"$PY" -c 'import flask, jwt, cryptography' 2>/dev/null ||
    die "$PY lacks flask/jwt/cryptography (apt-get install python3-flask python3-jwt python3-cryptography)"
for c in curl openssl; do
	command -v $c >/dev/null || die "$c not found (apt-get install $c)"
done

# ---------------------------------------------------------------- layout

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvacms-quickstart.XXXXXX") ||
    die "mktemp -d failed"
mkdir -p "$WORK/bin" "$WORK/run"
for b in pvacms authnjwt pvxcert; do
	ln -s "$BUILDDIR/$b" "$WORK/bin/$b"
done
PATH=$WORK/bin:$PATH

# home_of USER: the HOME a role runs with.
home_of()
{
	if [ "$IN_PLACE" = yes ]; then
		echo "$HOME"
	else
		echo "$WORK/home/$1"
	fi
}

# as USER CMD...: run CMD with USER's HOME/XDG dirs, in that HOME.
as()
{
	local h
	h=$(home_of "$1")
	shift
	(
		mkdir -p "$h" && cd "$h" || exit 1
		if [ "$IN_PLACE" = yes ]; then
			export XDG_CONFIG_HOME=${XDG_CONFIG_HOME:-$h/.config}
			export XDG_DATA_HOME=${XDG_DATA_HOME:-$h/.local/share}
		else
			export HOME=$h XDG_CONFIG_HOME=$h/.config \
			    XDG_DATA_HOME=$h/.local/share
		fi
		[ -z "${CMS_URL:-}" ] || export EPICS_PVACMS_URL=$CMS_URL
		[ -z "${CA_FILE:-}" ] || export EPICS_PVACMS_CA_FILE=$CA_FILE
		exec "$@"
	)
}

# show USER CMD...: print "$ CMD" (as the seed does), run it as USER,
# print its output; fail the script when it fails.
show()
{
	local user=$1 rc
	shift
	echo
	echo "\$ $*"
	as "$user" timeout 60 "$@"
	rc=$?
	[ $rc -eq 0 ] || die "'$*' (as $user) failed with exit $rc"
}

# wait_ok FILE PID ERE: wait until FILE has a line matching ERE while PID
# lives; 1 on timeout or death.
wait_ok()
{
	local i
	for i in $(seq $((WAIT_SECS * 10))); do
		[ -s "$1" ] && grep -Eq -- "$3" "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_for FILE PID ERE LOG WHAT: wait_ok, or show LOG and fail.
wait_for()
{
	wait_ok "$1" "$2" "$3" && return 0
	[ ! -s "$4" ] || tail -n 5 "$4" >&2
	die "$5 did not start"
}

# port_free PORT: nothing listens on PORT of 127.0.0.1 nor of ::1 (the
# issuer is reached as "localhost", which may resolve to either).
port_free()
{
	"$PY" -c 'import socket, sys
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        s = socket.socket(fam)
    except OSError:
        continue                # no IPv6 here
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((addr, port))
    except OSError as e:
        if fam == socket.AF_INET6 and e.errno == 99:
            continue            # EADDRNOTAVAIL: no ::1 here
        sys.exit(1)
    finally:
        s.close()' "$1"
}

free_port()
{
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- issuer

say "Sample JWT issuer & validator"
# The seed's port 8080 when it is free, else any free port.
start_issuer()
{
	rm -f "$WORK/run/issuer.port"
	"$PY" "$SRCDIR/contrib/jwt-issuer/jwt_issuer.py" --host 127.0.0.1 \
	    --port "$1" --port-file "$WORK/run/issuer.port" -q \
	    </dev/null >"$WORK/run/issuer.log" 2>&1 &
	ISSUER_PID=$!
	PIDS="$PIDS $ISSUER_PID"
	wait_ok "$WORK/run/issuer.port" $ISSUER_PID '^[0-9]+$'
}
if ! { port_free 8080 && start_issuer 8080; }; then
	start_issuer 0 || { tail -n 5 "$WORK/run/issuer.log" >&2
	    die "the sample issuer did not start"; }
fi
ISSUER_PORT=$(cat "$WORK/run/issuer.port")
ISSUER=http://localhost:$ISSUER_PORT
echo "jwt_issuer.py listening on $ISSUER (iss $ISSUER/default)"

# ---------------------------------------------------------------- pvacms

say "pvacms"
PV_HOME=$(home_of pvacms)
mkdir -p "$PV_HOME"
echo "export EPICS_AUTH_JWT_REQUEST_FORMAT='#token#'"
echo "export EPICS_AUTH_JWT_REQUEST_METHOD='GET'"
echo "export EPICS_AUTH_JWT_RESPONSE_FORMAT='{ *, \"valid\": \"#response#\" }'"
echo "export EPICS_AUTH_JWT_TRUSTED_URI='$ISSUER/default/verify'"
echo "\$ pvacms --https-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --pvas-server-port 0 --pvas-broadcast-port 0 --listen-info ..."
(
	mkdir -p "$PV_HOME" && cd "$PV_HOME" || exit 1
	if [ "$IN_PLACE" = no ]; then
		export HOME=$PV_HOME XDG_CONFIG_HOME=$PV_HOME/.config \
		    XDG_DATA_HOME=$PV_HOME/.local/share
	fi
	export EPICS_AUTH_JWT_REQUEST_FORMAT='#token#'
	export EPICS_AUTH_JWT_REQUEST_METHOD='GET'
	export EPICS_AUTH_JWT_RESPONSE_FORMAT='{ *, "valid": "#response#" }'
	export EPICS_AUTH_JWT_TRUSTED_URI="$ISSUER/default/verify"
	exec pvacms --https-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
	    --pvas-server-port 0 --pvas-broadcast-port 0 \
	    --listen-info "$WORK/run/pvacms.listen"
) </dev/null >"$WORK/run/pvacms.out" 2>"$WORK/run/pvacms.err" &
PVACMS_PID=$!
PIDS="$PIDS $PVACMS_PID"
wait_for "$WORK/run/pvacms.listen" $PVACMS_PID '^http=' \
    "$WORK/run/pvacms.err" "pvacms"
HTTPS_PORT=$(sed -n 's/^https=.*:\([0-9]*\)$/\1/p' "$WORK/run/pvacms.listen")
HTTP_PORT=$(sed -n 's/^http=.*:\([0-9]*\)$/\1/p' "$WORK/run/pvacms.listen")
[ -n "$HTTPS_PORT" ] && [ -n "$HTTP_PORT" ] ||
    die "pvacms wrote no ports to its listen-info file"
CMS_URL=https://localhost:$HTTPS_PORT
if [ "$IN_PLACE" = yes ]; then
	CA_FILE=${XDG_CONFIG_HOME:-$HOME/.config}/pva/1.4/cert_auth.pem
else
	CA_FILE=$PV_HOME/.config/pva/1.4/cert_auth.pem
fi
for i in $(seq $((WAIT_SECS * 10))); do
	curl -sf --max-time 2 "http://127.0.0.1:$HTTP_PORT/healthz" \
	    >/dev/null 2>&1 && break
	kill -0 $PVACMS_PID 2>/dev/null || break
	sleep 0.1
done
curl -sf --max-time 2 "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null ||
    { tail -n 5 "$WORK/run/pvacms.err" >&2; die "pvacms does not answer /healthz"; }
cat "$WORK/run/pvacms.out"
echo "pvacms serves $CMS_URL (status on http://127.0.0.1:$HTTP_PORT)"
echo "Users reach it with:"
echo "  export EPICS_PVACMS_URL=$CMS_URL"
echo "  export EPICS_PVACMS_CA_FILE=$CA_FILE"
[ -s "$CA_FILE" ] || die "pvacms did not publish its CA at $CA_FILE"

# ---------------------------------------------------------------- users

# seed_user USER USAGE AUTHNJWT_ARGS...: the quick start's steps.
seed_user()
{
	local user=$1 usage=$2 h token p12
	shift 2
	h=$(home_of "$user")
	mkdir -p "$h"
	say "$user ($usage)"
	echo "\$ TOKEN=\$(curl -s \"$ISSUER/default/token?sub=$user&password=secret\")"
	echo "\$ echo \${TOKEN} > token_file"
	token=$(curl -s --max-time 10 \
	    "$ISSUER/default/token?sub=$user&password=secret") ||
	    die "could not get a token from $ISSUER"
	case $token in
	*.*.*) ;;
	*) die "the issuer returned no token: $token" ;;
	esac
	echo "$token" >"$h/token_file"
	echo
	echo "\$ curl -sG --data-urlencode \"token=\$TOKEN\" \"$ISSUER/default/verify\""
	curl -sG --max-time 10 --data-urlencode "token=$token" \
	    "$ISSUER/default/verify" || die "the validator did not answer"
	show "$user" authnjwt "$@" --token-file token_file
	if [ "$usage" = server ]; then
		p12=$(as "$user" sh -c 'echo "$XDG_CONFIG_HOME/pva/1.4/server.p12"')
	else
		p12=$(as "$user" sh -c 'echo "$XDG_CONFIG_HOME/pva/1.4/client.p12"')
	fi
	show "$user" pvxcert -f "$p12"
	eval "P12_$user=\$p12"
}

seed_user softioc server -u server
seed_user client client

# ---------------------------------------------------------------- TLS

say "Mutual TLS between the two keychains"
T=$WORK/run/tls
mkdir -p "$T"
extract()
{
	openssl pkcs12 -in "$1" -passin pass: -nodes -clcerts -nokeys \
	    -out "$2.crt" 2>/dev/null &&
	openssl pkcs12 -in "$1" -passin pass: -nodes -nocerts \
	    -out "$2.key" 2>/dev/null &&
	openssl pkcs12 -in "$1" -passin pass: -nodes -cacerts -nokeys \
	    -out "$2.chain" 2>/dev/null ||
	    die "openssl pkcs12 cannot read $1"
}
# shellcheck disable=SC2154
extract "$P12_softioc" "$T/server"
# shellcheck disable=SC2154
extract "$P12_client" "$T/client"
# start_s_server: on a free port; 1 when it does not come up (another
# process may take the port between free_port and s_server's bind).
start_s_server()
{
	TLS_PORT=$(free_port)
	openssl s_server -accept "127.0.0.1:$TLS_PORT" -naccept 1 \
	    -cert "$T/server.crt" -key "$T/server.key" -cert_chain "$T/server.chain" \
	    -CAfile "$CA_FILE" -Verify 1 -verify_return_error -rev \
	    </dev/null >"$T/s_server.out" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_ok "$T/s_server.out" $SPID '^ACCEPT'
}
for try in 1 2 3; do
	start_s_server && break
	kill -TERM $SPID 2>/dev/null
	[ $try -lt 3 ] || { tail -n 5 "$T/s_server.out" >&2
	    die "openssl s_server did not start"; }
done
echo "[softioc] \$ openssl s_server -accept 127.0.0.1:$TLS_PORT -cert server.crt -key server.key -CAfile cert_auth.pem -Verify 1 -verify_return_error -rev"
echo "[client] \$ echo hello | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile cert_auth.pem -cert client.crt -key client.key -verify_return_error"
printf 'hello from client\nCLOSE\n' | timeout 20 openssl s_client \
    -connect "127.0.0.1:$TLS_PORT" -CAfile "$CA_FILE" \
    -cert "$T/client.crt" -key "$T/client.key" -cert_chain "$T/client.chain" \
    -verify_return_error -servername localhost -ign_eof \
    >"$T/s_client.out" 2>&1
crc=$?
for i in $(seq 50); do
	kill -0 $SPID 2>/dev/null || break
	sleep 0.1
done
grep -E '^(subject=|Verify return code)' "$T/s_client.out" | sed 's/^/  s_client: /'
grep -E '^(Peer certificate|Verification)' "$T/s_server.out" | sed 's/^/  s_server: /'
[ $crc -eq 0 ] &&
    grep -q 'Verify return code: 0 (ok)' "$T/s_client.out" &&
    grep -q 'tneilc morf olleh' "$T/s_client.out" &&
    grep -q '^Verification: OK' "$T/s_server.out" &&
    grep -Eq 'Peer certificate: CN *= *client' "$T/s_server.out" &&
    grep -Eq '^subject=CN *= *softioc' "$T/s_client.out" ||
    { cat "$T/s_client.out" "$T/s_server.out" >&2
      die "the mutual TLS handshake failed"; }
echo
echo "Mutual TLS handshake: OK (server CN=softioc, client CN=client)"
if [ "$KEEP" = yes ]; then
	echo "Everything is in $WORK (homes in $WORK/home)."
fi
exit 0
