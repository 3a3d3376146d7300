#!/bin/bash
# sigterm_drain.sh - SIGTERM answers what pvacms accepted, and pvacms
# exits well inside systemd's stop timeout.
#
# The validator takes 2 s per token and pvacms has 2 workers; 40
# certificate requests are in flight (most of them queued) when SIGTERM
# arrives.  Every request must get an answer: a certificate (201) or an
# honest refusal (503, "stopping" or "busy"), none left hanging; every
# certificate recorded must be one a client received; and pvacms must
# exit 0 within 27 s (20 s of draining plus one validator call), below
# the unit's TimeoutStopSec=30.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
setup_root
start_issuer --slow-verify 2
start_pvacms --workers 2
DB=$ROOT/home/pvacms/.local/share/pva/1.4/certs.db
N=40
plan 7

ec_csr d || bail_out "cannot make a CSR"
for i in $(seq "$N"); do
	tok=$(get_token "drain$i") || bail_out "no token from the issuer"
	cert_body "$ROOT/run/d.csr" "$tok" >"$ROOT/run/body$i"
done
declare -a CURLS=()
for i in $(seq "$N"); do
	curl -s --max-time 60 --cacert "$CA_FILE" -o "$ROOT/run/answer$i" \
	    -w '%{http_code}\n' -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/body$i" "$CMS_URL/v1/certs" \
	    >"$ROOT/run/code$i" 2>/dev/null &
	CURLS+=("$!")
done
sleep 3
t0=$(now_ms)
kill -TERM "$PVACMS_PID"
wait "$PVACMS_PID"
rc=$?
took=$(($(now_ms) - t0))
untrack "$PVACMS_PID"
for p in "${CURLS[@]}"; do
	wait "$p"
done

is "$rc" 0 "pvacms exits 0 after SIGTERM"
check "it exits within 27 s (took ${took} ms)" test "$took" -lt 27000
issued=0
refused=0
other=""
for i in $(seq "$N"); do
	code=$(cat "$ROOT/run/code$i")
	case $code in
	201) issued=$((issued + 1)) ;;
	503) refused=$((refused + 1)) ;;
	*) other="$other $i:$code" ;;
	esac
done
is "$other" "" "every request got 201 or 503 (issued $issued, refused $refused)"
check "some were issued while draining" test "$issued" -ge 1
check "the rest were refused, not dropped" test "$refused" -ge 1
like "$(cat "$ROOT"/run/answer* | grep -o '"code":"[a-z_]*"' | sort -u |
    tr '\n' ' ')" '"code":"(stopping|busy)"' \
    "the refusals say stopping or busy"
is "$(sqlite3 "$DB" "SELECT COUNT(*) FROM certs WHERE cn LIKE 'drain%';")" \
    "$issued" "every certificate recorded was received by its client"

done_testing
