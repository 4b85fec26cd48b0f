"""Plain message types shared by every channel: what came in, what goes out.

Channel adapters translate platform updates into ``Incoming`` and render ``Reply`` back; they know nothing
of categories or the database. Button actions are short opaque strings (at most 64 bytes, Telegram's
``callback_data`` limit) and never carry personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from hubdesk.sanitize import clean_text

Channel = Literal["telegram", "whatsapp", "webchat", "cli"]
Action = Literal["answer", "choose", "escalate", "crisis", "greeting"]
ReplyLanguage = Literal["uk", "nl", "en"]


@dataclass(frozen=True)
class Incoming:
    """A visitor's message, stripped of everything platform-specific."""

    channel: Channel
    chat_key: str
    text: str
    locale_hint: str | None = None

    def __post_init__(self) -> None:
        # Every channel builds one of these: the one place where a NUL from a platform is taken out
        # before anything reaches the database (PostgreSQL refuses it in text).
        object.__setattr__(self, "text", clean_text(self.text))
        object.__setattr__(self, "chat_key", clean_text(self.chat_key))


@dataclass(frozen=True)
class Button:
    """One tappable choice. ``action`` is one of the ``ButtonAction`` forms below."""

    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    """A message to send: neutral markup (``**bold**``, ``[text](url)``, ``- `` lists) plus button rows."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def replies_to_json(replies: tuple[Reply, ...] | list[Reply]) -> str:
    """Replies as JSON, to keep them on disk (``hubdesk.inbox``) until they are sent."""
    return json.dumps([{"text": r.text, "buttons": [[[b.label, b.action] for b in row] for row in r.buttons]}
                       for r in replies], ensure_ascii=False)


def replies_from_json(data: str) -> list[Reply]:
    return [Reply(r["text"], tuple(tuple(Button(label, action) for label, action in row) for row in r["buttons"]))
            for r in json.loads(data)]


@dataclass(frozen=True)
class DialogResult:
    """What the Dialog decided for one question, and the replies that say it."""

    action: Action
    category: str
    article: str | None
    language: str
    reply_language: ReplyLanguage
    confidence: float
    replies: tuple[Reply, ...]
    urgent: bool = False
    choices: tuple[str, ...] = field(default=())
    # "escalate" means either: the visitor asked for a person (hand over now), or nothing fitted and a
    # volunteer is offered. This tells them apart.
    asked_for_person: bool = False
    # The safety screen's tier: "crisis" (danger: the emergency reply), "concern" (distress without
    # danger: the answer carries one line with 113 and a volunteer), or "none".
    tier: str = "none"


class ButtonAction:
    """The vocabulary of button actions, built and parsed in one place."""

    ARTICLE = "a:"  # a:<article id>      show an article
    CATEGORY = "c:"  # c:<category id>    list a category's articles
    LANGUAGE = "l:"  # l:<uk|nl|en>       choose the reply language
    HUB = "h:"  # h:<hub id>              choose the hub
    FEEDBACK = "f:"  # f:<event id>:<1|0>:<proof> helpful / not helpful (hubdesk.feedback: only from that chat)
    VOLUNTEER = "volunteer"  # ask a volunteer
    CANCEL_CASE = "cancel"  # withdraw an open case
    MENU = "menu"

    @staticmethod
    def article(article_id: str) -> str:
        return f"{ButtonAction.ARTICLE}{article_id}"

    @staticmethod
    def category(category_id: str) -> str:
        return f"{ButtonAction.CATEGORY}{category_id}"

    @staticmethod
    def language(lang: str) -> str:
        return f"{ButtonAction.LANGUAGE}{lang}"

    @staticmethod
    def hub(hub_id: str) -> str:
        return f"{ButtonAction.HUB}{hub_id}"

    @staticmethod
    def feedback(event_id: int, helpful: bool) -> str:
        return f"{ButtonAction.FEEDBACK}{event_id}:{int(helpful)}"
