"""The database: one engine per URL, a session per request or bot update, migrations to head.

Decided once (see the team brief): synchronous SQLModel sessions everywhere. FastAPI runs sync
dependencies in its threadpool; bot code wraps database work in ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from hubdesk.settings import MIGRATIONS_DIR, get_settings

log = logging.getLogger(__name__)

MIGRATION_LOCK_KEY = 0x48554244  # 'HUBD': the PostgreSQL advisory lock held while migrating
SQLITE_BUSY_TIMEOUT_MS = 5000  # wait for a writer (bot and web in two processes) instead of failing at once
# Connections kept open per SQLite engine: one per thread that may use it at once (bot updates, web requests).
# SQLAlchemy's default of 5 made every burst open and close extra connections, each paying for its PRAGMAs.
SQLITE_POOL_SIZE = 20

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
_sqlite_writers: dict[str, threading.RLock] = {}  # one per SQLite file; see session_scope


def make_engine(url: str) -> Engine:
    """A new engine for ``url``: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL via psycopg."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,  # an SQL error in a log must not quote a visitor's text or chat id
            pool_size=SQLITE_POOL_SIZE,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_writers.setdefault(str(engine.url), threading.RLock())  # atomic; get_engine holds _engines_lock
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 is the driver we ship
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)  # no personal data in SQL errors


def _make_parent_dir(url: str) -> None:
    """A first start on a fresh machine: the data directory may not exist yet. Only migrating creates it (the
    database is being made); a missing folder anywhere else stays an outage, not a new empty database."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the one writer
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
        cursor.execute("PRAGMA secure_delete=ON")  # deleted or purged text is overwritten, not left in free pages
    finally:
        cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: ``HUBDESK_DATABASE_URL``), created once."""
    url = url or get_settings().HUBDESK_DATABASE_URL
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, shutdown)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, closed afterwards (handlers commit themselves)."""
    with Session(get_engine()) as session:
        yield session


def insert_for(session: Session) -> Callable[..., Any]:
    """``insert`` of the session's dialect, which has ``on_conflict_do_nothing`` / ``_do_update``.

    Both databases speak INSERT ... ON CONFLICT (SQLite since 3.24). One statement instead of a SAVEPOINT
    and a caught IntegrityError where two processes may insert the same row at the same moment.
    """
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _one_at_a_time(engine: Engine) -> AbstractContextManager[Any]:
    """On SQLite, units of work of this process take turns; elsewhere they run side by side.

    SQLite has one writer at a time. Without this, sixteen bot updates in sixteen threads would meet in
    SQLite's busy handler, which sleeps in steps of up to 100 ms: most of a burst was spent asleep. Taking
    turns on a lock costs next to nothing: a unit of work holds it for a millisecond or a few.
    PostgreSQL locks rows, not the database, so its sessions are not serialised.
    """
    lock = _sqlite_writers.get(str(engine.url)) if engine.dialect.name == "sqlite" else None
    return lock if lock is not None else nullcontext()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work for bot updates and the CLI: commit on success, roll back on any error."""
    engine = engine or get_engine()
    with _one_at_a_time(engine), Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def checkpoint(session: Session) -> None:
    """SQLite: copy the WAL into the database file and empty it, so purged text does not linger in the WAL
    until the next automatic checkpoint (with ``secure_delete`` the old pages are overwritten). PostgreSQL:
    nothing to do here (VACUUM reclaims dead rows; see docs/security.md)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def alembic_config(url: str | None = None) -> Any:
    """An Alembic ``Config`` for the migrations that ship with this code, aimed at ``url`` (default from settings).

    No ini file: the migrations are found through the package (``hubdesk.migrations`` when installed), and the
    application keeps its own logging. ``alembic.ini`` in the checkout is for the ``alembic`` command only.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: configparser would choke on '%' in a password.
    config.attributes["database_url"] = url or get_settings().HUBDESK_DATABASE_URL
    config.attributes["programmatic"] = True  # env.py leaves the application's logging alone
    return config


def upgrade_to_head(url: str | None = None) -> None:
    """Migrate the database to the newest schema (``hubdesk run`` and ``hubdesk db upgrade``)."""
    from alembic import command

    config = alembic_config(url)
    url = config.attributes["database_url"]
    if url.startswith("sqlite"):
        _make_parent_dir(url)
        command.upgrade(config, "head")
    else:
        # Several replicas may start at once: one migrates under the lock, the others wait, then find it done.
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                connection.commit()
                try:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                finally:
                    connection.rollback()
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                    connection.commit()
        finally:
            engine.dispose()
    log.info("database schema is at head")


def downgrade_to(revision: str, url: str | None = None) -> None:
    """Migrate down to ``revision`` ("base" drops every table)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)
