#!/usr/bin/env bash
# Back up HubDesk's database to one file, safely while HubDesk runs.
#
#   scripts/backup.sh [--url URL] [OUT]
#
# URL defaults to $HUBDESK_DATABASE_URL. OUT defaults to backups/hubdesk-<UTC time>.sqlite3 (SQLite) or
# backups/hubdesk-<UTC time>.dump (PostgreSQL).
#   SQLite:     Python's sqlite3 backup API (a consistent copy even while HubDesk writes), then an integrity check.
#   PostgreSQL: pg_dump --format=custom (restore with scripts/restore.sh or pg_restore).
# Backups hold personal data of open cases: keep them as private as the database, and delete old ones.
set -euo pipefail
PYTHON=${PYTHON:-python3}
url=${HUBDESK_DATABASE_URL:-}
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) out=$1; shift ;;
    esac
done
if [ -z "$url" ]; then
    echo "backup.sh: no database: set HUBDESK_DATABASE_URL or pass --url" >&2
    exit 2
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
umask 077  # the backup is as private as the database

case "$url" in
    sqlite:///*)
        db=${url#sqlite:///}
        db=${db%%\?*}
        [ -f "$db" ] || { echo "backup.sh: no SQLite database at $db" >&2; exit 1; }
        out=${out:-backups/hubdesk-$stamp.sqlite3}
        mkdir -p "$(dirname "$out")"
        "$PYTHON" - "$db" "$out" <<'PY'
import sqlite3, sys
src, dst = sys.argv[1], sys.argv[2]
with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as source, sqlite3.connect(dst) as target:
    source.backup(target)
    ok = target.execute("PRAGMA integrity_check").fetchone()[0]
    tables = target.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
if ok != "ok":
    sys.exit(f"backup.sh: the copy failed its integrity check: {ok}")
print(f"{tables} tables")
PY
        ;;
    postgres://*|postgresql://*|postgresql+*://*)
        pg_url="postgresql://${url#*://}"
        out=${out:-backups/hubdesk-$stamp.dump}
        mkdir -p "$(dirname "$out")"
        pg_dump --format=custom --no-owner --no-privileges --file "$out" "$pg_url"
        ;;
    *)
        echo "backup.sh: cannot back up $url (only sqlite:/// and postgresql:// URLs)" >&2
        exit 2
        ;;
esac
echo "backup written to $out ($(wc -c < "$out") bytes)"
