"""scripts/backup.sh and scripts/restore.sh: a real backup, a real loss, a real restore (SQLite always,
PostgreSQL in a scratch database when HUBDESK_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from hubdesk.db import dispose_engines, get_engine, upgrade_to_head
from hubdesk.models import Case
from tests.conftest import postgres_base_url
from tests.utils.cases import make_case

REPO = Path(__file__).resolve().parent.parent


def script(name: str, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBDESK_")}
    env.update(HUBDESK_DATABASE_URL=url, PYTHON=sys.executable)
    return subprocess.run(
        [str(REPO / "scripts" / name), *args], env=env, capture_output=True, text=True, timeout=120
    )


def case_texts(url: str) -> list[str]:
    with Session(get_engine(url)) as session:
        return sorted(c.category for c in session.exec(select(Case)).all())


def lose_everything(url: str) -> None:
    with get_engine(url).begin() as connection:
        connection.execute(text("DELETE FROM case_messages"))
        connection.execute(text("DELETE FROM cases"))


def round_trip(url: str, tmp_path: Path) -> None:
    """Two cases; back up; lose them; restore (refused without --force); the cases are back."""
    with Session(get_engine(url)) as session:
        make_case(session, category="work")
        make_case(session, category="housing", chat_key="42")
    dispose_engines()
    out = tmp_path / "backups" / "nightly.bak"
    backup = script("backup.sh", str(out), url=url)
    assert backup.returncode == 0, backup.stderr
    assert out.stat().st_size > 1000
    assert oct(out.stat().st_mode & 0o777) == "0o600"  # personal data: private to the owner

    lose_everything(url)
    assert case_texts(url) == []
    dispose_engines()  # HubDesk is stopped for a restore

    refused = script("restore.sh", str(out), url=url)
    assert refused.returncode == 1
    assert "--force" in refused.stderr
    assert case_texts(url) == []
    dispose_engines()

    restored = script("restore.sh", "--force", str(out), url=url)
    assert restored.returncode == 0, restored.stderr
    assert case_texts(url) == ["housing", "work"]
    upgrade_to_head(url)  # what the restore tells you to run next works on the restored database
    dispose_engines()


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hubdesk.db'}"
    upgrade_to_head(url)
    round_trip(url, tmp_path)
    kept = list(tmp_path.glob("hubdesk.db.before-restore-*"))
    assert len(kept) == 1  # the replaced file is kept, just in case


def test_sqlite_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hubdesk.db'}"
    upgrade_to_head(url)
    dispose_engines()
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"certainly not sqlite" * 100)
    result = script("restore.sh", "--force", str(junk), url=url)
    assert result.returncode == 1
    assert "not a usable SQLite backup; nothing changed" in result.stderr
    assert not list(tmp_path.glob("*.before-restore-*"))
    assert case_texts(url) == []  # the database is untouched and still works


def test_backup_without_a_database_is_a_clear_error(tmp_path: Path) -> None:
    result = script("backup.sh", url=f"sqlite:///{tmp_path / 'nothing.db'}")
    assert result.returncode == 1
    assert "no SQLite database" in result.stderr
    result = script("backup.sh", url="mysql://nope")
    assert result.returncode == 2


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A database of its own (a dump covers a whole database, so not the shared test database's schemas)."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL: set HUBDESK_TEST_DATABASE_URL")
    name = f"hubdesk_backup_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_backup_and_restore(scratch_postgres: str, tmp_path: Path) -> None:
    upgrade_to_head(scratch_postgres)
    round_trip(scratch_postgres, tmp_path)
