"""Matcher accuracy on questions it has not seen, without the development set.

Five folds: each fold hides a fifth of every article's phrasings from the index and asks them; an
answer or choice of the right article's category counts. Off-topic probes (bench/offtopic.txt) must
get no article. Use this to tune the matcher; the development set stays a final check.
Run: ``python bench/matcher_crossval.py``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubdesk.engine.answerer import Answerer  # noqa: E402
from hubdesk.engine.lexicon import load_lexicon  # noqa: E402
from hubdesk.knowledge_base import KnowledgeBase, load_knowledge_base  # noqa: E402

FOLDS = 5


def hide(kb: KnowledgeBase, fold: int, rng_seed: int = 3) -> tuple[KnowledgeBase, list[tuple[str, str, str]]]:
    """A copy of ``kb`` without one fold of phrasings, and the hidden (text, category, language) triples."""
    articles, hidden = {}, []
    for article in kb.articles.values():
        kept = {}
        for lang in ("uk", "nl", "ru", "en"):
            phrasings = list(getattr(article.questions, lang))
            random.Random(f"{rng_seed}-{article.id}-{lang}").shuffle(phrasings)
            out = [p for i, p in enumerate(phrasings) if i % FOLDS == fold]
            kept[lang] = [p for i, p in enumerate(phrasings) if i % FOLDS != fold] or phrasings[:1]
            hidden += [(p, article.category, lang) for p in out]
        articles[article.id] = article.model_copy(update={"questions": article.questions.model_copy(update=kept)})
    return KnowledgeBase(articles=articles, categories=kb.categories, hubs=kb.hubs), hidden


def offtopic() -> list[str]:
    path = Path(__file__).with_name("offtopic.txt")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def evaluate(kb: KnowledgeBase) -> dict[str, float]:
    lexicon = load_lexicon()
    ok = total = answered = 0
    for fold in range(FOLDS):
        reduced, hidden = hide(kb, fold)
        answerer = Answerer(reduced, lexicon)
        for text, category, _lang in hidden:
            analysis = answerer.analyse(text)
            total += 1
            if analysis.decision in ("answer", "choose") and analysis.top and analysis.top.article.category == category:
                ok += 1
                answered += analysis.decision == "answer"
    full = Answerer(kb, lexicon)
    probes = offtopic()
    quiet = sum(full.analyse(p).decision == "none" for p in probes)
    if "--show" in sys.argv:
        for p in probes:
            if full.analyse(p).decision != "none":
                print("OFF-TOPIC ANSWERED:", p, "->", full.analyse(p).top.article.id)
    return {"held_out_topic": ok / total, "held_out_direct_answer": answered / total,
            "offtopic_handled": quiet / len(probes), "held_out_questions": total, "offtopic_probes": len(probes)}


def run(quick: bool = False) -> list[dict]:
    result = evaluate(load_knowledge_base())
    return [
        {"benchmark": "matcher cross-validation", "metric": "held-out phrasings, right topic",
         "value": round(100 * result["held_out_topic"], 1), "unit": "%", "target": ""},
        {"benchmark": "matcher cross-validation", "metric": "off-topic probes, no article",
         "value": round(100 * result["offtopic_handled"], 1), "unit": "%", "target": ""},
    ]


if __name__ == "__main__":
    for key, value in evaluate(load_knowledge_base()).items():
        print(f"{key:24s} {value:.3f}" if isinstance(value, float) else f"{key:24s} {value}")
