#!/bin/bash
# tests/run-all.sh - README command 2: every test of pvacms.
#
# On a fresh Debian 12 machine this installs what is missing, builds, and
# runs: the whole `make check` suite (unit tests, fuzz-corpus replay,
# integration tests with real processes on loopback, man page lint), the
# unit tests again under AddressSanitizer + UBSan, and `make distcheck`.
# It builds out of tree only, afresh in build-check/ and build-san/, so it
# runs before or after contrib/quickstart.sh (build-quickstart/) and again;
# a source tree configured in place (by ./configure there, or by an older
# quick start) is cleaned with `make distclean` first.
# It ends with one line "N passed, N failed, N skipped" counting every
# assertion, and exits non-zero when anything failed.
#
# Environment: PVACMS_SKIP_DISTCHECK=1 skips distcheck (quicker local runs);
# JOBS sets make's parallelism (default: number of CPUs);
# PVACMS_PRIOR_COUNTS="P F S" starts the counts at P passed, F failed,
# S skipped, for steps run before this script (.ci/run: the quick start).
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

passed=0 failed=0 skipped=0
if [ -n "${PVACMS_PRIOR_COUNTS:-}" ]; then
	read -r p f s x <<<"$PVACMS_PRIOR_COUNTS"
	if ! [[ ${p:-} =~ ^[0-9]+$ && ${f:-} =~ ^[0-9]+$ &&
	    ${s:-0} =~ ^[0-9]+$ && -z ${x:-} ]]; then
		echo "run-all: bad PVACMS_PRIOR_COUNTS '$PVACMS_PRIOR_COUNTS' (want \"P F S\")" >&2
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	passed=$((10#$p)) failed=$((10#$f)) skipped=$((10#${s:-0}))
fi
step_failed() {	# a step that is not a TAP test still counts
	echo "run-all: FAILED: $1" >&2
	failed=$((failed + 1))
}
give_up() {	# give_up STEP: fail STEP, print the last line, stop
	step_failed "$1"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
}

"$top/tests/install-deps.sh" || give_up "tests/install-deps.sh"

# Sum automake's per-assertion results from the .trs files of a build.
count_results() {
	local dir=$1 p f s
	p=$(find "$dir" -name '*.trs' -exec grep -h '^:test-result: PASS' {} + 2>/dev/null | wc -l)
	f=$(find "$dir" -name '*.trs' -exec grep -h '^:test-result: \(FAIL\|XPASS\|ERROR\)' {} + 2>/dev/null | wc -l)
	# An expected failure (XFAIL: a TODO) proves nothing yet: skipped.
	s=$(find "$dir" -name '*.trs' -exec grep -h '^:test-result: \(SKIP\|XFAIL\)' {} + 2>/dev/null | wc -l)
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	echo "run-all: $dir: $p passed, $f failed, $s skipped"
}

# A source tree configured in place (an older contrib/quickstart.sh did so)
# stops every out-of-tree configure: "source directory already configured".
if [ -f config.status ] || [ -f Makefile ]; then
	echo "run-all: the source tree is configured in place (./configure there, or an older quick start): make distclean" >&2
	make distclean >/dev/null 2>&1
	[ ! -f config.status ] ||
	    give_up "make distclean in $top (clean it by hand: make distclean, or git clean -xdf)"
	[ ! -f Makefile ] ||
	    echo "run-all: warning: make distclean left $top/Makefile behind" >&2
fi

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh >/dev/null 2>&1 || give_up "./autogen.sh"
fi

# 1. The full suite.
# run_check DIR [MAKE ARGS]: make check; a run that fails without any
# failed assertion (e.g. a test that did not build) still counts as one.
run_check() {
	local dir=$1 before=$failed
	shift
	if (cd "$dir" && make -s -j"$jobs" check "$@" >check.out 2>&1); then
		count_results "$dir"
	else
		count_results "$dir"
		grep -E '^(FAIL|ERROR|XPASS)|error:|Error [0-9]' "$dir/check.out" |
		    head -40 >&2
		[ "$failed" -gt "$before" ] || step_failed "make check in $dir"
	fi
}

build() {	# build DIR CONFIGURE-ARGS...
	local dir=$1
	shift
	rm -rf "$dir" && mkdir "$dir" &&
	(cd "$dir" && ../configure -q "$@" >build.out 2>&1 &&
	    make -s -j"$jobs" >>build.out 2>&1) ||
	{ tail -30 "$dir/build.out" >&2; return 1; }
}

if build build-check --enable-werror; then
	run_check build-check
else
	step_failed "build"
fi

# 2. Unit tests under ASan + UBSan.
if build build-san --enable-sanitizers; then
	units=$(cd build-san && make -s print-unit-tests)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    run_check build-san TESTS="$units"
else
	step_failed "sanitizer build"
fi

# 3. The distribution tarball builds, installs and passes on its own.
if [ "${PVACMS_SKIP_DISTCHECK:-0}" != 1 ]; then
	if (cd build-check && make -s -j"$jobs" distcheck >distcheck.out 2>&1); then
		passed=$((passed + 1))
		echo "run-all: distcheck passed"
	else
		tail -40 build-check/distcheck.out >&2
		step_failed "make distcheck"
	fi
fi

# Show what failed, so a red run explains itself.
if [ "$failed" -gt 0 ]; then
	for log in build-check/test-suite.log build-san/test-suite.log; do
		# The failed assertions with their "# got/want" lines.
		[ -f "$log" ] && awk '/^(FAIL|ERROR|not ok)/ { n = 6; print; next }
		    n > 0 && /^#/ { n--; print; next } { n = 0 }' "$log" |
		    head -80 >&2
	done
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
