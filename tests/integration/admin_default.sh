#!/bin/bash
# admin_default.sh - administrator rights never come from a token alone.
#
# With the quick start's configuration and the default settings, anyone
# can get a token with any `sub` from the sample issuer: certificates for
# the subjects admin, root and pvacms approve, deny and revoke nothing,
# and nothing changes.  The keychains pvacms makes (the bootstrap
# admin.p12, pvacms --admin-keychain-new) can.  A site that wants
# identity-provider administrators says so with a claims script that
# returns admin = true (the shipped admin_group_claims.lua grants it to a
# group): such a certificate works and is recorded and audited as an
# administrator's.  EPICS_PVACMS_ADMINS stays an explicit opt-in, with a
# warning at every start.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

setup_root
start_issuer
plan 39

# The site's script: pend* subjects wait for approval (so that there is
# something to approve and deny), the shipped rule grants admin.
{
	sed 's/^function extract_claims(token)$/local function admin_rule(token)/' \
	    "$top_srcdir/lua/admin_group_claims.lua"
	cat <<'EOF_LUA'
function extract_claims(token)
	local r = admin_rule(token)
	if string.sub(token.claims.sub, 1, 4) == "pend" then
		r.approval = true
	end
	return r
end
EOF_LUA
} >"$ROOT/site.lua"
start_pvacms --jwt-claims-script "$ROOT/site.lua"
unlike "$(cat "$PVACMS_ERR")" 'EPICS_PVACMS_ADMINS is set' \
    "no opt-in administrators: no warning"

# issue_as HOME_USER SUB [QUERY]: a client keychain for SUB in HOME_USER's
# home; sets ID and P12.
issue_as()
{
	make_home "$1"
	get_token "$2" "${3:-}" >"$ROOT/home/$1/token_file"
	run as_user "$1" authnjwt --token-file token_file
	ID=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
	P12=$(keychain_path "$1" client)
}

# admin_cmd HOME_USER P12 FLAG CERT_ID: pvxcert FLAG CERT_ID with P12 as
# the admin keychain.
admin_cmd()
{
	run as_user "$1" env EPICS_ADMIN_TLS_KEYCHAIN="$2" pvxcert "$3" "$4"
}

issue_client victim
VICTIM=$ID
issue_client pendone
PEND1=$ID
issue_client pendtwo
PEND2=$ID
is "$(status_of "$VICTIM") $(status_of "$PEND1") $(status_of "$PEND2")" \
    "VALID PENDING_APPROVAL PENDING_APPROVAL" "a victim and two requests"

# ---- a token alone: sub admin, root, pvacms
for sub in admin root pvacms; do
	issue_as "imp_$sub" "$sub"
	is "$RC" 0 "a token with sub $sub gets a client certificate"
	unlike "$(audit_line issued "$ID")" '"admin":' \
	    "sub $sub: not audited as an administrator's"
	admin_cmd "imp_$sub" "$P12" -R "$VICTIM"
	like "$RC $ERR" "^[1-9][0-9]* pvxcert: cannot revoke .*HTTP 403: only the holder or an administrator may revoke a certificate; CN=$sub is neither" \
	    "CN=$sub cannot revoke"
	admin_cmd "imp_$sub" "$P12" -A "$PEND1"
	like "$RC $ERR" "^[1-9][0-9]* .*HTTP 403: only an administrator may approve a certificate; CN=$sub is not an administrator" \
	    "CN=$sub cannot approve"
	admin_cmd "imp_$sub" "$P12" -D "$PEND1"
	like "$RC $ERR" "^[1-9][0-9]* .*HTTP 403: only an administrator may deny a certificate; CN=$sub is not an administrator" \
	    "CN=$sub cannot deny"
done
is "$(status_of "$VICTIM") $(status_of "$PEND1")" "VALID PENDING_APPROVAL" \
    "nothing changed"
like "$(audit_line refused "$VICTIM")" '"action":"revoke".*"by":"pvacms"' \
    "every refusal is audited"

