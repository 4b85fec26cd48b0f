"""What the announcement API reads and returns. Never a recipient: only counts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from hubdesk.announcements import service
from hubdesk.api.schemas.cases import VISIBLE
from hubdesk.knowledge_base.schema import CATEGORY_IDS
from hubdesk.models import Announcement

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # hub and article ids
Topic = Literal[CATEGORY_IDS]  # type: ignore[valid-type]
Text = Annotated[str, Field(min_length=1, max_length=service.MAX_TEXT, pattern=VISIBLE)]


class AnnouncementCreate(BaseModel):
    """What a coordinator writes. The schema says all it can (an unknown hub or article is a 404 after it)."""

    hub: str = Field(max_length=64, pattern=SLUG, description="the hub whose subscribers hear it")
    topics: list[Topic] = Field(default_factory=list, max_length=14,
                                description="category ids; empty = every subscriber of the hub")
    text: dict[Literal["uk", "nl", "en"], Text] = Field(
        min_length=1, description='{"uk": ..., "nl": ..., "en": ...}; at least one; a visitor whose '
                                  "language is missing gets the hub's language")
    article: str | None = Field(None, max_length=96, pattern=SLUG,
                                description="a knowledge-base article id, one tap away")
    send_at: AwareDatetime | None = Field(None, description="schedule it (with a time zone); without it, a draft "
                                                            "until POST /api/v1/announcements/{id}/send")


class Counts(BaseModel):
    recipients: int
    sent: int = Field(description="delivered (on WhatsApp outside the 24-hour window: the template)")
    failed: int
    blocked: int = Field(description="the visitor had blocked the bot; their route was removed")
    pending: int
    unreachable: int = Field(description="WhatsApp window closed and no template configured, or no channel")
    unconfirmed: int = Field(description="a sender stopped between sending and hearing back; not sent again")
    skipped: int = Field(description="unsubscribed or forgotten before their turn")
    template: int
    unsubscribed_after: int = Field(description="unsubscribed within a week of receiving it")


class AnnouncementPublic(BaseModel):
    id: int
    hub: str
    topics: list[str]
    text: dict[str, str]
    article: str | None
    status: str = Field(description="draft, scheduled, sending or sent")
    send_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    missing_languages: list[str] = Field(description="languages without a text (their readers get the fallback)")
    fallback_language: str
    counts: Counts

    @classmethod
    def of(cls, announcement: Announcement, counts: service.Counts) -> AnnouncementPublic:
        assert announcement.id is not None
        return cls(
            id=announcement.id, hub=announcement.hub_id, topics=service.topics_of(announcement),
            text=service.texts_of(announcement), article=announcement.article_id, status=announcement.status,
            send_at=announcement.send_at, created_at=announcement.created_at, started_at=announcement.started_at,
            finished_at=announcement.finished_at, missing_languages=service.missing_languages(announcement),
            fallback_language=service.fallback_language(announcement),
            counts=Counts(recipients=counts.recipients, sent=counts.sent, failed=counts.failed, blocked=counts.blocked,
                          pending=counts.pending, unreachable=counts.unreachable, unconfirmed=counts.unconfirmed,
                          skipped=counts.skipped, template=counts.template,
                          unsubscribed_after=announcement.unsubscribed_after),
        )


class AnnouncementsPublic(BaseModel):
    data: list[AnnouncementPublic]
    count: int
