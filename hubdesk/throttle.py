"""Guards every channel shares through the database: a per-chat rate limit and webhook de-duplication.

Both live in the database, not in process memory, because several HubDesk processes may serve one bot
(webhook workers, or the web app next to a poller): a counter in one process would not see the others.
Both fail open: when the database is down, visitors still get answers (a missed limit is the lesser harm).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from hubdesk.db import insert_for
from hubdesk.models import ProcessedUpdate, RateLimitWindow, utcnow

log = logging.getLogger(__name__)

# Rate-limit rows carry a chat key (personal data): keep them only as long as the limit needs them.
WINDOW_KEEP = timedelta(minutes=5)
# A retried delivery comes within minutes (Telegram retries for a while, WhatsApp up to a day or so).
PROCESSED_KEEP = timedelta(days=2)

clock: Callable[[], datetime] = utcnow  # tests pin the clock so a run never straddles a minute boundary


class Verdict(Enum):
    """What to do with one more message from a chat."""

    ALLOW = "allow"
    NOTIFY = "notify"  # the first message over the limit: answer with a polite notice, once
    DROP = "drop"  # further messages in the same minute: stay silent


def count_message(*, session: Session, channel: str, chat_key: str, limit: int) -> Verdict:
    """Count one message from this chat in the current minute and say whether to answer it (not committed:
    callers fold it into the transaction they have anyway)."""
    window = clock().replace(second=0, microsecond=0)
    table = RateLimitWindow.__table__  # type: ignore[attr-defined]
    statement = insert_for(session)(table).values(channel=channel, chat_key=chat_key, window_start=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["channel", "chat_key", "window_start"], set_={"count": table.c.count + 1}
    ).returning(table.c.count)
    count = int(session.execute(statement).scalar_one())
    if count == 1:  # a chat's first message this minute: a good moment to drop expired windows (all chats)
        session.execute(delete(RateLimitWindow).where(col(RateLimitWindow.window_start) < window - WINDOW_KEEP))
    if count <= limit:
        return Verdict.ALLOW
    return Verdict.NOTIFY if count == limit + 1 else Verdict.DROP


def claim_delivery(*, session: Session, source: str, key: str) -> bool:
    """True the first time (source, key) is seen, False for a retried delivery (not committed)."""
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    statement = insert_for(session)(table).values(source=source, key=key, created_at=clock())
    statement = statement.on_conflict_do_nothing(index_elements=["source", "key"]).returning(table.c.id)
    return session.execute(statement).first() is not None


def hit(*, session: Session, channel: str, chat_key: str, limit: int) -> Verdict:
    """``count_message`` on its own, committed; fails open (ALLOW) when the database is down."""
    try:
        verdict = count_message(session=session, channel=channel, chat_key=chat_key, limit=limit)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("rate limit unavailable (database error): letting the message through", exc_info=True)
        return Verdict.ALLOW
    return verdict


def first_delivery(*, session: Session, source: str, key: str) -> bool:
    """``claim_delivery`` on its own, committed; fails open (True) when the database is down."""
    try:
        first = claim_delivery(session=session, source=source, key=key)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("update de-duplication unavailable (database error): processing %s %s", source, key)
        return True
    return first


def prune(*, session: Session, sources: tuple[str, ...], now: datetime | None = None) -> int:
    """Forget delivery ids of ``sources`` older than ``PROCESSED_KEEP`` and every expired rate-limit window.

    Only the given sources: other channels keep long-lived "done once" markers in the same table.
    Returns how many delivery ids went.
    """
    now = now or clock()
    result = session.execute(
        delete(ProcessedUpdate).where(
            col(ProcessedUpdate.source).in_(sources), col(ProcessedUpdate.created_at) < now - PROCESSED_KEEP
        )
    )
    session.execute(delete(RateLimitWindow).where(col(RateLimitWindow.window_start) < now - WINDOW_KEEP))
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
