"""Training data and test data live apart: the held-out sets share nothing with what the engine learns from.

``bench/heldout/`` was written by other helpers, separately from ``knowledge_base/corpus/`` and the articles'
phrasings; bench/understanding.py reports on it. A copied line would make those numbers a lie, so any
held-out message that also appears in training (exactly, or nearly: the same words with a typo or a
changed punctuation mark) fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

from rapidfuzz import fuzz, process

from hubdesk.engine.text import clean
from hubdesk.knowledge_base import load_knowledge_base
from hubdesk.knowledge_base.checks import MIN_VISITOR_MESSAGES
from hubdesk.knowledge_base.corpus import CORPUS_LANGUAGES, CRISIS_LABELS, load_corpus

HELDOUT = Path(__file__).resolve().parent.parent / "bench" / "heldout"
NEAR = 90  # rapidfuzz ratio: at or above this two messages are the same message


def heldout_texts() -> list[str]:
    return [json.loads(line)["text"] for f in sorted(HELDOUT.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_texts() -> list[str]:
    kb = load_knowledge_base()
    corpus = load_corpus(article_ids=set(kb.articles))
    texts = [t for a in kb.articles.values() for _, t in a.questions.all()]
    texts += [m.text for ms in corpus.visitor.values() for m in ms]
    texts += [m.text for m in corpus.safety] + [m.text for m in corpus.offtopic]
    return texts


def test_no_heldout_message_is_in_the_training_data():
    train = [clean(t) for t in training_texts()]
    exact = set(train)
    held = [clean(t) for t in heldout_texts()]
    assert len(held) >= 800
    # Two people typing "hi there" or "ik wil dood" is no copy: only messages of four words or more count.
    long_held = [t for t in held if len(t.split()) >= 4]
    assert [t for t in long_held if t in exact] == []
    scores = process.cdist(long_held, train, scorer=fuzz.ratio, score_cutoff=NEAR, workers=-1)
    near = [(long_held[i], train[int(scores[i].argmax())]) for i in range(len(long_held)) if scores[i].max() > 0]
    assert near == []


def _page(url: str) -> str:
    """One spelling per web page: no scheme, no www., no trailing slash, no /amp suffix, lower case."""
    url = url.removeprefix("faq:").split("://", 1)[-1].removeprefix("www.").rstrip("/")
    return url.removesuffix("/amp").lower()


def test_no_faq_page_gives_questions_to_both_training_and_held_out():
    """Real FAQ questions are in both sets; from one page, the two would share wording nothing else shares."""
    held = {_page(q["source"]) for f in sorted(HELDOUT.glob("*.jsonl"))
            for q in map(json.loads, f.read_text(encoding="utf-8").splitlines())
            if q.get("source", "").startswith("faq:")}
    corpus = Path(__file__).resolve().parent.parent / "knowledge_base" / "corpus"
    trained = {_page(row["source"]) for f in sorted(corpus.rglob("*.jsonl"))
               for row in map(json.loads, filter(str.strip, f.read_text(encoding="utf-8").splitlines()))
               if row.get("source")}
    assert len(held) >= 20 and len(trained) >= 50
    assert held & trained == set()


def test_every_shipped_article_has_a_visitor_corpus():
    kb = load_knowledge_base()
    corpus = load_corpus(article_ids=set(kb.articles))
    counts = {a: len(corpus.visitor.get(a, [])) for a in kb.articles}
    thin = {a: n for a, n in counts.items() if n < MIN_VISITOR_MESSAGES}
    assert thin == {}


def test_the_crisis_corpus_is_large_and_covers_every_kind_and_language():
    corpus = load_corpus()
    crisis = [m for m in corpus.safety if m.label in CRISIS_LABELS]
    negatives = [m for m in corpus.safety if m.label == "none"]
    assert len(crisis) >= 1000 and len(negatives) >= 1000
    for label in CRISIS_LABELS:
        languages = {m.lang for m in crisis if m.label == label}
        assert languages == set(CORPUS_LANGUAGES), (label, languages)
    assert len([m for m in corpus.safety if m.label == "concern"]) >= 300
    assert len(corpus.offtopic) >= 300
