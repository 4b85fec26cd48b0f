"""What the Telegram bot says beyond the Dialog's answers: commands, privacy, notices, volunteers' posts.

Every string is a natural English msgid translated through the catalogs; the language comes with the call.
"""

from __future__ import annotations

from hubdesk.bot.privacy import days, kept_lines
from hubdesk.dialog import LANGUAGE_NAMES
from hubdesk.i18n import _, translator
from hubdesk.messages import Button, ButtonAction, Reply
from hubdesk.visitors import VISITOR_RETENTION_DAYS


def language_prompt(lang: str) -> Reply:
    """The three languages, the one Telegram suggests first and ticked."""
    t = translator(lang)
    order = [lang, *(code for code in LANGUAGE_NAMES if code != lang)]
    row = tuple(
        Button(("✓ " if code == lang else "") + LANGUAGE_NAMES[code], ButtonAction.language(code)) for code in order
    )
    return Reply(t.gettext("Choose your language:"), (row,))


def stored_note(lang: str, case_days: int) -> Reply:
    """The short "what is stored" part of the welcome."""
    t = translator(lang)
    text = t.gettext(
        "I keep only your language choice (forgotten after {visitor_days} without messages) and, when you ask "
        "a volunteer, your question until {case_days} after it is closed. Statistics are anonymous. "
        "/privacy tells more, /forget deletes it."
    ).format(visitor_days=days(lang, VISITOR_RETENTION_DAYS), case_days=days(lang, case_days))
    return Reply(text)


def privacy(lang: str, case_days: int) -> Reply:
    t = translator(lang)
    lines = [
        *kept_lines(lang, case_days),
        t.gettext("Your name, username and phone number are never stored and never shown to volunteers."),
        t.gettext("Send /forget to delete your language choice and withdraw any open question now."),
    ]
    return Reply("\n".join(lines))


def help_text(lang: str) -> Reply:
    t = translator(lang)
    lines = [
        t.gettext(
            "Write your question in your own words, in Ukrainian, Russian, Dutch or English. I answer from "
            "checked information and show the source and the date it was checked."
        ),
        "",
        "/menu " + t.gettext("browse the topics"),
        "/language " + t.gettext("change the language"),
        "/hub " + t.gettext("choose your hub"),
        "/news " + t.gettext("news of the hub: subscribe (/news off: unsubscribe)"),
        "/privacy " + t.gettext("what is stored and for how long"),
        "/forget " + t.gettext("delete what the bot keeps about you"),
        "",
        t.gettext("A volunteer of the hub is always one tap away."),
    ]
    return Reply("\n".join(lines), ((Button(t.gettext("Ask a volunteer"), ButtonAction.VOLUNTEER),
                                    Button(t.gettext("Menu"), ButtonAction.MENU)),))


def hub_prompt(lang: str, hubs: list[tuple[str, str]]) -> Reply:
    """Which hub (city) the visitor goes to; ``hubs`` is (id, label) pairs."""
    t = translator(lang)
    rows = tuple((Button(label, ButtonAction.hub(hub_id)),) for hub_id, label in hubs)
    return Reply(t.gettext("Which hub do you go to?"), rows)


def one_hub(lang: str, name: str, city: str) -> Reply:
    return Reply(translator(lang).gettext("This bot serves {hub} in {city}.").format(hub=name, city=city))


def not_text(lang: str) -> Reply:
    t = translator(lang)
    return Reply(
        t.gettext("I can only read text messages. Please type your question, in a few words."),
        ((Button(t.gettext("Menu"), ButtonAction.MENU),),),
    )


def rate_limited(lang: str) -> str:
    return translator(lang).gettext(
        "You are sending messages very quickly. Please wait a minute, then write again: I will answer."
    )


def went_wrong(lang: str) -> Reply:
    t = translator(lang)
    return Reply(
        t.gettext("Sorry, something went wrong on my side. Please try again in a moment."),
        ((Button(t.gettext("Ask a volunteer"), ButtonAction.VOLUNTEER),),),
    )


COMMANDS = (  # marked with _() for the catalog extractor, translated when registered
    ("start", _("Start and choose a language")),
    ("menu", _("Browse the topics")),
    ("language", _("Change the language")),
    ("hub", _("Choose your hub")),
    ("help", _("How to use this bot")),
    ("news", _("News of the hub: subscribe or unsubscribe")),
    ("privacy", _("What is stored and for how long")),
    ("forget", _("Delete what the bot keeps about you")),
)
VOLUNTEER_COMMANDS = (
    ("claim", _("Reply to a case post: take the case")),
    ("close", _("Reply to a case post: close the case")),
    ("reopen", _("Reply to a case post: reopen the case")),
)


def command_list(lang: str, commands: tuple[tuple[str, str], ...] = COMMANDS) -> list[tuple[str, str]]:
    t = translator(lang)
    return [(name, t.gettext(description)) for name, description in commands]
