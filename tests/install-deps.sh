#!/bin/sh
# tests/install-deps.sh - install the Debian packages pvacms needs to build
# and test, only those missing.  Uses sudo when not root.
set -u
pkgs="build-essential autoconf automake libtool pkg-config
libssl-dev openssl libevent-dev libcurl4-openssl-dev liblua5.4-dev
libjansson-dev libsqlite3-dev libcjose-dev mandoc curl sqlite3 strace
python3 python3-flask python3-jwt python3-cryptography
libssl3 libevent-core-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7
libreadline8
glewlwyd"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# glewlwyd (a test OpenID provider, run by the tests themselves): no
# database, system user or configured service from its postinst.
case " $missing " in
*" glewlwyd "*)
	echo 'glewlwyd glewlwyd/config_type select No configuration' |
		$sudo debconf-set-selections
	;;
esac
$sudo apt-get update -qq >&2 &&
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2 ||
	exit 1
# The tests start their own glewlwyd on 127.0.0.1; the packaged service
# (admin/password on every interface) must never run.
case " $missing " in
*" glewlwyd "*)
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		$sudo systemctl disable --now glewlwyd >&2 2>/dev/null || :
	fi
	;;
esac
exit 0
