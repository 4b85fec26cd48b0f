"""Ukrainian and Russian typed in Latin letters, back in Cyrillic, for the encoder.

The sentence encoder learnt Ukrainian from Cyrillic text: "chy mozhu ya pratsiuvaty" means little to it,
"чи можу я працювати" a lot. Spellings vary ("shcho", "scho", "sho"; "khochu", "hochu"), so rules alone
guess wrong often. Each word is first looked up by its *skeleton* (``text.skeleton``: the key that the
same word has in either script) among the Cyrillic words the knowledge base and its corpus use, which
fixes nearly every frequent word; only unknown words fall back to letter rules. Dutch and English words
the knowledge base knows ("huisarts", "DigiD") stay as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hubdesk.engine.text import CYRILLIC, DIACRITICS, WORD, skeleton

# Longest first. Ukrainian national romanisation and its common phone variants.
_UK_RULES = [
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("tz", "ц"),
    ("ya", "я"), ("ia", "я"), ("ja", "я"), ("yu", "ю"), ("iu", "ю"), ("ju", "ю"), ("ye", "є"), ("ie", "є"),
    ("je", "є"), ("yi", "ї"), ("ji", "ї"), ("yo", "йо"), ("jo", "йо"), ("a", "а"), ("b", "б"), ("c", "ц"),
    ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "г"), ("i", "і"), ("j", "й"), ("k", "к"), ("l", "л"),
    ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "и"), ("z", "з"), ("'", "'"),
]
_RU_RULES = [
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("tz", "ц"),
    ("ya", "я"), ("ia", "я"), ("ja", "я"), ("yu", "ю"), ("iu", "ю"), ("ju", "ю"), ("yo", "ё"), ("jo", "ё"),
    ("ye", "е"), ("je", "е"), ("a", "а"), ("b", "б"), ("c", "ц"), ("d", "д"), ("e", "е"), ("f", "ф"),
    ("g", "г"), ("h", "х"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"),
    ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"),
    ("y", "ы"), ("z", "з"), ("'", "ь"),
]


def _compile(rules: list[tuple[str, str]]) -> tuple[re.Pattern[str], dict[str, str]]:
    return re.compile("|".join(re.escape(a) for a, _ in rules)), dict(rules)


_RULES = {"uk": _compile(_UK_RULES), "ru": _compile(_RU_RULES)}
_LATIN_WORD = re.compile(r"[a-z']+")


def by_rules(word: str, lang: str) -> str:
    """Letter-by-letter transliteration of one lower-case Latin word (``lang`` uk or ru)."""
    pattern, table = _RULES[lang]
    return pattern.sub(lambda m: table[m.group(0)], word)


@dataclass(frozen=True)
class Transliterator:
    """Latin-script Ukrainian/Russian to Cyrillic, with a vocabulary of known words per language."""

    cyrillic: dict[str, dict[str, str]]  # lang -> skeleton -> the most frequent Cyrillic word with it
    keep: frozenset[str]  # Latin words to leave alone (Dutch and English words the knowledge base uses)

    @classmethod
    def build(cls, cyrillic_texts: dict[str, Iterable[str]], latin_texts: Iterable[str]) -> Transliterator:
        """Learn the vocabularies from texts: ``cyrillic_texts`` per language (uk, ru), Dutch/English ones."""
        vocab: dict[str, dict[str, str]] = {}
        for lang, texts in cyrillic_texts.items():
            counts: Counter[str] = Counter()
            for text in texts:
                counts.update(w for w in WORD.findall(text.lower()) if CYRILLIC.search(w))
            best: dict[str, tuple[int, str]] = {}
            for word, n in counts.items():
                key = skeleton(word)
                if len(key) >= 2 and (key not in best or n > best[key][0]):
                    best[key] = (n, word)
            vocab[lang] = {key: word for key, (_n, word) in best.items()}
        keep: Counter[str] = Counter()
        for text in latin_texts:
            keep.update(w for w in _LATIN_WORD.findall(text.lower()) if len(w) >= 3)
        return cls(vocab, frozenset(w for w, n in keep.items() if n >= 2))

    def to_cyrillic(self, text: str, lang: str) -> str:
        """``text`` with its Latin words in Cyrillic; ``lang`` is uk or ru (uk-latn / ru-latn input)."""
        lang = "ru" if lang.startswith("ru") else "uk"
        known = self.cyrillic.get(lang, {})
        other = self.cyrillic.get("uk" if lang == "ru" else "ru", {})

        def convert(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if lower in self.keep and skeleton(lower) not in known:
                return word
            key = skeleton(lower)
            return known.get(key) or other.get(key) or by_rules(lower, lang)

        return _LATIN_WORD.sub(convert, text.lower().translate(DIACRITICS))
