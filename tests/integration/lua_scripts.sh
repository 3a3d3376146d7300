#!/bin/bash
# lua_scripts.sh - each shipped Lua script (lua/*.lua) as a site admin
# tries it: `pvacms --dry-run` on tokens from the sample issuer (and a few
# crafted ones), asserting the Decision, Subject, validity, Initial State
# and Remote Check lines, or the denial's Code and Reason.  A dry run
# touches no CA, database or network: the dry-run user's HOME stays
# empty and the trusted URI may point nowhere.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer

LUA=$top_srcdir/lua
TRUSTED=http://localhost:$ISSUER_PORT/default/introspect
HOST_RULE="Dry run        : jwt (offline: no CA, no database, no network)"
d=$ROOT/run/dry
mkdir -p "$d"

# tok NAME SUB [QUERY]: a token from the issuer into $d/NAME.
tok()
{
	get_token "$2" "${3:-}" >"$d/$1" || bail_out "no token from the issuer"
}

# Every dry run's stderr, to look for sanitizer reports at the end.
DRY_ERR=$ROOT/run/dry_all.err
dry_run_logged()
{
	dry_run "$@"
	printf '%s\n' "$ERR" >>"$DRY_ERR"
}

# expect_allow WHAT SUBJECT [REMOTE]: the last dry run allowed, with
# this subject (and remote check text).
expect_allow()
{
	is "$RC" 0 "$1: exit 0"
	is "$(printf '%s\n' "$OUT" | head -n 1)" "$HOST_RULE" \
	    "$1: says it is a dry run"
	is "$(dry_field Decision)" ALLOW "$1: Decision ALLOW"
	is "$(dry_field Subject)" "$2" "$1: Subject"
	is "$(dry_field 'Remote Check')" \
	    "${3:-skipped: no --response given}" "$1: Remote Check"
}

# expect_deny WHAT CODE REASON: the last dry run denied.
expect_deny()
{
	is "$RC" 1 "$1: exit 1"
	is "$(dry_field Decision)" DENY "$1: Decision DENY"
	is "$(dry_field Code)" "$2" "$1: Code $2"
	is "$(dry_field Reason)" "$3" "$1: Reason"
	is "$(dry_field Subject)" "" "$1: no Subject line"
}

# ---- default_claims.lua: the same as no script at all
tok plain softioc
nbf=$(jwt_claim "$(cat "$d/plain")" nbf)
exp=$(jwt_claim "$(cat "$d/plain")" exp)
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED"
expect_allow "no script" "CN=softioc, O=localhost"
nos=$OUT
is "$(dry_field 'Valid From')" "$(fmt_epoch "$nbf")" "no script: from nbf"
is "$(dry_field 'Expires On')" "$(fmt_epoch "$exp")" "no script: until exp"
is "$(dry_field 'Initial State')" VALID "no script: VALID"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$LUA/default_claims.lua"
expect_allow "default_claims.lua" "CN=softioc, O=localhost"
is "$OUT" "$nos" "default_claims.lua: the very output of the C defaults"
check "dry runs created nothing in the user's HOME" \
    [ -z "$(find "$ROOT/home/dryrun" -mindepth 1 -not -type d)" ]
check "dry runs never called the validator" \
    [ -z "$(grep -E 'introspect|verify' "$ISSUER_LOG")" ]

# ---- keycloak_claims.lua
K=$LUA/keycloak_claims.lua
tok kc_alice u-1234 \
    '&preferred_username=alice&roles=offline_access,epics-user&groups=/lab/operators,/lab/x'
dry_run_logged --token "$d/kc_alice" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$K"
expect_allow "keycloak: alice" "CN=alice, O=localhost, OU=operators"
tok kc_norole u-1234 '&preferred_username=alice&groups=/lab/operators'
dry_run_logged --token "$d/kc_norole" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$K"
expect_deny "keycloak: no roles claim" script_denied \
    "extract_claims: user 'alice' has none of the roles epics-user, ioc-admin"
