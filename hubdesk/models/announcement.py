"""Announcements to subscribed visitors: consent (subscriptions), the announcements, per-recipient delivery.

A ``Subscription`` adds no personal data to the visitor row it hangs on (hub and topics only) and goes with
it: unsubscribing deletes it, "forget me", the inactivity purge and a blocked bot delete the visitor row and
the database deletes the subscription with it (ON DELETE CASCADE).

A ``Delivery`` is one announcement for one visitor. Its unique (announcement, visitor) pair is what makes
"nobody gets the same announcement twice" a rule of the database, not of the sender. When the visitor row
goes, ``visitor_id`` becomes NULL and only the anonymous state is left for the counts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hubdesk.models.base import UTCDateTime, short, utcnow


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"  # written, not sent (POST /send or a send_at starts it)
    SCHEDULED = "scheduled"  # waits for send_at
    SENDING = "sending"
    SENT = "sent"


class DeliveryState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # a sender is sending it right now
    SENT = "sent"
    TEMPLATE = "template"  # WhatsApp, outside the 24-hour window: the approved template went instead
    FAILED = "failed"  # the platform refused it for good
    BLOCKED = "blocked"  # the visitor blocked the bot: their route was removed
    UNREACHABLE = "unreachable"  # WhatsApp window closed and no template configured, or no channel running
    UNCONFIRMED = "unconfirmed"  # claimed by a sender that died before it heard back: not sent again
    SKIPPED = "skipped"  # unsubscribed or forgotten before their turn came


class Subscription(SQLModel, table=True):
    """A visitor's consent to hear a hub's news; ``topics`` is comma-separated category ids, "" = all."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("visitor_id", "hub_id", name="uq_subscriptions_visitor_hub"),)

    id: int | None = Field(default=None, primary_key=True)
    visitor_id: int = Field(
        sa_column=Column(Integer, ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False)
    )
    hub_id: str = Field(sa_type=short(64), index=True)
    topics: str = Field(default="", sa_type=short(400))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Announcement(SQLModel, table=True):
    """One announcement of a hub: its texts (JSON {"uk": ..., "nl": ..., "en": ...}), topics and state."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_status_send_at", "status", "send_at"),
                      Index("ix_announcements_hub_started", "hub_id", "started_at"))

    id: int | None = Field(default=None, primary_key=True)
    hub_id: str = Field(sa_type=short(64))
    topics: str = Field(default="", sa_type=short(400))  # comma-separated category ids, "" = every topic
    texts: str = Field(sa_type=Text)
    article_id: str | None = Field(default=None, sa_type=short(96))
    status: str = Field(default=AnnouncementStatus.DRAFT.value, sa_type=short(16))
    send_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recipients_ready: bool = False  # the delivery rows exist (made once, when sending starts)
    unsubscribed_after: int = 0  # visitors who unsubscribed within a week of receiving it (a count, no link)
    # Which sender process has it, until when (renewed while sending): one sender per announcement.
    worker: str | None = Field(default=None, sa_type=short(64))
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One announcement for one visitor, and how far it got (a ``DeliveryState``)."""

    __tablename__ = "announcement_deliveries"
    # No index on state: every claim and every outcome would move the row in it (twice the pages written
    # per message, beside the answers on SQLite). The unique pair's index finds an announcement's rows.
    __table_args__ = (
        UniqueConstraint("announcement_id", "visitor_id", name="uq_deliveries_announcement_visitor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(
        sa_column=Column(Integer, ForeignKey("announcements.id", ondelete="CASCADE"), nullable=False)
    )
    visitor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("visitors.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    channel: str = Field(sa_type=short(16))
    language: str = Field(sa_type=short(2))
    state: str = Field(default=DeliveryState.PENDING.value, sa_type=short(16))
    attempts: int = 0
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
