"""Consent: who asked to hear a hub's news, on which topics. Nothing is sent to anyone without a row here.

A subscription hangs on the visitor row (the route back that already exists) and adds only a hub and
topics. It goes away on "unsubscribe" at once, and with the visitor row on "forget me", after the
inactivity purge (``visitors.VISITOR_RETENTION_DAYS`` without a message) and when the visitor blocks the bot.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from hubdesk import visitors
from hubdesk.db import insert_for
from hubdesk.models import Announcement, Delivery, DeliveryState, Subscription, Visitor, utcnow
from hubdesk.settings import get_settings

CATEGORY_IDS = (
    "residence", "registration", "work", "tax", "money", "childcare", "education", "language", "healthcare",
    "mental_health", "housing", "travel_return", "hub", "other",
)
UNSUBSCRIBE_COUNTS_FOR = timedelta(days=7)  # an unsubscribe this soon after an announcement counts against it


def hub_of(visitor: Visitor | None) -> str:
    return (visitor.hub_id if visitor else None) or get_settings().HUBDESK_DEFAULT_HUB


def hub_language(hub_id: str) -> str:
    """The hub's own fallback language for announcements (``language`` in hubs.yaml, else the setting)."""
    from hubdesk.kb import knowledge_base

    hub = knowledge_base().hubs.get(hub_id)
    return (hub.language if hub is not None else None) or get_settings().HUBDESK_ANNOUNCEMENT_DEFAULT_LANGUAGE


def language_of(visitor: Visitor, hub_id: str) -> str:
    """The language a visitor reads announcements in: chosen, else the conversation's, else the hub's."""
    return visitor.language or visitor.conversation_language or hub_language(hub_id)


def parse_topics(value: str) -> tuple[str, ...]:
    return tuple(t for t in value.split(",") if t)


def join_topics(topics: tuple[str, ...] | list[str] | set[str]) -> str:
    unknown = set(topics) - set(CATEGORY_IDS)
    if unknown:
        raise ValueError(f"unknown topics: {', '.join(sorted(unknown))}")
    return ",".join(t for t in CATEGORY_IDS if t in set(topics))


def wants(subscription_topics: str, announcement_topics: str) -> bool:
    """Whether a subscriber of these topics hears an announcement of those ("" = every topic)."""
    mine, its = set(parse_topics(subscription_topics)), set(parse_topics(announcement_topics))
    return not mine or not its or bool(mine & its)


def get_subscription(*, session: Session, channel: str, chat_key: str) -> Subscription | None:
    """The visitor's subscription to the news of their own hub, if any."""
    visitor = visitors.get_visitor(session=session, channel=channel, chat_key=chat_key)
    if visitor is None:
        return None
    return session.exec(select(Subscription).where(
        Subscription.visitor_id == visitor.id, Subscription.hub_id == hub_of(visitor))).first()


def subscribe(*, session: Session, channel: str, chat_key: str) -> Subscription:
    """Subscribe the visitor to their hub's news (every topic); already subscribed stays as it is. Commits."""
    visitor = visitors.touch_visitor(session=session, channel=channel, chat_key=chat_key)
    session.flush()
    hub_id = hub_of(visitor)
    session.execute(  # a double tap, or two processes at once: one row
        insert_for(session)(Subscription.__table__).values(  # type: ignore[attr-defined]
            visitor_id=visitor.id, hub_id=hub_id, topics="", created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["visitor_id", "hub_id"])
    )
    session.commit()
    subscription = get_subscription(session=session, channel=channel, chat_key=chat_key)
    assert subscription is not None
    return subscription


def set_topics(*, session: Session, channel: str, chat_key: str, topics: tuple[str, ...]) -> Subscription:
    """Choose the topics to hear about (empty = every topic); subscribes first if needed. Commits."""
    subscription = subscribe(session=session, channel=channel, chat_key=chat_key)
    subscription.topics = join_topics(topics)
    session.add(subscription)
    session.commit()
    return subscription


def toggle_topic(*, session: Session, channel: str, chat_key: str, topic: str) -> Subscription:
    subscription = subscribe(session=session, channel=channel, chat_key=chat_key)
    topics = set(parse_topics(subscription.topics))
    topics ^= {topic}
    return set_topics(session=session, channel=channel, chat_key=chat_key, topics=tuple(topics))


def unsubscribe(*, session: Session, channel: str, chat_key: str) -> bool:
    """Delete the visitor's subscription now; nothing more is sent to them. Commits; False if there was none."""
    visitor = visitors.get_visitor(session=session, channel=channel, chat_key=chat_key)
    if visitor is None:
        return False
    removed = session.exec(delete(Subscription).where(  # type: ignore[call-overload]
        col(Subscription.visitor_id) == visitor.id))
    _stop_pending(session, visitor.id)
    _count_unsubscribe(session, visitor.id)
    session.commit()
    return bool(removed.rowcount)


def _stop_pending(session: Session, visitor_id: int | None) -> None:
    """Announcements still on their way to this visitor are not sent."""
    session.exec(update(Delivery).where(  # type: ignore[call-overload]
        col(Delivery.visitor_id) == visitor_id, col(Delivery.state) == DeliveryState.PENDING.value,
    ).values(state=DeliveryState.SKIPPED.value, done_at=utcnow()))


def _count_unsubscribe(session: Session, visitor_id: int | None) -> None:
    """Count the unsubscribe against the last announcement this visitor received within a week (no link kept)."""
    since = utcnow() - UNSUBSCRIBE_COUNTS_FOR
    last = session.exec(
        select(Delivery.announcement_id).where(
            Delivery.visitor_id == visitor_id,
            col(Delivery.state).in_((DeliveryState.SENT.value, DeliveryState.TEMPLATE.value)),
            col(Delivery.done_at) >= since,
        ).order_by(col(Delivery.done_at).desc())
    ).first()
    if last is not None:
        session.exec(update(Announcement).where(col(Announcement.id) == last)  # type: ignore[call-overload]
                     .values(unsubscribed_after=Announcement.unsubscribed_after + 1))


def before_forget(*, session: Session, channel: str, chat_key: str) -> None:
    """ "Forget me" is also an unsubscribe: count it and stop what is pending (the row goes with the visitor)."""
    visitor = visitors.get_visitor(session=session, channel=channel, chat_key=chat_key)
    if visitor is None:
        return
    if session.exec(select(Subscription.id).where(Subscription.visitor_id == visitor.id)).first() is not None:
        _count_unsubscribe(session, visitor.id)
    _stop_pending(session, visitor.id)


def remove_route(*, session: Session, visitor_id: int) -> None:
    """The visitor blocked the bot: delete the visitor row (and with it the subscription). Not committed."""
    session.exec(delete(Visitor).where(col(Visitor.id) == visitor_id))  # type: ignore[call-overload]


def subscriber_counts(*, session: Session, hub_id: str | None = None) -> dict[str, Counter[str]]:
    """Subscribers per hub and reading language (raw counts: export them through ``stats.Masker``)."""
    query = select(Subscription.hub_id, Visitor).join(Visitor, col(Visitor.id) == Subscription.visitor_id)
    if hub_id is not None:
        query = query.where(Subscription.hub_id == hub_id)
    counts: dict[str, Counter[str]] = {}
    for hub, visitor in session.exec(query).all():
        counts.setdefault(hub, Counter())[language_of(visitor, hub)] += 1
    return counts
