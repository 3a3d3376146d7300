#!/bin/sh
# fuzz.sh - `make fuzz`: build each libFuzzer target with clang and run it
# for FUZZ_SECS seconds on a copy of its seed corpus in the build tree
# (the source tree is never written).  Prints one line per target, e.g.
# "fuzz_token: 60 s, 1234567 runs, no crash"; on a crash, the log and
# the crashing input, and exits 1 once every target has run.
#
# Environment (set by tests/fuzz.am): FUZZ_CC, FUZZ_SECS, FUZZ_CFLAGS,
# FUZZ_LIBS, FUZZ_TARGETS, srcdir (top source dir), builddir (top build
# dir).  Sources of each target: fuzz_<name>.c plus the code it tests.
set -u
: "${FUZZ_CC:=clang}" "${FUZZ_SECS:=60}" "${srcdir:=.}" "${builddir:=.}"
: "${FUZZ_TARGETS:=token pattern request pvdata}"
out="$builddir/tests/fuzz"

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "make fuzz: $FUZZ_CC not found; skipped" \
	    "(install clang with libFuzzer)"
	exit 0
fi
mkdir -p "$out" || exit 1
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
    'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}' \
    >"$out/probe.c"
if ! "$FUZZ_CC" -fsanitize=fuzzer,address,undefined "$out/probe.c" \
    -o "$out/probe" >/dev/null 2>&1; then
	rm -f "$out/probe.c" "$out/probe"
	echo "make fuzz: $FUZZ_CC cannot build libFuzzer targets; skipped"
	exit 0
fi
rm -f "$out/probe.c" "$out/probe"

case "$FUZZ_SECS" in
''|*[!0-9]*) echo "make fuzz: FUZZ_SECS must be a number of seconds" >&2
	exit 1 ;;
esac

rc=0
for t in $FUZZ_TARGETS; do
	case $t in
	token)	src="plugins/jwt/jwt_token.c" ;;
	pattern) src="plugins/jwt/jwt_pattern.c" ;;
	request) src="host/pvacms/request.c host/common/cert.c" ;;
	csr)	src="host/pvacms/csr.c host/common/sha256.c" ;;
	pvdata)	src="host/pva/pvdata.c host/pva/pvtype.c host/pva/pvvalue.c" ;;
	pvamsg)	src="host/pva/pvamsg.c host/pva/pvasearch.c" ;;
	pvacreate) src="host/pva/pvacreq.c host/pvacms/issue_order.c
		host/common/cert.c host/pva/pvdata.c host/pva/pvtype.c
		host/pva/pvvalue.c" ;;
	introspect) src="plugins/jwt/jwt_introspect.c plugins/jwt/jwt_remote.c
		plugins/jwt/jwt_cred.c plugins/jwt/jwt_claims.c
		plugins/jwt/jwt_config.c plugins/jwt/jwt_iss.c
		plugins/jwt/jwt_pattern.c plugins/jwt/jwt_list.c
		plugins/jwt/jwt_status.c plugins/jwt/jwt_url.c
		plugins/jwt/jwt_token.c plugins/jwt/jwt_jwks.c
		plugins/jwt/jwt_alg.c" ;;
	*)	echo "make fuzz: unknown target $t" >&2; exit 1 ;;
	esac
	bin="$out/fuzz_$t"
	files="$srcdir/tests/fuzz/fuzz_$t.c"
	for s in $src; do
		files="$files $srcdir/$s"
	done
	# shellcheck disable=SC2086
	if ! "$FUZZ_CC" $FUZZ_CFLAGS $files -o "$bin" $FUZZ_LIBS; then
		echo "fuzz_$t: does not build" >&2
		rc=1
		continue
	fi
	work="$out/work/$t"
	rm -rf "$work" "$out/crash-$t-"*
	mkdir -p "$work" && cp "$srcdir/tests/fuzz/corpus/$t/"* "$work/" ||
	    { rc=1; continue; }
	log="$out/fuzz_$t.log"
	"$bin" -max_total_time="$FUZZ_SECS" -max_len=16384 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
	    "$work" >"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' \
	    "$log" | tail -n 1)
	if [ "$status" -eq 0 ] && [ -n "$secs" ]; then
		echo "fuzz_$t: $secs s, ${runs:-?} runs, no crash" \
		    "(corpus $(ls "$work" | wc -l | tr -d ' ') inputs)"
	else
		echo "fuzz_$t: CRASH (exit $status) after ${runs:-?} runs;" \
		    "log $log"
		ls "$out/crash-$t-"* 2>/dev/null | sed 's/^/  input: /'
		grep -m 1 -A 12 'ERROR: \|runtime error\|deadly signal' \
		    "$log" | sed 's/^/  /'
		rc=1
	fi
done
exit $rc
