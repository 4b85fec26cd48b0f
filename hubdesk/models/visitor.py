"""Visitors (personal routing data) and the small shared tables that protect the channels.

A ``Visitor`` row is personal data: it maps a chat to a language and hub. It is kept only while the
visitor is active and deleted on "forget me" or after inactivity. Statistics never reference it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hubdesk.models.base import UTCDateTime, short, utcnow


class Visitor(SQLModel, table=True):
    """Who to answer and how: a chat on a channel, its chosen reply language and hub."""

    __tablename__ = "visitors"
    __table_args__ = (UniqueConstraint("channel", "chat_key", name="uq_visitors_channel_chat_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=short(16))
    chat_key: str = Field(sa_type=short(128))
    language: str | None = Field(default=None, sa_type=short(2))  # uk | nl | en, None = not chosen yet
    # The reply language of what the visitor last wrote (in a language we recognise): taps answer in it, not
    # in the browser's or app's locale. A chosen ``language`` still wins.
    conversation_language: str | None = Field(default=None, sa_type=short(2))
    hub_id: str | None = Field(default=None, sa_type=short(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # WhatsApp only lets a business send free-form messages within 24 hours of the visitor's last message.
    wa_last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "YYYY-MM:hub" this visitor was last counted for as a unique visitor: repeat messages skip the count.
    counted_for: str | None = Field(default=None, sa_type=short(80))
    # The question the bot could not answer, kept so a tap on "ask a volunteer" can open a case with it.
    last_question: str | None = Field(default=None, sa_type=Text)
    # Its topic and input language: the case it becomes, and that case's event, are about that question.
    last_category: str | None = Field(default=None, sa_type=short(32))
    last_language: str | None = Field(default=None, sa_type=short(8))


class ProcessedUpdate(SQLModel, table=True):
    """A webhook delivery already handled (Telegram update_id, WhatsApp message id): retries are dropped.

    Shared through the database so that several worker processes agree.
    """

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("source", "key", name="uq_processed_updates_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(sa_type=short(16))
    key: str = Field(sa_type=short(128))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class RateLimitWindow(SQLModel, table=True):
    """Messages counted per chat per minute, shared between processes. Rows older than a few minutes are
    deleted by the rate limiter itself (they carry a chat key)."""

    __tablename__ = "rate_limit_windows"

    channel: str = Field(sa_type=short(16), primary_key=True)
    chat_key: str = Field(sa_type=short(128), primary_key=True)
    window_start: datetime = Field(sa_type=UTCDateTime, primary_key=True)  # truncated to the minute
    count: int = Field(default=0)
