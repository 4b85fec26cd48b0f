"""Visitors' preferences, "forget me", and counting unique visitors per month without identifiers.

Unique visitors: when a visitor writes in month M we store HMAC-SHA256(K_M, channel + ":" + chat_key) for
(M, hub), where K_M is a random key created for month M only. The same visitor gives the same hash all
month, so distinct hashes count distinct visitors; nobody can recompute a hash without K_M. When the month is
closed we count the hashes, keep only the counts, delete the hashes and destroy K_M. See docs/statistics.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import delete, distinct, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hubdesk.db import insert_for
from hubdesk.models import ALL_HUBS, MonthKey, MonthVisitor, MonthVisitorCount, Visitor, utcnow

log = logging.getLogger(__name__)

LANGUAGES = ("uk", "nl", "en")
LAST_SEEN_RESOLUTION = timedelta(hours=1)  # enough for a 90-day retention; saves an UPDATE per message
VISITOR_RETENTION_DAYS = 90  # a visitor silent this long is forgotten; they only lose their language choice
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class MonthError(ValueError):
    """Not a month in the form YYYY-MM, or a month that cannot be closed yet."""


# -- visitors -------------------------------------------------------------------------------------------


def get_visitor(*, session: Session, channel: str, chat_key: str) -> Visitor | None:
    return session.exec(select(Visitor).where(Visitor.channel == channel, Visitor.chat_key == chat_key)).first()


def touch_visitor(*, session: Session, channel: str, chat_key: str) -> Visitor:
    """The visitor for this chat, created on first contact; ``last_seen_at`` set to now (not committed)."""
    visitor = get_visitor(session=session, channel=channel, chat_key=chat_key)
    now = utcnow()
    if visitor is None:  # another process may create the same visitor at the same moment: either one wins
        table = Visitor.__table__  # type: ignore[attr-defined]
        session.execute(
            insert_for(session)(table).values(channel=channel, chat_key=chat_key, created_at=now, last_seen_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "chat_key"])
        )
        visitor = get_visitor(session=session, channel=channel, chat_key=chat_key)
        assert visitor is not None
    if visitor.last_seen_at < now - LAST_SEEN_RESOLUTION:
        visitor.last_seen_at = now
    if channel == "whatsapp":
        visitor.wa_last_inbound_at = now
    session.add(visitor)
    return visitor


def set_language(*, session: Session, channel: str, chat_key: str, language: str) -> Visitor:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    visitor = touch_visitor(session=session, channel=channel, chat_key=chat_key)
    visitor.language = language
    session.commit()
    return visitor


def set_hub(*, session: Session, channel: str, chat_key: str, hub_id: str) -> Visitor:
    from hubdesk.hubs import check_hub

    visitor = touch_visitor(session=session, channel=channel, chat_key=chat_key)
    visitor.hub_id = check_hub(hub_id)
    session.commit()
    return visitor


def forget_visitor(*, session: Session, channel: str, chat_key: str) -> bool:
    """Delete what we keep about this chat (the visitor row). Events were never linked to it."""
    visitor = get_visitor(session=session, channel=channel, chat_key=chat_key)
    if visitor is None:
        return False
    session.delete(visitor)
    session.commit()
    return True


def purge_inactive_visitors(*, session: Session, now: datetime | None = None) -> int:
    """Forget visitors silent for ``VISITOR_RETENTION_DAYS``; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=VISITOR_RETENTION_DAYS)
    result = session.exec(delete(Visitor).where(col(Visitor.last_seen_at) < cutoff))  # type: ignore[call-overload]
    session.commit()
    return int(result.rowcount or 0)


# -- months ---------------------------------------------------------------------------------------------


def parse_month(text: str) -> str:
    """Check a 'YYYY-MM' month and return it; ``MonthError`` otherwise."""
    if not isinstance(text, str) or not MONTH_PATTERN.match(text.strip()):
        raise MonthError(f"month must look like YYYY-MM (for example 2026-11), not {text!r}")
    return text.strip()


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """First day of ``month`` and first day of the next month."""
    year, mon = (int(part) for part in parse_month(month).split("-"))
    start = date(year, mon, 1)
    end = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return start, end


def shift_month(month: str, months: int) -> str:
    year, mon = (int(part) for part in parse_month(month).split("-"))
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_key(session: Session, month: str) -> bytes | None:
    """The secret key of ``month``, created on first use; None once the month is closed."""
    row = session.get(MonthKey, month)
    if row is None:
        try:
            with session.begin_nested():  # two processes may start a month together: one key wins
                session.add(MonthKey(month=month, key=secrets.token_bytes(32)))
        except IntegrityError:
            pass
        else:  # the first visitor of a new month: earlier months are over, destroy their keys now
            close_past_months(session=session, today=month_bounds(month)[0])
        row = session.get(MonthKey, month)
        assert row is not None
    return row.key


