#!/bin/bash
# badabi.sh - pvacms refuses a plugin built for another ABI, and plugin
# files anyone may write.
#
# tests/plugins/badabi.la claims ABI 99.0; pvacms must exit 1 at startup
# with one line naming the file and the ABI mismatch, and never serve.
# A copy of the real jwt plugin made group/world-writable is refused too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

plugdir=$top_builddir/tests/plugins/.libs
[ -f "$plugdir/badabi.so" ] ||
    skip_all "$plugdir/badabi.so not built (make tests/plugins/badabi.la)"

setup_root
make_home pvacms

# start_fail ARGS: run pvacms expecting a startup failure; RC/OUT/ERR.
start_fail()
{
	local li=$ROOT/run/fail.listen
	rm -f "$li"
	run env HOME="$ROOT/home/pvacms" \
	    XDG_CONFIG_HOME="$ROOT/home/pvacms/.config" \
	    XDG_DATA_HOME="$ROOT/home/pvacms/.local/share" \
	    timeout -k 2 20 pvacms --https-listen 127.0.0.1:0 \
	    --http-listen 127.0.0.1:0 --listen-info "$li" \
	    --jwt-trusted-uri http://localhost:1/default/verify "$@"
	SERVED=no
	[ -e "$li" ] && SERVED=yes
}

start_fail --plugin-dir "$plugdir" --plugins badabi
is "$RC" 1 "pvacms exits 1 when a plugin has the wrong ABI"
like "$ERR" 'ABI' "the message mentions the ABI"
like "$ERR" "$plugdir/badabi\\.so|$plugdir/badabi" \
    "the message names the plugin's path"
like "$ERR" 'expected 1\.(x|[0-9]+), got 99\.0' \
    "the message says what was expected and what was found"
like "$(printf '%s\n' "$ERR" | grep -i abi | head -1)" '^pvacms: ' \
    "the message starts 'pvacms: '"
is "$SERVED" no "pvacms never started serving"

# A plugin file that others may write is refused.
jwtso=
for d in "$top_builddir/.libs" "$top_builddir/plugins/jwt/.libs"; do
	[ -f "$d/jwt.so" ] && jwtso=$d/jwt.so && break
done
if [ -n "$jwtso" ]; then
	mkdir -p "$ROOT/plug"
	chmod 755 "$ROOT/plug"
	cp "$jwtso" "$ROOT/plug/jwt.so"
	chmod 666 "$ROOT/plug/jwt.so"
	start_fail --plugin-dir "$ROOT/plug" --plugins jwt
	is "$RC" 1 "pvacms exits 1 for a world-writable plugin"
	like "$ERR" "$ROOT/plug/jwt\\.so" "the message names the writable file"
	is "$SERVED" no "pvacms never started serving"
	chmod 644 "$ROOT/plug/jwt.so"
else
	ok "# SKIP jwt.so not found"
fi

# An unknown plugin name.
start_fail --plugin-dir "$plugdir" --plugins nosuchplugin
is "$RC" 1 "pvacms exits 1 for a plugin that does not exist"
like "$ERR" 'nosuchplugin' "the message names the missing plugin"

done_testing
