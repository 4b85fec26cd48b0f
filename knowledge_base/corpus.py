"""The training corpus beside the articles: how visitors really write, and what a crisis looks like.

Layout under ``knowledge_base/corpus/`` (JSON Lines, one message per line, UTF-8):

- ``visitor/<article-id>.jsonl``: ``{"text", "lang"}``, messages written the way visitors ask for that
  article (long, chatty, typos, transliteration, mixed languages). Trains the topic heads.
- ``crisis/*.jsonl``: ``{"text", "lang", "label"}`` with label one of ``CRISIS_LABELS`` (a crisis kind),
  ``concern`` (distress without danger) or ``none`` (a hard negative: "this tax letter is killing me").
- ``offtopic*.jsonl``: ``{"text", "lang"}``, messages no article answers (weather, football, recipes).
- ``intents/*.jsonl``: ``{"text", "lang", "label"}`` with label one of ``INTENT_LABELS``: small talk and
  requests for a person, which are no question for an article (and no crisis: "thanks, bye" is not a
  farewell).

Training data only. The held-out test sets live under ``bench/heldout/``, were written separately, and
nothing here may be copied from them (``tests/test_corpus.py`` checks for overlap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hubdesk.knowledge_base.loader import DEFAULT_DIR, KnowledgeBaseError

CRISIS_LABELS = ("suicide", "self_harm", "violence", "medical", "child")
SAFETY_LABELS = (*CRISIS_LABELS, "concern", "none")
INTENT_LABELS = ("greeting", "thanks", "human")
CORPUS_LANGUAGES = ("uk", "ru", "nl", "en", "uk-latn", "ru-latn", "mixed")
MAX_TEXT = 2000


@dataclass(frozen=True)
class Message:
    text: str
    lang: str
    label: str = ""  # the article id, a safety label, or "other" for off-topic


@dataclass
class Corpus:
    visitor: dict[str, list[Message]] = field(default_factory=dict)  # article id -> messages
    safety: list[Message] = field(default_factory=list)  # label: crisis kind, concern or none
    offtopic: list[Message] = field(default_factory=list)
    intents: list[Message] = field(default_factory=list)  # label: greeting, thanks or human
    files: list[Path] = field(default_factory=list)


def _read_jsonl(path: Path, problems: list[str]) -> list[dict]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return rows
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not valid JSON: {exc.msg}")
            continue
        text = row.get("text") if isinstance(row, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            problems.append(f"{path}:{number}: 'text' must be a non-empty string of at most {MAX_TEXT} characters")
            continue
        if row.get("lang") not in CORPUS_LANGUAGES:
            problems.append(f"{path}:{number}: 'lang' must be one of {', '.join(CORPUS_LANGUAGES)}")
            continue
        rows.append(row)
    return rows


def corpus_files(directory: Path | None = None) -> list[Path]:
    """Every corpus file, in a stable order (it keys the trained model's hash)."""
    root = Path(directory or DEFAULT_DIR) / "corpus"
    return (sorted(root.glob("visitor/*.jsonl")) + sorted(root.glob("crisis/*.jsonl"))
            + sorted(root.glob("intents/*.jsonl")) + sorted(root.glob("offtopic*.jsonl")))


def _labelled(path: Path, rows: list[dict], labels: tuple[str, ...], problems: list[str]) -> list[Message]:
    """The rows whose label is one of ``labels``; each other row is a problem."""
    kept = []
    for r in rows:
        if r.get("label") not in labels:
            problems.append(f"{path}: 'label' {r.get('label')!r} is not one of {', '.join(labels)}")
            continue
        kept.append(Message(r["text"], r["lang"], r["label"]))
    return kept


def load_corpus(directory: Path | None = None, article_ids: set[str] | None = None) -> Corpus:
    """Read the corpus; raise ``KnowledgeBaseError`` listing every bad line (or unknown article) at once."""
    problems: list[str] = []
    corpus = Corpus()
    for path in corpus_files(directory):
        rows = _read_jsonl(path, problems)
        corpus.files.append(path)
        kind = path.parent.name if path.parent.name in ("visitor", "crisis", "intents") else "offtopic"
        if kind == "visitor":
            article_id = path.stem
            if article_ids is not None and article_id not in article_ids:
                problems.append(f"{path}: no article with id '{article_id}'")
                continue
            corpus.visitor.setdefault(article_id, []).extend(
                Message(r["text"], r["lang"], article_id) for r in rows)
        elif kind == "crisis":
            corpus.safety.extend(_labelled(path, rows, SAFETY_LABELS, problems))
        elif kind == "intents":
            corpus.intents.extend(_labelled(path, rows, INTENT_LABELS, problems))
        else:
            corpus.offtopic.extend(Message(r["text"], r["lang"], "other") for r in rows)
    if problems:
        raise KnowledgeBaseError(problems)
    return corpus
