#!/bin/bash
# badabi.sh - pvacms refuses a plugin built for another ABI, a plugin that
# calls the host by name, and plugin files anyone may write.
#
# tests/plugins/badabi.la claims ABI 99.0; pvacms must exit 1 at startup
# with one line naming the file and the ABI mismatch, and never serve.
# tests/plugins/hostcall.la calls ca_sign_leaf by name: pvacms exports no
# function of its own (nm -D), so it must exit 1 with one line naming the
# symbol.  A copy of the real jwt plugin made group/world-writable is
# refused too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

plugdir=$top_builddir/tests/plugins/.libs
for so in badabi hostcall; do
	[ -f "$plugdir/$so.so" ] ||
	    skip_all "$plugdir/$so.so not built (make tests/plugins/$so.la)"
done

setup_root
make_home pvacms

# start_fail ARGS: run pvacms expecting a startup failure; RC/OUT/ERR.
# No plugin option is passed: a plugin that loads by mistake then gets as
# far as its own init() (hostcall's says it was loaded).
start_fail()
{
	local li=$ROOT/run/fail.listen
	rm -f "$li"
	run env HOME="$ROOT/home/pvacms" \
	    XDG_CONFIG_HOME="$ROOT/home/pvacms/.config" \
	    XDG_DATA_HOME="$ROOT/home/pvacms/.local/share" \
	    timeout -k 2 20 pvacms --https-listen 127.0.0.1:0 \
	    --http-listen 127.0.0.1:0 --pvas-server-port 0 \
	    --pvas-broadcast-port 0 --listen-info "$li" "$@"
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

# The plugin boundary is the linker's: the real pvacms binary (not a
# libtool wrapper script) exports none of the functions defined by its own
# objects, so a plugin cannot call, say, ca_sign_leaf by name.
if command -v nm >/dev/null; then
	bin=
	for b in "$top_builddir/.libs/lt-pvacms" "$top_builddir/.libs/pvacms" \
	    "$top_builddir/pvacms"; do
		if [ -f "$b" ] && [ "$(head -c 4 "$b" | tr -d '\177')" = ELF ]
		then
			bin=$b
			break
		fi
	done
	host=$(find "$top_builddir/host/pvacms" "$top_builddir/host/common" \
	    "$top_builddir/lua" -name '*.o' -exec nm --defined-only -g {} + \
	    2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
	check "the pvacms binary is found (${bin:-none})" [ -n "$bin" ]
	check "the host objects define functions ($(nlines "$host") names)" \
	    [ "$(nlines "$host")" -gt 100 ]
	dyn=$(nm -D --defined-only "$bin" 2>/dev/null |
	    awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' | sort -u)
	leaked=$(comm -12 <(printf '%s\n' "$host") <(printf '%s\n' "$dyn"))
	is "$(nlines "$leaked")" 0 "pvacms exports no host function (nm -D)"
	[ -z "$leaked" ] ||
	    diag "exported: $(printf '%s\n' "$leaked" | head -20 | tr '\n' ' ')"
	like "$(nm -D --undefined-only "$plugdir/hostcall.so" 2>/dev/null)" \
	    ' U ca_sign_leaf$' "hostcall.so leaves ca_sign_leaf undefined"
else
	ok "# SKIP nm not installed (binutils): the exports are not checked"
fi

start_fail --plugin-dir "$plugdir" --plugins hostcall
is "$RC" 1 "pvacms exits 1 when a plugin calls a host function by name"
is "$(nlines "$ERR")" 1 "it says so in one line"
like "$ERR" \
    "^pvacms: .*$plugdir/hostcall\\.so: plugin calls ca_sign_leaf by name" \
    "the line names the plugin's path and the symbol"
like "$ERR" 'services table \(pvacms-plugin\(5\)\)$' \
    "the line points to the services table and pvacms-plugin(5)"
unlike "$ERR" 'was loaded' "the plugin was never loaded"
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
