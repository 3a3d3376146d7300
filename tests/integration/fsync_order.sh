#!/bin/bash
# fsync_order.sh - no answer leaves pvacms before its certificate is on
# disk, seen in the system calls pvacms makes.
#
# strace follows every thread of a running pvacms while certificates
# are requested one at a time, over HTTPS and as CERT:CREATE over
# PVAccess (authnjwt --cms pva://).  Every write pvacms makes on an HTTPS
# or PVAccess TCP connection (the answers among them) must come after an
# fdatasync of the database's WAL file that began after the last write
# to the WAL (the commit of the certificate being answered) and returned
# before the answer.  The recorder commits on one thread and syncs on another
# (pvacms(8), DURABILITY); this is what keeps that split honest.  (A
# power cut cannot be pulled here.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip_all "strace not installed"
setup_root
start_issuer
start_pvacms_local
PVA_TCP=$(sed -n 's/^pva=.*:\([0-9]*\)$/\1/p' "$ROOT/run/pvacms.listen")
plan 7

TRACE=$ROOT/run/strace.out
strace -f -qq -yy -o "$TRACE" -p "$PVACMS_PID" \
    -e trace=pwrite64,write,writev,sendmsg,sendto,fdatasync,fsync \
    2>"$ROOT/run/strace.err" &
STRACE_PID=$!
track "$STRACE_PID"
# strace writes nothing until a traced call: make one (a status answer).
for _ in $(seq 50); do
	healthz
	[ -s "$TRACE" ] && break
	kill -0 "$STRACE_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$TRACE" ] ||
    skip_all "strace cannot trace pvacms here: $(head -n 1 "$ROOT/run/strace.err")"

ec_csr order || bail_out "cannot make a CSR"
codes=
for i in 1 2 3 4 5; do
	cert_body "$ROOT/run/order.csr" "$(get_token "order$i")" \
	    >"$ROOT/run/order.body"
	codes+=$(curl -s -o /dev/null -w '%{http_code} ' --max-time 30 \
	    --cacert "$CA_FILE" -H 'Content-Type: application/json' \
	    --data-binary @"$ROOT/run/order.body" "$CMS_URL/v1/certs")
done
is "$codes" "201 201 201 201 201 " "five certificates issued under strace"
rcs=
for i in 1 2 3; do
	make_home "pva$i"
	get_token "pva$i" >"$ROOT/home/pva$i/token_file" ||
	    bail_out "no token from the sample issuer"
	run as_user "pva$i" authnjwt --cms "pva://127.0.0.1:$PVA_TCP" \
	    --token-file token_file
	rcs+="$RC "
done
is "$rcs" "0 0 0 " "three more over PVAccess (CERT:CREATE)"
stop_pid "$STRACE_PID" INT

"$PYTHON3" - "$TRACE" "$HTTPS_PORT" "$PVA_TCP" >"$ROOT/run/order.txt" <<'EOF_PY'
import re, sys

# One event per finished call: (kind, start, end) in trace order, where
# start and end are line numbers ("<unfinished ...>" splits a call).
trace, ports = sys.argv[1], {'https': sys.argv[2], 'pva': sys.argv[3]}
call = re.compile(r'^(\d+)\s+(\w+)\((\d+)<(TCP6?:\[[^\]]*\]|[^>]*)>')
resumed = re.compile(r'^(\d+)\s+<\.\.\. (\w+) resumed>')
open_calls, events = {}, []

def kind(name, target):
    if target.endswith('-wal'):
        if name == 'pwrite64':
            return 'wal_write'
        if name in ('fdatasync', 'fsync'):
            return 'wal_sync'
    if name in ('write', 'writev', 'sendmsg', 'sendto'):
        for front, port in ports.items():
            if re.match(r'TCP6?:\[[^\]]*:%s->' % port, target):
                return front
    return None

for n, line in enumerate(open(trace, errors='replace')):
    m = call.match(line)
    if m:
        k = kind(m.group(2), m.group(4))
        if k is None:
            continue
        if '<unfinished ...>' in line:
            open_calls[(m.group(1), m.group(2))] = (k, n)
        else:
            events.append((k, n, n))
        continue
    m = resumed.match(line)
    if m and (m.group(1), m.group(2)) in open_calls:
        k, start = open_calls.pop((m.group(1), m.group(2)))
        events.append((k, start, n))

wal_writes = sorted(e[2] for e in events if e[0] == 'wal_write')
syncs = [e for e in events if e[0] == 'wal_sync']
answers = sorted(e[1] for e in events if e[0] in ports)
bad = 0
for a in answers:
    before = [w for w in wal_writes if w < a]
    if not before:
        continue
    last = before[-1]
    if not any(s > last and e < a for _, s, e in syncs):
        bad += 1
print("wal_writes=%d" % len(wal_writes))
print("wal_syncs=%d" % len(syncs))
for front in ports:
    print("%s_writes=%d" % (front, sum(1 for e in events if e[0] == front)))
print("unsynced=%d" % bad)
EOF_PY
val() { sed -n "s/^$1=//p" "$ROOT/run/order.txt"; }
check "the trace shows the commits (writes to the WAL)" \
    test "$(val wal_writes)" -ge 5
check "and syncs of the WAL" test "$(val wal_syncs)" -ge 5
check "and the answers on the HTTPS connections" \
    test "$(val https_writes)" -ge 5
check "and on the PVAccess connections" test "$(val pva_writes)" -ge 3
is "$(val unsynced)" 0 \
    "every HTTPS or PVAccess write follows a sync of the WAL begun after its last write"
