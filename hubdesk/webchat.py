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
import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from hubdesk import render, throttle
from hubdesk.keys import keyed_hash
from hubdesk.messages import Reply
from hubdesk.models import Case, ProcessedUpdate, utcnow
from hubdesk.models.webchat import WebchatOutbox
from hubdesk.relay import relay
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "webchat"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")  # what the browser sends as its chat key
MAX_BATCH = 50
LOCK_NAMESPACE = 0x57454243  # 'WEBC': the PostgreSQL advisory locks that order one chat's outbox
CLIENT_CHANNEL = "webchat-client"  # rate_limit_windows.channel of the per-address counts
CASE_SOURCE = "webchat_case"  # processed_updates.source: "<client key>:<case id>", a case opened from an address
CASES_REMEMBERED = timedelta(days=2)  # the cap counts open cases opened from an address this recently


# ---- the public web chat's guards: per session, per client address, open cases per address --------------
# Anyone can open a web-chat session, so a session limit alone is no limit: the client address is counted
# too, under a keyed hash (never the address itself), in the same shared tables as the other channels' limits.


def client_key(address: str) -> str:
    """A keyed hash of the client's address: enough to count it, not to recover it."""
    return keyed_hash("webchat-client", address)[:40]


def admit(*, session: Session, chat_key: str, client: str) -> tuple[throttle.Verdict, str | None]:
    """Count one message against its session's and its address's minute; the verdict and which limit said it.

    Fails open, like every rate limit here: with the database down the visitor is still answered.
    """
    settings = get_settings()
    try:
        by_session = throttle.count_message(session=session, channel=CHANNEL, chat_key=chat_key,
                                            limit=settings.HUBDESK_RATE_LIMIT_PER_MINUTE)
        by_client = throttle.count_message(session=session, channel=CLIENT_CHANNEL, chat_key=client,
                                           limit=settings.HUBDESK_WEBCHAT_CLIENT_PER_MINUTE)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("web-chat rate limit unavailable (database error): letting the message through")
        return throttle.Verdict.ALLOW, None
    for verdict in (throttle.Verdict.DROP, throttle.Verdict.NOTIFY):
        if by_session is verdict:
            return verdict, "webchat_session"
        if by_client is verdict:
            return verdict, "webchat_client"
    return throttle.Verdict.ALLOW, None


def open_cases_of(*, session: Session, client: str) -> int:
    """Cases opened from this address (lately) that are not closed yet."""
    keys = session.exec(select(ProcessedUpdate.key).where(
        ProcessedUpdate.source == CASE_SOURCE, col(ProcessedUpdate.key).startswith(client + ":"))).all()
    ids = [int(key.rpartition(":")[2]) for key in keys if key.rpartition(":")[2].isdigit()]
    if not ids:
        return 0
    from hubdesk.cases import ACTIVE

    query = select(func.count()).select_from(Case).where(col(Case.id).in_(ids), col(Case.status).in_(ACTIVE))
    return int(session.exec(query).one())


def remember_case(*, session: Session, client: str, case_id: int) -> None:
    """Note that this address opened this case (committed)."""
    throttle.claim_delivery(session=session, source=CASE_SOURCE, key=f"{client}:{case_id}")
    session.commit()


def prune_cases(*, session: Session, now: datetime | None = None) -> None:
    """Forget which address opened which case once the cap no longer counts it (not committed)."""
    cutoff = (now or utcnow()) - CASES_REMEMBERED
    session.execute(delete(ProcessedUpdate).where(
        col(ProcessedUpdate.source) == CASE_SOURCE, col(ProcessedUpdate.created_at) < cutoff))


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
    from hubdesk.announcements.pacing import Pacer
    from hubdesk.announcements.sender import couriers, relay_courier

    couriers.register(CHANNEL, relay_courier(CHANNEL), Pacer(100.0, chat_interval=1.0))  # a table, not a platform
