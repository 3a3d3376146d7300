#!/bin/bash
# lua_hostile.sh - hostile and broken site scripts are contained.
#
# One pvacms runs with a claims script at a fixed path; each case writes a
# hostile extract_claims into that file and reloads it with SIGHUP (a
# script's top level is harmless, its hook is not).  For every case:
# authnjwt fails with exactly one line naming the hook, in bounded time;
# the same pvacms answers /healthz right after; no keychain is written;
# the CA and database files are byte for byte unchanged; escapes leave no
# trace.  Then reload itself: a syntax error on SIGHUP keeps the old
# script (and says why), a good new script takes over; and a broken
# script at startup stops pvacms with file:line.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

setup_root
start_issuer

S=$ROOT/scripts
mkdir -p "$S"
HOOK=$S/site.lua
cat >"$HOOK" <<'EOF'
function extract_claims(token)
	return { ou = "v1" }
end
EOF
start_pvacms --jwt-claims-script "$HOOK"
pvcfg=$ROOT/home/pvacms/.config/pva/1.4
pvdat=$ROOT/home/pvacms/.local/share/pva/1.4
NUSER=0

# reloads PATTERN: how many log lines of pvacms match PATTERN.
reloads()
{
	grep -c -- "$1" "$PVACMS_ERR" 2>/dev/null
}

# hup_and_wait PATTERN: SIGHUP pvacms and wait until one more log line
# matches PATTERN.  Returns 1 on timeout.
hup_and_wait()
{
	local before i
	before=$(reloads "$1")
	kill -HUP "$PVACMS_PID"
	for i in $(seq $((WAIT_SECS * 20))); do
		[ "$(reloads "$1")" -gt "$before" ] && return 0
		sleep 0.05
	done
	return 1
}

# request: a fresh user with a fresh token runs authnjwt.  Sets RC, OUT,
# ERR, MS, and U (the user) and P12 (where its keychain would go).
request()
{
	NUSER=$((NUSER + 1))
	U=user$NUSER
	make_home "$U"
	get_token "$U" >"$ROOT/home/$U/token_file" || bail_out "no token"
	P12=$(keychain_path "$U" client)
	run as_user "$U" authnjwt --token-file token_file
}

# subject_of P12 USER: the Entity Subject pvxcert shows.
subject_of()
{
	as_user "$2" pvxcert -f "$1" 2>/dev/null |
	    sed -n 's/^Entity Subject : //p'
}

# ---- the good script works
request
is "$RC" 0 "good script: authnjwt exits 0"
is "$(subject_of "$P12" "$U")" "CN=$U, O=localhost, OU=v1" \
    "good script: its OU is in the certificate"

# hostile NAME ERE: install the script read from stdin, reload, request,
# and check containment; the one error line must match ERE.
hostile()
{
	local name=$1 want=$2 snap_before snap_after
	cat >"$HOOK"
	if ! hup_and_wait 'reloaded hook extract_claims'; then
		not_ok "$name: reloaded" "pvacms did not log the reload"
		return
	fi
	snap_before=$(tree_sum "$pvcfg" "$pvdat/certs.db")
	request
	snap_after=$(tree_sum "$pvcfg" "$pvdat/certs.db")
	diag "$name: $ERR"
	is "$RC" 1 "$name: authnjwt exits 1"
	is "$(nlines "$ERR")" 1 "$name: one line of error"
	like "$ERR" "^authnjwt: request denied: extract_claims: $want" \
	    "$name: the line names the hook and why"
	check "$name: bounded time (${MS} ms)" [ "$MS" -lt 10000 ]
	check "$name: pvacms answers /healthz right after" healthz
	check "$name: pvacms still runs" kill -0 "$PVACMS_PID"
	check "$name: no keychain written" [ ! -e "$P12" ]
	check "$name: CA and database files exist" [ -n "$snap_before" ]
	is "$snap_after" "$snap_before" \
	    "$name: CA and database files unchanged"
}

hostile "infinite loop" 'timed out after 100 ms$' <<'EOF'
function extract_claims(token)
	while true do end
end
EOF

hostile "loop inside pcall" 'timed out after 100 ms$' <<'EOF'
function extract_claims(token)
	while true do
		pcall(function() while true do end end)
		pcall(error, "swallowed")
	end
end
EOF

