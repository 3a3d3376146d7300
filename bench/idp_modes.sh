#!/bin/bash
# bench/idp_modes.sh - pvacms against real identity providers, in the
# three ways it can check a token:
#   local       oidc-provider (tests/idp), JWT access tokens: pvacms finds
#               the JWKS by discovery and verifies each token itself;
#   introspect  oidc-provider, opaque access tokens: one RFC 7662 call to
#               the provider per certificate;
#   both        glewlwyd (Debian), JWT access tokens: verified locally AND
#               introspected.
# For each: the wall time of authnjwt (RUNS runs after one warm-up, a
# fresh token per run fetched before timing, a fresh key each run: key
# generation, CSR, HTTPS request and keychain write are all timed), then
# the certificates per second of CLIENTS concurrent bench/issue_rate
# clients for about SECS seconds on pre-minted client-credentials tokens
# (--token-file), with pvacms's CPU time per certificate and the
# provider's.  The rate window is sized by a short pilot window (which
# also warms pvacms up): twice the tokens the pilot's rate would use in
# SECS seconds (the pilot runs cold and short, so its rate is low).  A
# window that still runs dry ends early; its rate is then over the time
# it lasted, and issue_rate says so.
#
# It starts the providers with the test suite's own helpers
# (tests/integration/lib.sh, idp_lib.sh, glewlwyd_lib.sh); a provider
# that is not available (no node/npm, no glewlwyd) is skipped with a
# note.  Each mode runs in its own subshell with its own root and trap,
# which stop every process it started.  A benchmark: it prints figures
# and never judges them (exit 1 only when no mode could be measured).
#
# Environment: top_srcdir, top_builddir, PYTHON3 (as for the tests),
# MODES (default "local introspect both"), RUNS (20), AUTHN_KEY (ec:
# P-256, or rsa: RSA-2048, authnjwt's default, whose key generation
# varies by tens of ms and hides the modes' differences), CLIENTS (4),
# SECS (5), PILOT (tokens in the pilot window, 200), MAX_TOKENS (20000),
# MODE_LIMIT (seconds a mode may take, 300), KEEP_ROOT.

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
IT_DIR=$top_srcdir/tests/integration
# shellcheck source=SCRIPTDIR/../tests/integration/lib.sh
. "$IT_DIR/lib.sh"
# shellcheck source=SCRIPTDIR/../tests/integration/idp_lib.sh
. "$IT_DIR/idp_lib.sh"
# shellcheck source=SCRIPTDIR/../tests/integration/glewlwyd_lib.sh
. "$IT_DIR/glewlwyd_lib.sh"
. "$(dirname "$0")/stats.sh"

MODES=${MODES:-local introspect both}
RUNS=${RUNS:-20}
AUTHN_KEY=${AUTHN_KEY:-ec}
CLIENTS=${CLIENTS:-4}
SECS=${SECS:-5}
PILOT=${PILOT:-200}
MAX_TOKENS=${MAX_TOKENS:-20000}
MODE_LIMIT=${MODE_LIMIT:-300}
PROG=$top_builddir/bench/issue_rate

for v in RUNS CLIENTS SECS PILOT MAX_TOKENS MODE_LIMIT; do
	case ${!v} in
	'' | *[!0-9]* | 0) echo "${0##*/}: $v must be a positive number" >&2
		exit 2 ;;
	esac
done
case $AUTHN_KEY in
ec | rsa) ;;
*) echo "${0##*/}: AUTHN_KEY must be ec or rsa" >&2; exit 2 ;;
esac
[ -x "$PROG" ] || { echo "${0##*/}: $PROG not built (make bench/issue_rate)" >&2
	exit 1; }

# The rows of the table, one file per mode (written by its subshell).
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/pvacms-idp-bench.XXXXXX") || exit 1
trap 'rm -rf "$RESULTS"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
# (run inside a mode's subshell)

