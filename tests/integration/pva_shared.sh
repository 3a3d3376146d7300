#!/bin/bash
# pva_shared.sh - the PVAccess front on the UDP search port of a PVXS IOC,
# its re-signed answers, and the status-extension policy.
#
# pvacms and softIocPVX share one UDP search port on 127.0.0.1, as PVXS
# servers of one host share 5076 (pvaccess.md §2.6): a unicast search
# reaches one socket only, and whoever gets it re-sends it to the host's
# other servers.  Clients and the IOC list only 127.0.0.1 with that port,
# and still find both the IOC's records and the status PVs: the IOC gets
# its own status and its client's, and they talk TLS with x509.  With a
# one-minute status validity, a monitor gets a re-signed answer before
# the first runs out.  EPICS_PVACMS_CERTS_REQUIRE_SUBSCRIPTION NO keeps
# the extension out, YES puts it in whatever the request says.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pvxs_lib.sh"

setup_root
pvxs_setup
start_issuer
start_pvacms --pvas-broadcast-port "$PVXS_UDP" --status-validity-mins 1
CA_CN="EPICS Root Certificate Authority"
STATUS_OID=1.3.6.1.4.1.37427.1
like "$(sed -n 's/^pva_udp=//p' "$ROOT/run/pvacms.listen")" \
    "^127\.0\.0\.1:$PVXS_UDP\$" "the front shares the IOC's UDP port"

# has_ext USER: USER's certificate carries the status extension.
has_ext()
{
	"$OPENSSL" x509 -in "$ROOT/run/$1.crt" -noout -text | grep -q \
	    "$STATUS_OID"
}

pvxs_keychain softioc server -u server
SRV_KC=$KC SRV_ID=$ID SRV_PV=$PV
pvxs_keychain client client
CLI_KC=$KC

# ---- one UDP port for the IOC and pvacms
PFX=PVASH$$
pvxs_db "$ROOT/run/test.db" "$PFX"
pvxs_start_ioc ioc "$ROOT/run/test.db" EPICS_PVAS_TLS_KEYCHAIN="$SRV_KC"
line=$(pvxs_ioc_wait_new 'Received a VALID certificate status') || line=
like "$line" 'VALID certificate status' \
    "IOC: its own status lookup, on the shared port, reached pvacms"
pvxs_ioc_mark
PVXS_CLIENT_ENV=(PVXS_LOG='pvxs.certs.*=DEBUG')
pvxs_client client "$CLI_KC" pvxinfo -v -w 20 "$PFX:calc"
like "$(pvxs_identity "$OUT")" "^# TLS x509:${SRV_ID%%:*}:" \
    "pvxinfo: the IOC's record found, TLS with x509, on the shared port"
line=$(pvxs_ioc_wait_new 'selects auth') || line=
like "$line" "selects auth \"x509\" as \"client\" on \"$CA_CN\"" \
    "IOC: the client's status came from pvacms too"
PVXS_CLIENT_ENV=()
pvxs_client getter "" pvxget -w 10 "$SRV_PV"
like "$OUT" 'state string = "VALID"' \
    "pvxget: the status PV found through the shared port"
pvxs_client getter "" pvxget -w 20 "$PFX:ai"
like "$OUT" 'value double = 42.5' \
    "pvxget: the IOC's record still found on the shared port"

# ---- a re-signed answer reaches a monitor before the first runs out
home=$(pvxs_home watcher)
env -C "$home" "${PVXS_ENV[@]}" XDG_CONFIG_HOME="$home/config" \
    XDG_DATA_HOME="$home/data" timeout -s INT -k 2 90 stdbuf -oL -eL \
    "$PVXS_BIN/pvxmonitor" "$SRV_PV" </dev/null >"$ROOT/run/mon.out" 2>&1 &
MON=$!
track "$MON"
# Two distinct ocsp_status_date values, within the minute of validity
# plus the 10 s refresh tick (bounded at 80 s).
for i in $(seq 800); do
	n=$(sed -n 's/.*ocsp_status_date string = //p' "$ROOT/run/mon.out" |
	    sort -u | wc -l)
	[ "$n" -ge 2 ] && break
	kill -0 "$MON" 2>/dev/null || break
	sleep 0.1
done
is "$n" 2 "a monitor gets a re-signed answer before the first runs out"
stop_pid "$MON" INT
pvxs_stop_ioc

# ---- the status-extension policy
check "DEFAULT: the extension is in" has_ext client
stop_pvacms
start_pvacms --certs-require-subscription NO
pvxs_keychain nope client
if has_ext nope; then
	not_ok "NO: certificates carry no extension"
else
	ok "NO: certificates carry no extension"
fi
stop_pvacms
start_pvacms --certs-require-subscription YES
pvxs_keychain always client --no-status
check "YES: the extension even when the request asks for none" has_ext always
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
done_testing
