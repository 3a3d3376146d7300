#!/bin/bash
# states.sh - time moves certificates on its own, and states survive a
# restart.
#
# A certificate from a token that lives 5 s turns EXPIRED by itself: the
# audit log gets its "expired" line within a few seconds of notAfter
# while nobody asks pvacms anything, and GET status then says EXPIRED.
# A token whose nbf is a second ahead (a provider's clock a little fast)
# gives a certificate valid at once; one whose nbf is a few seconds ahead
# gives a PENDING certificate that turns VALID by itself ("activated").  A revocation and an expiry
# survive a restart, and a certificate that expired while pvacms was
# stopped is marked EXPIRED as soon as it starts again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

setup_root
start_issuer
# Local verification: the issuer's own /verify refuses a token before its
# nbf, while pvacms accepts one within its clock leeway (60 s) and signs
# it from nbf on (from now, when nbf is at most 2 s ahead).
start_pvacms_local
ADMIN=$ROOT/home/pvacms/.config/pva/1.4/admin.p12

# ---- expiry, without any request
post_token "$(get_token sam '&exp_secs=5')"
is "$CODE" 201 "a 5-second token gets a certificate"
SAM=$(json_field cert_id)
SAM_NA=$(printf '%s' "$BODY" | sed -n 's/.*"not_after" *: *\([0-9]*\).*/\1/p')
is "$(json_field state)" VALID "it starts VALID"
if wait_audit expired "$SAM"; then
	ok "the audit log says expired, with no request made"
else
	not_ok "the audit log says expired, with no request made"
fi
line=$(audit_line expired "$SAM")
like "$line" '"from":"VALID","to":"EXPIRED","by":"pvacms"' \
    "audit: VALID to EXPIRED by pvacms"
late=$(($(audit_time "$line") - SAM_NA))
if [ "$late" -ge 0 ] && [ "$late" -le 4 ]; then
	ok "it expired promptly: ${late}s after notAfter"
else
	not_ok "it expired promptly" "${late}s after notAfter (want 0 to 4)"
fi
is "$(status_of "$SAM")" EXPIRED "GET status says EXPIRED"
admin_post "$ADMIN" "$SAM" revoke
is "$CODE $ECODE" "409 invalid_transition" "an expired certificate cannot be revoked"
like "$BODY" 'EXPIRED; expiry is final' "the conflict says expiry is final"

# ---- nbf a second ahead (a provider's clock a little fast): valid now
before=$(date +%s)
post_token "$(get_token skew '&nbf_offset=1')"
is "$CODE" 201 "a token with nbf 1 s ahead gets a certificate"
SKEW=$(json_field cert_id)
is "$(json_field state)" VALID "it starts VALID, not PENDING for that second"
SKEW_NB=$(printf '%s' "$BODY" | sed -n 's/.*"not_before" *: *\([0-9]*\).*/\1/p')
if [ -n "$SKEW_NB" ] && [ "$SKEW_NB" -le "$(date +%s)" ] &&
    [ "$SKEW_NB" -ge "$before" ]; then
	ok "its notBefore is the time of issue, not the token's nbf"
else
	not_ok "its notBefore is the time of issue" "not_before=$SKEW_NB"
fi
is "$(status_of "$SKEW")" VALID "GET status says VALID at once"

# ---- PENDING until notBefore, then VALID on its own
post_token "$(get_token pat '&nbf_offset=4')"
is "$CODE" 201 "a token with nbf 4 s ahead gets a certificate"
PAT=$(json_field cert_id)
is "$(json_field state)" PENDING "it starts PENDING"
is "$(status_of "$PAT")" PENDING "GET status says PENDING"
if wait_audit activated "$PAT"; then
	ok "the audit log says activated, on its own"
else
	not_ok "the audit log says activated, on its own"
fi
like "$(audit_line activated "$PAT")" '"from":"PENDING","to":"VALID","by":"pvacms"' \
    "audit: PENDING to VALID by pvacms"
is "$(status_of "$PAT")" VALID "GET status says VALID"

# ---- states survive a restart
post_token "$(get_token rob)"
ROB=$(json_field cert_id)
admin_post "$ADMIN" "$ROB" revoke
is "$CODE $STATE" "200 REVOKED" "rob's certificate is revoked"
post_token "$(get_token quick '&exp_secs=3')"
QUICK=$(json_field cert_id)
QUICK_NA=$(printf '%s' "$BODY" | sed -n 's/.*"not_after" *: *\([0-9]*\).*/\1/p')
is "$(json_field state)" VALID "a 3-second certificate starts VALID"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops"
# Wait, with pvacms down, until the 3-second certificate is past notAfter.
while [ "$(date +%s)" -le "$QUICK_NA" ]; do sleep 0.2; done
is "$(audit_line expired "$QUICK")" "" "nothing marked it expired while pvacms was down"
start_pvacms_local
is "$(status_of "$ROB")" REVOKED "the revocation survives the restart"
is "$(status_of "$SAM")" EXPIRED "the expiry survives the restart"
is "$(status_of "$PAT")" VALID "the activation survives the restart"
check "on start, the certificate that expired meanwhile is marked expired" \
    test -n "$(audit_line expired "$QUICK")"
is "$(status_of "$QUICK")" EXPIRED "and GET status says EXPIRED"
is "$(grep -F "\"cert_id\":\"$SAM\"" "$AUDIT_LOG" |
    sed -n 's/.*"event":"\([a-z]*\)".*/\1/p' | paste -sd' ')" \
    "issued expired refused" \
    "the 5-second certificate: issued, expired once, the revoke refused"
stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly"

done_testing
