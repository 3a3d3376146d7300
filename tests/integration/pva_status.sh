#!/bin/bash
# pva_status.sh - unmodified PVXS agents check certificate status with
# pvacms over PVAccess (issue 11).
#
# pvacms runs with its PVAccess front on (the default), on its own
# ephemeral TCP and UDP ports; the agents are told where with
# EPICS_PVA_ADDR_LIST (clients) and EPICS_PVAS_BEACON_ADDR_LIST (the
# IOC), as pvacms(8) says.  Keychains from authnjwt carry the status
# extension with the exact PV name.  Then, with real PVXS programs:
# pvxget and pvxinfo read CERT:STATUS (padded and unpadded names), PVXS's
# pvxcert agrees with ours and with openssl ocsp, pvxmonitor sees VALID
# and then REVOKED when the certificate is revoked, softIocPVX and
# pvxinfo authenticate each other by certificate with the status checked
# through pvacms (both logs show it), a new client refuses TLS to an IOC
# whose certificate was revoked, and the IOC no longer accepts a revoked
# client as x509.  Another issuer's name and an unknown serial are never
# good.  Without the PVXS bundle the test reports SKIP with the reason.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"
. "$(dirname "$0")/pvxs_lib.sh"

setup_root
pvxs_setup
start_issuer
start_pvacms
LI=$ROOT/run/pvacms.listen
PVA_TCP=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$LI")
PVA_UDP=$(sed -n 's/^pva_udp=.*:\([0-9]*\)$/\1/p' "$LI")
like "$PVA_TCP $PVA_UDP" '^[0-9]+ [0-9]+$' \
    "the listen info names the PVAccess TCP and UDP ports"
like "$(cat "$PVACMS_ERR")" \
    "PVAccess listening on 127\.0\.0\.1:$PVA_TCP \(TCP\), searches on 127\.0\.0\.1:$PVA_UDP \(UDP\)" \
    "pvacms says where the front listens"
CA_CN="EPICS Root Certificate Authority"
STATUS_OID=1.3.6.1.4.1.37427.1
# Clients search the IOC's port and pvacms's; the IOC's inner status
# client searches pvacms's (pvacms(8): what agents need).
pvxs_use_front "$PVA_UDP"

# status_get NAME: pvxget NAME over plain TCP; sets OUT etc.
status_get()
{
	PVXS_CLIENT_ENV=()
	pvxs_client getter "" pvxget -w 10 "$1"
}

# field NAME: "NAME type = value" from the last pvxget, the value alone.
field()
{
	printf '%s\n' "$OUT" | sed -n "s/^ *$1 [a-z0-9_]*\(\[\]\)\{0,1\} = //p" |
	    head -n 1
}

pvxs_keychain softioc server -u server
SRV_KC=$KC SRV_ID=$ID SRV_SERIAL=$SERIAL SRV_PV=$PV
pvxs_keychain client client
CLI_KC=$KC CLI_ID=$ID CLI_PV=$PV
pvxs_keychain client2 client
C2_KC=$KC C2_ID=$ID
pvxs_keychain plain client --no-status
PLAIN_ID=$ID

# ---- the status extension, as PVXS reads it
like "$("$OPENSSL" x509 -in "$ROOT/run/softioc.crt" -noout -text)" \
    "$STATUS_OID: *
 *$SRV_PV" "the server certificate names its status PV (20-digit serial)"
like "$("$OPENSSL" x509 -in "$ROOT/run/softioc.crt" |
    "$OPENSSL" asn1parse 2>/dev/null | grep -A1 "$STATUS_OID")" \
    "OCTET STRING +:$SRV_PV" \
    "the extension's OCTET STRING holds the name's bytes, no IA5String"
unlike "$("$OPENSSL" x509 -in "$ROOT/run/plain.crt" -noout -text)" \
    "$STATUS_OID" "authnjwt --no-status: no status extension"