# skip_all REASON: the test suite's skip, here for one provider: a note
# and a row that says so, and a clean exit of the mode's subshell.
skip_all()
{
	echo "note: mode $MODE skipped: $*"
	printf '%s\t%s\tskipped: %s\n' "$MODE" "$PROVIDER" "$*" \
	    >"$RESULTS/$MODE.row"
	TAP_PLANNED=0 TAP_N=0
	exit 0
}

# mode_watchdog SECS: TERM this subshell after SECS (its trap cleans up).
mode_watchdog()
{
	local top=$BASHPID
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		sp=$!
		wait "$sp" && kill -TERM "$top" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	track "$!"
}

# cpu_ms PID: user + system CPU time of PID in ms (all its threads), or
# empty when unreadable.
cpu_ms()
{
	local t
	t=$(getconf CLK_TCK)
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk -v t="$t" '{ printf "%.0f\n", ($12 + $13) * 1000 / t }'
}


# count_lines FILE: non-empty lines.
count_lines()
{
	grep -c . "$1" 2>/dev/null || echo 0
}

# mint_oidc N FILE KIND [ARGS]: N tokens of oidc-provider in FILE.
mint_oidc()
{
	local n=$1 f=$2
	shift 2
	(umask 077 && op_token --count "$n" "$@" >"$f") &&
	    [ "$(count_lines "$f")" -eq "$n" ]
}

# mint_gw_user N FILE: N of alice's access tokens (password grant), one
# gw_token each (only RUNS + 1 of them are needed).
mint_gw_user()
{
	local i
	(umask 077 && : >"$2") || return 1
	for i in $(seq "$1"); do
		gw_token user >>"$2" || return 1
	done
}

