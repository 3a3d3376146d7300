#!/bin/bash
# validator_faults.sh - a broken validator is the site's problem, and the
# answer says so: 502 validator_error, not a 401 that blames the token or
# a 503 that claims it is unreachable.
#
# The sample issuer's test knob --verify-answer makes its validator answer
# every token with a file's bytes: first an HTML page, which the response
# pattern cannot read, then 10 MiB, past the 64 KiB pvacms reads.  Both
# are refused with 502 validator_error, audited with that code, and the
# message says what was wrong with the answer.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
plan 8

printf '<html><body>Service Unavailable</body></html>\n' \
    >"$ROOT/run/garbage.html"
start_issuer --verify-answer "$ROOT/run/garbage.html"
start_pvacms
post_token "$(get_token gary)"
is "$CODE $ECODE" "502 validator_error" \
    "an unreadable validator answer: 502 validator_error"
like "$BODY" 'does not match the response pattern' \
    "the message says the answer did not match"
is "$(last_denied_code)" validator_error "audited as validator_error"
stop_pvacms TERM
stop_pid "$ISSUER_PID"

head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$ROOT/run/huge.txt"
start_issuer --verify-answer "$ROOT/run/huge.txt"
start_pvacms
post_token "$(get_token hugo)"
is "$CODE $ECODE" "502 validator_error" \
    "a 10 MiB validator answer: 502 validator_error"
like "$BODY" 'larger than' "the message says the answer was too large"
is "$(last_denied_code)" validator_error "audited as validator_error"
check "pvacms is alive" kill -0 "$PVACMS_PID"
stop_pvacms TERM
is "$STOP_RC" 0 "pvacms stops cleanly"

done_testing
