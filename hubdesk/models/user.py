"""Accounts of volunteers, coordinators and admins. Only a hash of the access token is stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from hubdesk.models.base import UTCDateTime, short, utcnow


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class User(SQLModel, table=True):
    """A person who helps; ``hub_id`` limits a volunteer or coordinator to one hub (None = every hub)."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=short(120))
    role: str = Field(sa_type=short(16))  # a Role value
    hub_id: str | None = Field(default=None, sa_type=short(64))
    token_hash: str = Field(sa_type=short(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_user_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    # A one-time code the volunteer sends to the bot (/link CODE) to link their Telegram account: its hash, and
    # until when it works. Cleared when used.
    telegram_link_hash: str | None = Field(default=None, sa_type=short(64), index=True)
    telegram_link_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