# ---- GET, GET_FIELD, padded and unpadded
status_get "$CLI_PV"
is "$RC" 0 "pvxget $CLI_PV exits 0"
is "$(field value.index) $(field state) $(field ocsp_state)" \
    '1 "VALID" "OCSP_CERTSTATUS_GOOD"' "pvxget: VALID, OCSP good"
ISSUED=$(field ocsp_status_date)
like "$(field ocsp_response)" '^\{[0-9]+\}\[48, 130' \
    "pvxget: the OCSP response's DER bytes"
status_get "CERT:STATUS:$CLI_ID"
is "$RC $(field state)" '0 "VALID"' "the unpadded name answers too"
PVXS_CLIENT_ENV=()
pvxs_client getter "" pvxinfo -w 10 "$CLI_PV"
like "$OUT" 'struct "epics:nt/NTEnum:1.0"' "pvxinfo: the NTEnum status type"
like "$OUT" 'uint8_t\[\] ocsp_response' "pvxinfo: ocsp_response is uint8[]"

# ---- PVXS's pvxcert, ours and openssl agree
PVXS_CLIENT_ENV=()
pvxs_client pvxcert "" pvxcert "$CLI_ID"
is "$RC" 0 "PVXS pvxcert $CLI_ID exits 0"
like "$OUT" 'Status        : VALID' "PVXS pvxcert: VALID"
THEIRS=$(printf '%s\n' "$OUT" | grep -E '^Status (Issued|Expires)')
run as_user client pvxcert "$CLI_ID"
OURS=$(printf '%s\n' "$OUT" | grep -E '^Status (Issued|Expires)')
is "$THEIRS" "$OURS" "PVXS pvxcert and ours print the same status dates"
is "\"$(printf '%s\n' "$THEIRS" | sed -n 's/^Status Issued *: //p')\"" \
    "$ISSUED" "... the OCSP thisUpdate that the PV carries"
OCSP=$(timeout 10 "$OPENSSL" ocsp -issuer "$CA_FILE" -CAfile "$CA_FILE" \
    -url "$STATUS_URL/ocsp" -cert "$ROOT/run/client.crt" 2>&1)
like "$OCSP" 'client.crt: good' "openssl ocsp agrees: good"
PVXS_CLIENT_ENV=()
pvxs_client pvxcert "" pvxcert -f "$SRV_KC"
like "$OUT" 'Status +: VALID' "PVXS pvxcert -f on a keychain: VALID from pvacms"

# ---- names pvacms cannot vouch for are never good
status_get "CERT:STATUS:00000000:1"
is "$(field value.index) $(field ocsp_state)" \
    '0 "**UNCERTIFIED**: OCSP_CERTSTATUS_UNKNOWN"' \
    "another issuer's name: uncertified, not good"
status_get "CERT:STATUS:${CLI_ID%%:*}:12345"
is "$(field value.index) $(field state)" '0 "UNKNOWN"' \
    "a serial never issued: UNKNOWN, not good"
PVXS_CLIENT_ENV=()
pvxs_client getter "" pvxget -w 2 "CERT:CREATE:nothing"
check "a name pvacms does not serve is not found" [ "$RC" -ne 0 ]

# ---- pvxmonitor sees the revocation
# monitor_wait ERE: wait (bounded) until the monitor's output matches.
monitor_wait()
{
	local i
	for i in $(seq $((WAIT_SECS * 20))); do
		grep -Eq -- "$1" "$ROOT/run/monitor.out" 2>/dev/null && return 0
		kill -0 "$MON" 2>/dev/null || break
		sleep 0.05
	done
	grep -Eq -- "$1" "$ROOT/run/monitor.out" 2>/dev/null
}
# monitor_start NAME ARGS...: pvxmonitor ARGS in the background, its
# output line-buffered into $ROOT/run/monitor.out (MON: its pid).
monitor_start()
{
	local name=$1 home
	shift
	home=$(pvxs_home "$name")
	env -C "$home" "${PVXS_ENV[@]}" XDG_CONFIG_HOME="$home/config" \
	    XDG_DATA_HOME="$home/data" \
	    timeout -s INT -k 2 $((WAIT_SECS * 3)) stdbuf -oL -eL \
	    "$PVXS_BIN/pvxmonitor" "$@" </dev/null >"$ROOT/run/monitor.out" 2>&1 &
	MON=$!
	track "$MON"
}
monitor_start watcher "$CLI_PV"
check "pvxmonitor: first VALID" monitor_wait 'state string = "VALID"'
run as_user pvacms pvxcert -R "$CLI_ID"
is "$RC" 0 "pvxcert -R revokes the client certificate"
check "pvxmonitor: then REVOKED, on the same subscription" \
    monitor_wait 'state string = "REVOKED"'
