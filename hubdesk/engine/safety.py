"""The safety screen: is someone in danger (crisis), in distress (concern), or neither?

It runs first on every message, before anything else (DESIGN.md, rule 1), and recall comes before
precision: a false alarm costs a visitor one unneeded list of emergency numbers, a miss can cost a life.

Four kinds of evidence, each trained or written for what the others miss, then combined:

- a network over the sentence encoder's embedding, which hears meaning: "I am standing on the bridge",
  a farewell after giving things away, "his mouth hangs crooked and he talks strangely";
- a linear model over hashed word and character n-grams of skeletons (``sparse``), which keeps the
  explicit word inside a long practical message and transliterated spellings the encoder blurs;
- the hand-written statements of ``crisis.PHRASES``, kept as a union: what they catch is always a crisis;
- with the encoder, how near the message lies to known crisis messages rather than to known others
  (``neighbours``), which separates what the network's one boundary blurs.

A small logistic model stacks the two trained scores, the two neighbour distances, and whether a danger
word (``crisis.DANGER_WORDS``: "suicide", "stroke", "huiselijk geweld") is named, into one probability per
tier. A danger word alone is evidence, not a verdict: "a school project on suicide prevention" is no
crisis. Its thresholds were chosen by ``training`` on out-of-fold predictions for recall, not by hand.
Without the encoder the lexical model, the statements and the danger words (then decisive) still screen
every message, with their own threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from hubdesk.engine.crisis import CrisisKind, danger_word, detect_crisis
from hubdesk.engine.heads import Ensemble, Softmax
from hubdesk.engine.neighbours import Neighbours
from hubdesk.engine.reader import Reading
from hubdesk.engine.sparse import SparseSoftmax, Vectorizer
from hubdesk.knowledge_base.corpus import CRISIS_LABELS

Tier = Literal["crisis", "concern", "none"]
SAFETY_CLASSES: tuple[str, ...] = ("none", "concern", *CRISIS_LABELS)
TIERS: tuple[Tier, ...] = ("none", "concern", "crisis")
CRISIS_COLUMNS = slice(2, None)  # the crisis labels among SAFETY_CLASSES


@dataclass(frozen=True)
class SafetyVerdict:
    tier: Tier
    kind: CrisisKind | None  # for a crisis: what kind (it decides the category the event counts under)
    crisis_score: float  # stacked P(crisis), 0..1
    by_phrase: bool = False  # a hand-written phrase matched

    @property
    def crisis(self) -> bool:
        return self.tier == "crisis"


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-5, 1 - 1e-5)
    return np.log(p / (1 - p))


def stack_features(semantic: np.ndarray | None, lexical: np.ndarray | None, phrase: np.ndarray,
                   word: np.ndarray, near: np.ndarray | None = None) -> np.ndarray:
    """Rows of stacked features from per-class probabilities (``SAFETY_CLASSES`` columns) of the detectors
    present: crisis and concern log-odds of each, whether a statement matched and whether a danger word
    (and no statement) did; with the encoder, also how near the closest crisis messages are (``near``,
    from ``Neighbours.features``)."""
    cols = []
    for probs in (semantic, lexical):
        if probs is not None:
            cols += [_logit(probs[:, CRISIS_COLUMNS].sum(axis=1)), _logit(probs[:, 1])]
    cols += [phrase.astype(np.float32), (word & ~phrase).astype(np.float32)]
    if near is not None:
        cols += [near[:, 0], near[:, 1]]
    return np.stack(cols, axis=1).astype(np.float32)


@dataclass(frozen=True)
class Phrases:
    """What the hand-written lists say of one line: the statement's kind and the danger word's kind."""

    statement: CrisisKind | None
    word: CrisisKind | None

    @classmethod
    def of(cls, line: str) -> Phrases:
        return cls(detect_crisis(line), danger_word(line))

    def decisive(self, blind: bool) -> CrisisKind | None:
        """The kind that makes this a crisis whatever the scores: a statement; blind, a danger word too."""
        return self.statement or (self.word if blind else None)


@dataclass(frozen=True)
class Stacker:
    """One way of combining the detectors: its logistic model and its crisis threshold."""

    model: Softmax  # over stack_features(...): TIERS
    crisis_at: float

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {**self.model.to_arrays(prefix), f"{prefix}_crisis_at": np.array(self.crisis_at, np.float32)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Stacker:
        return cls(Softmax.from_arrays(arrays, prefix), float(arrays[f"{prefix}_crisis_at"]))


@dataclass(frozen=True)
class SafetyModel:
    semantic: Ensemble
    neighbours: Neighbours
    vectorizer: Vectorizer
    lexical: SparseSoftmax
    fused: Stacker  # semantic + neighbours + lexical + phrases: the normal case
    lexical_only: Stacker  # without the encoder (so without neighbours): lexical + phrases
    semantic_only: Stacker  # semantic + neighbours + phrases: only to measure what each part adds
    concern_at: float

    def assess(self, reading: Reading, vector: np.ndarray | None, mode: str = "fused") -> SafetyVerdict:
        """The verdict for one message; ``vector`` is its embedding, or None when the encoder is down."""
        phrases = Phrases.of(reading.line)
        semantic = self.semantic.proba(vector) if vector is not None and mode != "lexical" else None
        lexical = None if mode == "semantic" and semantic is not None else self.lexical.proba(
            self.vectorizer.transform([reading.keys]))
        stacker = self.fused if semantic is not None and lexical is not None else (
            self.lexical_only if semantic is None else self.semantic_only)
        kind = phrases.decisive(blind=semantic is None)
        near = self.neighbours.features(vector) if semantic is not None else None
        features = stack_features(semantic, lexical, np.array([phrases.statement is not None]),
                                  np.array([phrases.word is not None]), near)
        tiers = stacker.model.proba(features)[0]
        crisis_at = stacker.crisis_at
        kinds = sum(p[0, CRISIS_COLUMNS] for p in (semantic, lexical) if p is not None)
        crisis_score = float(tiers[2])
        if kind is not None or crisis_score >= crisis_at:
            chosen = kind or phrases.word or CRISIS_LABELS[int(np.argmax(kinds))]
            return SafetyVerdict("crisis", chosen, crisis_score, by_phrase=kind is not None)  # type: ignore[arg-type]
        if float(tiers[1]) >= self.concern_at:
            return SafetyVerdict("concern", None, crisis_score)
        return SafetyVerdict("none", None, crisis_score)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            **self.semantic.to_arrays("safety_sem"),
            **self.neighbours.to_arrays("safety_near"),
            "safety_idf": self.vectorizer.idf,
            "safety_lex_w": self.lexical.weights.astype(np.float16),
            **self.fused.to_arrays("safety_fused"),
            **self.lexical_only.to_arrays("safety_lexonly"),
            **self.semantic_only.to_arrays("safety_semonly"),
            "safety_concern_at": np.array(self.concern_at, np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SafetyModel:
        return cls(
            Ensemble.from_arrays(arrays, "safety_sem"),
            Neighbours.from_arrays(arrays, "safety_near"),
            Vectorizer(arrays["safety_idf"]),
            SparseSoftmax(arrays["safety_lex_w"]),
            Stacker.from_arrays(arrays, "safety_fused"),
            Stacker.from_arrays(arrays, "safety_lexonly"),
            Stacker.from_arrays(arrays, "safety_semonly"),
            float(arrays["safety_concern_at"]),
        )
