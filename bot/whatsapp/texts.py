"""What the WhatsApp channel says beyond the Dialog's answers: keywords instead of commands, privacy, notices.

Where the Telegram bot says the same thing, the msgid is the same (one translation); where WhatsApp differs
(no /commands; the phone number *is* the chat's address) the wording is its own.
"""

from __future__ import annotations

from hubdesk.bot.privacy import days, kept_lines
from hubdesk.i18n import translator
from hubdesk.messages import Button, ButtonAction, Reply
from hubdesk.visitors import VISITOR_RETENTION_DAYS


def _volunteer_and_menu(lang: str) -> tuple[tuple[Button, ...], ...]:
    t = translator(lang)
    return ((Button(t.gettext("Ask a volunteer"), ButtonAction.VOLUNTEER),
             Button(t.gettext("Menu"), ButtonAction.MENU)),)


def not_text(lang: str) -> Reply:
    t = translator(lang)
    return Reply(t.gettext("Sorry, I can only read text messages. Please type your question in words."),
                 _volunteer_and_menu(lang))


def rate_limited(lang: str) -> Reply:
    t = translator(lang)
    return Reply(t.gettext(
        "You are sending messages very quickly. Please wait a minute, then write again: I will answer."
    ))


def went_wrong(lang: str) -> Reply:
    t = translator(lang)
    return Reply(t.gettext("Sorry, something went wrong on my side. Please try again in a moment."),
                 ((Button(t.gettext("Ask a volunteer"), ButtonAction.VOLUNTEER),),))


def stored_note(lang: str, case_days: int) -> Reply:
    """The short "what is stored" note after the language is chosen."""
    t = translator(lang)
    return Reply(t.gettext(
        "I keep your language choice (forgotten after {visitor_days} without messages) and, when you ask a "
        "volunteer, your question until {case_days} after it is closed. Statistics are anonymous. "
        "Write \u201cprivacy\u201d to read more, or \u201cforget me\u201d to delete it."
    ).format(visitor_days=days(lang, VISITOR_RETENTION_DAYS), case_days=days(lang, case_days)))


def privacy(lang: str, case_days: int) -> Reply:
    t = translator(lang)
    lines = [
        *kept_lines(lang, case_days),
        t.gettext(
            "On WhatsApp your phone number is the address of this chat: it is kept only with your language "
            "choice and an open question, it is never shown to volunteers, and it is deleted with them."
        ),
        t.gettext("Write \u201cforget me\u201d to delete your language choice and withdraw any open question now."),
    ]
    return Reply("\n".join(lines), _volunteer_and_menu(lang))


def hub_prompt(lang: str, hubs: list[tuple[str, str]]) -> Reply:
    """Which hub (city) the visitor goes to; ``hubs`` is (id, label) pairs."""
    t = translator(lang)
    return Reply(t.gettext("Which hub do you go to?"),
                 tuple((Button(label, ButtonAction.hub(hub_id)),) for hub_id, label in hubs))


def one_hub(lang: str, name: str, city: str) -> Reply:
    return Reply(translator(lang).gettext("This bot serves {hub} in {city}.").format(hub=name, city=city))
