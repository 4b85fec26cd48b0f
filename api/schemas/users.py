"""Accounts as the API shows them: never the token (except once, at creation) or its hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hubdesk.api.schemas.cases import VISIBLE
from hubdesk.models import Role, User


class UserPublic(BaseModel):
    id: int
    name: str
    role: str
    hub_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    telegram_linked: bool = Field(False, description="a Telegram account is linked (/link CODE to the bot)")

    @classmethod
    def of(cls, user: User) -> UserPublic:
        assert user.id is not None
        return cls(
            id=user.id,
            name=user.name,
            role=user.role,
            hub_id=user.hub_id,
            created_at=user.created_at,
            revoked_at=user.revoked_at,
            telegram_linked=user.telegram_user_id is not None,
        )


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120, pattern=VISIBLE)
    role: Role
    hub_id: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")


class UserCreated(UserPublic):
    token: str = Field(description="shown once; only its hash is stored")


class TokenLogin(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class TelegramLinkCode(BaseModel):
    code: str = Field(description="one-time: send `/link CODE` to the bot in a private chat")
    command: str = Field(description="the message to send, e.g. `/link K7P4M2QX`")
    expires_at: datetime
