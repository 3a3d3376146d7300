#!/bin/bash
# deadline.sh - a hung validator: every request is answered before its
# client gives up, and the ones that cannot be served in time are
# refused early with a retryable 503.
#
# The validator sleeps 60 s per token; pvacms calls it with a 5 s timeout
# and 2 workers.  40 requests arrive at once.  A request's deadline is
# not per validator call: one that has waited 10 s for a worker is
# refused with 503 busy and Retry-After rather than started, so every
# client, patient for 30 s like authnjwt, gets an answer: 504
# validator_timeout for those that were tried, 503 busy for the rest.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer --slow-verify 60
start_pvacms --workers 2 --jwt-timeout-ms 5000
N=40
plan 5

ec_csr h || bail_out "cannot make a CSR"
for i in $(seq "$N"); do
	cert_body "$ROOT/run/h.csr" "$(get_token "hung$i")" \
	    >"$ROOT/run/body$i"
done
declare -a CURLS=()
for i in $(seq "$N"); do
	# 30 s: how long authnjwt waits for an answer.
	curl -s --max-time 30 --cacert "$CA_FILE" -D "$ROOT/run/head$i" \
	    -o "$ROOT/run/answer$i" -w '%{http_code}\n' \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/body$i" "$CMS_URL/v1/certs" \
	    >"$ROOT/run/code$i" 2>/dev/null &
	CURLS+=("$!")
done
for p in "${CURLS[@]}"; do
	wait "$p"
done

timeouts=0
busy=0
other=""
for i in $(seq "$N"); do
	code=$(cat "$ROOT/run/code$i")
	ecode=$(sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p' "$ROOT/run/answer$i")
	case "$code $ecode" in
	"504 validator_timeout") timeouts=$((timeouts + 1)) ;;
	"503 busy")
		busy=$((busy + 1))
		grep -qi '^Retry-After: [0-9]' "$ROOT/run/head$i" ||
		    other="$other $i:no-Retry-After"
		;;
	*) other="$other $i:$code/$ecode" ;;
	esac
done
is "$other" "" "every client got an answer before giving up (504 $timeouts, 503 $busy)"
check "the requests that were tried timed out at the validator" \
    test "$timeouts" -ge 2
check "the rest were refused early, as busy" test "$busy" -ge 1
check "pvacms is alive" kill -0 "$PVACMS_PID"
stop_pvacms TERM
is "$STOP_RC" 0 "pvacms stops cleanly"

done_testing
