"""Interface strings through gettext catalogs compiled by Babel.

Msgids are natural English sentences. The locale travels with each message as an argument
(``t = translator("uk")``), never a process-wide ``install()``.
"""

from __future__ import annotations

import gettext
import logging
from functools import lru_cache
from pathlib import Path

from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

DOMAIN = "hubdesk"
LANGUAGES: tuple[str, ...] = ("uk", "nl", "en")


class CatalogError(RuntimeError):
    """A catalog is missing or was not compiled."""


class Translator:
    """Bound gettext functions for one language."""

    def __init__(self, lang: str, catalog: gettext.NullTranslations):
        self.lang = lang
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    __call__ = gettext


def _load(lang: str, locales_dir: Path) -> gettext.NullTranslations:
    po = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if po.exists() and not mo.exists():
        raise CatalogError(f"{po} is not compiled: run `pybabel compile -d locales -D {DOMAIN}`")
    if po.exists() and mo.stat().st_mtime < po.stat().st_mtime:
        log.warning("%s is older than its .po: run `pybabel compile -d locales -D %s`", mo, DOMAIN)
    if not mo.exists():
        if lang == "en":  # English msgids are the English text; a catalog is optional
            return gettext.NullTranslations()
        raise CatalogError(f"missing catalog {mo}")
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)


@lru_cache(maxsize=8)
def _catalogs(locales_dir: Path) -> dict[str, Translator]:
    return {lang: Translator(lang, _load(lang, locales_dir)) for lang in LANGUAGES}


def load_catalogs() -> None:
    """Load every catalog now, so a missing or uncompiled one stops start-up rather than a reply."""
    _catalogs(get_settings().HUBDESK_LOCALES_DIR)


def translator(lang: str | None) -> Translator:
    """The translator for ``lang`` (uk, nl or en); anything else gets English."""
    catalogs = _catalogs(get_settings().HUBDESK_LOCALES_DIR)
    return catalogs.get(lang or "en", catalogs["en"])


def _(message: str) -> str:
    """Mark a string for extraction where it is defined but translated later (identity)."""
    return message
