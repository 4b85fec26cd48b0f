"""Cases: questions handed to volunteers. They hold personal data (text, route back) only while needed.

After closing and the retention period the purge sets ``chat_key`` and every message ``text`` to NULL and
stamps ``purged_at``; the case row itself stays for response-time statistics.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hubdesk.models.base import UTCDateTime, short, utcnow


class CaseStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    CLOSED = "closed"


class Sender(StrEnum):
    VISITOR = "visitor"
    VOLUNTEER = "volunteer"
    BOT = "bot"


class Case(SQLModel, table=True):
    """One visitor question for volunteers; ``id`` is the case number people see."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_route_status", "channel", "chat_key", "status"),
        Index("ix_cases_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=CaseStatus.OPEN.value, sa_type=short(16))
    urgent: bool = False
    channel: str = Field(sa_type=short(16))
    chat_key: str | None = Field(default=None, sa_type=short(128))
    language: str = Field(sa_type=short(8))
    category: str = Field(sa_type=short(32))
    hub_id: str | None = Field(default=None, sa_type=short(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    first_reply_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    purged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseMessage(SQLModel, table=True):
    """One message in a case's conversation; ``text`` is NULL once purged."""

    __tablename__ = "case_messages"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    sender: str = Field(sa_type=short(16))  # a Sender value
    author_user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    text: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VolunteerPost(SQLModel, table=True):
    """Which case a message in a volunteers' chat is about: replies are relayed by id, never by text."""

    __tablename__ = "volunteer_posts"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_volunteer_posts_chat_message"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    )
