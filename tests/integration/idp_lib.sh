# tests/integration/idp_lib.sh - a real OpenID Connect provider (the npm
# package oidc-provider, pinned by tests/idp/package-lock.json) for the
# integration tests.  Source it after lib.sh, before setup_root.
#
#   op_install                 install it once per build tree (SKIP
#                              without node/npm or when npm ci fails)
#   start_oidc_provider [ARGS] start it (ARGS: --at-ttl SECS, --jwks FILE,
#                              --alg ES256|RS256); exports OP_PORT, OP_URL
#                              (the issuer, http://127.0.0.1:PORT), OP_PID,
#                              OP_LOG, OP_SECRETS (client secrets, one file
#                              per client: pvacms, pvacms-post, agent, other)
#   op_token [OPTS] KIND [ARGS]  a token on stdout; KIND: cc-jwt [SCOPE],
#                              cc-opaque [SCOPE], user-jwt SUB [SCOPE],
#                              user-opaque SUB [SCOPE], id-token SUB [SCOPE];
#                              OPTS: --client NAME (agent), --resource URN
#                              (urn:pvacms; urn:other also exists)
#   op_introspect TOKEN [OPTS] the RFC 7662 answer (JSON, one line), asked
#                              as pvacms (--client pvacms-post: secret in
#                              the form); a JWT is refused (exit 1)
#   op_revoke TOKEN [OPTS]     RFC 7009 as agent (or --client NAME)
#   op_rotate [drop]           sign with a new key (the old ones stay in the
#                              JWKS unless "drop"); sets OP_KID to its kid
#   op_kids                    the kids of the JWKS, one a line
# The token and secrets never go on a command line or into a log.

# shellcheck shell=bash

IDP_SRC=$top_srcdir/tests/idp
# npm must see the user's own configuration (registry, proxy) and cache,
# not the private HOME setup_root makes.
OP_REAL_HOME=$HOME
OP_DIR=
OP_SEQ=0

# op_install: node_modules outside the source tree, which may be
# read-only (make distcheck): in the build tree when it is apart from the
# sources, else under TMPDIR, keyed by the lock file.  Sets OP_DIR.  Tests running in
# parallel share it; flock makes one of them install and the others wait.
op_install()
{
	local sum dir f log
	[ -z "$OP_DIR" ] || return 0
	{ command -v node && command -v npm; } >/dev/null ||
	    skip_all "oidc-provider: node/npm not found"
	# oidc-provider 9 uses crypto.hash (Node >= 20.12); it warns below 22.
	node -e 'process.exit(typeof require("crypto").hash === "function" ? 0 : 1)' ||
	    skip_all "oidc-provider: node $(node --version) too old (20.12 or later)"
	command -v flock >/dev/null || skip_all "oidc-provider: flock not found"
	sum=$(sha256sum <"$IDP_SRC/package-lock.json" | cut -c1-64)
	if [ "$top_builddir" != "$top_srcdir" ]; then
		dir=$top_builddir/tests/idp/oidc-provider	# make clean removes it
	else
		dir=${TMPDIR:-/tmp}/pvacms-idp-${sum:0:16}
	fi
	mkdir -p "$dir" || bail_out "cannot make $dir"
	log=$dir/npm-ci.log
	[ -z "$ROOT" ] || log=$ROOT/run/op-install.log
	(
		flock -w 600 9 || exit 3
		if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$sum" ]; then
			rm -rf "$dir/node_modules" "$dir/.installed"
			cp "$IDP_SRC/package.json" "$IDP_SRC/package-lock.json" \
			    "$dir/" || exit 4
			(cd "$dir" && HOME=$OP_REAL_HOME timeout 300 npm ci \
			    --no-audit --no-fund --ignore-scripts \
			    --fetch-retries=1 --fetch-timeout=30000) \
			    </dev/null >"$log" 2>&1 || exit 1
			echo "$sum" >"$dir/.installed"
		fi
		# The scripts change more often than the lock: copy the ones
		# that differ, by rename so that a running test never reads a
		# half-written file.
		for f in oidc_provider.mjs oidc_client.mjs; do
			cmp -s "$IDP_SRC/$f" "$dir/$f" && continue
			cp "$IDP_SRC/$f" "$dir/.$f.tmp" &&
			    mv -f "$dir/.$f.tmp" "$dir/$f" || exit 4
		done
	) 9>"$dir/.lock"
	case $? in
	0) ;;
	1) skip_all "oidc-provider: npm ci failed: $(grep -m 2 -i 'error' "$log" |
	    tr '\n' ' ')" ;;
	3) bail_out "oidc-provider: timed out waiting for $dir/.lock" ;;
	*) bail_out "oidc-provider: cannot copy to $dir" ;;
	esac
	OP_DIR=$dir
}