hostile "memory bomb" 'memory limit of .* exceeded$' <<'EOF'
function extract_claims(token)
	local t, s = {}, "x"
	while true do
		s = s .. s
		t[#t + 1] = s
	end
end
EOF

marker=$ROOT/escaped
hostile "io.open escape" '.+' <<EOF
function extract_claims(token)
	local f = io.open("$marker", "w")
	f:write("escaped")
	return { cn = "x" }
end
EOF
check "io.open escape: no file written" [ ! -e "$marker" ]

hostile "os.execute escape" '.+' <<EOF
function extract_claims(token)
	os.execute("touch $marker")
	return {}
end
EOF
check "os.execute escape: no command run" [ ! -e "$marker" ]

hostile "require escape" '.+' <<'EOF'
function extract_claims(token)
	local io = require("io")
	return { cn = io.read("l") }
end
EOF

hostile "bytecode load (string.dump)" '.+' <<'EOF'
function extract_claims(token)
	local f = load(string.dump(function() return {} end))
	return f()
end
EOF

# A precompiled chunk arrives as a string: load must refuse it, even when
# asked for mode "b".
hostile "bytecode load (binary string)" '.*binary chunk' <<'EOF'
function extract_claims(token)
	local chunk = "\27LuaT\0\25\147\13\10\26\10\4\8\8"
	local f, err = load(chunk, "=chunk", "b")
	if f == nil then
		error(err, 0)
	end
	return f()
end
EOF

hostile "returns a number" 'expected table or nil, got number$' <<'EOF'
function extract_claims(token)
	return 42
end
EOF

hostile "cn is a boolean" 'field cn: expected string, got boolean$' <<'EOF'
function extract_claims(token)
	return { cn = true }
end
EOF

hostile "runtime error" 'site\.lua:3: attempt to index a nil value' <<'EOF'
function extract_claims(token)
	local missing = nil
	return { cn = missing.name }
end
EOF

hostile "cn with a newline" 'field cn' <<'EOF'
function extract_claims(token)
	return { cn = "evil\nCN=admin" }
end
EOF

# ---- reload: a broken new script keeps the old one
cat >"$HOOK" <<'EOF'
function extract_claims(token)
	return { ou = "v2" }
end
EOF
check "reload v2" hup_and_wait 'reloaded hook extract_claims'
request
is "$RC" 0 "v2: authnjwt exits 0"
is "$(subject_of "$P12" "$U")" "CN=$U, O=localhost, OU=v2" "v2 in force"

cat >"$HOOK" <<'EOF'
function extract_claims(token)
	return { ou = "v3" }
en
EOF
check "syntax error on reload: logged" hup_and_wait 'reload of .* failed'
like "$(grep 'reload of .* failed' "$PVACMS_ERR" | tail -n 1)" \
    'keeping the previous version.*site\.lua:[0-9]+:' \
    "syntax error on reload: the log names file:line"
check "syntax error on reload: pvacms still runs" kill -0 "$PVACMS_PID"
check "syntax error on reload: /healthz" healthz
request
is "$RC" 0 "after a failed reload: authnjwt exits 0"
is "$(subject_of "$P12" "$U")" "CN=$U, O=localhost, OU=v2" \
    "after a failed reload: the old script still runs"

cat >"$HOOK" <<'EOF'
function extract_claims(token)
	return { ou = "v4" }
end
EOF
check "good script after a bad one: reloaded" \
    hup_and_wait 'reloaded hook extract_claims'
request
is "$RC" 0 "v4: authnjwt exits 0"
is "$(subject_of "$P12" "$U")" "CN=$U, O=localhost, OU=v4" \
    "v4: the new behaviour applies"

stop_pvacms
is "$STOP_RC" 0 "pvacms stops cleanly after all that"
unlike "$(cat "$PVACMS_ERR")" 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' \
    "no crash or sanitizer report in pvacms's log"

# ---- a broken script at startup is fatal, with file:line
cat >"$S/broken.lua" <<'EOF'
function extract_claims(token)
	return { ou = "x" 
end
EOF
run as_user pvacms pvacms --https-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 \
    --jwt-trusted-uri "http://localhost:$ISSUER_PORT/default/verify" \
    --jwt-claims-script "$S/broken.lua"
is "$RC" 1 "broken script at startup: pvacms exits 1"
like "$ERR" 'broken\.lua:[0-9]+:' "broken script at startup: file:line"
like "$(printf '%s\n' "$ERR" | tail -n 1)" '^pvacms: ' \
    "broken script at startup: one 'pvacms:' line"

printf 'function other() end\n' >"$S/nohook.lua"
run as_user pvacms pvacms --https-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 \
    --jwt-trusted-uri "http://localhost:$ISSUER_PORT/default/verify" \
    --jwt-claims-script "$S/nohook.lua"
is "$RC" 1 "script without the hook: pvacms exits 1"
like "$ERR" 'extract_claims' "script without the hook: says which"

run as_user pvacms pvacms --https-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 \
    --jwt-trusted-uri "http://localhost:$ISSUER_PORT/default/verify" \
    --jwt-claims-script "$S/missing.lua"
is "$RC" 1 "missing script: pvacms exits 1"
like "$ERR" 'missing\.lua' "missing script: names the file"

done_testing
