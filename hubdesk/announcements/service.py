"""Announcements: write, check, schedule or start, count, and the message each visitor will read.

Shared by the API, the coordinator page and the bot ("what's new?"). Sending itself is ``sender.py``;
the per-recipient state machine is ``delivery.py``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from hubdesk.announcements.subscriptions import hub_language, join_topics, parse_topics
from hubdesk.i18n import LANGUAGES, translator
from hubdesk.messages import Button, ButtonAction, Reply
from hubdesk.models import Announcement, AnnouncementStatus, Delivery, DeliveryState, utcnow
from hubdesk.settings import get_settings

MAX_TEXT = 3000  # characters per language: one Telegram message (4,096) with the heading and link to spare
NEWS = "n:"  # button actions of the news (see consent.py)
UNSUBSCRIBE_ACTION = "n:off"
RECENT_LIMIT = 5


class AnnouncementError(ValueError):
    """The announcement cannot be written or sent like this (the message says why)."""


class NotFound(AnnouncementError):
    pass


class Conflict(AnnouncementError):
    pass


@dataclass(frozen=True)
class Draft:
    hub_id: str
    topics: tuple[str, ...]
    texts: dict[str, str]
    article_id: str | None = None
    send_at: datetime | None = None


@dataclass
class Counts:
    recipients: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0
    unreachable: int = 0
    unconfirmed: int = 0
    skipped: int = 0
    template: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def texts_of(announcement: Announcement) -> dict[str, str]:
    return {lang: text for lang, text in json.loads(announcement.texts).items() if text}


def missing_languages(announcement: Announcement) -> list[str]:
    """Languages without a text: visitors reading them get the hub's fallback language (flagged before sending)."""
    have = texts_of(announcement)
    return [lang for lang in LANGUAGES if lang not in have]


def fallback_language(announcement: Announcement) -> str:
    """The hub's language if the announcement has it, else the first language it has."""
    have = texts_of(announcement)
    preferred = hub_language(announcement.hub_id)
    return preferred if preferred in have else next(lang for lang in LANGUAGES if lang in have)


def text_for(announcement: Announcement, lang: str) -> tuple[str, str]:
    """(the text a reader of ``lang`` gets, its language)."""
    have = texts_of(announcement)
    if lang in have:
        return have[lang], lang
    fallback = fallback_language(announcement)
    return have[fallback], fallback


def check_draft(draft: Draft) -> Draft:
    """Refuse what cannot be sent well: unknown hub, topic or article, no text, a text too long."""
    from hubdesk.hubs import known_hub_ids
    from hubdesk.kb import knowledge_base

    if draft.hub_id not in known_hub_ids():
        raise AnnouncementError(f"unknown hub {draft.hub_id!r}")
    try:
        join_topics(draft.topics)
    except ValueError as exc:
        raise AnnouncementError(str(exc)) from exc
    unknown = set(draft.texts) - set(LANGUAGES)
    if unknown:
        raise AnnouncementError(
            f"text languages must be among {', '.join(LANGUAGES)}, not {', '.join(sorted(unknown))}")
    texts = {lang: text.strip() for lang, text in draft.texts.items() if text and text.strip()}
    if not texts:
        raise AnnouncementError("write the announcement in at least one language")
    for lang, text in texts.items():
        if len(text) > MAX_TEXT:
            raise AnnouncementError(f"the {lang} text is {len(text)} characters; at most {MAX_TEXT} fit one message")
    if draft.article_id is not None and draft.article_id not in knowledge_base().articles:
        raise AnnouncementError(f"unknown article {draft.article_id!r}")
    if draft.send_at is not None and draft.send_at.tzinfo is None:
        raise AnnouncementError("send_at needs a time zone (for example 2027-01-15T09:00:00+01:00)")
    return Draft(draft.hub_id, draft.topics, texts, draft.article_id, draft.send_at)


def create(*, session: Session, draft: Draft, user_id: int | None = None) -> Announcement:
    """Save an announcement: scheduled when it has ``send_at``, else a draft until ``start`` (commits)."""
    draft = check_draft(draft)
    announcement = Announcement(
        hub_id=draft.hub_id, topics=join_topics(draft.topics), texts=json.dumps(draft.texts, ensure_ascii=False),
        article_id=draft.article_id, send_at=draft.send_at, created_by=user_id,
        status=(AnnouncementStatus.SCHEDULED if draft.send_at is not None else AnnouncementStatus.DRAFT).value,
    )
    session.add(announcement)
    session.commit()
    session.refresh(announcement)
    return announcement


