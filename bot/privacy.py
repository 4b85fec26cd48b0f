"""What HubDesk tells visitors it keeps, and for how long: the same facts on every channel.

Channels add only what differs (how to ask for deletion: ``/forget`` or "forget me"; on WhatsApp the phone
number is the chat's address).
"""

from __future__ import annotations

from hubdesk.i18n import translator
from hubdesk.visitors import VISITOR_RETENTION_DAYS


def days(lang: str, n: int) -> str:
    """"5 днів" / "5 dagen": a count of days with the right plural form."""
    return translator(lang).ngettext("{n} day", "{n} days", n).format(n=n)


def kept_lines(lang: str, case_days: int) -> list[str]:
    """The heading and the three things kept, as neutral markup lines."""
    t = translator(lang)
    return [
        "**" + t.gettext("What I keep, and for how long") + "**",
        "- " + t.gettext(
            "Your chosen language and hub, so I answer you the right way. After {days} without a message "
            "I forget them."
        ).format(days=days(lang, VISITOR_RETENTION_DAYS)),
        "- " + t.gettext(
            "A question you pass to a volunteer: its text and the way back to this chat, so the answer can "
            "reach you. Both are deleted {days} after the question is closed."
        ).format(days=days(lang, case_days)),
        "- " + t.gettext(
            "If you subscribe to news: that you did, for which hub and topics. News is sent only to subscribers; "
            "unsubscribing (one tap, or \"news off\"), \"forget me\" or blocking the bot deletes it at once."
        ),
        "- " + t.gettext(
            "Anonymous statistics for the hub: topic, language and day of each question. No text, no name, "
            "no chat."
        ),
        "",
    ]
