"""The local web chat: the same Dialog as every channel, in a browser, served by the app itself.

A newcomer with no bot token can try HubDesk here; hubs can also link it from their website. The
browser keeps a random session id; that id is the chat key, nothing else identifies the visitor.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hubdesk import conversation, dialog, handoff, metrics, render, throttle, webchat
from hubdesk.db import get_engine
from hubdesk.i18n import translator
from hubdesk.messages import Incoming, Reply
from hubdesk.sanitize import clean_text

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


THROTTLED = {429: {"description": "Too many messages from this chat or this address; wait a minute."}}


async def _admit(request: Request, session_id: str, locale: str | None) -> ChatReplies | None:
    """Count the request against its session and its address; a polite notice once, then 429 (counted).

    Also sets who is asking for the cap on open cases (``handoff.case_client``) for the rest of the request.
    """
    client = webchat.client_key(request.client.host if request.client else "unknown")
    handoff.case_client.set(client)

    def count() -> tuple[throttle.Verdict, str | None]:
        with Session(get_engine()) as session:
            return webchat.admit(session=session, chat_key=session_id, client=client)

    verdict, reason = await asyncio.to_thread(count)
    if verdict is throttle.Verdict.ALLOW:
        return None
    metrics.refused(reason or "webchat")
    if verdict is throttle.Verdict.NOTIFY:
        lang = dialog.reply_language_for(None, locale)
        return await _out([Reply(translator(lang).gettext(
            "You are sending messages very quickly. Please wait a minute, then write again: I will answer."))],
            session_id, locale)
    raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail="too many messages: wait a minute",
                        headers={"Retry-After": "60"})


@router.post("/api/v1/chat", response_model=ChatReplies, responses=THROTTLED)
async def chat(message: ChatMessage, request: Request) -> ChatReplies:
    """Answer one web-chat message."""
    notice = await _admit(request, message.session, message.locale)
    if notice is not None:
        return notice
    text = clean_text(message.text).strip() or "?"
    replies = await conversation.handle_message(
        Incoming(channel="webchat", chat_key=message.session, text=text, locale_hint=message.locale)
    )
    return await _out(replies, message.session, message.locale)


@router.post("/api/v1/chat/button", response_model=ChatReplies, responses=THROTTLED)
async def chat_button(tap: ChatButton, request: Request) -> ChatReplies:
    """Act on a tapped web-chat button."""
    notice = await _admit(request, tap.session, tap.locale)
    if notice is not None:
        return notice
    replies = await conversation.handle_button("webchat", tap.session, tap.action, tap.locale)
    return await _out(replies, tap.session, tap.locale)


@router.get("/chat", include_in_schema=False)
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html", media_type="text/html", headers=NO_CACHE)


# The page's script and style, from fixed names (no directory mount) and this origin (the CSP allows no other).
ASSETS = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}
NO_CACHE = {"Cache-Control": "no-cache"}  # a new release's page must not run with yesterday's script


@router.get("/chat/{name}", include_in_schema=False)
def chat_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=NO_CACHE)


@router.get("/", include_in_schema=False)
def index() -> RedirectResponse:
    return RedirectResponse("/chat")