def get(*, session: Session, announcement_id: int, hub_id: str | None = None) -> Announcement:
    """The announcement, if it exists and (with ``hub_id``) belongs to that hub; ``NotFound`` otherwise."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or (hub_id is not None and announcement.hub_id != hub_id):
        raise NotFound(f"no announcement {announcement_id}")
    return announcement


def list_for(*, session: Session, hub_id: str | None = None, limit: int = 100) -> list[Announcement]:
    query = select(Announcement).order_by(col(Announcement.id).desc()).limit(limit)
    if hub_id is not None:
        query = query.where(Announcement.hub_id == hub_id)
    return list(session.exec(query).all())


def start(*, session: Session, announcement: Announcement, at: datetime | None = None) -> Announcement:
    """Send now (or at ``at``): the sender picks it up. A started or sent one cannot start again (commits)."""
    if announcement.status in (AnnouncementStatus.SENDING, AnnouncementStatus.SENT):
        raise Conflict(f"announcement {announcement.id} is already {announcement.status}")
    announcement.send_at = at or utcnow()
    announcement.status = AnnouncementStatus.SCHEDULED.value
    session.add(announcement)
    session.commit()
    session.refresh(announcement)
    return announcement


def counts(*, session: Session, announcement_id: int) -> Counts:
    rows = session.exec(
        select(Delivery.state, func.count()).where(Delivery.announcement_id == announcement_id)
        .group_by(Delivery.state)
    ).all()
    by_state: Counter[str] = Counter({state: int(n) for state, n in rows})
    return Counts(
        recipients=sum(by_state.values()),
        sent=by_state[DeliveryState.SENT] + by_state[DeliveryState.TEMPLATE],
        template=by_state[DeliveryState.TEMPLATE],
        failed=by_state[DeliveryState.FAILED],
        blocked=by_state[DeliveryState.BLOCKED],
        pending=by_state[DeliveryState.PENDING] + by_state[DeliveryState.CLAIMED],
        unreachable=by_state[DeliveryState.UNREACHABLE],
        unconfirmed=by_state[DeliveryState.UNCONFIRMED],
        skipped=by_state[DeliveryState.SKIPPED],
        by_state=dict(by_state),
    )


# -- what visitors read -----------------------------------------------------------------------------------


def message(announcement: Announcement, lang: str, *, with_unsubscribe: bool = True) -> Reply:
    """The announcement as a visitor reads it: hub and date, the text, the article one tap away."""
    from hubdesk.kb import knowledge_base

    text, text_lang = text_for(announcement, lang)
    t = translator(lang)
    kb = knowledge_base()
    hub = kb.hubs.get(announcement.hub_id)
    when = (announcement.started_at or announcement.send_at or announcement.created_at).strftime("%d.%m.%Y")
    name = t.gettext("News from {hub}").format(hub=hub.name if hub else announcement.hub_id)
    heading = f"📣 **{name}** · {when}"
    rows: list[tuple[Button, ...]] = []
    article = kb.articles.get(announcement.article_id) if announcement.article_id else None
    if article is not None:
        rows.append((Button("📄 " + article.title.get(text_lang), ButtonAction.article(article.id)),))
    if with_unsubscribe:
        rows.append((Button("🔕 " + t.gettext("Unsubscribe from news"), UNSUBSCRIBE_ACTION),))
    return Reply(f"{heading}\n\n{text}", tuple(rows))


def recent(*, session: Session, hub_id: str, now: datetime | None = None) -> list[Announcement]:
    """The hub's announcements of the last ``HUBDESK_ANNOUNCEMENT_VISIBLE_DAYS`` days, newest first."""
    since = (now or utcnow()) - timedelta(days=get_settings().HUBDESK_ANNOUNCEMENT_VISIBLE_DAYS)
    return list(session.exec(
        select(Announcement).where(
            Announcement.hub_id == hub_id,
            col(Announcement.status).in_((AnnouncementStatus.SENDING.value, AnnouncementStatus.SENT.value)),
            col(Announcement.started_at) >= since,
        ).order_by(col(Announcement.started_at).desc()).limit(RECENT_LIMIT)
    ).all())


def topics_of(announcement: Announcement) -> list[str]:
    return list(parse_topics(announcement.topics))
