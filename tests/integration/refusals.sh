#!/bin/bash
# refusals.sh - every way a token exchange must fail, and fail well.
#
# For each bad case authnjwt must exit non-zero, print exactly one line on
# stderr starting "authnjwt: ", and leave the keychain alone: absent when
# there was none (user "client"), byte-identical when there was one (user
# "softioc", who got a server keychain first).  Afterwards the daemon
# still answers /healthz.  Covered: the issuer refusing a wrong password,
# a token signed by someone else, an expired token, tampered tokens,
# garbage and empty token files, a dead validator and a hung validator
# (which must not stall the daemon's other work).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer
GOOD_ISSUER_PORT=$ISSUER_PORT
GOOD_ISSUER_URL=$ISSUER_URL
start_pvacms

SOFTIOC_P12=$(keychain_path softioc server)
CLIENT_P12=$(keychain_path client client)
make_home softioc
make_home client
TOKENS=()

# A good server keychain for softioc, to check it survives refusals.
t=$(get_token softioc)
printf '%s\n' "$t" >"$ROOT/home/softioc/token_file"
run as_user softioc authnjwt -u server --token-file token_file
is "$RC" 0 "softioc gets a server keychain with a good token"
SOFTIOC_ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
cp -p "$SOFTIOC_P12" "$ROOT/run/softioc.p12.orig" 2>/dev/null

# refused CASE TOKEN_TEXT ERE: authnjwt refuses TOKEN_TEXT for both users;
# its one stderr line matches ERE.
refused()
{
	local case=$1 text=$2 re=$3 user args p12
	[ -z "$text" ] || TOKENS+=("$text")
	for user in softioc client; do
		if [ "$user" = softioc ]; then
			args=(-u server)
			p12=$SOFTIOC_P12
		else
			args=()
			p12=$CLIENT_P12
		fi
		printf '%s' "$text" >"$ROOT/home/$user/token_file"
		run as_user "$user" authnjwt "${args[@]}" --token-file token_file
		if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
			ok "$case ($user): authnjwt exits non-zero"
		else
			not_ok "$case ($user): authnjwt exits non-zero" \
			    "rc=$RC" "stdout: $OUT" "stderr: $ERR"
		fi
		is "$(nlines "$ERR")" 1 "$case ($user): one line on stderr"
		like "$ERR" "^authnjwt: " "$case ($user): the line starts 'authnjwt: '"
		like "$ERR" "$re" "$case ($user): the line says why"
		is "$OUT" "" "$case ($user): nothing on stdout"
		if [ "$user" = softioc ]; then
			check "$case ($user): keychain is unchanged" \
			    cmp -s "$ROOT/run/softioc.p12.orig" "$p12"
		else
			check "$case ($user): no keychain is left behind" \
			    [ ! -e "$p12" ]
		fi
		check "$case ($user): no temporary files left behind" \
		    [ -z "$(find "$(dirname "$p12")" -name '*.tmp*' -o \
		    -name '.*' -type f 2>/dev/null)" ]
	done
	check "$case: pvacms still answers /healthz" healthz
}

# ---- the issuer refuses a wrong password: no token
code=$(curl -s -o "$ROOT/run/forbidden" -w '%{http_code}' --max-time 5 \
    "http://localhost:$ISSUER_PORT/default/token?sub=client&password=wrong")
is "$code" 403 "issuer refuses a wrong password with 403"
is "$(cat "$ROOT/run/forbidden")" "Forbidden" "issuer says Forbidden"
# A user who follows the seed blindly writes "Forbidden" to token_file.
refused "wrong password" "$(cat "$ROOT/run/forbidden")" .

# ---- a token from another issuer (another key, same iss): the validator
# says no.
start_issuer --issuer "$GOOD_ISSUER_URL"
OTHER_PID=$ISSUER_PID
t=$(get_token client)
ISSUER_PORT=$GOOD_ISSUER_PORT
stop_pid "$OTHER_PID"
like "$(curl -sG --max-time 5 --data-urlencode "token=$t" \
    "http://localhost:$ISSUER_PORT/default/verify")" '"valid": *false' \
    "the trusted validator rejects another issuer's token"
refused "foreign signature" "$t" 'token rejected'

# ---- expired beyond the leeway: issued an hour ago, expired 2 min ago
t=$(get_token client '&nbf_offset=-3720&exp_secs=-120')
refused "expired token" "$t" 'token rejected.*expired'
# exp_secs=-120 alone also puts exp before nbf
t=$(get_token client '&exp_secs=-120')
refused "expired token (exp before nbf)" "$t" 'token rejected'

