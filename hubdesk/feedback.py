"""Helpful / not helpful on an answer: accepted from the chat the answer went to, once (issue 15, item 7).

Events are anonymous and must stay so (no chat id in them), so the chat is proven by the button itself: its
action carries a short keyed hash of (channel, chat, event) (``hubdesk.keys``), ``f:<event>:<1|0>:<proof>``.
A tap from another chat, a made-up event id or an old button without a proof changes nothing; the visitor is
thanked all the same (a forged button learns nothing). Once an event has a verdict it keeps it.
"""

from __future__ import annotations

import hmac
import re
from datetime import date, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from hubdesk.keys import keyed_hash
from hubdesk.models import Event

PREFIX = "f:"  # hubdesk.messages.ButtonAction.FEEDBACK
FEEDBACK_DAYS = 7  # feedback on an answer older than this is ignored (a stale button)
PROOF_LENGTH = 16  # hex characters: 64 bits, and Telegram's callback_data stays far below its 64 bytes
MAX_EVENT_ID = 2**31 - 1  # events.id is a 32-bit integer on PostgreSQL
ACTION = re.compile(r"^f:([0-9]{1,10}):([01])(?::([0-9a-f]{16}))?$")


def proof(channel: str, chat_key: str, event_id: int) -> str:
    return keyed_hash("feedback", channel, chat_key, str(event_id))[:PROOF_LENGTH]


def action(channel: str, chat_key: str, event_id: int, helpful: bool) -> str:
    """The button action for this chat's verdict on this event."""
    return f"{PREFIX}{event_id}:{int(helpful)}:{proof(channel, chat_key, event_id)}"


def parse(text: str) -> tuple[int, bool, str | None] | None:
    """(event id, helpful, proof or None) from a feedback action; None when malformed or out of range."""
    match = ACTION.match(text)
    if match is None or int(match.group(1)) > MAX_EVENT_ID:
        return None
    return int(match.group(1)), match.group(2) == "1", match.group(3)


def record(*, session: Session, channel: str, chat_key: str, text: str, today: date) -> bool:
    """Store the verdict of a feedback tap if it is this chat's, recent and the first; True when stored
    (not committed)."""
    parsed = parse(text)
    if parsed is None:
        return False
    event_id, helpful, given = parsed
    if given is None or not hmac.compare_digest(given, proof(channel, chat_key, event_id)):
        return False
    result = session.execute(
        update(Event)
        .where(col(Event.id) == event_id, col(Event.helpful).is_(None),
               col(Event.day) >= today - timedelta(days=FEEDBACK_DAYS))
        .values(helpful=helpful)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