tok kc_bob bob '&roles=guest,offline_access'
dry_run_logged --token "$d/kc_bob" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$K"
expect_deny "keycloak: wrong roles" script_denied \
    "extract_claims: user 'bob' has none of the roles epics-user, ioc-admin"
tok kc_sub carol '&roles=ioc-admin'
dry_run_logged --token "$d/kc_sub" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$K" --usage ioc
expect_allow "keycloak: no username, no group" \
    "CN=carol, O=localhost, OU=ioc-admin"

# ---- role_policy_claims.lua
R=$LUA/role_policy_claims.lua
tok rp_none dave
dry_run_logged --token "$d/rp_none" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$R"
expect_allow "role policy: client for anyone" "CN=dave, O=localhost"
dry_run_logged --token "$d/rp_none" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$R" --usage server
expect_deny "role policy: server without the role" script_denied \
    "extract_claims: only role 'ioc-admin' may request server certificates"
dry_run_logged --token "$d/rp_none" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$R" --usage ioc
expect_deny "role policy: ioc without the role" script_denied \
    "extract_claims: only role 'ioc-admin' may request ioc certificates"
tok rp_realm erin '&roles=ioc-admin'
dry_run_logged --token "$d/rp_realm" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$R" --usage server
expect_allow "role policy: server with the realm role" "CN=erin, O=localhost"
now=$(date +%s)
craft_token "{\"sub\":\"frank\",\"iss\":\"$ISSUER_URL\",\"iat\":$now,\
\"exp\":$((now + 3600)),\"roles\":\"reader ioc-admin\"}" >"$d/rp_plain"
dry_run_logged --token "$d/rp_plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$R" --usage ioc
expect_allow "role policy: ioc with a plain roles claim" \
    "CN=frank, O=localhost"

# ---- introspection_response.lua: saved answers
I=$LUA/introspection_response.lua
curl -s --max-time 5 -d "token=$(cat "$d/kc_alice")" \
    "http://localhost:$ISSUER_PORT/default/introspect" >"$d/intro_live"
like "$(cat "$d/intro_live")" '"active": *true' \
    "issuer: introspection says active"
dry_run_logged --token "$d/kc_alice" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_live"
expect_allow "introspection: the issuer's answer" "CN=u-1234, O=localhost" \
    "validator answer accepted"
tok inactive inactive
curl -s --max-time 5 -d "token=$(cat "$d/inactive")" \
    "http://localhost:$ISSUER_PORT/default/introspect" >"$d/intro_off"
is "$(tr -d ' \n' <"$d/intro_off")" '{"active":false}' \
    "issuer: introspection says inactive for sub 'inactive'"
dry_run_logged --token "$d/inactive" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_off"
expect_deny "introspection: inactive" token_inactive \
    "interpret_response: token is not active"
printf '{"active": "true"}' >"$d/intro_str"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_str"
expect_deny "introspection: only a JSON true counts" token_inactive \
    "interpret_response: token is not active"
printf '{"active": true, "token_type": "mac"}' >"$d/intro_mac"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_mac"
expect_deny "introspection: token_type checked" token_rejected \
    "interpret_response: token_type is not Bearer"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_live" \
    --response-status 401
# The script's reason code: pvacms's own credentials refused, the site's
# problem (an ERROR, 502), not the user's.
is "$RC" 1 "introspection: HTTP 401: exit 1"
is "$(dry_field Decision)" ERROR "introspection: HTTP 401 is an ERROR"
is "$(dry_field Code)" validator_auth_failed \
    "introspection: HTTP 401: the script's code validator_auth_failed"
is "$(dry_field Reason)" \
    "interpret_response: introspection refused pvacms's credentials (HTTP 401)" \
    "introspection: HTTP 401: Reason"
printf 'not json' >"$d/intro_text"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_text"
is "$RC" 1 "introspection: not JSON: exit 1"
is "$(dry_field Decision)" ERROR "introspection: not JSON is an ERROR"
is "$(dry_field Code)" validator_error "introspection: not JSON: validator_error"
is "$(dry_field Reason)" \
    "interpret_response: introspection answer is not a JSON object" \
    "introspection: not JSON: Reason"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_live" \
    --response-status 503
