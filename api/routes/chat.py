"""The local web chat: the same Dialog as every channel, in a browser, served by the app itself.

A newcomer with no bot token can try HubDesk here; hubs can also link it from their website. The
browser keeps a random session id; that id is the chat key, nothing else identifies the visitor.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from bot import render
from bot.messages import Incoming, Reply
from hubdesk import conversation

STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_TEXT = 4000  # what a Telegram message may hold; the web chat accepts no more
SESSION = r"^[A-Za-z0-9_-]{8,64}$"

router = APIRouter(tags=["web chat"])


class ChatMessage(BaseModel):
    session: str = Field(pattern=SESSION, description="a random id the browser keeps")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    locale: str | None = Field(default=None, max_length=16)


class ChatButton(BaseModel):
    session: str = Field(pattern=SESSION)
    action: str = Field(min_length=1, max_length=64)
    locale: str | None = Field(default=None, max_length=16)


class ButtonOut(BaseModel):
    label: str
    action: str


class ReplyOut(BaseModel):
    html: str
    buttons: list[list[ButtonOut]]


class ChatReplies(BaseModel):
    replies: list[ReplyOut]
    language: str = Field(description="the conversation's language now (uk, nl or en): the page's own words follow it")


async def _out(replies: list[Reply], session: str, locale: str | None) -> ChatReplies:
    try:
        prefs = await asyncio.to_thread(conversation.prefs_of, "webchat", session)
    except SQLAlchemyError:  # the visitor is answered during an outage; the page's words follow the locale
        prefs = conversation.Prefs()
    return ChatReplies(
        language=prefs.reply_language(locale),
        replies=[
            ReplyOut(
                html=render.to_web_html(r.text),
                buttons=[[ButtonOut(label=b.label, action=b.action) for b in row] for row in r.buttons],
            )
            for r in replies
        ]
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@router.post("/api/v1/chat", response_model=ChatReplies)
async def chat(message: ChatMessage) -> ChatReplies:
    """Answer one web-chat message."""
    text = _CONTROL.sub(" ", message.text).strip() or "?"
    replies = await conversation.handle_message(
        Incoming(channel="webchat", chat_key=message.session, text=text, locale_hint=message.locale)
    )
    return await _out(replies, message.session, message.locale)


@router.post("/api/v1/chat/button", response_model=ChatReplies)
async def chat_button(tap: ChatButton) -> ChatReplies:
    """Act on a tapped web-chat button."""
    replies = await conversation.handle_button("webchat", tap.session, tap.action, tap.locale)
    return await _out(replies, tap.session, tap.locale)


@router.get("/chat", include_in_schema=False)
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html", media_type="text/html")


@router.get("/", include_in_schema=False)
def index() -> RedirectResponse:
    return RedirectResponse("/chat")
