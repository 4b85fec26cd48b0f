"""What the pages show instead of ids: categories, languages, channels, case states and hubs by name.

The ids stay the API's and the statistics' (stable across months); people read names, in the page's language.
"""

from __future__ import annotations

from hubdesk.i18n import _, translator

LANGUAGE_NAMES = {
    "uk": _("Ukrainian"),
    "ru": _("Russian"),
    "nl": _("Dutch"),
    "en": _("English"),
    "uk-latn": _("Ukrainian in Latin letters"),
    "ru-latn": _("Russian in Latin letters"),
    "unknown": _("Language not recognised"),
}
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp", "webchat": _("Web chat"), "cli": _("Console")}
STATUS_NAMES = {"open": _("Open"), "claimed": _("Claimed"), "answered": _("Answered"), "closed": _("Closed")}
# The page's own language switcher shows each language in itself.
SELF_NAMES = {"uk": "Українська", "nl": "Nederlands", "en": "English"}


def _translated(table: dict[str, str], lang: str) -> dict[str, str]:
    t = translator(lang)
    return {key: t.gettext(value) for key, value in table.items()}


def category_names(lang: str) -> dict[str, str]:
    """Category id -> "emoji name" in ``lang``; empty when the knowledge base cannot be read."""
    try:
        from hubdesk.kb import knowledge_base

        return {c.id: f"{c.emoji} {c.name.get(lang)}".strip() for c in knowledge_base().categories.values()}
    except Exception:  # a page must still render if an article file is broken: it shows ids then
        return {}


def hub_names() -> dict[str, str]:
    try:
        from hubdesk.kb import knowledge_base

        return {h.id: h.name for h in knowledge_base().hubs.values()}
    except Exception:
        return {}


def names(lang: str) -> dict[str, dict[str, str]]:
    """Every id -> name table a page needs, in ``lang``."""
    return {
        "categories": category_names(lang),
        "languages": _translated(LANGUAGE_NAMES, lang),
        "channels": _translated(CHANNEL_NAMES, lang),
        "statuses": _translated(STATUS_NAMES, lang),
        "hubs": hub_names(),
    }


def name_of(table: dict[str, str], key: str) -> str:
    """The name of ``key``, or the key itself when there is none (a new id shows up rather than vanishing)."""
    return table.get(key, key)
