"""Concepts: the same idea in every language visitors use, so words meet across languages.

An English "fired", a Dutch "ontslagen" and a Ukrainian "звільнили" share no letters, so the
skeleton cannot join them. ``knowledge_base/lexicon.yaml`` lists, per concept, the words (or word
starts, ending in ``*``) that express it; a word that matches adds the concept as one more feature, on
both the question side and the knowledge-base side.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hubdesk.engine.text import clean, skeleton, words
from hubdesk.knowledge_base.loader import DEFAULT_DIR, KnowledgeBaseError

MIN_PREFIX = 3


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concepts: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("concepts")
    @classmethod
    def _non_empty(cls, concepts: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, entries in concepts.items():
            if not entries:
                raise ValueError(f"concept '{name}' has no words")
        return concepts


class Lexicon:
    """Word skeleton -> concepts, exact or by prefix."""

    def __init__(self, concepts: dict[str, list[str]]):
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.prefix: dict[str, set[str]] = defaultdict(set)
        for name, entries in concepts.items():
            for entry in entries:
                is_prefix = entry.endswith("*")
                for word in words(clean(entry.rstrip("*"))):
                    key = skeleton(word)
                    if is_prefix and len(key) >= MIN_PREFIX:
                        self.prefix[key].add(name)
                    else:
                        self.exact[key].add(name)
        self.prefix_lengths = sorted({len(k) for k in self.prefix})

    def concepts(self, key: str) -> set[str]:
        """The concepts a word skeleton expresses."""
        found = set(self.exact.get(key, ()))
        for n in self.prefix_lengths:
            if n > len(key):
                break
            found |= self.prefix.get(key[:n], set())
        return found


def load_lexicon(directory: Path | None = None) -> Lexicon:
    """The lexicon next to the knowledge base; an absent file is an empty lexicon."""
    path = Path(directory or DEFAULT_DIR) / "lexicon.yaml"
    if not path.exists():
        return Lexicon({})
    try:
        data = LexiconFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeBaseError([f"{path}: {exc}"]) from exc
    return Lexicon(data.concepts)
