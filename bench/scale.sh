#!/bin/bash
# bench/scale.sh - pvacms with many certificates on record.
#
# For each size in SIZES (default "1000 1000000"): a fresh pvacms state,
# filled to that many certificates by bench/fill_db (pvacms's own signing
# and recording code, in transactions of 10,000), then pvacms started on
# it.  Prints the startup time (exec to /healthz answering, 0.1 s
# resolution), the resident memory after the load (VmRSS, and the peak
# VmHWM), and the latency of the status JSON and of an OCSP GET for one
# certificate in the middle of the table (bench/http_latency, 1 client,
# SECS seconds each).  On the largest size, SWEEP more certificates
# (default 100,000) expire together 60 s after they were made, and the
# status latency is measured across the sweep that moves them to EXPIRED,
# with how long the sweep took.  A benchmark: it never judges.
# Environment: see bench/lib.sh; SIZES, SWEEP, SECS (default 5).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
# Filling a million rows takes minutes, and a start must get its time.
BENCH_LIMIT=${BENCH_LIMIT:-3600}
WAIT_SECS=${WAIT_SECS:-120}
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

SIZES=${SIZES:-1000 1000000}
SWEEP=${SWEEP:-100000}
SECS=${SECS:-5}
FILL=$top_builddir/bench/fill_db
LAT=$top_builddir/bench/http_latency

bench_setup
for t in "$FILL" "$LAT"; do
	[ -x "$t" ] || die "$t not built (make ${t#"$top_builddir"/})"
done
command -v sqlite3 >/dev/null || die "sqlite3 not installed"
start_issuer
CFG=$ROOT/home/pvacms/.config/pva/1.4
DB=$ROOT/home/pvacms/.local/share/pva/1.4/certs.db
largest=0
for n in $SIZES; do
	[ "$n" -gt "$largest" ] && largest=$n
done

# stop_cms: SIGTERM pvacms and wait for it.
stop_cms()
{
	kill -TERM "$PVACMS_PID" 2>/dev/null
	wait "$PVACMS_PID" 2>/dev/null
}

# ocsp_url SERIAL: the RFC 5019 GET URL of an OCSP request for SERIAL.
ocsp_url()
{
	"$OPENSSL" ocsp -issuer "$CA_FILE" -serial "$1" -no_nonce \
	    -reqout "$ROOT/run/req.der" >/dev/null 2>&1 ||
	    die "cannot make an OCSP request"
	"$PYTHON3" - "$ROOT/run/req.der" "$STATUS_URL" <<'EOF_PY'
import base64, sys, urllib.parse
der = open(sys.argv[1], "rb").read()
print(sys.argv[2] + "/ocsp/" +
      urllib.parse.quote(base64.b64encode(der).decode(), safe=""))
EOF_PY
}

for n in $SIZES; do
	echo "-- $n certificates"
	rm -rf "$ROOT/home/pvacms"
	start_pvacms
	stop_cms
	# Less what the bootstrap recorded (the TLS and admin certificates).
	have=$(sqlite3 "$DB" 'SELECT COUNT(*) FROM certs;')
	"$FILL" "$CFG" "$DB" $((n - have)) || die "fill_db failed"
	if [ "$n" -eq "$largest" ] && [ "$SWEEP" -gt 0 ]; then
		# fill_db dates them from its own start.
		due=$(($(date +%s) + 60))
		"$FILL" "$CFG" "$DB" "$SWEEP" "$SWEEP" 60 ||
		    die "fill_db failed"
	fi
	echo "database: $(du -m "$DB" | cut -f1) MB," \
	    "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM certs;') rows"
	sync
	t0=$(date +%s%N)
	start_pvacms
	t1=$(date +%s%N)
	echo "startup: $(((t1 - t0) / 1000000)) ms (exec to /healthz)"
	serial=$(sqlite3 "$DB" "SELECT serial FROM certs WHERE cn LIKE 'fill%'
	    LIMIT 1 OFFSET $((n / 2 - 2));")
	issuer=$(sqlite3 "$DB" "SELECT issuer_id FROM certs LIMIT 1;")
	printf 'status: '
	"$LAT" "$STATUS_URL/v1/certs/$issuer:$serial/status" "$SECS"
	printf 'OCSP GET: '
	"$LAT" "$(ocsp_url "$serial")" "$SECS"
	echo "memory: $(sed -n 's/^VmRSS:[[:space:]]*//p' \
	    "/proc/$PVACMS_PID/status") resident," \
	    "$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$PVACMS_PID/status") peak"
	if [ "$n" -eq "$largest" ] && [ "$SWEEP" -gt 0 ]; then
		now=$(date +%s)
		[ "$due" -gt $((now + 3)) ] && sleep $((due - now - 3))
		"$LAT" "$STATUS_URL/v1/certs/$issuer:$serial/status" 30 \
		    >"$ROOT/run/sweep.lat" &
		lat=$!
		t0=$(date +%s%N)
		done_at=""
		while kill -0 "$lat" 2>/dev/null; do
			left=$(sqlite3 "$DB" "SELECT COUNT(*) FROM certs
			    WHERE state = 1 AND not_after <= $((due + 1));" \
			    2>/dev/null)
			if [ -z "$done_at" ] && [ "${left:-1}" = 0 ]; then
				done_at=$(date +%s%N)
			fi
			sleep 0.2
		done
		wait "$lat"
		if [ -n "$done_at" ]; then
			echo "sweep: $SWEEP certificates EXPIRED" \
			    "$(((done_at - due * 1000000000) / 1000000)) ms" \
			    "after their notAfter"
		else
			echo "sweep: not finished within 30 s"
		fi
		printf 'status during the sweep: '
		cat "$ROOT/run/sweep.lat"
	fi
	stop_cms
done
