"""The volunteer page in the volunteer's language: the HTML with its words translated, and the same words and
the id -> name tables handed to its script as JSON (the script never shows an English word or a raw id).

``STRINGS`` is every word the page and ``volunteer.js`` show (natural English msgids, extracted by Babel from
here). The HTML template writes ``{{msgid}}``; the script calls ``t("msgid")``. A test checks both use only
these.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from hubdesk.api.pages.layout import e
from hubdesk.api.pages.names import SELF_NAMES, names
from hubdesk.i18n import LANGUAGES, _, translator

TEMPLATE = Path(__file__).resolve().parent.parent / "static" / "volunteer.html"
MARKER = re.compile(r"\{\{([^{}]+)\}\}")

STRINGS = (
    _("HubDesk · Volunteers"),
    _("Back to the queue"),
    _("Log out"),
    _("Which cases"),
    _("Waiting"),
    _("Closed"),
    _("No cases here. Thank you!"),
    _("Show more"),
    _("Your reply (the visitor sees it as coming from a volunteer)"),
    _("Send reply"),
    _("Knowledge base"),
    _("Articles"),
    _("Close"),
    _("Claim"),
    _("Reopen"),
    _("URGENT"),
    _("Case #{number}"),
    _("Waiting since {time}"),
    _("waiting {time}"),
    _("closed {time}"),
    _("opened {time}"),
    _("visitor wrote last"),
    _("(text deleted after the retention period)"),
    _("The text of this case was deleted after the retention period."),
    _("Topic: {category}"),
    _("Hub: {hub}"),
    _("Visitor"),
    _("Volunteer"),
    _("(deleted)"),
    _("{minutes} min"),
    _("{hours} h {minutes} min"),
    _("{days} d"),
    _("Could not load the queue: {error}"),
    _("Case #{number} does not exist or is not in your hub."),
    _("Close case #{number}? The visitor is told it is closed."),
    _("Case #{number} claimed."),
    _("Case #{number} closed."),
    _("Case #{number} reopened."),
    _("Reply sent to the visitor."),
    _("Saved, but not delivered to the visitor: {error}"),
    _("unknown error"),
    _("Articles: {category}"),
    _("All articles"),
    _("No articles in this category."),
    _("Could not load the knowledge base: {error}"),
    _("Could not load the article: {error}"),
    _("Checked {date}"),
    _("(needs re-checking)"),
    _("Quote in reply"),
    _("Back to list"),
    _("Could not reach HubDesk: {error}"),
    _("Language"),
    _("Link Telegram"),
    _("Unlink"),
    _("Make a new code"),
    _("Linked: your claims and replies in the volunteers' Telegram group count as yours."),
    _("Not linked: in the volunteers' Telegram group you act as an unnamed volunteer."),
    _("Send {command} to the HubDesk bot in a private Telegram chat within 15 minutes."),
    _("Could not make a code: {error}"),
)


@lru_cache(maxsize=1)
def _template() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def page_data(lang: str) -> dict:
    """What the script needs: the page language, its words, and the names of ids."""
    t = translator(lang)
    return {"lang": lang, "strings": {s: t.gettext(s) for s in STRINGS}, "names": names(lang)}


def volunteer_page(lang: str) -> str:
    """The whole page in ``lang``."""
    t = translator(lang)

    def word(match: re.Match[str]) -> str:
        msgid = match.group(1)
        if msgid not in STRINGS:
            raise KeyError(f"volunteer.html uses {msgid!r}, which is not in api.pages.volunteer.STRINGS")
        return e(t.gettext(msgid))

    switch = "".join(
        f'<option value="{code}"{" selected" if code == lang else ""} lang="{code}">{e(SELF_NAMES[code])}</option>'
        for code in LANGUAGES
    )
    data = json.dumps(page_data(lang), ensure_ascii=False).replace("</", "<\\/")  # safe inside <script>
    html = MARKER.sub(word, _template())
    return html.replace("%LANG%", e(lang)).replace("%LANGUAGE_OPTIONS%", switch).replace("%PAGE_DATA%", data)