stop_pid "$MON" INT
check "pvxmonitor: VALID before REVOKED" sh -c \
    "grep 'state string' '$ROOT/run/monitor.out' | head -n 1 | grep -q VALID"

# A pipelined subscription (record._options.pipeline) gets its update
# within the window the client grants.
monitor_start piped -r 'record[pipeline=true,queueSize=2]field()' "$SRV_PV"
check "a pipelined pvxmonitor gets the status within its window" \
    monitor_wait 'state string = "VALID"'
stop_pid "$MON" INT

# ---- hostile and idle PVAccess clients
# pva_poke HOW: one connection to the front that misbehaves; prints
# "closed" when pvacms closed it within the bound, else "open".
pva_poke()
{
	"$PYTHON3" - "$PVA_TCP" "$1" <<'EOF_PY'
import socket, struct, sys, time
port, how = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.settimeout(5)
hello = s.recv(65536)               # SetEndian + CONNECTION_VALIDATION
if how == "garbage":
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
elif how == "oversized":
    s.sendall(struct.pack("<BBBBI", 0xca, 2, 0, 0x01, 1 << 30))
elif how == "early":                # a channel before validation
    s.sendall(struct.pack("<BBBBI", 0xca, 2, 0, 0x07, 9) +
              struct.pack("<HI", 1, 1) + b"\x02ab")
elif how == "truncated":            # validation with a short body
    s.sendall(struct.pack("<BBBBI", 0xca, 2, 0, 0x01, 3) + b"\x00\x00\x01")
end = time.monotonic() + 5
while time.monotonic() < end:
    try:
        if s.recv(4096) == b"":
            print("closed"); sys.exit(0)
    except socket.timeout:
        break
    except OSError:
        print("closed"); sys.exit(0)
print("open")
EOF_PY
}
for how in garbage oversized early truncated; do
	is "$(pva_poke "$how")" closed "a $how message closes that connection"
done
like "$(cat "$PVACMS_ERR")" 'PVA: closing the connection from 127\.0\.0\.1:[0-9]+: ' \
    "... with a log line naming the peer and the cause"
# 1,000 idle and half-open connections from another address, held.
"$PYTHON3" - "$PVA_TCP" "$ROOT/run/idle.ready" "$ROOT/run/idle.stop" \
    <<'EOF_PY' &
import os, resource, socket, sys, time
port, ready, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
held = []
for i in range(1000):
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        if i % 2:
            s.send(b"\xca\x02\x00\x01")     # half a header, then nothing
        held.append(s)
    except OSError:
        pass
open(ready, "w").write("%d\n" % len(held))
end = time.monotonic() + 30
while time.monotonic() < end and not os.path.exists(stop):
    time.sleep(0.1)
EOF_PY
IDLE_PID=$!
track "$IDLE_PID"
wait_file "$ROOT/run/idle.ready" "$IDLE_PID" '^[0-9]+$' ||
    not_ok "the idle clients connected"
status_get "$SRV_PV"
is "$RC $(field state)" '0 "VALID"' \
    "with 1,000 idle connections from 127.0.0.2, a status GET answers"
