#!/bin/bash
# pvxs_tls.sh - the quick start's flow with real PVXS agents, the
# PVAccess front off (--pva no).
#
# The sample issuer and pvacms run on loopback; "softioc" gets a server
# keychain (authnjwt -u server) and "client" a client keychain (authnjwt),
# both RSA leaves under pvacms's EC root.  Then the PVXS runtime bundle's
# softIocPVX serves a small database with the server keychain, and its
# pvxinfo, pvxget and pvxmonitor read it with the client keychain: the
# connection must be TLS, each side must authenticate the other by its
# certificate (x509), and the values must read back.  With the front off
# certificates carry no status extension, so neither side may look a
# status up.  A
# client without a keychain still reads the values, over plain TCP, and a
# client holding only the CA (what authnstd -a writes) gets TLS but is
# anonymous to the IOC.
#
# The bundle (../shared/pvxs/pvxs-runtime.tar.xz seen from the source tree,
# or PVXS_RUNTIME) is external: without it, or when its programs cannot
# run here, the test reports SKIP with the reason.  Under make distcheck
# the source tree is an unpacked tarball inside the build directory, where
# ../shared does not exist: it skips unless PVXS_RUNTIME is set.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pvxs_lib.sh"

setup_root
pvxs_setup
diag "$PVXS_VERSION from $(pvxs_bundle_path)" \
    "checked and unpacked in $PVXS_SETUP_MS ms" \
    "UDP search port $PVXS_UDP, CA ports $PVXS_CA_PORT/$PVXS_CA_REPEATER_PORT"
start_issuer
start_pvacms --pva no
check "the front off: no PVAccess address in the listen info" \
    sh -c "! grep -q '^pva' '$ROOT/run/pvacms.listen'"
unlike "$(cat "$PVACMS_ERR")" 'PVAccess' "the front off: nothing of it is logged"

CA_CN="EPICS Root Certificate Authority"
STATUS_OID=1.3.6.1.4.1.37427.1
# No lookup of certificate status, in any of PVXS's words for it.
STATUS_LOOKUP='Status subscription|certificate status to become GOOD|CERT:STATUS|Received: .*certificate status|PEER certificate status'

