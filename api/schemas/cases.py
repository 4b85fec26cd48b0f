"""What the case API reads and returns. Never the route back to the visitor (``chat_key``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from hubdesk.cases import MAX_TEXT
from hubdesk.models import Case, CaseMessage, CaseStatus

# At least one character that is neither white space nor a control character (hubdesk.sanitize turns those
# into spaces and the ends are trimmed): the schema itself says that a blank text is refused.
VISIBLE = r"[^\s\x00-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class CaseMessagePublic(BaseModel):
    id: int
    sender: str = Field(description="visitor, volunteer or bot (a note from HubDesk itself)")
    author_name: str | None = Field(None, description="the volunteer's name, for volunteer messages")
    text: str | None = Field(description="null once purged")
    created_at: datetime


class CasePublic(BaseModel):
    id: int = Field(description="the case number visitors and volunteers see")
    status: CaseStatus
    urgent: bool
    channel: str
    language: str = Field(description="the language to answer in (uk, nl or en)")
    category: str = Field(description="the bot's category guess")
    hub_id: str | None
    text: str | None = Field(description="the visitor's first message (null once purged)")
    awaiting_volunteer: bool = Field(description="the visitor wrote last (or nobody has answered yet)")
    waiting_since: datetime = Field(description="when the visitor's unanswered message came in")
    message_count: int
    created_at: datetime
    claimed_at: datetime | None
    claimed_by: int | None
    claimed_by_name: str | None
    first_reply_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    purged_at: datetime | None

    @classmethod
    def build(cls, case: Case, messages: list[CaseMessage], claimer: str | None) -> CasePublic:
        visitor = [m for m in messages if m.sender == "visitor"]
        awaiting = not messages or messages[-1].sender != "volunteer"
        # Waiting since the first visitor message after the last volunteer reply (or since opening).
        since = case.created_at
        for m in messages:
            if m.sender == "volunteer":
                since = None
            elif m.sender == "visitor" and since is None:
                since = m.created_at
        return cls(
            id=case.id or 0,
            status=CaseStatus(case.status),
            urgent=case.urgent,
            channel=case.channel,
            language=case.language,
            category=case.category,
            hub_id=case.hub_id,
            text=visitor[0].text if visitor else None,
            awaiting_volunteer=awaiting,
            waiting_since=since or case.answered_at or case.created_at,
            message_count=len(messages),
            created_at=case.created_at,
            claimed_at=case.claimed_at,
            claimed_by=case.claimed_by,
            claimed_by_name=claimer,
            first_reply_at=case.first_reply_at,
            answered_at=case.answered_at,
            closed_at=case.closed_at,
            purged_at=case.purged_at,
        )


class CasesPublic(BaseModel):
    data: list[CasePublic]
    count: int = Field(description="all cases matching the filters, not only this page")


class CaseDetailPublic(CasePublic):
    messages: list[CaseMessagePublic]


class ReplyCreate(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, pattern=VISIBLE,
                      description="sent to the visitor in these words")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the reply is empty")
        return value.strip()


class ReplyResult(BaseModel):
    case: CaseDetailPublic
    delivered: bool = Field(description="the visitor's channel accepted the reply")
    delivery_error: str | None = None
