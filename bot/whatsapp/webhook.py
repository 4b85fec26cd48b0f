"""Read what Meta posts to the webhook: check the signature, then pull out messages and failed statuses.

Pure functions, no I/O. The payload shape is Meta's ``whatsapp_business_account`` notification:
``entry[].changes[].value`` holds ``messages`` (what visitors sent), ``statuses`` (what happened to what we
sent) and ``contacts``. Anything else in it is ignored, not an error: Meta adds fields over time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from hubdesk.sanitize import clean_text

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_TEXT = 4096  # what WhatsApp lets a person type in one message

Kind = Literal["text", "button", "unsupported", "ignored"]
# Reactions, edits and system notices ("the user changed their number") need no answer at all.
SILENT_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral", "revoke", "edit"})


class PayloadError(ValueError):
    """The body is JSON but not a WhatsApp notification (answered 400)."""


def valid_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """True when ``header`` is ``sha256=<HMAC-SHA256 of the raw body with the app secret>``.

    Fails closed: no secret, no header or a malformed header is never valid.
    """
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return secrets.compare_digest(expected.encode(), header.removeprefix("sha256=").strip().lower().encode())


@dataclass(frozen=True)
class InboundMessage:
    """One thing a visitor sent: a text, a tap on a button or list row, or something we cannot read."""

    message_id: str
    wa_id: str
    kind: Kind
    text: str = ""  # the text, or the tapped reply's id (our Button.action) for kind "button"
    type: str = "text"  # WhatsApp's own type, for logs


@dataclass(frozen=True)
class FailedStatus:
    """A message of ours that WhatsApp reports as not delivered."""

    message_id: str
    wa_id: str
    codes: tuple[int, ...]


@dataclass(frozen=True)
class Notification:
    messages: tuple[InboundMessage, ...] = ()
    failures: tuple[FailedStatus, ...] = ()
    statuses: int = 0  # sent / delivered / read receipts: acknowledged and ignored


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where} must be a list")
    return value


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object")
    return value


def _message(raw: dict[str, Any]) -> InboundMessage:
    message_id, wa_id, kind = raw.get("id"), raw.get("from"), raw.get("type")
    if not (isinstance(message_id, str) and message_id and isinstance(wa_id, str) and wa_id):
        raise PayloadError("a message needs a string 'id' and 'from'")
    if clean_text(message_id) != message_id or clean_text(wa_id) != wa_id or len(wa_id) > 128:
        raise PayloadError("a message's 'id' and 'from' are printable, 'from' short")  # they become database keys
    if kind is not None and not isinstance(kind, str):  # a list or an object: not a type Meta sends
        raise PayloadError("a message's 'type' must be a string")
    if kind == "text":
        body = _dict(raw.get("text"), "message.text").get("body")
        if not isinstance(body, str):
            raise PayloadError("a text message needs text.body")
        return InboundMessage(message_id, wa_id, "text", body[:MAX_TEXT], "text")
    if kind == "interactive":
        interactive = _dict(raw.get("interactive"), "message.interactive")
        reply_type = interactive.get("type")
        if reply_type is not None and not isinstance(reply_type, str):
            raise PayloadError("interactive.type must be a string")
        if reply_type in ("button_reply", "list_reply"):
            reply_id = _dict(interactive.get(reply_type), f"interactive.{reply_type}").get("id")
            if isinstance(reply_id, str) and reply_id:
                return InboundMessage(message_id, wa_id, "button", reply_id, reply_type)
        return InboundMessage(message_id, wa_id, "unsupported", type=f"interactive/{reply_type}")
    if kind == "button":  # a quick-reply button of a template: its text is what the visitor "said"
        text = _dict(raw.get("button"), "message.button").get("text")
        if isinstance(text, str) and text.strip():
            return InboundMessage(message_id, wa_id, "text", text[:MAX_TEXT], "button")
    if kind in SILENT_TYPES:
        return InboundMessage(message_id, wa_id, "ignored", type=str(kind))
    return InboundMessage(message_id, wa_id, "unsupported", type=str(kind))


def _failure(raw: dict[str, Any]) -> FailedStatus | None:
    if raw.get("status") != "failed":
        return None
    codes = tuple(
        int(error["code"]) for error in _list(raw.get("errors"), "status.errors")
        if isinstance(error, dict) and str(error.get("code", "")).isdigit()
    )
    return FailedStatus(str(raw.get("id", "")), str(raw.get("recipient_id", "")), codes)


def parse_notification(payload: Any) -> Notification:
    """Every message and failed status in a webhook body; ``PayloadError`` when the shape is wrong."""
    payload = _dict(payload, "the body")
    if payload.get("object") != "whatsapp_business_account":
        raise PayloadError("'object' must be 'whatsapp_business_account'")
    messages: list[InboundMessage] = []
    failures: list[FailedStatus] = []
    statuses = 0
    for entry in _list(payload.get("entry"), "entry"):
        for change in _list(_dict(entry, "entry[]").get("changes"), "entry[].changes"):
            change = _dict(change, "changes[]")
            if change.get("field", "messages") != "messages":
                continue
            value = _dict(change.get("value", {}), "changes[].value")
            messages.extend(_message(_dict(m, "messages[]")) for m in _list(value.get("messages"), "messages"))
            for status in _list(value.get("statuses"), "statuses"):
                statuses += 1
                failure = _failure(_dict(status, "statuses[]"))
                if failure is not None:
                    failures.append(failure)
    return Notification(tuple(messages), tuple(failures), statuses)