# mint_gw_cc N FILE: N client-credentials tokens of glewlwyd in FILE, in
# one curl (a config on a pipe: the secret and the N requests, 4 in
# flight) and one python that takes the access_token of each answer.
mint_gw_cc()
{
	local n=$1 f=$2
	(umask 077 &&
	    { gw_auth agent agent.secret
	      printf 'data = "grant_type=client_credentials&scope=pvacms"\n'
	      printf 'write-out = "\\n"\n'
	      for _ in $(seq "$n"); do
		printf 'url = "%s"\n' "$GW_TOKEN_URL"
	      done
	    } | curl -s --no-progress-meter --max-time 300 --parallel \
	    --parallel-max 4 -K - 2>>"$ROOT/run/gw-mint.err" |
	    "$PYTHON3" -c 'import json, sys
# The answers one after another (parallel transfers may end lines late).
text, d, i = sys.stdin.read(), json.JSONDecoder(), 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    try:
        a, i = d.raw_decode(text, i)
    except ValueError:
        sys.exit("glewlwyd: an answer that is not JSON")
    if isinstance(a, dict) and "access_token" in a:
        print(a["access_token"])' >"$f") &&
	    [ "$(count_lines "$f")" -eq "$n" ]
}

# timed_authnjwt TOKEN_FILE_LINE: run authnjwt as alice once with the
# token on that line of $ROOT/run/user.tokens and a new key; set MS.
# Only the authnjwt process is timed: a shell in alice's environment
# reads the clock just around it.
timed_authnjwt()
{
	local rc t
	sed -n "$1p" "$ROOT/run/user.tokens" >"$ROOT/home/alice/token_file"
	rm -f "$(keychain_path alice client)"
	# shellcheck disable=SC2016 # expanded by that shell
	as_user alice bash -c 't0=$EPOCHREALTIME; f=$1; shift
	    "$@"; rc=$?; t1=$EPOCHREALTIME
	    echo "$t0 $t1" >"$f"; exit "$rc"' timed "$ROOT/run/authn.time" \
	    authnjwt --key-type "$AUTHN_KEY" --token-file token_file \
	    >>"$ROOT/run/authnjwt.out" 2>>"$ROOT/run/authnjwt.err"
	rc=$?
	t=$(cat "$ROOT/run/authn.time" 2>/dev/null)
	MS=$(awk -v a="${t% *}" -v b="${t#* }" \
	    'BEGIN { printf "%.3f", (b - a) * 1e3 }')
	[ "$rc" -eq 0 ] && [ -s "$(keychain_path alice client)" ]
}

# issue TOKEN_FILE SECS: bench/issue_rate on the tokens of the file, its
# output in $ROOT/run/rate.out (and on stdout, indented).  Sets RATE, OK,
# ERRS, WIN_MS (how long the window lasted), SRV_MS (pvacms's CPU in it,
# empty when unknown) and IDP_MS (the provider's, from /proc around it).
issue()
{
	local c0 c1 out=$ROOT/run/rate.out cpu
	c0=$(cpu_ms "$IDP_PID")
	"$PROG" --cms "$CMS_URL" --cacert "$CA_FILE" --token-file "$1" \
	    --clients "$CLIENTS" --secs "$2" --status-secs 0 \
	    --timeout-ms 10000 --cpu-pid "$PVACMS_PID" "${CSRS[@]}" \
	    >"$out" 2>&1
	c1=$(cpu_ms "$IDP_PID")
	sed 's/^/    /' "$out"
	RATE=$(sed -n 's/^issue rate: \([0-9.]*\) certificates.*/\1/p' "$out")
	WIN_MS=$(sed -n 's/^issue rate: .*clients, \([0-9.]*\) s, .*/\1/p' \
	    "$out")
	ERRS=$(sed -n 's/^issue rate: .* \([0-9]*\) errors)$/\1/p' "$out")
	OK=$(sed -n 's/^  \([0-9]*\) ok,.*/\1/p' "$out")
	cpu=$(sed -n 's/^  server CPU: \([0-9.]*\) ms.*/\1/p' "$out")
	[ -n "$RATE" ] && [ -n "$OK" ] && [ -n "$ERRS" ] || return 1
	# The window's length from the rate (the "s" figure has 0.1 s).
	if [ "$OK" -gt 0 ]; then
		WIN_MS=$(awk -v n="$OK" -v r="$RATE" 'BEGIN { print n * 1e3 / r }')
	else
		WIN_MS=$(awk -v v="$WIN_MS" 'BEGIN { print v * 1e3 }')
	fi
	SRV_MS=
	[ -z "$cpu" ] ||
	    SRV_MS=$(awk -v c="$cpu" -v n="$OK" 'BEGIN { print c * n }')
	IDP_MS=
	[ -z "$c0" ] || [ -z "$c1" ] || IDP_MS=$((c1 - c0))
	return 0
}

# measure USER_KIND CC_KIND: both figures for the pvacms running now,
# with user tokens from mint_user and client tokens from mint_cc (the
# mode's functions); writes the mode's row.
measure()
{
	local user_kind=$1 cc_kind=$2 i n t0 mint_s
	local -a times=()
	ec_csrs

	# authnjwt: RUNS + 1 tokens before any timing; the first run warms
	# up pvacms's connection to the provider and is not counted.
	make_home alice
	mint_user $((RUNS + 1)) "$ROOT/run/user.tokens" ||
	    bail_out "no $user_kind tokens from $PROVIDER"
	timed_authnjwt 1 || bail_out "authnjwt failed (warm-up):" \
	    "$(tail -n 2 "$ROOT/run/authnjwt.err")"
	for i in $(seq 2 $((RUNS + 1))); do
		timed_authnjwt "$i" || bail_out "authnjwt failed (run $i):" \
		    "$(tail -n 2 "$ROOT/run/authnjwt.err")"
		times+=("$MS")
	done
	read -r MED _ P90 _ <<<"$(stats_values "${times[@]}")"
	echo "  authnjwt ($user_kind, $AUTHN_KEY key): $RUNS runs," \
	    "median $MED ms, p90 $P90 ms"

	# Pilot: a small window that runs out of tokens, for the size.
	mint_cc "$PILOT" "$ROOT/run/pilot.tokens" ||
	    bail_out "no $cc_kind tokens from $PROVIDER"
	echo "  pilot ($PILOT tokens):"
	issue "$ROOT/run/pilot.tokens" 60 || bail_out "issue_rate (pilot) failed"
	[ "$OK" -gt 0 ] || bail_out "no certificate in the pilot window"

	# The window, in rounds when the provider cannot hold enough live
	# tokens for it (ROUND_MAX): each round's tokens minted just before
	# it, the figures summed over the rounds.
	local ok=0 errs=0 ms=0 srv=0 idp=0 rounds=0 left
	while [ "$rounds" -lt 20 ]; do
		left=$(awk -v s="$SECS" -v m="$ms" 'BEGIN { l = s - m / 1e3
			print (l < 0.5 ? 0 : int(l + 0.999)) }')
		[ "$left" -gt 0 ] || break
		n=$(awk -v r="$RATE" -v s="$left" -v lo="$PILOT" \
		    -v hi="${ROUND_MAX:-$MAX_TOKENS}" \
		    'BEGIN { n = int(r * s * 2) + 1; if (n < lo) n = lo
			if (n > hi) n = hi; print n }')
		t0=$EPOCHREALTIME
		mint_cc "$n" "$ROOT/run/rate.tokens" ||
		    bail_out "no $cc_kind tokens from $PROVIDER"
		mint_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		    'BEGIN { printf "%.1f", b - a }')
		rounds=$((rounds + 1))
		echo "  window${ROUND_MAX:+ round $rounds} ($n tokens," \
		    "minted in $mint_s s, ${left} s at most):"
		issue "$ROOT/run/rate.tokens" "$left" ||
		    bail_out "issue_rate failed"
		ok=$((ok + OK))
		errs=$((errs + ERRS))
		ms=$(awk -v a="$ms" -v b="$WIN_MS" 'BEGIN { print a + b }')
		if [ -n "$SRV_MS" ] && [ -n "$srv" ]; then
			srv=$(awk -v a="$srv" -v b="$SRV_MS" 'BEGIN { print a + b }')
		else
			srv=
		fi
		if [ -n "$IDP_MS" ] && [ -n "$idp" ]; then
			idp=$((idp + IDP_MS))
		else
			idp=
		fi
		[ "$OK" -gt 0 ] || break
	done
	read -r RATE SRV IDP <<<"$(awk -v n="$ok" -v ms="$ms" -v s="$srv" \
	    -v i="$idp" 'BEGIN { r = ms > 0 ? n * 1e3 / ms : 0
		printf "%.1f %s %s\n", r,
		    (s == "" || n == 0) ? "-" : sprintf("%.3f", s / n),
		    (i == "" || n == 0) ? "-" : sprintf("%.2f", i / n) }')"
	[ "$rounds" -le 1 ] || printf '  %d rounds: %d certificates in %.1f s:' \
	    "$rounds" "$ok" "$(awk -v m="$ms" 'BEGIN { print m / 1e3 }')"
	[ "$rounds" -le 1 ] || echo " $RATE certificates/s, $errs errors"
	printf '%s\t%s\t%s / %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$MODE" \
	    "$PROVIDER" "$user_kind" "$cc_kind" "$MED" "$P90" "$RATE" "$SRV" \
	    "$IDP" "$(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1e3 }')" \
	    "$errs" >"$RESULTS/$MODE.row"
}