# ---- a site's explicit grant: the group of admin_group_claims.lua
issue_as ops alice "&groups=/staff,/pvacms-admins"
OPS=$ID
OPS_P12=$P12
is "$RC" 0 "a member of /pvacms-admins gets a client certificate"
like "$(audit_line issued "$OPS")" '"event":"issued".*"usage":"client","admin":"true"' \
    "audited as an administrator certificate"
like "$(cat "$PVACMS_ERR")" "issued administrator client certificate $OPS for CN=alice" \
    "logged as an administrator certificate"
admin_cmd ops "$OPS_P12" -A "$PEND1"
is "$RC" 0 "the group's administrator approves"
like "$OUT" 'Status        : VALID' "... and the status block says VALID"
like "$(audit_line approved "$PEND1")" '"by":"alice"' "audit: approved by alice"
admin_cmd ops "$OPS_P12" -D "$PEND2"
is "$RC $(status_of "$PEND2")" "0 REVOKED" "the group's administrator denies"
issue_as outsider mallory "&groups=/staff"
is "$RC" 0 "a non-member gets a client certificate"
admin_cmd outsider "$P12" -R "$VICTIM"
like "$RC $ERR" "^[1-9][0-9]* .*HTTP 403" "a non-member cannot revoke"
make_home opsrv
get_token alice "&groups=/pvacms-admins" >"$ROOT/home/opsrv/token_file"
run as_user opsrv authnjwt -u server --token-file token_file
SRV=$(printf '%s\n' "$OUT" | sed -n 's/^Certificate identifier  : //p')
is "$RC" 0 "a member's server certificate is issued"
unlike "$(audit_line issued "$SRV")" '"admin":' \
    "... but it is not an administrator's (the script grants clients)"

# ---- the keychains pvacms makes
issue_client victim2
VICTIM2=$ID
run as_user pvacms pvxcert -R "$VICTIM2"
is "$RC $(status_of "$VICTIM2")" "0 REVOKED" \
    "the bootstrap admin keychain revokes"
run as_pvacms --admin-keychain-new carol --out "$ROOT/carol.p12"
is "$RC" 0 "pvacms --admin-keychain-new carol"
like "$(grep '"cn":"carol"' "$AUDIT_LOG" | tail -n 1)" '"usage":"admin","admin":"true"' \
    "audit: an administrator keychain"
issue_client pendthree
PEND3=$ID
admin_cmd ops "$ROOT/carol.p12" -A "$PEND3"
is "$RC $(status_of "$PEND3")" "0 VALID" \
    "the new administrator approves at once"

# ---- the explicit opt-in: EPICS_PVACMS_ADMINS
stop_pvacms
start_pvacms --jwt-claims-script "$ROOT/site.lua" --admins root
like "$(cat "$PVACMS_ERR")" 'warning: EPICS_PVACMS_ADMINS is set \("root"\): a client certificate with one of these CNs, from any authenticator, is an administrator' \
    "the opt-in is warned about at start"
admin_cmd imp_root "$(keychain_path imp_root client)" -R "$VICTIM"
is "$RC $(status_of "$VICTIM")" "0 REVOKED" \
    "with the opt-in, CN=root revokes"
admin_cmd imp_admin "$(keychain_path imp_admin client)" -R "$PEND3"
like "$RC $ERR" "^[1-9][0-9]* .*CN=admin is neither" \
    "CN=admin is still not one"

# ---- the dry run shows the grant
get_token alice "&groups=/pvacms-admins" >"$ROOT/dry.token"
TRUSTED=http://localhost:$ISSUER_PORT/default/verify
dry_run --token "$ROOT/dry.token" --jwt-trusted-uri "$TRUSTED" \
    --jwt-claims-script "$top_srcdir/lua/admin_group_claims.lua"
is "$(dry_field Administrator)" "yes (granted by the claims script)" \
    "dry run: the shipped script grants admin to the group"
dry_run --token "$ROOT/dry.token" --usage server \
    --jwt-trusted-uri "$TRUSTED" --jwt-claims-script "$top_srcdir/lua/admin_group_claims.lua"
is "$RC $(dry_field Administrator)" "0 " \
    "dry run: not for a server certificate"

done_testing
