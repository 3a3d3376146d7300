#!/bin/bash
# seed_app.sh - the seed's quick start against the seed's OWN sample
# validator app (the Flask app.py printed in quick_start_jwt.rst), not our
# contrib issuer: pvacms with the seed's environment must accept its
# tokens, and authnjwt/pvxcert must print what the seed prints.
#
# The app is taken from the seed document at test time (it is not part of
# this tree).  Two edits make it fit a test: it binds 127.0.0.1 instead of
# every interface, and keeps its keys in the test root.  Skipped when the
# seed document is not beside the tree (e.g. in a release tarball).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

SEED_RST=${SEED_RST:-$top_srcdir/../shared/seed/quick_start_jwt.rst}
[ -r "$SEED_RST" ] || skip_all "seed document not found at $SEED_RST"

setup_root
plan 16

# Lines between "cat > /opt/epics/app.py <<EOF" and the closing "    EOF",
# de-indented by the rst code block's four spaces.
APP=$ROOT/run/seed_app.py
sed -n '/cat > \/opt\/epics\/app.py <<EOF/,/^    EOF$/p' "$SEED_RST" |
    sed '1d;$d' | sed 's/^    //' |
    sed 's/app.run(host="0.0.0.0"/app.run(host="127.0.0.1"/' >"$APP"
check "the seed's app.py was extracted" grep -q 'def verify_token' "$APP"
check "the seed's app binds loopback only" grep -q 'host="127.0.0.1"' "$APP"

ISSUER_PORT=$(free_port)
ISSUER_LOG=$ROOT/run/seed_app.log
mkdir -p "$ROOT/run/keys"
PORT=$ISSUER_PORT ISSUER=http://localhost:$ISSUER_PORT/default \
    KEY_DIR=$ROOT/run/keys "$PYTHON3" "$APP" </dev/null >"$ISSUER_LOG" 2>&1 &
ISSUER_PID=$!
track "$ISSUER_PID"
up=no
for i in $(seq $((WAIT_SECS * 10))); do
	if curl -sf --max-time 1 "http://localhost:$ISSUER_PORT/healthz" \
	    >/dev/null 2>&1; then
		up=yes
		break
	fi
	kill -0 "$ISSUER_PID" 2>/dev/null || break
	sleep 0.1
done
[ "$up" = yes ] || bail_out "the seed's app did not start: $(tail -n 3 "$ISSUER_LOG")"
export ISSUER_PORT

# start_pvacms exports exactly the seed's EPICS_AUTH_JWT_* settings.
start_pvacms

for user in softioc client; do
	usage=client
	[ "$user" = softioc ] && usage=server
	P12=$(keychain_path "$user" "$usage")
	make_home "$user"
	TOKEN=$(get_token "$user")
	printf '%s\n' "$TOKEN" >"$ROOT/home/$user/token_file"
	if [ "$usage" = server ]; then
		run as_user "$user" authnjwt -u server --token-file token_file
	else
		run as_user "$user" authnjwt --token-file token_file
	fi
	is "$RC" 0 "$user: authnjwt accepts the seed app's token"
	is "$(printf '%s\n' "$OUT" | sed -n 1p)" \
	    "Keychain file created   : $P12" "$user: keychain line"
	run as_user "$user" pvxcert -f "$P12"
	is "$RC" 0 "$user: pvxcert -f exits 0"
	like "$OUT" "^Entity Subject : CN=$user, O=localhost\$" \
	    "$user: subject CN=$user, O=localhost"
	like "$OUT" '^Status        : VALID$' "$user: status VALID"
	is "$(printf '%s\n' "$OUT" | sed -n 's/^Expires On     : //p')" \
	    "$(fmt_epoch "$(jwt_claim "$TOKEN" exp)")" \
	    "$user: Expires On is the token's exp"
done

SERVER_P12=$(keychain_path softioc server)
CLIENT_P12=$(keychain_path client client)
check "the two keychains carry a mutual-TLS handshake" \
    tls_handshake "$SERVER_P12" "$CLIENT_P12" "$CA_FILE"

# A token the seed's app did not sign is refused, and nothing is written.
rm -f "$CLIENT_P12"
printf '%s\n' "$TOKEN" | sed 's/\.[^.]*$/.AAAA/' \
    >"$ROOT/home/client/token_file"
run as_user client authnjwt --token-file token_file
like "$ERR" '^authnjwt: token rejected: ' \
    "a token with a forged signature is rejected by the seed's validator"
done_testing