# ec_csrs: one P-256 key and CSR per client (CSRS: issue_rate's options).
ec_csrs()
{
	local i
	CSRS=()
	for i in $(seq "$CLIENTS"); do
		ec_csr "client$i" || bail_out "openssl could not make a CSR"
		CSRS+=(--csr "$ROOT/run/client$i.csr")
	done
}

# ---------------------------------------------------------------- modes

# mode_begin PROVIDER: what every mode starts with: a root, the watchdog,
# the provider (oidc-provider or glewlwyd, IDP_PID), and a pvacms
# environment without the sample validator.
mode_begin()
{
	PROVIDER=$1
	setup_root
	mode_watchdog "$MODE_LIMIT"
	case $PROVIDER in
	oidc-provider)
		start_oidc_provider
		IDP_PID=$OP_PID
		;;
	glewlwyd)
		gw_start
		IDP_PID=$GW_PID
		;;
	esac
	export PVACMS_BARE=1
}

mode_local()
{
	mode_begin oidc-provider
	start_pvacms --jwt-issuer "$OP_URL" --jwt-audience urn:pvacms
	mint_user() { mint_oidc "$1" "$2" user-jwt alice; }
	mint_cc() { mint_oidc "$1" "$2" cc-jwt pvacms:client; }
	measure user-jwt cc-jwt
}

