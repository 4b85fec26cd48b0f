"""Per-chat "done once" markers in ``processed_updates``, keyed so the table holds no phone number or chat id.

WhatsApp keeps two: the visitor was asked their language (``WA_LANGUAGE``, key = the chat's hash), and a
message template was sent for one closed 24-hour window (``WA_TEMPLATE``, key = ``<hash>:<window>``). The
hash is an HMAC with the secret of ``hubdesk.keys`` (issue 15, item 8: the unsalted SHA-256 these were
stored under before was reversed by enumerating Dutch mobile numbers in 11 s).

"Forget me" deletes a chat's markers and its rate-limit windows at once (``forget``); the daily purge deletes
every marker whose visitor is gone (``prune``), and re-keys markers still under the old unsalted hash of a
visitor who is still there (``LEGACY``), so nobody is asked their language twice because of the change.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from hubdesk.keys import keyed_hash
from hubdesk.models import ProcessedUpdate, RateLimitWindow, Visitor

WA_LANGUAGE = "wa-language"
WA_TEMPLATE = "wa-template"
PER_CHAT = {"whatsapp": (WA_LANGUAGE, WA_TEMPLATE)}  # channel -> marker sources keyed by the chat's hash


def chat_hash(channel: str, chat_key: str) -> str:
    return keyed_hash("chat-marker", channel, chat_key)


def legacy_hash(channel: str, chat_key: str) -> str:
    """What markers were keyed by before: reversible, only recognised to re-key or delete them."""
    return hashlib.sha256(f"{channel}:{chat_key}".encode()).hexdigest()


def _of_hash(sources: tuple[str, ...], digest: str):  # type: ignore[no-untyped-def]
    return col(ProcessedUpdate.source).in_(sources) & or_(
        col(ProcessedUpdate.key) == digest, col(ProcessedUpdate.key).startswith(digest + ":"))


def forget(*, session: Session, channel: str, chat_key: str) -> None:
    """Delete every marker and rate-limit window of this chat (not committed)."""
    sources = PER_CHAT.get(channel, ())
    if sources:
        for digest in (chat_hash(channel, chat_key), legacy_hash(channel, chat_key)):
            session.execute(delete(ProcessedUpdate).where(_of_hash(sources, digest)))
    session.execute(delete(RateLimitWindow).where(
        col(RateLimitWindow.channel) == channel, col(RateLimitWindow.chat_key) == chat_key))


def prune(*, session: Session) -> int:
    """Keep only the markers of visitors we still know (re-keying old ones); returns how many went (committed)."""
    removed = 0
    for channel, sources in PER_CHAT.items():
        chat_keys = session.exec(select(Visitor.chat_key).where(Visitor.channel == channel)).all()
        current = {chat_hash(channel, key): key for key in chat_keys}
        legacy = {legacy_hash(channel, key): chat_hash(channel, key) for key in chat_keys}
        rows = session.exec(select(ProcessedUpdate.id, ProcessedUpdate.source, ProcessedUpdate.key)
                            .where(col(ProcessedUpdate.source).in_(sources))).all()
        existing = {(source, key) for _, source, key in rows}
        gone: list[int] = []
        for row_id, source, key in rows:
            digest, sep, rest = key.partition(":")
            if digest in current:
                continue
            if digest in legacy and (source, legacy[digest] + sep + rest) not in existing:
                session.execute(update(ProcessedUpdate).where(col(ProcessedUpdate.id) == row_id)
                                .values(key=legacy[digest] + sep + rest))
                continue
            gone.append(row_id)
        for start in range(0, len(gone), 500):
            session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.id).in_(gone[start:start + 500])))
        removed += len(gone)
    session.commit()
    return removed