# ---- not yet valid beyond the leeway
t=$(get_token client '&nbf_offset=600')
refused "token not yet valid" "$t" 'token rejected'

# ---- an issuer pvacms does not trust (iss names another host/port or a
# look-alike path)
t=$(get_token client '&iss=http://localhost:1/default')
refused "untrusted iss (other port)" "$t" 'token rejected.*issuer'
t=$(get_token client "&iss=http://localhost:$ISSUER_PORT/default.evil")
refused "untrusted iss (look-alike path)" "$t" 'token rejected.*issuer'

# ---- tampered: the payload changed (sub client -> admin), signature kept
t=$(get_token client)
tampered=$("$PYTHON3" - "$t" <<'EOF'
import base64, json, sys
h, p, s = sys.argv[1].split(".")
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
c["sub"] = "admin"
p = base64.urlsafe_b64encode(json.dumps(c).encode()).rstrip(b"=").decode()
print(h + "." + p + "." + s)
EOF
)
refused "tampered payload (sub=admin)" "$tampered" 'token rejected'

# ---- tampered: one payload character flipped
t=$(get_token client)
flipped=$("$PYTHON3" - "$t" <<'EOF'
import sys
h, p, s = sys.argv[1].split(".")
i = len(p) // 2
p = p[:i] + ("A" if p[i] != "A" else "B") + p[i + 1:]
print(h + "." + p + "." + s)
EOF
)
refused "tampered payload (one char)" "$flipped" .

# ---- garbage and empty token files
refused "garbage token file" "this is not a token" .
refused "empty token file" "" .

# ---- dead validator: nothing listens at the trusted URI
stop_pvacms
dead=$(free_port)
start_pvacms --jwt-trusted-uri "http://localhost:$dead/default/verify"
# The token names the dead validator's issuer, so only the call can fail.
t=$(get_token client "&iss=http://localhost:$dead/default")
refused "dead validator" "$t" 'pvacms could not validate.*unreachable'

# ---- hung validator: answers after 30 s, pvacms gives up after 1 s
stop_pvacms
start_issuer --slow-verify 30
start_pvacms --jwt-timeout-ms 1000
t=$(get_token client)
refused "hung validator" "$t" 'pvacms could not validate.*(timed out|timeout)'
check "hung validator: authnjwt gave up within 10 s (took ${MS} ms)" \
    [ "$MS" -lt 10000 ]

# While a request hangs on the validator, the daemon keeps serving.
stop_pvacms
start_pvacms --jwt-timeout-ms 8000
nbefore=$(grep -c 'sleeping' "$ISSUER_LOG")
printf '%s\n' "$t" >"$ROOT/home/client/token_file"
(
	cd "$ROOT/home/client" || exit 1
	exec env HOME="$ROOT/home/client" \
	    XDG_CONFIG_HOME="$ROOT/home/client/.config" \
	    XDG_DATA_HOME="$ROOT/home/client/.local/share" \
	    EPICS_PVACMS_URL="$CMS_URL" EPICS_PVACMS_CA_FILE="$CA_FILE" \
	    authnjwt --token-file token_file
) >"$ROOT/run/hung.out" 2>"$ROOT/run/hung.err" &
hung_pid=$!
track "$hung_pid"
for i in $(seq $((WAIT_SECS * 20))); do
	[ "$(grep -c 'sleeping' "$ISSUER_LOG")" -gt "$nbefore" ] && break
	sleep 0.05
done
check "hung validator: the request reached the validator" \
    [ "$(grep -c 'sleeping' "$ISSUER_LOG")" -gt "$nbefore" ]
check "while a request hangs: /healthz answers within 2 s" \
    curl -sf --max-time 2 -o /dev/null "$STATUS_URL/healthz"
check "while a request hangs: HTTPS /healthz answers within 2 s" \
    curl -sf --max-time 2 -o /dev/null --cacert "$CA_FILE" \
    "$CMS_URL/healthz"
code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' \
    "$STATUS_URL/v1/certs/${SOFTIOC_ID:-00000000:1}/status")
like "$code" '^(200|404)$' \
    "while a request hangs: a status GET answers within 2 s"
check "hung validator: the hanging request is still waiting" \
    kill -0 "$hung_pid"
stop_pid "$hung_pid" TERM

# ---- nothing leaked: no token in the daemon's logs or the audit log
no_token_leaked "${TOKENS[@]}"
like "$(cat "$AUDIT_LOG" 2>/dev/null)" '"event": *"denied"' \
    "the audit log records the denials"

done_testing
