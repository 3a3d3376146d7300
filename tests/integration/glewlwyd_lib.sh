# tests/integration/glewlwyd_lib.sh - a throwaway glewlwyd (Debian 12's
# package, 2.7.5) as an OpenID provider for the integration tests.
# Sourced after lib.sh, used after setup_root.
#
# gw_start runs /usr/bin/glewlwyd as a plain background process (no
# systemd, no /etc/glewlwyd): 127.0.0.1 only, an ephemeral port, its own
# SQLite database (the package's schema) and log under the test root, and
# a configuration made from tests/idp/glewlwyd/glewlwyd.conf.in.  There is
# no web UI: everything is set up through the admin REST API, logged in as
# the schema's "admin" user with its default password, which is then
# replaced by a random one.  It creates:
#   - scopes "pvacms" (what agents ask for) and "introspect";
#   - the OIDC plugin instance "oidc" (module libprotocol_oidc.so): RS256
#     with a key made by openssl, access tokens (JWT, typ at+jwt) valid
#     GW_AT_SECS (default 300 s), refresh tokens, the client_credentials,
#     password and refresh_token grants, introspection (RFC 7662) and
#     revocation (RFC 7009), discovery at
#     $GW_URL/.well-known/openid-configuration;
#   - client "pvacms" (confidential; client_secret_basic or
#     client_secret_post; client_credentials with scope "introspect"), the
#     introspecting resource server;
#   - client "agent" (confidential; client_credentials, password and
#     refresh_token grants; scope "pvacms");
#   - user "alice" (password; scope "pvacms"), whose "sub" is "alice"
#     (glewlwyd gives a random sub otherwise: gw_start presets it in the
#     plugin's subject-identifier table).
#
# How glewlwyd 2.7.5 lets a client introspect (plugin/protocol_oidc.c):
# with only "introspection-revocation-allow-target-client", a client
# authenticating with HTTP Basic sees only the tokens issued to itself
# (any other token is {"active":false}), while client_secret_post sees all
# of them.  Once "introspection-revocation-auth-scope" is set too (here:
# "introspect"), HTTP Basic sees every token as well, and a Bearer access
# token holding that scope may introspect instead of client credentials.
# gw_start sets both, so "pvacms" can introspect the agent's tokens with
# either client authentication.
#
# Secrets (passwords, the signing key, the admin cookie) are files of mode
# 0600 under GW_SECRETS=$ROOT/gw-secrets (mode 0700).  No secret or token
# is put on a command line or in a log: curl reads credentials from a
# config on a pipe and tokens from stdin.
#
# Environment: GLEWLWYD (the binary; default: glewlwyd on PATH),
# GW_MODULE_DIR (default: /usr/lib/glewlwyd or the multiarch one),
# GW_SCHEMA (SQLite schema; default: the package's dbconfig-common file),
# GW_LOG_LEVEL (default INFO), GW_AT_SECS.
#
# Functions:
#   gw_start              start and configure; exports GW_URL (the issuer,
#                         as in discovery), GW_PORT, GW_PID, GW_SECRETS,
#                         GW_API, GW_LOG, GW_TOKEN_URL, GW_INTROSPECT_URL,
#                         GW_REVOKE_URL, GW_JWKS_URL, GW_DISCOVERY_URL
#   gw_token KIND         print a token: cc (agent, client_credentials,
#                         scope pvacms), user (alice's access token, password
#                         grant), refresh (alice's refresh token: opaque),
#                         pvacms (the pvacms client's own token, scope
#                         introspect, for Bearer introspection)
#   gw_introspect TOKEN [basic|post|bearer]
#                         print the introspection answer (JSON) as the
#                         pvacms client (default: HTTP Basic)
#   gw_revoke TOKEN       revoke TOKEN as the pvacms client
#   gw_discovery          print the discovery document
# gw_token, gw_introspect and gw_revoke fail (status 1) unless glewlwyd
# answers 200; GW_CODE holds the last HTTP status (not after $(...)).

# shellcheck shell=bash

