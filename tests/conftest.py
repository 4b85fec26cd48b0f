"""Shared fixtures: every test gets its own, freshly migrated database.

SQLite by default (a tmp file, copied from one migrated template for speed). Set
``HUBDESK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test`` to run the same tests on
PostgreSQL: each test then gets its own schema (via ``search_path``), dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from hubdesk.db import dispose_engines, get_engine, get_session, upgrade_to_head
from hubdesk.settings import Settings, get_settings
from tests.utils.faults import DatabaseFault

pytest_plugins = ["tests.telegram_fixtures"]

PG_ENV = "HUBDESK_TEST_DATABASE_URL"
CHANNEL_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_VOLUNTEER_CHAT_ID",
    "WHATSAPP_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


def postgres_base_url() -> str | None:
    """The PostgreSQL server the suite should use, or None for SQLite."""
    return os.environ.get(PG_ENV) or None


def url_with_schema(base_url: str, schema: str) -> str:
    """``base_url`` with every connection's search_path set to ``schema``."""
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test copies it (a migration per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    dispose_engines()
    return path


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of its own (no tables): a tmp SQLite file or a fresh PostgreSQL schema."""
    base = postgres_base_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'hubdesk.db'}"
        dispose_engines()
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield url_with_schema(base, schema)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(empty_database_url: str, request: pytest.FixtureRequest) -> str:
    """A URL to a database of this test's own, migrated to head."""
    if empty_database_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, make_url(empty_database_url).database or "")
    else:
        upgrade_to_head(empty_database_url)
    return empty_database_url


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a test: its own database and urgent-case journal, no channels configured, a test secret."""
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("HUBDESK_JOURNAL_PATH", str(tmp_path / "journal.sqlite3"))
    monkeypatch.setenv("HUBDESK_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("HUBDESK_DATA_DIR", str(tmp_path / "data"))  # the generated hash key (hubdesk.keys)
    monkeypatch.delenv("HUBDESK_HASH_KEY", raising=False)
    monkeypatch.setenv("HUBDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("HUBDESK_SECRET_KEY", "test-secret-key-" + uuid.uuid4().hex)
    for name in CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The engine application code will also get from ``get_engine()`` during this test."""
    yield get_engine(settings.HUBDESK_DATABASE_URL)
    dispose_engines()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    from hubdesk.api.main import create_app

    app = create_app()

    def test_session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def database_fault(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[DatabaseFault]:
    """The app's database behind a switch: ``cut()`` takes it away, ``restore()`` brings it back
    (``tests.utils.faults``). Use ``get_engine()`` in the test, not the ``engine`` fixture."""
    fault = DatabaseFault(settings.HUBDESK_DATABASE_URL)
    monkeypatch.setenv("HUBDESK_DATABASE_URL", fault.url)
    get_settings.cache_clear()
    dispose_engines()
    try:
        yield fault
    finally:
        fault.close()
        dispose_engines()