# ---- keychains from pvacms, as the quick start makes them
# keychain USER USAGE AUTHNJWT_ARGS...: sets KC (path), ID, SERIAL.
keychain()
{
	local name=$1 usage=$2 home
	shift 2
	make_home "$name"
	home=$ROOT/home/$name
	get_token "$name" >"$home/token_file"
	run as_user "$name" authnjwt "$@" --token-file token_file
	is "$RC" 0 "$name: authnjwt $* exits 0"
	diag "$name: authnjwt took $MS ms"
	KC=$(keychain_path "$name" "$usage")
	ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
	like "$ID" '^[0-9a-f]{8}:[0-9]+$' "$name: authnjwt prints the cert id"
	SERIAL=${ID#*:}
	p12_extract "$KC" "$ROOT/run/$name" ||
	    not_ok "$name: openssl reads the keychain"
	like "$("$OPENSSL" pkey -in "$ROOT/run/$name.key" -noout -text \
	    2>/dev/null | head -n 1)" '^Private-Key: \(2048 bit' \
	    "$name: the keychain holds an RSA-2048 key (PVXS needs RSA leaves)"
	unlike "$("$OPENSSL" x509 -in "$ROOT/run/$name.crt" -noout -text \
	    2>/dev/null)" "$STATUS_OID" \
	    "$name: the certificate carries no status extension ($STATUS_OID)"
}

keychain softioc server -u server
SRV_KC=$KC SRV_ID=$ID SRV_SERIAL=$SERIAL
keychain client client
CLI_KC=$KC CLI_ID=$ID
is "${SRV_ID%%:*}" "${CLI_ID%%:*}" "both certificates have the same issuer id"

# ---- softIocPVX with the server keychain
PFX=PVXSIT$$
pvxs_db "$ROOT/run/test.db" "$PFX"
pvxs_start_ioc ioc "$ROOT/run/test.db" EPICS_PVAS_TLS_KEYCHAIN="$SRV_KC"
diag "softIocPVX started in $IOC_MS ms; listening on TCP $IOC_TCP_PORTS"
like "$(cat "$IOC_LOG")" "Created server TLS context for: $SRV_KC" \
    "IOC: builds its TLS context from the server keychain"
like "$(cat "$IOC_LOG")" \
    'pvxs.certs.mon No certificate status extension found in certificate' \
    "IOC: its own certificate has no status extension, so no status lookup"
unlike "$(cat "$IOC_LOG")" 'TLS disabled|invalid cert chain' \
    "IOC: TLS is not disabled"

# ---- pvxinfo with the client keychain: TLS, x509 both ways
PVXS_CLIENT_ENV=(PVXS_LOG='pvxs.certs.*=DEBUG,pvxs.ossl.init=DEBUG,pvxs.stapling=DEBUG,pvxs.st.cli=DEBUG')
pvxs_ioc_mark
pvxs_client client "$CLI_KC" pvxinfo -v -w 5 "$PFX:calc"
diag "pvxinfo (TLS) took $MS ms"
is "$RC" 0 "pvxinfo -v with the client keychain exits 0"
ident=$(pvxs_identity "$OUT")
like "$ident" \
    "^# TLS x509:${SRV_ID%%:*}:$((10#$SRV_SERIAL)):$CA_CN/softioc@127\.0\.0\.1:[0-9]+\$" \
    "pvxinfo: TLS, and the server is x509 $SRV_ID, CN softioc, from our CA"
TLS_PORT=${ident##*:}
like "$OUT" "^$PFX:calc from 127\.0\.0\.1:$TLS_PORT\$" \
    "pvxinfo: the PV answered from the TLS port"
like "$OUT" 'double value' "pvxinfo: prints the calc record's type"
line=$(pvxs_ioc_wait_new 'selects auth')
is "$(printf '%s' "$line" | sed 's/.*Client 127\.0\.0\.1:[0-9]* //')" \
    "selects auth \"x509\" as \"client\" on \"$CA_CN\" authority" \
    "IOC: authenticates the pvxinfo client by certificate, CN client"
like "$ERR" 'pvxs.certs.mon No certificate status extension found' \
    "pvxinfo: its own certificate has no status extension"
like "$ERR" 'SSLContext::state = TlsReady' "pvxinfo: its TLS context is ready"
unlike "$ERR" "$STATUS_LOOKUP" \
    "pvxinfo: looks up no certificate status (own or peer)"
diag "pvxinfo: $ident"

# ---- pvxget: the values
pvxs_ioc_mark
pvxs_client client "$CLI_KC" pvxget -w 5 "$PFX:calc" "$PFX:ai" "$PFX:str"
diag "pvxget (TLS) took $MS ms"
is "$RC" 0 "pvxget with the client keychain exits 0"
get_val()
{
	printf '%s\n' "$OUT" | awk -v pv="$1" '
	    /^[^ ]/ { cur = $1 }
	    cur == pv && $1 == "value" { sub(/^ *value [a-z0-9_]+ = /, ""); print; exit }'
}
is "$(get_val "$PFX:calc")" 42 "pvxget: calc record reads 42 (6*7)"
is "$(get_val "$PFX:ai")" 42.5 "pvxget: ai record reads 42.5"
is "$(get_val "$PFX:str")" '"hello from pvacms tests"' \
    "pvxget: stringin record reads its string"
line=$(pvxs_ioc_wait_new 'selects auth')
like "$line" "selects auth \"x509\" as \"client\" on \"$CA_CN\" authority" \
    "IOC: authenticates the pvxget client by certificate"
unlike "$ERR" "$STATUS_LOOKUP" "pvxget: looks up no certificate status"

# ---- pvxmonitor: connects over TLS and gets the first update
PVXS_CLIENT_ENV=()
pvxs_ioc_mark
pvxs_monitor client "$CLI_KC" 8 "$PFX:str"
like "$ERR" "^$PFX:str Connected to 127\.0\.0\.1:$TLS_PORT\$" \
    "pvxmonitor: connected to the TLS port"
monitor_line='value string = "hello from pvacms tests"'
like "$OUT" "$monitor_line" "pvxmonitor: prints the stringin's value"
case $OUT in
*"$monitor_line"*) ;;
*)	# Seen once in CI (connected, no update in 8 s): say what happened.
	diag "pvxmonitor: status $RC after $MS ms; stderr:" "$ERR" \
	    "IOC log since pvxmonitor started:" \
	    "$(pvxs_ioc_new | tail -n 60)" ;;
