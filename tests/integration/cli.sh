#!/bin/bash
# cli.sh - the command lines: help that lists every option, versions, and
# bad values refused at once with one line that names the problem.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
make_home pvacms

# ---- pvacms --help lists every documented flag
run pvacms --help
is "$RC" 0 "pvacms --help exits 0"
is "$ERR" "" "pvacms --help writes nothing to stderr"
for f in -h --help -V --version -v --verbose \
    --cert-auth-keychain --cert-auth-keychain-pwd \
    --pvacms-keychain --pvacms-keychain-pwd \
    --admin-keychain --admin-keychain-pwd --ca-file -d --cert-db \
    --audit-log --cert-auth-name --cert-auth-org --cert-auth-org-unit \
    --cert-auth-country --https-listen --http-listen --status-url \
    --hostnames --plugin-dir --plugins --status-validity-mins --admins \
    --workers --listen-info --jwt-trusted-uri --jwt-request-format \
    --jwt-request-method --jwt-response-format --jwt-use-response-code \
    --jwt-leeway --jwt-timeout-ms --pva --pvas-intf-addr-list \
    --pvas-server-port --pvas-broadcast-port --certs-require-subscription; do
	if printf '%s\n' "$OUT" | grep -Eq -- "(^|[[ ,])$f([] ,=]|\$)"; then
		ok "pvacms --help mentions $f"
	else
		not_ok "pvacms --help mentions $f"
	fi
done
run pvacms -h
is "$RC" 0 "pvacms -h exits 0"
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$top_builddir/config.h")
run pvacms --version
is "$OUT" "pvacms $VERSION" "pvacms --version prints 'pvacms $VERSION'"
run pvacms -V
is "$OUT" "pvacms $VERSION" "pvacms -V prints 'pvacms $VERSION'"

# ---- authnjwt -h
run authnjwt -h
is "$RC" 0 "authnjwt -h exits 0"
for f in -u --token-file --cms --cms-ca --key-type -v -h -V; do
	if printf '%s\n' "$OUT" | grep -Eq -- "(^|[[ ,])$f([] ,=]|\$)"; then
		ok "authnjwt -h mentions $f"
	else
		not_ok "authnjwt -h mentions $f"
	fi
done
run authnjwt -V
like "$OUT" '^authnjwt [0-9]+\.[0-9]+' "authnjwt -V prints its version"

# ---- pvxcert usage
run pvxcert
check "pvxcert with no arguments exits non-zero" [ "$RC" -ne 0 ]
check "pvxcert with no arguments says how to use it" [ -n "$ERR$OUT" ]

# ---- bad values: non-zero, one line on stderr naming the problem,
# never serving.
# bad_flag WHAT ERE ARGS...: pvacms ARGS must fail; its line matches ERE.
bad_flag()
{
	local what=$1 re=$2 li=$ROOT/run/cli.listen
	shift 2
	rm -f "$li"
	run env HOME="$ROOT/home/pvacms" \
	    XDG_CONFIG_HOME="$ROOT/home/pvacms/.config" \
	    XDG_DATA_HOME="$ROOT/home/pvacms/.local/share" \
	    timeout -k 2 20 pvacms --https-listen 127.0.0.1:0 \
	    --http-listen 127.0.0.1:0 --pvas-server-port 0 \
	    --pvas-broadcast-port 0 --listen-info "$li" \
	    --jwt-trusted-uri http://localhost:1/default/verify "$@"
	if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
		ok "$what: pvacms exits non-zero ($RC)"
	else
		not_ok "$what: pvacms exits non-zero" "rc=$RC" "$ERR"
	fi
	# A usage error may add the conventional "Try 'pvacms --help'." hint.
	is "$(nlines "$(printf '%s\n' "$ERR" | grep -v "^Try 'pvacms --help'")")" \
	    1 "$what: one line on stderr (besides a --help hint)"
	like "$ERR" '^pvacms: ' "$what: the line starts 'pvacms: '"
	like "$ERR" "$re" "$what: the line names the problem"
	check "$what: pvacms never served" [ ! -e "$li" ]
}