# op_secrets: random client secrets, private to this test.
op_secrets()
{
	local c
	OP_SECRETS=$ROOT/op-secrets
	(
		umask 077
		mkdir -p "$OP_SECRETS" && chmod 700 "$OP_SECRETS" || exit 1
		for c in pvacms pvacms-post agent other; do
			[ -s "$OP_SECRETS/$c" ] && continue
			head -c 32 /dev/urandom | base64 | tr -d '/+=\n' \
			    >"$OP_SECRETS/$c" || exit 1
		done
	) || bail_out "cannot write $OP_SECRETS"
}

# start_oidc_provider [ARGS]: see the top of this file.  A second
# provider in the same test gets the same client secrets.
start_oidc_provider()
{
	local pf
	[ -n "$ROOT" ] || bail_out "start_oidc_provider: setup_root first"
	op_install
	op_secrets
	OP_SEQ=$((OP_SEQ + 1))
	pf=$ROOT/run/op$OP_SEQ.port
	OP_LOG=$ROOT/run/op$OP_SEQ.log
	node "$OP_DIR/oidc_provider.mjs" --port-file "$pf" \
	    --secrets "$OP_SECRETS" "$@" </dev/null >"$OP_LOG" 2>&1 &
	OP_PID=$!
	track "$OP_PID"
	wait_file "$pf" "$OP_PID" '^[0-9]+$' ||
	    bail_out "oidc-provider did not start: $(tail -n 3 "$OP_LOG")"
	OP_PORT=$(cat "$pf")
	OP_URL=http://127.0.0.1:$OP_PORT
	export OP_PORT OP_URL OP_PID OP_LOG OP_SECRETS
}

op_client()
{
	node "$OP_DIR/oidc_client.mjs" --issuer "$OP_URL" \
	    --secrets "$OP_SECRETS" "$@"
}

op_token()
{
	op_client "$@"
}

# op_introspect TOKEN [OPTS]; op_revoke TOKEN [OPTS]: the token goes
# through stdin.
op_introspect()
{
	local t=$1
	shift
	printf '%s\n' "$t" | op_client "$@" introspect -
}

op_revoke()
{
	local t=$1
	shift
	printf '%s\n' "$t" | op_client "$@" revoke -
}

op_kids()
{
	curl -sf --max-time "$WAIT_SECS" "$OP_URL/jwks" |
	    "$PYTHON3" -c 'import json, sys
for k in json.load(sys.stdin)["keys"]:
    print(k["kid"])'
}

# op_rotate [drop]: wait until the JWKS publishes the new key.
op_rotate()
{
	local q=''
	[ "${1:-}" != drop ] || q='?drop=1'
	OP_KID=$(curl -sf --max-time "$WAIT_SECS" -X POST \
	    "$OP_URL/test/rotate$q" | sed -n 's/.*"kid":"\([^"]*\)".*/\1/p')
	[ -n "$OP_KID" ] || bail_out "oidc-provider: rotation failed"
	for _ in $(seq $((WAIT_SECS * 20))); do
		op_kids | grep -qxF -- "$OP_KID" && return 0
		sleep 0.05
	done
	bail_out "oidc-provider: new key $OP_KID not in the JWKS"
}