def visitor_hash(key: bytes, channel: str, chat_key: str) -> str:
    return hmac.new(key, f"{channel}:{chat_key}".encode(), hashlib.sha256).hexdigest()


def count_visitor(
    *, session: Session, channel: str, chat_key: str, hub_id: str, day: date, visitor: Visitor | None = None
) -> None:
    """Remember (as a keyed hash) that this chat wrote to ``hub_id`` in the month of ``day`` (not committed).

    With the ``visitor`` row at hand, a visitor already counted for this month and hub costs no query.
    """
    month = month_of(day)
    counted_for = f"{month}:{hub_id}"
    if visitor is not None:
        if visitor.counted_for == counted_for:
            return
        visitor.counted_for = counted_for
        session.add(visitor)
    key = _month_key(session, month)
    if key is None:  # the month was closed early (by hand); its count is final
        return
    digest = visitor_hash(key, channel, chat_key)
    table = MonthVisitor.__table__  # type: ignore[attr-defined]
    session.execute(  # already there: counted by an earlier message (or a concurrent one) from the same visitor
        insert_for(session)(table).values(month=month, hub_id=hub_id, visitor_hash=digest)
        .on_conflict_do_nothing(index_elements=["month", "hub_id", "visitor_hash"])
    )


def close_month(*, session: Session, month: str, today: date | None = None) -> dict[str, int]:
    """Count the month's distinct visitors per hub and overall, then delete the hashes and destroy the key.

    Returns the counts ({hub_id: n, ALL_HUBS: n}). Only past months can be closed.
    """
    month = parse_month(month)
    if month >= month_of(today or utcnow().date()):
        raise MonthError(f"{month} is not over yet; only past months can be closed")
    row = session.get(MonthKey, month)
    if row is not None and row.key is None:
        return live_visitor_counts(session=session, month=month)  # already closed: the stored counts
    counts = live_visitor_counts(session=session, month=month)
    for hub_id, count in counts.items():
        session.merge(MonthVisitorCount(month=month, hub_id=hub_id, count=count))
    session.exec(delete(MonthVisitor).where(col(MonthVisitor.month) == month))  # type: ignore[call-overload]
    if row is None:
        row = MonthKey(month=month)
    row.key = None
    row.closed_at = utcnow()
    session.add(row)
    session.commit()
    log.info("closed month %s: visitor hashes deleted, key destroyed, %d hub counts kept", month, len(counts))
    return counts


def close_past_months(*, session: Session, today: date | None = None) -> list[str]:
    """Close every month before the current one that still has a key; returns the months closed."""
    current = month_of(today or utcnow().date())
    open_months = session.exec(
        select(MonthKey.month).where(col(MonthKey.key).is_not(None), col(MonthKey.month) < current)
    ).all()
    for month in open_months:
        close_month(session=session, month=month, today=today)
    return list(open_months)


def live_visitor_counts(*, session: Session, month: str) -> dict[str, int]:
    """Distinct visitors of ``month`` per hub and overall: from the hashes while open, the counts once closed."""
    row = session.get(MonthKey, month)
    if row is not None and row.key is None:
        stored = session.exec(select(MonthVisitorCount).where(MonthVisitorCount.month == month)).all()
        return {item.hub_id: item.count for item in stored}
    per_hub = session.exec(
        select(MonthVisitor.hub_id, func.count(distinct(MonthVisitor.visitor_hash)))
        .where(MonthVisitor.month == month)
        .group_by(MonthVisitor.hub_id)
    ).all()
    counts = {hub_id: int(n) for hub_id, n in per_hub}
    overall = session.exec(
        select(func.count(distinct(MonthVisitor.visitor_hash))).where(MonthVisitor.month == month)
    ).one()
    counts[ALL_HUBS] = int(overall or 0)
    return counts


def unique_visitors(*, session: Session, month: str, hub_id: str | None) -> tuple[int, bool]:
    """(distinct visitors of ``month`` in ``hub_id`` or every hub, whether the number is final)."""
    counts = live_visitor_counts(session=session, month=month)
    row = session.get(MonthKey, month)
    final = row is not None and row.key is None
    return counts.get(hub_id or ALL_HUBS, 0), final
