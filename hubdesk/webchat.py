"""The web chat's way back: replies for a browser are stored in the database until its next poll.

The web chat has no push channel, so ``send`` (registered with the relay for channel "webchat") writes each
reply to ``WebchatOutbox`` and the browser collects it with ``GET /api/v1/chat/updates?after=N``. The
database, not process memory, so any worker process can answer the poll.

Delivered at least once, with an acknowledged cursor: a poll returns the messages after ``after`` and deletes
those up to ``after``, the id of the last message the page has shown and kept. A lost response or a reload
before the page kept a message only means it is handed out again (the page skips ids it has); a message
leaves the outbox once the page has said it has it. ``cases.purge`` removes what no page ever acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from bot import render
from bot.messages import Reply
from hubdesk.models.webchat import WebchatOutbox
from hubdesk.relay import relay

CHANNEL = "webchat"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")  # what the browser sends as its chat key
MAX_BATCH = 50
LOCK_NAMESPACE = 0x57454243  # 'WEBC': the PostgreSQL advisory locks that order one chat's outbox


def store(*, session: Session, chat_key: str, replies: Sequence[Reply]) -> None:
    """Keep replies for the session's next poll."""
    if session.get_bind().dialect.name == "postgresql":
        # One writer per chat at a time, so a chat's ids are committed in the order they are given out: a poll
        # can never see id 11 while id 10 is still uncommitted, and then acknowledge past it. (SQLite has only
        # one writer anyway.)
        lock = text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))")
        session.execute(lock, {"ns": LOCK_NAMESPACE, "key": chat_key})
    for reply in replies:
        payload = {
            "text": reply.text,
            "buttons": [[{"label": b.label, "action": b.action} for b in row] for row in reply.buttons],
        }
        session.add(WebchatOutbox(chat_key=chat_key, payload=json.dumps(payload, ensure_ascii=False)))
    session.commit()


def fetch(*, session: Session, chat_key: str, after: int = 0) -> list[dict]:
    """Acknowledge the session's messages up to ``after`` (deleted) and return the ones after it, oldest first.

    Each message comes with its id (the page's next ``after``) and its web HTML.
    """
    if after > 0:
        session.execute(
            delete(WebchatOutbox).where(WebchatOutbox.chat_key == chat_key, col(WebchatOutbox.id) <= after)
        )
        session.commit()
    rows = session.exec(
        select(WebchatOutbox)
        .where(WebchatOutbox.chat_key == chat_key, col(WebchatOutbox.id) > after)
        .order_by(col(WebchatOutbox.id).asc())
        .limit(MAX_BATCH)
    ).all()
    messages = []
    for row in rows:
        payload = json.loads(row.payload)
        payload["html"] = render.to_web_html(payload["text"])
        payload["id"] = row.id
        messages.append(payload)
    return messages


async def send(chat_key: str, replies: Sequence[Reply]) -> None:
    """The relay sender for the web chat: keep the replies until the browser polls."""
    from hubdesk.db import get_engine

    def work() -> None:
        with Session(get_engine()) as session:
            store(session=session, chat_key=chat_key, replies=replies)

    await asyncio.to_thread(work)


def register_sender() -> None:
    """Make volunteer replies reach web-chat visitors (called once when the app is built)."""
    relay.register_sender(CHANNEL, send)
