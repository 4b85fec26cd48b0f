"""The web chat's polling end: replies from volunteers (and case news) waiting for one browser session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hubdesk import webchat
from hubdesk.api.deps import SessionDep
from hubdesk.api.errors import INT32_MAX

router = APIRouter(prefix="/api/v1/chat", tags=["web chat"])


class ButtonPublic(BaseModel):
    label: str
    action: str


class ChatUpdate(BaseModel):
    id: int
    text: str
    html: str
    buttons: list[list[ButtonPublic]]


class ChatUpdates(BaseModel):
    data: list[ChatUpdate]
    count: int
    cursor: int = Field(description="send it back as `after` once these are shown: they are then deleted")


@router.get("/updates", response_model=ChatUpdates)
def chat_updates(
    session: SessionDep,
    session_id: Annotated[
        str, Query(alias="session", pattern=webchat.SESSION_ID.pattern, description="the browser's chat session id")
    ],
    after: Annotated[int, Query(ge=0, le=INT32_MAX, description="the id of the last message the page has shown")] = 0,
) -> ChatUpdates:
    """Messages for this chat session after ``after``; those up to ``after`` are acknowledged and deleted."""
    data = [ChatUpdate(**message) for message in webchat.fetch(session=session, chat_key=session_id, after=after)]
    return ChatUpdates(data=data, count=len(data), cursor=data[-1].id if data else after)