esac
line=$(pvxs_ioc_wait_new 'selects auth')
like "$line" "selects auth \"x509\" as \"client\" on \"$CA_CN\" authority" \
    "IOC: authenticates the pvxmonitor client by certificate"

# ---- no keychain: plain TCP, the IOC sees a "ca" client
pvxs_ioc_mark
pvxs_client anon "" pvxinfo -v -w 5 "$PFX:calc"
diag "pvxinfo (no keychain) took $MS ms"
is "$RC" 0 "pvxinfo without a keychain exits 0"
ident=$(pvxs_identity "$OUT")
like "$ident" '^# anonymous/@127\.0\.0\.1:[0-9]+$' \
    "pvxinfo without a keychain: plain TCP, the server is anonymous"
TCP_PORT=${ident##*:}
check "the plain TCP port ($TCP_PORT) is not the TLS port ($TLS_PORT)" \
    [ "$TCP_PORT" != "$TLS_PORT" ]
line=$(pvxs_ioc_wait_new 'selects auth')
like "$line" 'selects auth "ca" as "[^"]+" on "" authority' \
    "IOC: the client without a keychain authenticates as \"ca\""
unlike "$(pvxs_ioc_new)" 'selects auth "x509"' \
    "IOC: no x509 authentication for the client without a keychain"
pvxs_client anon "" pvxget -w 5 "$PFX:calc"
is "$(get_val "$PFX:calc")" 42 "pvxget without a keychain still reads 42"
diag "pvxinfo (no keychain): $ident; IOC: ${line#*Client }"

# ---- only the CA in the keychain (what authnstd -a writes): TLS, anonymous
"$OPENSSL" pkcs12 -export -nokeys -in "$CA_FILE" -passout pass: \
    -out "$ROOT/run/ca-only.p12" 2>/dev/null ||
    not_ok "openssl makes a keychain holding only the CA"
pvxs_ioc_mark
pvxs_client trust "$ROOT/run/ca-only.p12" pvxinfo -v -w 5 "$PFX:calc"
is "$RC" 0 "pvxinfo with a CA-only keychain exits 0"
like "$(pvxs_identity "$OUT")" \
    "^# TLS x509:${SRV_ID%%:*}:$((10#$SRV_SERIAL)):$CA_CN/softioc@127\.0\.0\.1:$TLS_PORT\$" \
    "pvxinfo with a CA-only keychain: TLS, the server is x509 softioc"
line=$(pvxs_ioc_wait_new 'selects auth')
like "$line" 'selects auth "anonymous" as "anonymous" on "" authority' \
    "IOC: the client with a CA-only keychain is anonymous"

# ---- the IOC never looked up a status either
unlike "$(cat "$IOC_LOG")" "$STATUS_LOOKUP" \
    "IOC: looked up no certificate status (own or peer)"
unlike "$(grep -E '^[0-9T:.-]+ (WARN|ERR|CRIT)' "$IOC_LOG")" '.' \
    "IOC: logged no warning or error"
n=$(grep -c 'Not stapling' "$IOC_LOG")
diag "IOC: 'Server status not valid.  Not stapling' logged $n times (INFO, once per TLS accept)"
pvxs_stop_ioc
diag "softIocPVX stopped by SIGTERM with status $STOP_RC"

done_testing