mode_introspect()
{
	mode_begin oidc-provider
	start_pvacms --jwt-mode introspect --jwt-issuer "$OP_URL" \
	    --jwt-client-id pvacms --jwt-client-secret-file "$OP_SECRETS/pvacms"
	# oidc-provider's in-memory store keeps about 1000 entries: an
	# older opaque token is forgotten (token_inactive).
	ROUND_MAX=900
	mint_user() { mint_oidc "$1" "$2" user-opaque alice; }
	mint_cc() { mint_oidc "$1" "$2" cc-opaque pvacms:client; }
	measure user-opaque cc-opaque
}

mode_both()
{
	mode_begin glewlwyd
	start_pvacms --jwt-mode introspect --jwt-issuer "$GW_URL" \
	    --jwt-audience pvacms --jwt-client-id pvacms \
	    --jwt-client-secret-file "$GW_SECRETS/pvacms.secret"
	mint_user() { mint_gw_user "$@"; }
	mint_cc() { mint_gw_cc "$@"; }
	measure user-jwt cc-jwt
}

# ---------------------------------------------------------------- main

echo "idp_modes: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "authnjwt: $RUNS runs per mode, $AUTHN_KEY key; rate: $CLIENTS" \
    "clients, ~$SECS s window"
measured=0
for MODE in $MODES; do
	case $MODE in
	local | introspect | both) ;;
	*) echo "${0##*/}: unknown mode '$MODE'" >&2; continue ;;
	esac
	echo "== mode $MODE"
	( "mode_$MODE" )
	rc=$?
	if [ -s "$RESULTS/$MODE.row" ]; then
		grep -q $'\tskipped: ' "$RESULTS/$MODE.row" ||
		    measured=$((measured + 1))
	else
		printf '%s\t-\tfailed (exit %d)\n' "$MODE" "$rc" \
		    >"$RESULTS/$MODE.row"
	fi
done

echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
{
	printf 'mode\tprovider\ttoken kind (authnjwt / rate)\tauthnjwt median ms' 
	printf '\tp90 ms\tcerts/s (%s clients)\tpvacms CPU ms/cert' "$CLIENTS"
	printf '\tIdP CPU ms/cert\twindow s\terrors\n'
	for MODE in $MODES; do
		[ -s "$RESULTS/$MODE.row" ] && cat "$RESULTS/$MODE.row"
	done
} | awk -F '\t' '
	{ for (i = 1; i <= NF; i++) { c[NR, i] = $i
		if (length($i) > w[i]) w[i] = length($i) }
	  nf[NR] = NF }
	END { for (r = 1; r <= NR; r++) { line = ""
		for (i = 1; i <= nf[r]; i++)
			line = line (i < nf[r] ? \
			    sprintf("%-" w[i] "s  ", c[r, i]) : c[r, i])
		print line } }'
[ "$measured" -gt 0 ]