FDS=$(ls "/proc/$PVACMS_PID/fd" | wc -l)
check "pvacms holds a bounded number of descriptors ($FDS)" [ "$FDS" -lt 400 ]
touch "$ROOT/run/idle.stop"
stop_pid "$IDLE_PID"

# ---- softIocPVX and pvxinfo: TLS, x509 both ways, status via pvacms
PFX=PVAST$$
pvxs_db "$ROOT/run/test.db" "$PFX"
pvxs_start_ioc ioc "$ROOT/run/test.db" EPICS_PVAS_TLS_KEYCHAIN="$SRV_KC"
IOC_OWN=$(pvxs_ioc_wait_new 'Received a VALID certificate status') ||
    IOC_OWN=
like "$IOC_OWN" 'VALID certificate status' \
    "IOC: its own status came from pvacms: VALID"
pvxs_ioc_mark
PVXS_CLIENT_ENV=(PVXS_LOG='pvxs.certs.*=DEBUG')
pvxs_client client2 "$C2_KC" pvxinfo -v -w 20 "$PFX:calc"
is "$RC" 0 "pvxinfo with a status-checked client keychain exits 0"
like "$(pvxs_identity "$OUT")" \
    "^# TLS x509:${SRV_ID%%:*}:$((10#$SRV_SERIAL)):$CA_CN/softioc@" \
    "pvxinfo: TLS, the server is x509 softioc"
like "$ERR" "CERT:STATUS:${SRV_ID%%:*}:0*$((10#$SRV_SERIAL))" \
    "pvxinfo: checked the server's status"
line=$(pvxs_ioc_wait_new 'selects auth')
like "$line" "selects auth \"x509\" as \"client2\" on \"$CA_CN\" authority" \
    "IOC: authenticates client2 by certificate"
like "$(pvxs_ioc_new)" "CERT:STATUS:${C2_ID%%:*}:0*${C2_ID#*:}" \
    "IOC: checked client2's status"

# ---- a revoked client is no longer an x509 peer of the IOC
run as_user pvacms pvxcert -R "$C2_ID"
is "$RC" 0 "pvxcert -R revokes client2"
pvxs_ioc_mark
PVXS_CLIENT_ENV=()
pvxs_client client2 "$C2_KC" pvxinfo -v -w 20 "$PFX:calc"
# Two outcomes race (pvaccess.md §10.4): the client learns first that its
# own certificate is REVOKED and leaves TLS (the IOC sees "ca"), or the
# IOC learns it first and refuses the x509 link.  Either way client2 is
# no longer an x509 peer.
line=$(pvxs_ioc_wait_new 'Peer certificate not VALID|selects auth "ca"') ||
    line=
like "$line" 'Peer certificate not VALID: REVOKED|selects auth "ca"' \
    "the revoked client2: REVOKED from pvacms, or it left TLS on its own"
new=$(pvxs_ioc_new)
if printf '%s\n' "$new" | grep -q 'selects auth "x509" as "client2"' &&
    ! printf '%s\n' "$new" | grep -q 'Peer certificate not VALID: REVOKED'; then
	not_ok "IOC: the revoked client2 is not accepted as x509" "$new"
else
	ok "IOC: the revoked client2 is not accepted as x509"
fi

# ---- a revoked IOC: a new client does not use TLS to it
run as_user pvacms pvxcert -R "$SRV_ID"
is "$RC" 0 "pvxcert -R revokes the IOC's certificate"
pvxs_keychain client3 client
PVXS_CLIENT_ENV=()
pvxs_client client3 "$KC" pvxinfo -v -w 20 "$PFX:calc"
unlike "$(pvxs_identity "$OUT")" '^# TLS x509' \
    "a new client does not take the revoked IOC as an x509 server"
diag "new client after the IOC's revocation: $(pvxs_identity "$OUT")"
pvxs_stop_ioc

check "pvacms is still serving" healthz
is "$(grep -c 'PVA: closing the connection' "$PVACMS_ERR")" 4 \
    "the front closed the four bad connections and no PVXS agent's"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"
done_testing