is "$RC" 1 "introspection: HTTP 503: exit 1"
is "$(dry_field Decision)" ERROR "introspection: HTTP 503 is an ERROR"
is "$(dry_field Code)" validator_error \
    "introspection: HTTP 503 never reaches the script"

# Both hooks together.
dry_run_logged --token "$d/kc_alice" --jwt-trusted-uri "$TRUSTED" \
    --jwt-response-script "$I" --response "$d/intro_live" \
    --jwt-claims-script "$K"
expect_allow "introspection + keycloak" "CN=alice, O=localhost, OU=operators" \
    "validator answer accepted"

# ---- seed_response.lua: the sample validator's {"valid": ...}
S=$LUA/seed_response.lua
VERIFY=http://localhost:$ISSUER_PORT/default/verify
curl -sG --max-time 5 --data-urlencode "token=$(cat "$d/plain")" \
    "$VERIFY" >"$d/seed_yes"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$VERIFY" \
    --jwt-response-script "$S" --response "$d/seed_yes"
expect_allow "seed validator: valid" "CN=softioc, O=localhost" \
    "validator answer accepted"
printf '{"error": "Signature has expired", "valid": false}\n' >"$d/seed_no"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$VERIFY" \
    --jwt-response-script "$S" --response "$d/seed_no"
expect_deny "seed validator: not valid" script_denied \
    "interpret_response: validator says: Signature has expired"
# The response pattern it replaces judges the same answers alike.
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$VERIFY" \
    --jwt-response-format '{ *, "valid": "#response#" }' \
    --response "$d/seed_yes"
expect_allow "seed pattern: valid" "CN=softioc, O=localhost" \
    "validator answer accepted"
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$VERIFY" \
    --jwt-response-format '{ *, "valid": "#response#" }' \
    --response "$d/seed_no"
is "$RC" 1 "seed pattern: not valid: exit 1"
is "$(dry_field Code)" token_rejected "seed pattern: token_rejected"

# ---- a site's own script: approval, a later start, a wider window
cat >"$ROOT/approve.lua" <<'EOF'
function extract_claims(token)
	return { approval = true, not_after = token.claims.exp + 86400 }
end
EOF
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$ROOT/approve.lua"
expect_allow "approval script" "CN=softioc, O=localhost"
is "$(dry_field 'Initial State')" PENDING_APPROVAL \
    "approval script: PENDING_APPROVAL"
is "$(dry_field 'Expires On')" "$(fmt_epoch "$exp")" \
    "approval script: a later not_after is clamped to exp"
cat >"$ROOT/later.lua" <<'EOF'
function extract_claims(token)
	return { not_before = token.claims.nbf + 600, ou = "night shift" }
end
EOF
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$ROOT/later.lua"
expect_allow "later script" "CN=softioc, O=localhost, OU=night shift"
is "$(dry_field 'Valid From')" "$(fmt_epoch $((nbf + 600)))" \
    "later script: not_before narrowed"
is "$(dry_field 'Initial State')" PENDING "later script: PENDING"
cat >"$ROOT/empty.lua" <<'EOF'
function extract_claims(token)
	return { not_after = token.claims.nbf - 1 }
end
EOF
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$ROOT/empty.lua"
expect_deny "empty window" script_error \
    "extract_claims: script returned an empty validity window"

# ---- local checks still come first; --now moves the clock
dry_run_logged --token "$d/plain" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$K" --now $((exp + 3600))
is "$RC" 1 "--now after exp: exit 1"
is "$(dry_field Code)" token_expired "--now after exp: token_expired"
dry_run_logged --token "$d/plain" \
    --jwt-trusted-uri "http://localhost:$ISSUER_PORT/other/introspect" \
    --jwt-claims-script "$K"
is "$(dry_field Code)" issuer_mismatch "the iss rule still applies"

unlike "$(cat "$DRY_ERR")" 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' \
    "no crash or sanitizer report from any dry run"

done_testing
