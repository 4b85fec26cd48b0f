"""The urgent-case journal: a crisis or a request for a person that arrives while the database is down.

Such a message must not be lost, and the visitor must not be told that a volunteer was asked when nobody
was. So, when the database refuses the message's unit of work, the case that should have been opened is
written to a small SQLite file next to the application (``HUBDESK_JOURNAL_PATH``), with a full disk flush
(``synchronous=FULL``), before the visitor is answered. Only when that write succeeded is the visitor told
that the volunteers will get their message.

``replay`` opens the journalled cases once the database answers again: after the next message that reached
the database, and every ``REPLAY_INTERVAL_SECONDS`` from a background job (so also after a restart, without
new traffic). Each entry is opened exactly once: its id is claimed in ``processed_updates`` (source
``journal``) in the same transaction as the case, and the entry is deleted from the file after the commit; a
crash between the two only leaves an entry whose claim makes the next replay skip it.

The file holds personal data (the visitor's words and route back) only until the replay; ``secure_delete``
overwrites a deleted entry. It is per process host: with several hosts each replays its own.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

SOURCE = "journal"  # processed_updates.source of replayed entries (never pruned: see throttle.prune)
REPLAY_INTERVAL_SECONDS = 15.0
_lock = threading.Lock()  # one writer per process; other processes wait on SQLite's own lock
# Whether this process knows of entries waiting, per journal file: spares every message a look at the file.
# Only a hint (another process may journal too): the background job looks every REPLAY_INTERVAL_SECONDS.
_waiting: dict[Path, bool] = {}


class JournalError(RuntimeError):
    """The journal could not be written: the case is lost, and the visitor must be told so honestly."""


@dataclass(frozen=True)
class PendingCase:
    """A case that could not be opened because the database was down."""

    channel: str
    chat_key: str
    text: str
    language: str
    category: str
    urgent: bool
    hub_id: str | None = None


def _path() -> Path:
    return Path(get_settings().HUBDESK_JOURNAL_PATH)


@contextmanager
def _connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    path = path or _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, closing(sqlite3.connect(path, timeout=10)) as connection:
        connection.execute("PRAGMA synchronous=FULL")  # the entry is on disk before the visitor is told
        connection.execute("PRAGMA secure_delete=ON")  # a replayed entry's text is overwritten, not just unlinked
        connection.execute(
            "CREATE TABLE IF NOT EXISTS pending_cases (id TEXT PRIMARY KEY, created_at TEXT NOT NULL"
            " DEFAULT CURRENT_TIMESTAMP, payload TEXT NOT NULL)"
        )
        yield connection


def append(case: PendingCase) -> str:
    """Write one pending case durably and return its id; ``JournalError`` if the disk refused it."""
    entry_id = uuid.uuid4().hex
    try:
        with _connect() as connection, connection:
            connection.execute("INSERT INTO pending_cases (id, payload) VALUES (?, ?)",
                               (entry_id, json.dumps(asdict(case), ensure_ascii=False)))
    except (OSError, sqlite3.Error) as exc:
        log.error("could not journal a %s case during a database outage: %s", "urgent" if case.urgent else "", exc)
        raise JournalError(str(exc)) from exc
    _waiting[_path()] = True
    log.warning("database unavailable: %s case journalled locally until it is back",
                "an urgent" if case.urgent else "a")
    return entry_id


def pending() -> list[tuple[str, PendingCase]]:
    """Every journalled case, oldest first."""
    if not _path().exists():
        return []
    with _connect() as connection:
        rows = connection.execute("SELECT id, payload FROM pending_cases ORDER BY created_at, rowid").fetchall()
    return [(entry_id, PendingCase(**json.loads(payload))) for entry_id, payload in rows]


def _remove(entry_id: str) -> None:
    with _connect() as connection, connection:
        connection.execute("DELETE FROM pending_cases WHERE id = ?", (entry_id,))


def count() -> int:
    if not _path().exists():
        return 0
    with _connect() as connection:
        return int(connection.execute("SELECT count(*) FROM pending_cases").fetchone()[0])


def waiting() -> bool:
    """Whether there may be journalled cases to open (cheap: the file is read once per process)."""
    path = _path()
    if path not in _waiting:
        _waiting[path] = count() > 0
    return _waiting[path]


def replay():  # type: ignore[no-untyped-def]  # -> hubdesk.cases.Effects (imported late: cases imports much)
    """Open every journalled case in the database; returns the effects to perform (volunteers' notices and
    the case number for each visitor). Stops at the first database error: the rest waits for next time."""
    from hubdesk import cases, throttle
    from hubdesk.db import session_scope

    effects = cases.Effects()
    for entry_id, pending_case in pending():
        try:
            with session_scope() as session:
                if throttle.claim_delivery(session=session, source=SOURCE, key=entry_id):
                    opened = cases.open_case(
                        session=session, channel=pending_case.channel, chat_key=pending_case.chat_key,
                        text=pending_case.text, language=pending_case.language, category=pending_case.category,
                        hub_id=pending_case.hub_id, urgent=pending_case.urgent,
                    )  # commits, with the claim
                    effects.notices.extend(opened.effects.notices)
                    lang = cases.reply_language(pending_case.language)
                    effects.deliveries.extend(cases.to_visitor(opened.case, cases.handoff_reply(opened.case, lang)))
        except SQLAlchemyError:
            log.warning("database not back yet: %d journalled case(s) wait", count())
            break
        _remove(entry_id)
        log.info("journalled case opened after the outage")
    else:
        _waiting[_path()] = False
    return effects
