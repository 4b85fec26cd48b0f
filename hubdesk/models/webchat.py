"""Messages waiting for a web-chat visitor's browser to fetch them (the web chat has no push channel).

Kept in the database, not in process memory, so that any worker process can answer the poll. A row is
personal data (text and the browser's session id): it is deleted when fetched, and the purge deletes rows
nobody fetched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from hubdesk.models.base import UTCDateTime, short, utcnow


class WebchatOutbox(SQLModel, table=True):
    """One reply for one web-chat session; ``payload`` is the JSON of a ``hubdesk.messages.Reply``."""

    __tablename__ = "webchat_outbox"

    id: int | None = Field(default=None, primary_key=True)
    chat_key: str = Field(sa_type=short(128), index=True)
    payload: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
