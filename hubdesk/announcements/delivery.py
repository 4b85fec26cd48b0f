"""The per-recipient state machine of an announcement, in the database (blocking; run it in a worker thread).

    pending ──claim──> claimed ──> sent | template | failed | blocked | unreachable
       ^                  │
       └──── release ─────┘   (a 429 or a request that never left: not sent, so safe to send again)
    claimed, its sender gone ──> unconfirmed      pending, unsubscribed or forgotten ──> skipped

One row per (announcement, visitor), unique in the database: nobody can be queued twice. A row is claimed
(committed) before its message is sent and marked after. A sender that dies in between leaves it
``claimed``; the sender that takes the announcement over marks such rows ``unconfirmed`` and does **not**
send them again. (Outcomes are written in groups every quarter of a second, so a crash also leaves the
last few messages that did arrive ``claimed``: they too become ``unconfirmed``, and are not sent again.)
Telegram has no idempotency key, so after a crash nobody can know whether such a message went out: we
would rather lose one message (the announcement stays readable in the bot under "what's new?", and the count
shows it) than send a visitor the same announcement twice. Only a row claimed and not yet arrived can really
be lost: at most one per request in flight (``HUBDESK_ANNOUNCEMENT_CONCURRENCY``) per crash.

One sender per announcement: it holds a lease on the announcement row (``worker``, ``lease_until``),
renewed while it sends; a claim checks the lease, so a sender that lost it cannot claim anything more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, update
from sqlmodel import Session, col, select

from hubdesk.announcements.subscriptions import language_of, wants
from hubdesk.db import insert_for, session_scope
from hubdesk.models import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryState,
    Subscription,
    Visitor,
    utcnow,
)

DONE_STATES = frozenset({DeliveryState.SENT, DeliveryState.TEMPLATE, DeliveryState.FAILED, DeliveryState.BLOCKED,
                         DeliveryState.UNREACHABLE})
INSERT_CHUNK = 500


@dataclass(frozen=True)
class Recipient:
    """Where one delivery goes: nothing the sender keeps after the send."""

    delivery_id: int
    visitor_id: int
    channel: str
    chat_key: str
    language: str
    wa_last_inbound_at: datetime | None = None


def lease_next(*, worker: str, lease_seconds: float, now: datetime | None = None) -> int | None:
    """Take the lease of the oldest due announcement no live sender holds; its id, or None.

    Taking one over from a sender whose lease ran out marks that sender's claimed rows ``unconfirmed``.
    """
    now = now or utcnow()
    with session_scope() as session:
        due = session.exec(
            select(Announcement).where(
                col(Announcement.status).in_((AnnouncementStatus.SCHEDULED.value, AnnouncementStatus.SENDING.value)),
                col(Announcement.send_at) <= now,
                or_(col(Announcement.lease_until).is_(None), col(Announcement.lease_until) < now,
                    col(Announcement.worker) == worker),
            ).order_by(col(Announcement.send_at), col(Announcement.id)).limit(5)
        ).all()
        for announcement in due:
            previous, previous_lease = announcement.worker, announcement.lease_until
            owner = col(Announcement.worker).is_(None) if previous is None else col(Announcement.worker) == previous
            result = session.exec(update(Announcement).where(  # type: ignore[call-overload]
                col(Announcement.id) == announcement.id, owner,
                col(Announcement.lease_until).is_(None) if previous_lease is None
                else col(Announcement.lease_until) == previous_lease,
            ).values(worker=worker, lease_until=now + timedelta(seconds=lease_seconds),
                     status=AnnouncementStatus.SENDING.value, started_at=announcement.started_at or now))
            if result.rowcount != 1:
                continue  # another sender was quicker
            if previous != worker:
                session.exec(update(Delivery).where(  # type: ignore[call-overload]
                    col(Delivery.announcement_id) == announcement.id,
                    col(Delivery.state) == DeliveryState.CLAIMED.value,
                ).values(state=DeliveryState.UNCONFIRMED.value, done_at=now))
            return announcement.id
    return None


def renew(*, announcement_id: int, worker: str, lease_seconds: float) -> bool:
    """Keep the lease while sending; False when another sender has taken it (then stop)."""
    with session_scope() as session:
        result = session.exec(update(Announcement).where(  # type: ignore[call-overload]
            col(Announcement.id) == announcement_id, col(Announcement.worker) == worker,
        ).values(lease_until=utcnow() + timedelta(seconds=lease_seconds)))
        return result.rowcount == 1


def materialize(*, announcement_id: int) -> int:
    """Queue the announcement for every subscriber of its hub who wants one of its topics (once); how many."""
    with session_scope() as session:
        announcement = session.get(Announcement, announcement_id)
        assert announcement is not None
        if announcement.recipients_ready:
            return 0
        rows = session.exec(
            select(Subscription.topics, Visitor).join(Visitor, col(Visitor.id) == Subscription.visitor_id)
            .where(Subscription.hub_id == announcement.hub_id).order_by(col(Subscription.id))
        ).all()
        values = [
            {"announcement_id": announcement_id, "visitor_id": visitor.id, "channel": visitor.channel,
             "language": language_of(visitor, announcement.hub_id), "state": DeliveryState.PENDING.value,
             "attempts": 0}
            for topics, visitor in rows if wants(topics, announcement.topics)
        ]
        table = Delivery.__table__  # type: ignore[attr-defined]
        for start in range(0, len(values), INSERT_CHUNK):
            session.execute(insert_for(session)(table).values(values[start:start + INSERT_CHUNK])
                            .on_conflict_do_nothing(index_elements=["announcement_id", "visitor_id"]))
        announcement.recipients_ready = True
        session.add(announcement)
        return len(values)


def next_batch(*, announcement_id: int, after_id: int, limit: int) -> list[Recipient]:
    """Pending deliveries after ``after_id``, with their route (read, not claimed)."""
    with session_scope() as session:
        rows = session.exec(
            select(Delivery.id, Delivery.language, Visitor).join(Visitor, col(Visitor.id) == Delivery.visitor_id)
            .where(Delivery.announcement_id == announcement_id, Delivery.state == DeliveryState.PENDING.value,
                   col(Delivery.id) > after_id)
            .order_by(col(Delivery.id)).limit(limit)
        ).all()
        return [Recipient(delivery_id, visitor.id, visitor.channel, visitor.chat_key,  # type: ignore[arg-type]
                          language, visitor.wa_last_inbound_at)
                for delivery_id, language, visitor in rows]


def claim(*, delivery_id: int, announcement_id: int, worker: str) -> bool:
    """Take one pending delivery for sending now, if this sender still holds the announcement (commits)."""
    with session_scope() as session:
        holds = exists().where(col(Announcement.id) == announcement_id, col(Announcement.worker) == worker)
        result = session.exec(update(Delivery).where(  # type: ignore[call-overload]
            col(Delivery.id) == delivery_id, col(Delivery.state) == DeliveryState.PENDING.value,
            col(Delivery.visitor_id).is_not(None), holds,
        ).values(state=DeliveryState.CLAIMED.value, claimed_at=utcnow(), attempts=Delivery.attempts + 1))
        return result.rowcount == 1


def finish(*, delivery_id: int, state: str, blocked_visitor: int | None = None) -> None:
    """Record how a claimed delivery ended; a blocked bot also removes the visitor's route (commits)."""
    from hubdesk.announcements.subscriptions import remove_route

    with session_scope() as session:
        session.exec(update(Delivery).where(  # type: ignore[call-overload]
            col(Delivery.id) == delivery_id, col(Delivery.state) == DeliveryState.CLAIMED.value,
        ).values(state=state, done_at=utcnow()))
        if blocked_visitor is not None:
            remove_route(session=session, visitor_id=blocked_visitor)


