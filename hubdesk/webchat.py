"""The web chat's way back: replies for a browser are stored in the database until its next poll.

The web chat has no push channel, so ``send`` (registered with the relay for channel "webchat") writes each
reply to ``WebchatOutbox`` and the browser collects it with ``GET /api/v1/chat/updates``. The database, not
process memory, so any worker process can answer the poll. ``take`` deletes what it returns: each message
is handed out once, and nothing personal waits longer than needed (``cases.purge`` removes leftovers).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot import render
from bot.messages import Reply
from hubdesk.models.webchat import WebchatOutbox
from hubdesk.relay import relay

CHANNEL = "webchat"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")  # what the browser sends as its chat key
MAX_BATCH = 50


def store(*, session: Session, chat_key: str, replies: Sequence[Reply]) -> None:
    for reply in replies:
        payload = {
            "text": reply.text,
            "buttons": [[{"label": b.label, "action": b.action} for b in row] for row in reply.buttons],
        }
        session.add(WebchatOutbox(chat_key=chat_key, payload=json.dumps(payload, ensure_ascii=False)))
    session.commit()


def take(*, session: Session, chat_key: str) -> list[dict]:
    """The waiting messages of one session, oldest first, each with its web HTML; deleted as they are read."""
    rows = session.exec(
        select(WebchatOutbox)
        .where(WebchatOutbox.chat_key == chat_key)
        .order_by(col(WebchatOutbox.id).asc())
        .limit(MAX_BATCH)
    ).all()
    if not rows:
        return []
    session.execute(delete(WebchatOutbox).where(col(WebchatOutbox.id).in_([r.id for r in rows])))
    session.commit()
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
