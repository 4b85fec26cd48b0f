"""Which language a message is written in, and which language to answer in.

The script decides the candidates (Cyrillic: uk or ru; Latin: nl, en, or Ukrainian/Russian typed in Latin
letters), and a naive Bayes model over character n-grams and whole words, trained on the knowledge base
and its visitor corpus, decides between them. Word lists failed on short messages: "Хочу поговорити з
волонтером" has no і, ї or є and no word that only Ukrainian uses, yet "-ити" and "-ером" give it away
to n-grams. The statistics count languages, so this matters.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hubdesk.engine.text import CYRILLIC, LATIN, WORD

LANGUAGES = ("uk", "ru", "nl", "en", "uk-latn", "ru-latn")
SCRIPT_CANDIDATES = {"cyrillic": ("uk", "ru"), "latin": ("nl", "en", "uk-latn", "ru-latn")}
LANGUAGE_TO_REPLY = {"uk": "uk", "ru": "uk", "uk-latn": "uk", "ru-latn": "uk", "nl": "nl", "en": "en"}
NGRAMS = (1, 2, 3, 4)
ALPHA = 0.1  # additive smoothing: small, because most n-grams are informative and data is plentiful
MIN_COUNT = 2  # n-grams seen once are mostly typos and names


def features(text: str) -> list[str]:
    """Character n-grams of each word (padded with spaces) and the words themselves."""
    out: list[str] = []
    for word in WORD.findall(text.lower()):
        if word.isdigit():
            continue
        out.append("w:" + word)
        padded = f" {word} "
        for n in NGRAMS:
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def script_of(text: str) -> str | None:
    cyr = len(CYRILLIC.findall(text))
    lat = len(LATIN.findall(text.lower()))
    if cyr == 0 and lat < 2:
        return None
    return "cyrillic" if cyr >= lat else "latin"


@dataclass(frozen=True)
class LanguageModel:
    """Multinomial naive Bayes: log P(feature | language) per feature, one column per language."""

    languages: tuple[str, ...]
    index: dict[str, int]
    log_prob: np.ndarray  # (features, languages)
    log_unseen: np.ndarray  # (languages,): a feature never seen with that language

    @classmethod
    def train(cls, samples: Iterable[tuple[str, str]]) -> LanguageModel:
        """Learn from (text, language) pairs; languages outside ``LANGUAGES`` are ignored."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for text, lang in samples:
            if lang in LANGUAGES:
                counts[lang].update(features(text))
        total: Counter[str] = Counter()
        for c in counts.values():
            total.update(c)
        vocab = sorted(f for f, n in total.items() if n >= MIN_COUNT)
        index = {f: i for i, f in enumerate(vocab)}
        log_prob = np.zeros((len(vocab), len(LANGUAGES)), dtype=np.float32)
        log_unseen = np.zeros(len(LANGUAGES), dtype=np.float32)
        for j, lang in enumerate(LANGUAGES):
            c = counts.get(lang, Counter())
            mass = sum(c[f] for f in vocab) + ALPHA * (len(vocab) + 1)
            column = np.array([c[f] for f in vocab], dtype=np.float64)
            log_prob[:, j] = np.log((column + ALPHA) / mass)
            log_unseen[j] = math.log(ALPHA / mass)
        return cls(LANGUAGES, index, log_prob, log_unseen)

    def scores(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        """Mean log-likelihood per feature of ``text`` under each candidate language."""
        cols = [self.languages.index(c) for c in candidates]
        rows = [self.index[f] for f in features(text) if f in self.index]
        if not rows:
            return dict.fromkeys(candidates, 0.0)
        summed = self.log_prob[rows][:, cols].sum(axis=0) / len(rows)
        return {c: float(s) for c, s in zip(candidates, summed, strict=True)}

    def detect(self, text: str) -> str:
        """One of ``LANGUAGES`` or ``unknown`` (nothing to read, or Latin text with no known word)."""
        script = script_of(text)
        if script is None:
            return "unknown"
        candidates = SCRIPT_CANDIDATES[script]
        words = [w for w in WORD.findall(text.lower()) if not w.isdigit()]
        if script == "latin" and not any(("w:" + w) in self.index for w in words):
            return "unknown"  # "asdfgh", a name, a code: no language to speak of
        scores = self.scores(text, candidates)
        return max(candidates, key=lambda c: scores[c])

    def to_arrays(self) -> dict[str, np.ndarray]:
        vocab = sorted(self.index, key=self.index.__getitem__)
        return {"lang_vocab": np.array(vocab, dtype=str), "lang_log_prob": self.log_prob,
                "lang_log_unseen": self.log_unseen, "lang_languages": np.array(self.languages, dtype=str)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LanguageModel:
        vocab = arrays["lang_vocab"].tolist()
        return cls(tuple(arrays["lang_languages"].tolist()), {f: i for i, f in enumerate(vocab)},
                   arrays["lang_log_prob"], arrays["lang_log_unseen"])


def reply_language(detected: str, chosen: str | None = None, locale_hint: str | None = None) -> str:
    """Ukrainian for Ukrainian, Russian and transliterated input; a visitor's chosen language wins."""
    if chosen in ("uk", "nl", "en"):
        return chosen
    if detected in LANGUAGE_TO_REPLY:
        return LANGUAGE_TO_REPLY[detected]
    hint = (locale_hint or "").split("-")[0].lower()
    return {"uk": "uk", "ru": "uk", "nl": "nl", "en": "en"}.get(hint, "uk")