def finish_many(*, outcomes: list[tuple[int, str, int | None]]) -> None:
    """Record several outcomes in one commit: (delivery id, state, visitor to forget when they blocked us)."""
    from hubdesk.announcements.subscriptions import remove_route

    now = utcnow()
    with session_scope() as session:
        for delivery_id, state, blocked_visitor in outcomes:
            session.exec(update(Delivery).where(  # type: ignore[call-overload]
                col(Delivery.id) == delivery_id, col(Delivery.state) == DeliveryState.CLAIMED.value,
            ).values(state=state, done_at=now))
            if blocked_visitor is not None:
                remove_route(session=session, visitor_id=blocked_visitor)


def release(*, delivery_id: int) -> None:
    """Put a claimed delivery back: it was certainly not sent (a 429, a connection never made)."""
    with session_scope() as session:
        session.exec(update(Delivery).where(  # type: ignore[call-overload]
            col(Delivery.id) == delivery_id, col(Delivery.state) == DeliveryState.CLAIMED.value,
        ).values(state=DeliveryState.PENDING.value))


def complete_if_done(*, announcement_id: int, worker: str) -> bool:
    """Skip what lost its route, and close the announcement when nothing is pending or claimed (commits)."""
    now = utcnow()
    with session_scope() as session:
        session.exec(update(Delivery).where(  # type: ignore[call-overload]
            col(Delivery.announcement_id) == announcement_id, col(Delivery.state) == DeliveryState.PENDING.value,
            or_(col(Delivery.visitor_id).is_(None),
                ~exists().where(and_(col(Subscription.visitor_id) == Delivery.visitor_id))),
        ).values(state=DeliveryState.SKIPPED.value, done_at=now))
        open_rows = session.exec(select(Delivery.id).where(
            Delivery.announcement_id == announcement_id,
            col(Delivery.state).in_((DeliveryState.PENDING.value, DeliveryState.CLAIMED.value)),
        ).limit(1)).first()
        if open_rows is not None:
            return False
        session.exec(update(Announcement).where(  # type: ignore[call-overload]
            col(Announcement.id) == announcement_id, col(Announcement.worker) == worker,
        ).values(status=AnnouncementStatus.SENT.value, finished_at=now, worker=None, lease_until=None))
        return True


def load(*, announcement_id: int) -> Announcement | None:
    with session_scope() as session:
        announcement = session.get(Announcement, announcement_id)
        if announcement is not None:
            session.expunge(announcement)
        return announcement


def unlink_old(*, session: Session, now: datetime | None = None) -> int:
    """A week after a delivery ended, forget whom it was for (only the anonymous state stays); commits.

    The week is what ``unsubscribed_after`` looks back on; after it, no row says who received what.
    """
    from hubdesk.announcements.subscriptions import UNSUBSCRIBE_COUNTS_FOR

    cutoff = (now or utcnow()) - UNSUBSCRIBE_COUNTS_FOR
    result = session.exec(update(Delivery).where(  # type: ignore[call-overload]
        col(Delivery.visitor_id).is_not(None), col(Delivery.done_at) < cutoff,
    ).values(visitor_id=None))
    session.commit()
    return int(result.rowcount or 0)