bad_flag "--jwt-request-method PUT" 'request-method|REQUEST_METHOD|PUT' \
    --jwt-request-method PUT
bad_flag "--status-validity-mins abc" 'status-validity-mins|abc' \
    --status-validity-mins abc
bad_flag "--https-listen nonsense" 'https-listen|nonsense' \
    --https-listen nonsense
bad_flag "--pva maybe" 'pva.*yes or no.*maybe' --pva maybe
bad_flag "--certs-require-subscription SOMETIMES" \
    'CERTS_REQUIRE_SUBSCRIPTION.*YES, NO or DEFAULT' \
    --certs-require-subscription SOMETIMES
bad_flag "--pvas-server-port 70000" 'pvas-server-port|70000' \
    --pvas-server-port 70000
bad_flag "--pvas-intf-addr-list localhost" \
    'EPICS_PVAS_INTF_ADDR_LIST.*not an IPv4 address' \
    --pvas-intf-addr-list localhost
bad_flag "--http-listen 127.0.0.1:99999" 'http-listen|99999' \
    --http-listen 127.0.0.1:99999
bad_flag "--workers 0" 'workers' --workers 0
bad_flag "--jwt-timeout-ms -5" 'timeout-ms|TIMEOUT_MS' --jwt-timeout-ms -5
bad_flag "--jwt-leeway x" 'leeway|LEEWAY' --jwt-leeway x
bad_flag "--no-such-flag" 'no-such-flag' --no-such-flag
run env HOME="$ROOT/home/pvacms" pvacms --no-such-flag
is "$RC" 2 "an unknown flag is a usage error (exit 2)"

# The environment is checked like the flags.
run env HOME="$ROOT/home/pvacms" EPICS_PVACMS_CERT_STATUS_VALIDITY_MINS=abc \
    timeout -k 2 20 pvacms --https-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 --listen-info "$ROOT/run/env.listen" \
    --jwt-trusted-uri http://localhost:1/default/verify
check "EPICS_PVACMS_CERT_STATUS_VALIDITY_MINS=abc: exits non-zero" \
    [ "$RC" -ne 0 -a "$RC" -ne 124 ]
like "$ERR" 'STATUS_VALIDITY_MINS|abc' \
    "EPICS_PVACMS_CERT_STATUS_VALIDITY_MINS=abc: the message names it"

# ---- authnjwt bad values
make_home client
run as_user client authnjwt -u admin --token-file /dev/null
check "authnjwt -u admin exits non-zero" [ "$RC" -ne 0 ]
is "$(nlines "$ERR")" 1 "authnjwt -u admin: one line on stderr"
like "$ERR" '^authnjwt: .*(admin|usage)' "authnjwt -u admin: the line names the problem"
run as_user client authnjwt --key-type dsa --token-file /dev/null
check "authnjwt --key-type dsa exits non-zero" [ "$RC" -ne 0 ]
like "$ERR" '^authnjwt: .*(dsa|key type)' "authnjwt --key-type dsa: the line names the problem"
run as_user client authnjwt --token-file "$ROOT/nonexistent"
check "authnjwt with a missing token file exits non-zero" [ "$RC" -ne 0 ]
like "$ERR" "^authnjwt: .*$ROOT/nonexistent" \
    "authnjwt: a missing token file is named"
printf 'a.b.c\n' >"$ROOT/home/client/token_file"
RUN_TIMEOUT=10 run as_user client authnjwt --cms http://192.0.2.1:8443 \
    --token-file token_file
check "authnjwt refuses plain http:// to a non-loopback pvacms" \
    [ "$RC" -ne 0 -a "$RC" -ne 124 ]
like "$ERR" '^authnjwt: .*(http|loopback)' \
    "authnjwt says why it refuses http:// (took $MS ms)"

done_testing
