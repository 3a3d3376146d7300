#!/bin/bash
# bench/issue_latency.sh - wall time of `authnjwt -u client` on loopback.
#
# Starts the sample issuer and pvacms on ephemeral ports, then runs
# authnjwt --token-file F once with a new keychain (that run generates the
# RSA-2048 key) and RUNS more times reusing the key, which is the normal
# case.  A fresh token is fetched before each run, outside the timing;
# only the authnjwt process is timed.  Prints the first run and the
# median, min, p90 and max of the others.  A benchmark: it never judges
# the figures.  Environment: see bench/lib.sh; RUNS (default 20).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

RUNS=${RUNS:-20}
case $RUNS in
'' | *[!0-9]*) die "RUNS must be a number" ;;
esac
if [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 1000 ]; then
	die "RUNS must be 1..1000"
fi

# timed_authnjwt: run authnjwt once with a fresh token; set MS to its
# wall time in milliseconds.  Returns authnjwt's exit status.
timed_authnjwt()
{
	local tf=$ROOT/run/token t0 t1 rc
	get_token >"$tf" || die "cannot get a token from the issuer"
	t0=$EPOCHREALTIME
	bench_run "$top_builddir/authnjwt" -u client --token-file "$tf" \
	    >>"$ROOT/run/authnjwt.log" 2>>"$ROOT/run/authnjwt.err"
	rc=$?
	t1=$EPOCHREALTIME
	rm -f "$tf"
	MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1e3 }')
	return "$rc"
}

bench_setup
start_issuer
start_pvacms
as_user client

timed_authnjwt || die "authnjwt failed (first run)"
[ -s "$XDG_CONFIG_HOME/pva/1.4/client.p12" ] ||
    die "authnjwt wrote no keychain"
printf 'authnjwt -u client: first run (new RSA-2048 key) %.1f ms\n' "$MS"

declare -a times=()
for i in $(seq "$RUNS"); do
	timed_authnjwt || die "authnjwt failed (run $i of $RUNS)"
	times+=("$MS")
done
echo "authnjwt -u client: $RUNS runs reusing the key," \
    "$(stats "${times[@]}")"
