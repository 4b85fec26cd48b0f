"""The interface catalogs: every string in the code is translated into Ukrainian and Dutch, nothing fuzzy.

A new ``t.gettext("...")`` without ``pybabel extract`` + ``update`` + a translation fails here, so an English
sentence never reaches a Ukrainian visitor unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("api", "bot", "hubdesk", "knowledge_base")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "t.gettext": None, "t.ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
PLURALS = {"uk": 3, "nl": 2}


def catalog(lang: str) -> Catalog:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "hubdesk.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def code_msgids() -> set[str]:
    """Every msgid the code marks, found the way ``pybabel extract -k t.gettext -k t.ngettext:1,2`` does."""
    found: set[str] = set()
    for source in SOURCES:
        for _, _, message, _, _ in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", ["uk", "nl"])
def test_no_empty_or_fuzzy_entries(lang: str) -> None:
    problems = []
    for message in catalog(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(message.id)
    assert problems == []


@pytest.mark.parametrize("lang", ["uk", "nl"])
def test_plural_forms_and_placeholders(lang: str) -> None:
    cat = catalog(lang)
    assert cat.num_plurals == PLURALS[lang]
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple):
            assert len(strings) == PLURALS[lang], message.id
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (message.id, string)


@pytest.mark.parametrize("lang", ["uk", "nl"])
def test_every_string_in_the_code_is_in_the_catalog(lang: str) -> None:
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog(lang) if m.id}
    missing = sorted(code_msgids() - known)
    assert missing == [], "run pybabel extract + update and translate: see the team brief"