GW_IDP_DIR=$top_srcdir/tests/idp/glewlwyd
GW_AT_SECS=${GW_AT_SECS:-300}
GW_CODE=

# gw_find: GLEWLWYD, GW_MODULE_DIR and GW_SCHEMA, or skip_all.
gw_find()
{
	local d
	GLEWLWYD=${GLEWLWYD:-$(command -v glewlwyd)}
	[ -n "$GLEWLWYD" ] && [ -x "$GLEWLWYD" ] ||
	    skip_all "glewlwyd not installed (Debian: apt-get install glewlwyd)"
	if [ -z "${GW_MODULE_DIR:-}" ]; then
		for d in /usr/lib/glewlwyd /usr/lib/*/glewlwyd \
		    /usr/local/lib/glewlwyd; do
			[ -f "$d/plugin/libprotocol_oidc.so" ] || continue
			GW_MODULE_DIR=$d
			break
		done
	fi
	[ -f "${GW_MODULE_DIR:-}/plugin/libprotocol_oidc.so" ] ||
	    skip_all "glewlwyd's OIDC plugin (libprotocol_oidc.so) not found"
	GW_SCHEMA=${GW_SCHEMA:-/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3}
	[ -r "$GW_SCHEMA" ] ||
	    skip_all "glewlwyd's SQLite schema not found ($GW_SCHEMA)"
	command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
	[ -r "$GW_IDP_DIR/glewlwyd.conf.in" ] ||
	    bail_out "$GW_IDP_DIR/glewlwyd.conf.in missing"
}

# gw_auth ID SECRET_FILE: a curl config (on stdout) with HTTP Basic
# credentials, for curl -K.
gw_auth()
{
	printf 'user = "%s:%s"\n' "$1" "$(cat "$GW_SECRETS/$2")"
}

# gw_admin METHOD PATH [JSON_FILE]: call the admin API with the admin
# session; the answer goes to $ROOT/run/gw-admin.answer, the status to
# GW_CODE.  Returns 0 on 200.
gw_admin()
{
	local -a body=()
	[ -z "${3:-}" ] || body=(-H 'Content-Type: application/json'
	    --data-binary "@$3")
	GW_CODE=$(curl -s --max-time "$WAIT_SECS" -b "$GW_SECRETS/admin.cookies" \
	    -X "$1" "${body[@]}" -o "$ROOT/run/gw-admin.answer" \
	    -w '%{http_code}' "$GW_API$2")
	[ "$GW_CODE" = 200 ]
}

# gw_must WHAT CMD...: run CMD, bail out naming WHAT when it fails.
gw_must()
{
	local what=$1
	shift
	"$@" || bail_out "glewlwyd: $what failed (HTTP ${GW_CODE:-?}):" \
	    "$(head -c 300 "$ROOT/run/gw-admin.answer" 2>/dev/null)"
}

# gw_bodies: the random secrets (48 hex digits, no newline, mode 0600:
# admin.password, pvacms.secret, agent.secret, alice.password in
# GW_SECRETS) and the admin request bodies ($ROOT/run/gw-NAME.json, mode
# 0600, removed by gw_start after use), in one go.  The admin user's
# record must be in $ROOT/run/gw-admin-user.json.
gw_bodies()
{
	(umask 077 && "$PYTHON3" - "$GW_SECRETS" "$ROOT/run" "$GW_URL" \
	    "$GW_AT_SECS" <<'EOF_PY') || bail_out "cannot write glewlwyd's secrets"
import json, secrets, sys
sec, run, iss, at_secs = sys.argv[1:5]
s = {}
for name in ("admin.password", "pvacms.secret", "agent.secret",
             "alice.password"):
    s[name] = secrets.token_hex(24)
    with open("%s/%s" % (sec, name), "w") as f:
        f.write(s[name])
auth = ["client_secret_basic", "client_secret_post"]
admin = json.load(open(run + "/gw-admin-user.json"))
admin = {k: v for k, v in admin.items() if k not in ("username", "source")}
admin["password"] = s["admin.password"]
bodies = {
    "admin-password": admin,
    "scope-pvacms": {
        "name": "pvacms", "display_name": "pvacms",
        "description": "X.509 certificates from pvacms",
        "password_required": False, "scheme": {}},
    "scope-introspect": {
        "name": "introspect", "display_name": "introspect",
        "description": "token introspection (RFC 7662)",
        "password_required": False, "scheme": {}},
    "client-pvacms": {
        "client_id": "pvacms", "name": "pvacms", "enabled": True,
        "confidential": True, "password": s["pvacms.secret"],
        "authorization_type": ["client_credentials"],
        "scope": ["introspect"], "redirect_uri": [],
        "token_endpoint_auth_method": auth},
    "client-agent": {
        "client_id": "agent", "name": "agent", "enabled": True,
        "confidential": True, "password": s["agent.secret"],
        "authorization_type": ["client_credentials", "password",
                               "refresh_token"],
        "scope": ["pvacms"], "redirect_uri": [],
        "token_endpoint_auth_method": auth},
    "user-alice": {
        "username": "alice", "name": "Alice", "enabled": True,
        "password": s["alice.password"], "scope": ["pvacms"]},
    "plugin": {
        "module": "oidc", "name": "oidc", "display_name": "OIDC",
        "enabled": True, "parameters": {
            "iss": iss, "jwt-type": "rsa", "jwt-key-size": "256",
            "key": open(sec + "/signing.key").read(),
            "cert": open(sec + "/signing.pub").read(),
            "subject-type": "public",
            "access-token-duration": int(at_secs),
            "refresh-token-duration": 3600, "code-duration": 600,
            "refresh-token-rolling": False,
            "allow-non-oidc": True,
            "auth-type-client-enabled": True,
            "auth-type-password-enabled": True,
            "auth-type-refresh-enabled": True,
            "auth-type-code-enabled": True,
            "introspection-revocation-allowed": True,
            "introspection-revocation-allow-target-client": True,
            "introspection-revocation-auth-scope": ["introspect"]}},
}
for name, d in bodies.items():
    with open("%s/gw-%s.json" % (run, name), "w") as f:
        json.dump(d, f)
EOF_PY
}

# gw_wait_http: wait until glewlwyd answers HTTP on GW_PORT (any status).
gw_wait_http()
{
	local i code
	for i in $(seq $((WAIT_SECS * 20))); do
		code=$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' \
		    "$GW_API/oidc/.well-known/openid-configuration" 2>/dev/null)
		case $code in 000 | "") ;; *) return 0 ;; esac
		kill -0 "$GW_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# gw_start: see the head of this file.
gw_start()
{
	local try db conf
	gw_find
	GW_SECRETS=$ROOT/gw-secrets
	mkdir -p "$GW_SECRETS" && chmod 700 "$GW_SECRETS" ||
	    bail_out "cannot make $GW_SECRETS"
	(umask 077 &&
	    "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$GW_SECRETS/signing.key" 2>/dev/null &&
	    "$OPENSSL" pkey -in "$GW_SECRETS/signing.key" -pubout \
	    -out "$GW_SECRETS/signing.pub" 2>/dev/null) ||
	    bail_out "cannot make glewlwyd's signing key"
	GW_LOG=$ROOT/run/glewlwyd.log
	db=$ROOT/run/glewlwyd.db
	conf=$ROOT/run/glewlwyd.conf
	# The port is chosen here (glewlwyd cannot report one it picked):
	# retry when someone else took it meanwhile.
	for try in 1 2 3; do
		rm -f "$db" "$GW_LOG"
		# One transaction (2 s less than a commit per statement); WAL
		# makes glewlwyd's own writes cheaper too.
		{ echo 'PRAGMA journal_mode=WAL; BEGIN;'; cat "$GW_SCHEMA"
		    echo 'COMMIT;'; } | sqlite3 "$db" >/dev/null 2>&1 ||
		    bail_out "cannot initialise glewlwyd's database from $GW_SCHEMA"
		GW_PORT=$(free_port)
		GW_API=http://127.0.0.1:$GW_PORT/api
		sed -e "s|@PORT@|$GW_PORT|g" \
		    -e "s|@EXTERNAL_URL@|http://127.0.0.1:$GW_PORT|g" \
		    -e "s|@LOG_LEVEL@|${GW_LOG_LEVEL:-INFO}|g" \
		    -e "s|@LOG_FILE@|$GW_LOG|g" \
		    -e "s|@MODULE_DIR@|$GW_MODULE_DIR|g" \
		    -e "s|@DB_FILE@|$db|g" \
		    "$GW_IDP_DIR/glewlwyd.conf.in" >"$conf" ||
		    bail_out "cannot write $conf"
		"$GLEWLWYD" --config-file="$conf" </dev/null \
		    >"$ROOT/run/glewlwyd.out" 2>&1 &
		GW_PID=$!
		track "$GW_PID"
		gw_wait_http && break
		stop_pid "$GW_PID" KILL
		GW_PID=
	done
	[ -n "$GW_PID" ] || bail_out "glewlwyd did not start:" \
	    "$(tail -n 3 "$ROOT/run/glewlwyd.out" "$GW_LOG" 2>/dev/null)"
	GW_URL=http://127.0.0.1:$GW_PORT/api/oidc
	export GW_URL GW_PORT GW_PID GW_SECRETS GW_API GW_LOG

	# Admin session: the schema's admin/password, replaced right away.
	(umask 077 && printf '{"username":"admin","password":"password"}' |
	    curl -s --max-time "$WAIT_SECS" -c "$GW_SECRETS/admin.cookies" \
	    -H 'Content-Type: application/json' --data-binary @- \
	    -o /dev/null -w '%{http_code}' "$GW_API/auth/" \
	    >"$ROOT/run/gw-login.code")
	GW_CODE=$(cat "$ROOT/run/gw-login.code")
	[ "$GW_CODE" = 200 ] || bail_out "glewlwyd: admin login failed" \
	    "(HTTP $GW_CODE)"
	gw_must "reading user admin" gw_admin GET /user/admin
	cp "$ROOT/run/gw-admin.answer" "$ROOT/run/gw-admin-user.json"
	gw_bodies
	gw_must "changing admin's password" \
	    gw_admin PUT /user/admin "$ROOT/run/gw-admin-password.json"
	gw_must "adding scope pvacms" \
	    gw_admin POST /scope/ "$ROOT/run/gw-scope-pvacms.json"
	gw_must "adding scope introspect" \
	    gw_admin POST /scope/ "$ROOT/run/gw-scope-introspect.json"
	gw_must "adding client pvacms" \
	    gw_admin POST /client/ "$ROOT/run/gw-client-pvacms.json"
	gw_must "adding client agent" \
	    gw_admin POST /client/ "$ROOT/run/gw-client-agent.json"
	gw_must "adding user alice" \
	    gw_admin POST /user/ "$ROOT/run/gw-user-alice.json"
	# alice's "sub" is her name (before the plugin makes a random one).
	sqlite3 "$db" "INSERT INTO gpo_subject_identifier (gposi_plugin_name,
	    gposi_username, gposi_sub) VALUES ('oidc', 'alice', 'alice');" ||
	    bail_out "cannot preset alice's sub"
	gw_must "adding the OIDC plugin" \
	    gw_admin POST /mod/plugin/ "$ROOT/run/gw-plugin.json"
	rm -f "$ROOT"/run/gw-*.json
	gw_discovery >"$ROOT/run/gw-discovery.json" ||
	    bail_out "glewlwyd: no discovery document (HTTP $GW_CODE)"
	GW_URL=$(gw_field "$ROOT/run/gw-discovery.json" issuer)
	GW_TOKEN_URL=$(gw_field "$ROOT/run/gw-discovery.json" token_endpoint)
	GW_INTROSPECT_URL=$(gw_field "$ROOT/run/gw-discovery.json" \
	    introspection_endpoint)
	GW_REVOKE_URL=$(gw_field "$ROOT/run/gw-discovery.json" \
	    revocation_endpoint)
	GW_JWKS_URL=$(gw_field "$ROOT/run/gw-discovery.json" jwks_uri)
	GW_DISCOVERY_URL=$GW_URL/.well-known/openid-configuration
	export GW_URL GW_TOKEN_URL GW_INTROSPECT_URL GW_REVOKE_URL \
	    GW_JWKS_URL GW_DISCOVERY_URL
	[ -n "$GW_URL" ] && [ -n "$GW_TOKEN_URL" ] &&
	    [ -n "$GW_INTROSPECT_URL" ] ||
	    bail_out "glewlwyd: incomplete discovery document"
}

# gw_field FILE NAME: a top-level member of the JSON document FILE.
gw_field()
{
	"$PYTHON3" -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2], "")
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

# gw_discovery: print the discovery document.
gw_discovery()
{
	local out=$ROOT/run/gw-discovery.answer
	GW_CODE=$(curl -s --max-time "$WAIT_SECS" -o "$out" -w '%{http_code}' \
	    "http://127.0.0.1:$GW_PORT/api/oidc/.well-known/openid-configuration")
	cat "$out"
	[ "$GW_CODE" = 200 ]
}

# gw_post URL CURL_CONFIG DATA: POST DATA (urlencoded form, from stdin:
# it may hold a token) with the credentials of CURL_CONFIG; prints the
# answer, sets GW_CODE, returns 0 on 200.
gw_post()
{
	local out
	out=$(mktemp "$GW_SECRETS/answer.XXXXXX") || return 1
	GW_CODE=$(printf '%s' "$3" | curl -s --max-time "$WAIT_SECS" \
	    -K <(printf '%s' "$2") --data-binary @- -o "$out" \
	    -w '%{http_code}' "$1")
	cat "$out"
	rm -f "$out"
	[ "$GW_CODE" = 200 ]
}

# gw_urlencode: stdin, form-urlencoded, on stdout.
gw_urlencode()
{
	"$PYTHON3" -c 'import sys, urllib.parse
sys.stdout.write(urllib.parse.quote(sys.stdin.read(), safe=""))'
}

# gw_token KIND: see the head of this file.
gw_token()
{
	local cfg data ans field=access_token
	case $1 in
	cc)
		cfg=$(gw_auth agent agent.secret)
		data="grant_type=client_credentials&scope=pvacms"
		;;
	user | refresh)
		cfg=$(gw_auth agent agent.secret)
		data="grant_type=password&scope=pvacms&username=alice&password=$(
		    gw_urlencode <"$GW_SECRETS/alice.password")"
		[ "$1" = user ] || field=refresh_token
		;;
	pvacms)
		cfg=$(gw_auth pvacms pvacms.secret)
		data="grant_type=client_credentials&scope=introspect"
		;;
	*)
		echo "gw_token: unknown kind '$1'" >&2
		return 2
		;;
	esac
	ans=$(gw_post "$GW_TOKEN_URL" "$cfg" "$data") || return 1
	printf '%s' "$ans" | "$PYTHON3" -c 'import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$field"
}

# gw_introspect TOKEN [basic|post|bearer]: see the head of this file.
gw_introspect()
{
	local cfg data
	data="token=$(printf '%s' "$1" | gw_urlencode)"
	case ${2:-basic} in
	basic) cfg=$(gw_auth pvacms pvacms.secret) ;;
	post)
		cfg=
		data="$data&client_id=pvacms&client_secret=$(
		    gw_urlencode <"$GW_SECRETS/pvacms.secret")"
		;;
	bearer)
		cfg="header = \"Authorization: Bearer $(gw_token pvacms)\""
		;;
	*)
		echo "gw_introspect: unknown method '$2'" >&2
		return 2
		;;
	esac
	gw_post "$GW_INTROSPECT_URL" "$cfg" "$data"
}

# gw_revoke TOKEN: see the head of this file.
gw_revoke()
{
	gw_post "$GW_REVOKE_URL" "$(gw_auth pvacms pvacms.secret)" \
	    "token=$(printf '%s' "$1" | gw_urlencode)" >/dev/null
}
