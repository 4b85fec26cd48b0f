"""Reading a message: the one normalisation shared by training and answering.

Whatever the engine learns from, it learns from text prepared exactly as a visitor's message is prepared
at answer time: cleaned, its language detected, its words reduced to skeletons for the lexical parts, and,
for Ukrainian or Russian typed in Latin letters, put back into Cyrillic for the encoder. One function, so
the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubdesk.engine.language import LanguageModel
from hubdesk.engine.patterns import skeleton_line
from hubdesk.engine.text import clean, skeleton, words
from hubdesk.engine.translit import Transliterator


@dataclass(frozen=True)
class Reading:
    cleaned: str  # lower-case, NFC, cut to text.MAX_CHARS
    tokens: tuple[str, ...]  # its words
    keys: tuple[str, ...]  # their skeletons
    line: str  # skeletons joined for the phrase patterns (patterns.skeleton_line)
    language: str  # uk, ru, nl, en, uk-latn, ru-latn or unknown
    for_encoder: str  # what the sentence encoder sees


@dataclass(frozen=True)
class Reader:
    languages: LanguageModel
    transliterator: Transliterator

    def read(self, text: str) -> Reading:
        cleaned = clean(text)
        tokens = words(cleaned)
        language = self.languages.detect(cleaned)
        for_encoder = cleaned
        if language in ("uk-latn", "ru-latn"):
            for_encoder = self.transliterator.to_cyrillic(cleaned, language)
        return Reading(cleaned, tuple(tokens), tuple(skeleton(t) for t in tokens), skeleton_line(tokens),
                       language, for_encoder)
