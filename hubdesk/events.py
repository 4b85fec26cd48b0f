"""Anonymised events: one per handled question (its helpful / not-helpful feedback: ``hubdesk.feedback``).

An event holds the day, hub, channel, languages, category, outcome and article, nothing else (see
``hubdesk.models.Event``). When the database is down the visitor still gets an answer: the event waits in a
small bounded in-memory queue and is written once the database answers again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from hubdesk.models import Event, Outcome

log = logging.getLogger(__name__)

STATS_TIMEZONE = "Europe/Amsterdam"  # the hubs' day: a question at 00:30 in Utrecht counts for that day
PENDING_LIMIT = 1000  # about a day of questions for a busy hub; beyond that the oldest are dropped (and logged)


@lru_cache(maxsize=1)
def _zone() -> tzinfo:
    try:
        return ZoneInfo(STATS_TIMEZONE)
    except ZoneInfoNotFoundError:  # no time-zone database in this image: UTC is off by an hour or two
        log.warning("time zone %s unknown (install tzdata); events are dated in UTC", STATS_TIMEZONE)
        return UTC


def today() -> date:
    """The date an event is recorded under: today in the Netherlands."""
    return datetime.now(_zone()).date()


@dataclass(frozen=True)
class EventData:
    """The fields of one event, before it has an id."""

    day: date
    hub_id: str
    channel: str
    language: str
    reply_language: str
    category: str
    outcome: str
    article_id: str | None = None

    def __post_init__(self) -> None:
        Outcome(self.outcome)  # refuse a typo rather than store an outcome the report cannot count


def record_event(*, session: Session, data: EventData) -> Event:
    """Write exactly one event and return it with its id, for the feedback buttons (not committed: it joins
    the unit of work of the message it counts).

    It sits on the path of every reply, so it costs one INSERT ... RETURNING, nothing more.
    """
    values = asdict(data)
    relax_durability(session)
    # A Core INSERT ... RETURNING, not the ORM unit of work: half the Python overhead, no read-back.
    event_id = session.execute(insert(Event).values(**values).returning(col(Event.id))).scalar_one()
    return Event(id=event_id, **values)


def relax_durability(session: Session) -> None:
    """On PostgreSQL, don't wait for this transaction's WAL flush (``synchronous_commit`` off, this
    transaction only): a crash could lose the last fraction of a second of anonymous counts, never
    consistency. That trade saves a disk flush on every reply."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


class PendingEvents:
    """Events that could not be written yet, oldest first; bounded so an outage cannot eat memory.

    Process-wide on purpose: the queue outlives the request whose database write failed.
    """

    def __init__(self, limit: int = PENDING_LIMIT):
        self._queue: deque[EventData] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, data: EventData) -> None:
        with self._lock:
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
                log.error("event queue full: dropped the oldest unsaved event (%d dropped)", self.dropped)
            self._queue.append(data)
        log.warning("database unavailable: event kept in memory (%d waiting)", len(self._queue))

    def flush(self, *, session: Session) -> int:
        """Write every waiting event in one transaction; returns how many were written (0 on failure)."""
        with self._lock:
            waiting = list(self._queue)
            if not waiting:
                return 0
            try:
                session.add_all([Event(**asdict(data)) for data in waiting])
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                log.warning("database still unavailable: %d events wait in memory", len(waiting))
                return 0
            for _ in waiting:
                self._queue.popleft()
        log.info("database back: wrote %d events kept in memory", len(waiting))
        return len(waiting)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.dropped = 0


pending_events = PendingEvents()
