"""Case states, limits, errors and the result every service function returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from hubdesk.messages import Reply
from hubdesk.models import Case, CaseStatus
from hubdesk.relay import CaseNotice

log = logging.getLogger(__name__)

OPEN, CLAIMED, ANSWERED, CLOSED = CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.ANSWERED, CaseStatus.CLOSED
ACTIVE: tuple[CaseStatus, ...] = (OPEN, CLAIMED, ANSWERED)

# The whole state machine: action -> {from: to}. Everything else is an illegal transition (409).
TRANSITIONS: dict[str, dict[CaseStatus, CaseStatus]] = {
    "claim": {OPEN: CLAIMED},
    "reply": {OPEN: ANSWERED, CLAIMED: ANSWERED, ANSWERED: ANSWERED},
    "close": {OPEN: CLOSED, CLAIMED: CLOSED, ANSWERED: CLOSED},
    "cancel": {OPEN: CLOSED, CLAIMED: CLOSED, ANSWERED: CLOSED},  # the visitor withdraws the question
    "reopen": {CLOSED: OPEN},
}
REPLY_LANGUAGES = ("uk", "nl", "en")
MAX_TEXT = 4000  # one Telegram message; longer visitor texts are cut, volunteers' replies are refused (422)
LAST_QUESTION_KEPT = timedelta(days=1)  # a remembered question waits this long for an "Ask a volunteer" tap
POSTS_SCRUBBED_WITHIN = timedelta(days=1)  # the volunteers' group posts of a purged case are edited by then


class CaseError(Exception):
    """A case rule was broken; the message is shown to the volunteer as is."""


class CaseNotFound(CaseError):
    """No such case, or not one this user may see (the API answers 404 for both)."""


class IllegalTransition(CaseError):
    """The case is in a state where this action makes no sense (the API answers 409)."""


@dataclass(frozen=True)
class Delivery:
    """A message for a visitor on their own channel."""

    channel: str
    chat_key: str
    replies: tuple[Reply, ...]


@dataclass
class Effects:
    """What must happen outside the database once the change is committed."""

    deliveries: list[Delivery] = field(default_factory=list)
    notices: list[CaseNotice] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.deliveries or self.notices)


@dataclass
class CaseResult:
    case: Case
    effects: Effects = field(default_factory=Effects)
    created: bool = False  # open_case: a new case (False: the message joined the visitor's open case)
    undelivered: list[str] = field(default_factory=list)  # set by run(): why a delivery failed
