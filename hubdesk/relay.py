"""Where messages leave HubDesk: to a visitor on their channel, and news of cases to volunteers.

Channels register themselves at start-up (configuration, not per-request state); the case service and
the conversation call ``send_to_visitor`` / ``notify_volunteers`` without knowing which channels exist.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hubdesk.messages import Reply

log = logging.getLogger(__name__)

Sender = Callable[[str, Sequence[Reply]], Awaitable[None]]
NoticeKind = Literal["opened", "visitor_message", "claimed", "replied", "closed", "reopened", "cancelled"]


@dataclass(frozen=True)
class CaseNotice:
    """What volunteers are told about a case. Never a name, username or phone number."""

    kind: NoticeKind
    case_id: int
    urgent: bool
    language: str
    channel: str
    category: str
    hub_id: str | None
    text: str = ""


CaseListener = Callable[[CaseNotice], Awaitable[None]]


class DeliveryError(RuntimeError):
    """A reply could not be delivered (unknown channel, or the platform refused it)."""


@dataclass
class Relay:
    senders: dict[str, Sender] = field(default_factory=dict)
    listeners: list[CaseListener] = field(default_factory=list)

    def register_sender(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    def register_case_listener(self, listener: CaseListener) -> None:
        self.listeners.append(listener)

    def clear(self) -> None:
        self.senders.clear()
        self.listeners.clear()

    async def send_to_visitor(self, channel: str, chat_key: str, replies: Sequence[Reply]) -> None:
        sender = self.senders.get(channel)
        if sender is None:
            raise DeliveryError(f"no sender registered for channel {channel!r}")
        await sender(chat_key, replies)

    async def notify_volunteers(self, notice: CaseNotice) -> None:
        """Tell every listener; one failing listener is logged and does not stop the others."""
        for listener in list(self.listeners):
            try:
                await listener(notice)
            except Exception:
                log.exception("case listener failed for case %s (%s)", notice.case_id, notice.kind)


relay = Relay()
