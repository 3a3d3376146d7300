#!/bin/sh
#
# man_lint.sh - keeps the man pages clean and in step with the rest of
# the tree.  Prints TAP:
#   - one test per page: "mandoc -Tlint -Wwarning" reports nothing
#     (skipped when $MANDOC is empty);
#   - one test per page: every long option in its SYNOPSIS also appears
#     in README.md;
#   - one test: pvacms-plugin.5 quotes every struct and enum of
#     host/include/pvacms/authn.h verbatim.
# Run by "make check"; by hand: MANDOC=mandoc sh tests/man_lint.sh
#

if [ -z "$top_srcdir" ]; then
	top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
fi
# Unset (run by hand): look it up.  Set but empty (configure found none):
# skip the lint tests.
if [ -z "${MANDOC+set}" ]; then
	MANDOC=$(command -v mandoc 2>/dev/null)
fi

readme="$top_srcdir/README.md"
header="$top_srcdir/host/include/pvacms/authn.h"
plugin_page="$top_srcdir/man/pvacms-plugin.5"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/man_lint.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

pages=
for p in "$top_srcdir"/man/*.[1-9]; do
	[ -f "$p" ] && pages="$pages $p"
done
npages=$(echo $pages | wc -w)
echo "1..$((npages * 2 + 1))"

n=0

# Long options ("Fl -name" in mdoc) in the SYNOPSIS section of page $1,
# one "--name" per line.
synopsis_flags()
{
	awk '
	/^\.Sh / { insyn = ($2 == "SYNOPSIS"); next }
	insyn && /^\./ {
		for (i = 1; i < NF; i++)
			if (($i == "Fl" || $i == ".Fl") && $(i + 1) ~ /^-[A-Za-z]/)
				print "-" $(i + 1)
	}' "$1" | sort -u
}

# 1. mandoc lint, one test per page.
for p in $pages; do
	n=$((n + 1))
	name=${p##*/}
	if [ -z "$MANDOC" ]; then
		echo "ok $n # SKIP mandoc not found"
		continue
	fi
	if "$MANDOC" -Tlint -Wwarning "$p" >"$tmp/lint" 2>&1; then
		echo "ok $n - mandoc -Tlint -Wwarning $name"
	else
		echo "not ok $n - mandoc -Tlint -Wwarning $name"
		sed 's/^/# /' "$tmp/lint"
	fi
done

# 2. every SYNOPSIS long option is in README.md.
for p in $pages; do
	n=$((n + 1))
	name=${p##*/}
	if [ ! -f "$readme" ]; then
		echo "not ok $n - $name options in README.md # README.md missing"
		continue
	fi
	missing=
	for f in $(synopsis_flags "$p"); do
		if ! grep -Eq -- "(^|[^[:alnum:]-])$f([^[:alnum:]-]|\$)" \
		    "$readme"; then
			missing="$missing $f"
		fi
	done
	if [ -z "$missing" ]; then
		echo "ok $n - $name SYNOPSIS options are all in README.md"
	else
		echo "not ok $n - $name SYNOPSIS options are all in README.md"
		echo "# missing from README.md:$missing"
	fi
done

# 3. the plugin page quotes authn.h verbatim.
n=$((n + 1))
if [ ! -f "$plugin_page" ] || [ ! -f "$header" ]; then
	echo "ok $n # SKIP pvacms-plugin.5 or authn.h not found"
else
	# The text of the page's literal displays, with mdoc escapes undone,
	# must contain every "struct NAME {" / "enum NAME {" block of the
	# header, line for line.
	if awk '
	function unescape(s,	out, i) {
		if (substr(s, 1, 2) == "\\&")
			s = substr(s, 3)
		out = ""
		while ((i = index(s, "\\e")) > 0) {
			out = out substr(s, 1, i - 1) "\\"
			s = substr(s, i + 2)
		}
		return out s
	}
	FNR == NR {
		if ($0 ~ /^\.Bd -literal/) { lit = 1; next }
		if ($0 ~ /^\.Ed/) { lit = 0; next }
		if (lit) man = man unescape($0) "\n"
		next
	}
	/^(struct|enum) [a-z_]+ \{/ { inb = 1; blk = ""; name = $1 " " $2 }
	inb { blk = blk $0 "\n" }
	inb && /^\};/ {
		inb = 0
		if (index(man, blk) == 0) {
			print "# not quoted verbatim: " name
			bad++
		}
	}
	END { exit bad ? 1 : 0 }' "$plugin_page" "$header" >"$tmp/quote"; then
		echo "ok $n - pvacms-plugin.5 quotes authn.h verbatim"
	else
		echo "not ok $n - pvacms-plugin.5 quotes authn.h verbatim"
		cat "$tmp/quote"
	fi
fi

exit 0
