#!/usr/bin/env bash
# Restore HubDesk's database from a file written by scripts/backup.sh. Stop HubDesk first.
#
#   scripts/restore.sh [--url URL] [--force] FILE
#
# URL defaults to $HUBDESK_DATABASE_URL. Replacing a database that holds data needs --force.
#   SQLite:     the backup is checked, then copied into place; the old file is kept as <db>.before-restore-<time>.
#   PostgreSQL: pg_restore --clean --if-exists in one transaction (all or nothing).
# Afterwards run `hubdesk db upgrade` (a backup from an older version is migrated forward), then start HubDesk.
set -euo pipefail
PYTHON=${PYTHON:-python3}
url=${HUBDESK_DATABASE_URL:-}
force=0
file=""
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) file=$1; shift ;;
    esac
done
[ -n "$file" ] || { echo "restore.sh: which backup file? (see --help)" >&2; exit 2; }
[ -f "$file" ] || { echo "restore.sh: no file $file" >&2; exit 1; }
[ -n "$url" ] || { echo "restore.sh: no database: set HUBDESK_DATABASE_URL or pass --url" >&2; exit 2; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)

case "$url" in
    sqlite:///*)
        db=${url#sqlite:///}
        db=${db%%\?*}
        "$PYTHON" - "$file" <<'PY' || { echo "restore.sh: $file is not a usable SQLite backup; nothing changed" >&2; exit 1; }
import sqlite3, sys
with sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True) as backup:
    assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert backup.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
PY
        if [ -s "$db" ] && [ "$force" != 1 ]; then
            echo "restore.sh: $db exists; run again with --force to replace it (it is kept as a .before-restore copy)" >&2
            exit 1
        fi
        mkdir -p "$(dirname "$db")"
        tmp="$db.restoring"
        "$PYTHON" - "$file" "$tmp" <<'PY'
import sqlite3, sys
with sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True) as source, sqlite3.connect(sys.argv[2]) as target:
    source.backup(target)
PY
        if [ -e "$db" ]; then
            mv "$db" "$db.before-restore-$stamp"
            echo "the old database is kept as $db.before-restore-$stamp"
        fi
        rm -f "$db-wal" "$db-shm"  # belong to the old file
        mv "$tmp" "$db"
        ;;
    postgres://*|postgresql://*|postgresql+*://*)
        pg_url="postgresql://${url#*://}"
        pg_restore --list "$file" > /dev/null || { echo "restore.sh: $file is not a pg_dump archive" >&2; exit 1; }
        tables=$(psql "$pg_url" -Atc "SELECT count(*) FROM information_schema.tables WHERE table_name = 'alembic_version'
                 AND table_schema = ANY (current_schemas(false))")
        if [ "$tables" != 0 ] && [ "$force" != 1 ]; then
            echo "restore.sh: the database already holds HubDesk data; run again with --force to replace it" >&2
            exit 1
        fi
        pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
            --dbname "$pg_url" "$file"
        ;;
    *)
        echo "restore.sh: cannot restore into $url (only sqlite:/// and postgresql:// URLs)" >&2
        exit 2
        ;;
esac
echo "restored $file into the database; now run \`hubdesk db upgrade\`, then start HubDesk"
