"""Normalisation that lets real messages match.

Visitors write Ukrainian, Russian, Dutch and English, Ukrainian in Latin letters ("chy mozhu ya
pratsiuvaty"), and Dutch words in Cyrillic ("лефгельд", "хюсарт"). Every word is reduced to one
*skeleton*: a rough phonetic key in Latin letters where the sounds the scripts and spellings disagree on
collapse together (г/х/h/g, и/і/ї/y, double letters, soft signs, apostrophes). Matching happens on
skeletons, so the same word in either script, inflected or misspelt, lands close together.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_CHARS = 1500  # longer messages are analysed on their start; nobody asks two questions in one screen

APOSTROPHES = str.maketrans(dict.fromkeys("’ʼ‘`´ʹ′＇", "'"))
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-z]")

_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "h", "д": "d", "е": "e", "є": "e", "ё": "e", "ж": "z",
    "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "c", "ш": "s",
    "щ": "s", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "u", "я": "a", "'": "",
}
# Latin spellings, longest first: transliterated Ukrainian/Russian and Dutch spellings of the same sounds.
_LATIN_MULTI = [
    ("shch", "s"), ("sch", "s"), ("kh", "h"), ("zh", "z"), ("ch", "c"), ("sh", "s"), ("ts", "c"), ("tz", "c"),
    ("ya", "a"), ("ia", "a"), ("ja", "a"), ("yu", "u"), ("iu", "u"), ("ju", "u"), ("ye", "e"), ("je", "e"),
    ("yi", "i"), ("ji", "i"), ("yo", "o"), ("jo", "o"), ("ij", "ei"), ("oe", "u"), ("ui", "u"), ("ph", "f"),
    ("ck", "k"), ("g", "h"), ("y", "i"), ("j", "i"), ("w", "v"), ("q", "k"), ("x", "ks"), ("'", ""),
]
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN_MULTI))
# Czech-style letters some phones offer for Ukrainian (ISO 9 and scientific transliteration), as digraphs.
DIACRITICS = str.maketrans({"ž": "zh", "č": "ch", "š": "sh", "ŝ": "shch", "ć": "ch", "ś": "s", "ź": "z",
                            "ï": "yi", "ë": "yo", "ý": "y", "ĭ": "j"})
_LATIN_MAP = dict(_LATIN_MULTI)
_DOUBLE = re.compile(r"(.)\1+")


def clean(text: str) -> str:
    """Lower-case, NFC, one kind of apostrophe, no control characters; cut to ``MAX_CHARS``."""
    text = unicodedata.normalize("NFC", text[: MAX_CHARS * 2])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return text.translate(APOSTROPHES).lower()[:MAX_CHARS]


def words(text: str) -> list[str]:
    """The words of already cleaned text (letters and digits, inner apostrophes kept)."""
    return WORD.findall(text)


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The script-independent key of one lower-case word."""
    if CYRILLIC.search(word):
        word = "".join(_CYR.get(ch, ch) for ch in word)
    word = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], word.translate(DIACRITICS))
    return _DOUBLE.sub(r"\1", word)


def stems(key: str) -> tuple[str, ...]:
    """Crude stems for inflected languages: the first four and the first six letters of a skeleton.

    Ukrainian and Russian change word endings (роботу, робота, роботі; лефгельд, лефгельдом); Dutch adds
    -en and -s (werk, werken). Fixed prefixes keep the root without a language-specific stemmer; the short
    one catches short roots, the long one keeps long words apart, and IDF decides what each is worth.
    """
    if len(key) <= 4:
        return (key,)
    return (key[:4], key[:6]) if len(key) > 6 else (key[:4], key)
