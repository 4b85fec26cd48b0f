"""Anonymised events and the monthly unique-visitor tables.

An ``Event`` is one handled question. It holds no text, chat id, name, phone number or time finer than a
day, and it is never linked to a visitor or a case: that is what makes it safe to keep forever.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from hubdesk.models.base import UTCDateTime, short

ALL_HUBS = "*"  # MonthVisitorCount.hub_id for the count across every hub


class Outcome(StrEnum):
    ANSWERED = "answered"
    CHOICES = "choices"
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"
    CRISIS = "crisis"
    GREETING = "greeting"


class Event(SQLModel, table=True):
    """One handled question, anonymised: what kind of help was needed, not who needed it."""

    __tablename__ = "events"
    # Covering indexes for the report's trend and previous-month queries (index-only scans over a year):
    # one for every hub together, one per hub.
    __table_args__ = (
        Index("ix_events_day_outcome_category", "day", "outcome", "category"),
        Index("ix_events_hub_day_outcome_category", "hub_id", "day", "outcome", "category"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: date
    hub_id: str = Field(sa_type=short(64))
    channel: str = Field(sa_type=short(16))
    language: str = Field(sa_type=short(8))  # detected input language (uk, ru, nl, en, ...)
    reply_language: str = Field(sa_type=short(2))
    category: str = Field(sa_type=short(32))
    outcome: str = Field(sa_type=short(16))  # an Outcome value
    article_id: str | None = Field(default=None, sa_type=short(96))
    helpful: bool | None = None


class MonthKey(SQLModel, table=True):
    """The secret key of one month's visitor hashes; ``key`` is set to NULL when the month is closed."""

    __tablename__ = "month_keys"

    month: str = Field(sa_type=short(7), primary_key=True)  # YYYY-MM
    key: bytes | None = Field(default=None, sa_type=LargeBinary)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MonthVisitor(SQLModel, table=True):
    """HMAC(month key, channel + chat key) of a visitor seen this month in a hub; deleted at month close."""

    __tablename__ = "month_visitors"
    __table_args__ = (
        UniqueConstraint("month", "hub_id", "visitor_hash", name="uq_month_visitors_month_hub_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(sa_type=short(7))
    hub_id: str = Field(sa_type=short(64))
    visitor_hash: str = Field(sa_type=short(64))


class MonthVisitorCount(SQLModel, table=True):
    """What survives a closed month: the number of distinct visitors per hub (and ``ALL_HUBS``)."""

    __tablename__ = "month_visitor_counts"

    month: str = Field(sa_type=short(7), primary_key=True)
    hub_id: str = Field(sa_type=short(64), primary_key=True)
    count: int
