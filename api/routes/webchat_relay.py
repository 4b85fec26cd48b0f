"""The web chat's polling end: replies from volunteers (and case news) waiting for one browser session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import SessionDep
from hubdesk import webchat

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


@router.get("/updates", response_model=ChatUpdates)
def chat_updates(
    session: SessionDep,
    session_id: Annotated[
        str, Query(alias="session", pattern=webchat.SESSION_ID.pattern, description="the browser's chat session id")
    ],
) -> ChatUpdates:
    """Messages for this chat session since the last poll; each is returned once, then deleted."""
    data = [ChatUpdate(**message) for message in webchat.take(session=session, chat_key=session_id)]
    return ChatUpdates(data=data, count=len(data))
