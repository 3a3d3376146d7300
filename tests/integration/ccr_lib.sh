# tests/integration/ccr_lib.sh - certificate creation requests over
# PVAccess from the tests' own client, pva_ccr.py.  Sourced after lib.sh;
# PVA_TCP must name the front's TCP port before ccr runs.

# shellcheck shell=bash

PVA_CCR=$LIB_DIR/pva_ccr.py

# ccr ARGS...: run pva_ccr.py against the front; RC, OUT, ERR as run.
ccr()
{
	run timeout -k 2 "$RUN_TIMEOUT" "$PYTHON3" "$PVA_CCR" \
	    --port "$PVA_TCP" "$@"
}

# jget PATH: a member of the last reply's JSON (dots for nesting; lists
# print one item a line), printed without a trailing newline.
jget()
{
	printf '%s' "$OUT" | "$PYTHON3" -c '
import json, sys
try:
    v = json.load(sys.stdin)
    for k in sys.argv[1].split("."):
        v = v[k]
except Exception:
    sys.exit(0)
if isinstance(v, bool):
    v = "true" if v else "false"
elif isinstance(v, list):
    v = "\n".join(str(x) for x in v)
sys.stdout.write(str(v))' "$1"
}
