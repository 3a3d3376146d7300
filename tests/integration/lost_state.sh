#!/bin/bash
# lost_state.sh - a lost CA, a lost or damaged database, an audit log
# that cannot be written: pvacms refuses, says what is missing, and
# changes nothing.
#
# With certificates on record and the CA keychain gone, a start must not
# make a new CA (every certificate issued so far would answer 404): it
# exits non-zero naming the missing keychain, and cert_auth.pem and the
# TLS keychain stay as they were.  A database truncated to 0 bytes, or
# removed, while the CA has served, and a database with a damaged page,
# stop the start too (PRAGMA quick_check).  With everything restored the
# old certificate is VALID again.  Finally, with the audit log on a
# device that is always full, a certificate request is refused with 500
# audit_error and nothing is recorded: no decision without its line.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/admin_lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
setup_root
start_issuer
start_pvacms
CFG=$ROOT/home/pvacms/.config/pva/1.4
DATA=$ROOT/home/pvacms/.local/share/pva/1.4
DB=$DATA/certs.db

issue_client bob
BOB=$ID
is "$RC" 0 "bob gets a certificate"
stop_pvacms TERM
is "$STOP_RC" 0 "pvacms stops cleanly"
cp -p "$DB" "$ROOT/run/certs.db.good"
sum_before=$(cat "$CFG/cert_auth.pem" "$CFG/pvacms.p12" | sha256sum)

# start_refused: run pvacms in the foreground on the same directories;
# RC, ERR as run() sets them.
start_refused()
{
	run as_user pvacms env EPICS_AUTH_JWT_TRUSTED_URI="http://localhost:$ISSUER_PORT/default/verify" \
	    pvacms --https-listen 127.0.0.1:0 \
	    --http-listen 127.0.0.1:0 --pvas-server-port 0 \
	    --pvas-broadcast-port 0 --listen-info "$ROOT/run/refused.listen"
}

# ---- the CA keychain is gone, the database holds certificates
mv "$CFG/cert_auth.p12" "$ROOT/run/cert_auth.p12"
start_refused
check "a lost CA keychain: pvacms exits 1 ($RC)" test "$RC" -eq 1
like "$ERR" "CA keychain .*cert_auth.p12 is missing" \
    "the message names the missing keychain"
like "$ERR" "restore the CA keychain" "and says what to do"
check "no new CA keychain was made" test ! -e "$CFG/cert_auth.p12"
is "$(cat "$CFG/cert_auth.pem" "$CFG/pvacms.p12" | sha256sum)" \
    "$sum_before" "cert_auth.pem and pvacms.p12 are unchanged"
mv "$ROOT/run/cert_auth.p12" "$CFG/cert_auth.p12"

# ---- the database is truncated, then removed
: >"$DB"
rm -f "$DB-wal" "$DB-shm"
start_refused
check "a zero-length database: pvacms exits 1" test "$RC" -eq 1
like "$ERR" 'certs.db is empty \(0 bytes\).*Restore the database' \
    "the message says the database is empty and what to do"
rm -f "$DB"
start_refused
check "a missing database: pvacms exits 1" test "$RC" -eq 1
like "$ERR" 'certs.db is missing' "the message says the database is missing"
check "no database was created in its place" test ! -e "$DB"

# ---- a damaged page
cp -p "$ROOT/run/certs.db.good" "$DB"
pages=$(sqlite3 "$DB" 'PRAGMA page_count;')
psize=$(sqlite3 "$DB" 'PRAGMA page_size;')
# Scribble over the cells at the end of every page after the first (the
# header stays, so SQLite opens the file and must find the damage).
for p in $(seq 1 $((pages - 1))); do
	head -c 400 /dev/urandom | dd of="$DB" bs=1 \
	    seek=$((p * psize + psize - 400)) conv=notrunc status=none
done
start_refused
check "a damaged database: pvacms exits 1" test "$RC" -eq 1
like "$ERR" 'certs.db is damaged .*restore it from a backup' \
    "the message says the database is damaged"

# ---- a state directory pvacms may not write to
cp -p "$ROOT/run/certs.db.good" "$DB"
rm -f "$DB-wal" "$DB-shm"
# As root, only the immutable flag stops a write; otherwise the mode does.
if [ "$(id -u)" = 0 ]; then
	lock_dir() { chattr +i "$DATA"; }
	unlock_dir() { chattr -i "$DATA"; }
else
	lock_dir() { chmod 0500 "$DATA"; }
	unlock_dir() { chmod 0700 "$DATA"; }
fi
if lock_dir 2>/dev/null; then
	start_refused
	unlock_dir
	check "a read-only state directory: pvacms exits 1" test "$RC" -eq 1
	like "$ERR" "the directory .*pva/1.4 is not writable by this user" \
	    "the message says the directory is not writable, not just \
'unable to open'"
else
	ok "# SKIP cannot make the state directory read-only here"
	ok "# SKIP cannot make the state directory read-only here"
fi

# ---- everything restored: the old certificate is still good
start_pvacms
is "$(status_of "$BOB")" VALID "restored: bob's certificate is VALID"
stop_pvacms TERM

# ---- the audit log cannot be written
start_pvacms --audit-log /dev/full
post_token "$(get_token carl)"
is "$CODE $ECODE" "500 audit_error" \
    "an unwritable audit log: the request gets 500 audit_error"
is "$(sqlite3 "$DB" "SELECT COUNT(*) FROM certs WHERE cn = 'carl';")" 0 \
    "and nothing was recorded"
check "pvacms is alive" kill -0 "$PVACMS_PID"
stop_pvacms TERM

done_testing
