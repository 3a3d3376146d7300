# tests/integration/admin_lib.sh - helpers for the administration and
# state-machine tests (admin_api.sh, states.sh), sourced after lib.sh.
# shellcheck shell=bash

# admin_post P12 CERT_ID ACTION [URL]: POST /v1/certs/CERT_ID/ACTION over
# HTTPS with the client certificate of keychain P12 ("" for none); sets
# CODE (HTTP status), BODY, ECODE (JSON error code) and STATE (the
# "state" of a success).
admin_post()
{
	local p12=$1 id=$2 action=$3 url=${4:-$CMS_URL} pfx
	local -a cert=()
	if [ -n "$p12" ]; then
		pfx=$ROOT/run/client.$$.$RANDOM
		p12_extract "$p12" "$pfx" || return 1
		cert=(--cert "$pfx.crt" --key "$pfx.key")
	fi
	CODE=$(curl -s --max-time "$RUN_TIMEOUT" --cacert "$CA_FILE" \
	    "${cert[@]}" -o "$ROOT/run/admin.answer" -w '%{http_code}' \
	    -X POST "$url/v1/certs/$id/$action")
	BODY=$(cat "$ROOT/run/admin.answer" 2>/dev/null)
	ECODE=$(json_field code)
	STATE=$(json_field state)
	[ -z "$p12" ] || rm -f "$pfx.crt" "$pfx.key" "$pfx.chain"
}

# json_field NAME: a string member of BODY (top level or in "error").
json_field()
{
	printf '%s' "$BODY" | "$PYTHON3" -c 'import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
v = d.get(sys.argv[1], (d.get("error") or {}).get(sys.argv[1], ""))
print(v if v is not None else "")' "$1"
}

# status_of CERT_ID: the state GET /v1/certs/CERT_ID/status reports.
status_of()
{
	curl -s --max-time "$WAIT_SECS" "$STATUS_URL/v1/certs/$1/status" |
	    sed -n 's/.*"state" *: *"\([A-Z_]*\)".*/\1/p'
}

# issue_client USER [QUERY]: USER gets a client keychain from a fresh
# token (QUERY is added to the issuer's token URL); sets ID.
issue_client()
{
	make_home "$1"
	get_token "$1" "${2:-}" >"$ROOT/home/$1/token_file"
	run as_user "$1" authnjwt --token-file token_file
	ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
}

# as_pvacms ARGS...: run pvacms ARGS as user "pvacms" (the daemon's own
# HOME and XDG directories), e.g. an offline --admin-keychain-new,
# bounded by RUN_TIMEOUT.  Use it under run.
as_pvacms()
{
	local home=$ROOT/home/pvacms
	env HOME="$home" XDG_CONFIG_HOME="$home/.config" \
	    XDG_DATA_HOME="$home/.local/share" \
	    timeout -k 2 "$RUN_TIMEOUT" pvacms "$@"
}

# audit_line EVENT CERT_ID: the last audit line of EVENT for CERT_ID.
audit_line()
{
	grep -F "\"event\":\"$1\"" "$AUDIT_LOG" 2>/dev/null |
	    grep -F "\"cert_id\":\"$2\"" | tail -n 1
}

# wait_audit EVENT CERT_ID: wait (bounded by 2 x WAIT_SECS) for such a
# line, looking only at the file: no request is made meanwhile.
wait_audit()
{
	local i
	for i in $(seq $((WAIT_SECS * 20))); do
		[ -z "$(audit_line "$1" "$2")" ] || return 0
		sleep 0.1
	done
	return 1
}

# audit_time LINE: the epoch seconds of an audit line's "time".
audit_time()
{
	date -u -d "$(printf '%s' "$1" |
	    sed -n 's/.*"time":"\([^"]*\)".*/\1/p')" +%s
}

# approval_script FILE: a claims script by which subjects starting with
# "pend" wait for an administrator (PENDING_APPROVAL).
approval_script()
{
	cat >"$1" <<'EOF_LUA'
function extract_claims(token)
	if string.sub(token.claims.sub, 1, 4) == "pend" then
		return { approval = true }
	end
	return {}
end
EOF_LUA
}
