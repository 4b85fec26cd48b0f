"""How long one answer takes: median and p99 per question, on one core.

The shipped knowledge base with the whole engine (the sentence encoder, the trained heads, the lexical
matcher), and, for the lexical part alone, the shipped base and a generated one of 2,000 articles made by
recombining the shipped articles' phrasings with invented topic words, so the index has the size and
vocabulary spread of a large real base. Questions are the shipped phrasings, lightly perturbed (typos,
case, punctuation), plus off-topic ones: short messages. bench/understanding.py times the long, chatty
held-out messages. Run: ``python bench/answer_speed.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubdesk.dialog import respond  # noqa: E402
from hubdesk.engine.answerer import Answerer, load_answerer  # noqa: E402
from hubdesk.knowledge_base import KnowledgeBase, load_knowledge_base  # noqa: E402

TARGET_MS = {"shipped, whole engine": 30.0, "shipped, lexical only": 5.0, "generated-2000, lexical only": 25.0}
OFF_TOPIC = ["яка погода завтра?", "who won the match yesterday", "recept voor borsjt", "курс гривні до євро"]


def perturb(text: str, rng: random.Random) -> str:
    chars = list(text)
    if len(chars) > 6:
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    out = "".join(chars)
    return out.upper() if rng.random() < 0.1 else out + rng.choice(["", "?", "??", " 🙏"])


def generated_kb(base: KnowledgeBase, size: int, rng: random.Random) -> KnowledgeBase:
    articles = {}
    originals = list(base.articles.values())
    syllables = ["ka", "lo", "mer", "sta", "vin", "dor", "pel", "zu", "tra", "bok", "nis", "gel"]
    for n in range(size):
        src = originals[n % len(originals)]
        topic = "".join(rng.choice(syllables) for _ in range(3))
        questions = src.questions.model_copy(
            update={lang: [f"{q} {topic}" for q in getattr(src.questions, lang)] for lang in ("uk", "nl", "ru", "en")}
        )
        articles[f"gen-{n}"] = src.model_copy(update={"id": f"gen-{n}", "questions": questions,
                                                      "keywords": [*src.keywords, topic]})
    return KnowledgeBase(articles=articles, categories=base.categories, hubs=base.hubs)


def measure(answerer: Answerer, questions: list[str]) -> dict[str, float]:
    for q in questions[:50]:  # warm caches the way a running process has them
        respond(q, answerer=answerer)
    timings = []
    for q in questions:
        start = time.perf_counter()
        respond(q, answerer=answerer)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "questions": len(timings),
        "median_ms": statistics.median(timings),
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
    }


def run(quick: bool = False) -> list[dict]:
    """Rows for bench/run_all.py: {benchmark, metric, value, unit, target}."""
    rng = random.Random(7)
    base = load_knowledge_base()
    questions = [perturb(q, rng) for a in base.articles.values() for _, q in a.questions.all()] + OFF_TOPIC * 10
    rng.shuffle(questions)
    if quick:
        questions = questions[:300]
    rows = []
    engines = (("shipped, whole engine", base, load_answerer), ("shipped, lexical only", base, Answerer),
               ("generated-2000, lexical only", generated_kb(base, 2000, rng), Answerer))
    for name, kb, make in engines:
        start = time.perf_counter()
        answerer = make() if make is load_answerer else make(kb)
        build_s = time.perf_counter() - start
        result = measure(answerer, questions)
        label = f"answer speed ({name}, {len(kb.articles)} articles)"
        rows += [
            {"benchmark": label, "metric": "median per question", "value": round(result["median_ms"], 2),
             "unit": "ms", "target": ""},
            {"benchmark": label, "metric": "p99 per question", "value": round(result["p99_ms"], 2),
             "unit": "ms", "target": f"<= {TARGET_MS[name]:g} ms"},
            {"benchmark": label, "metric": "start-up (index, model, encoder)", "value": round(build_s, 2), "unit": "s",
             "target": ""},
        ]
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['benchmark']:45s} {row['metric']:22s} {row['value']:>8} {row['unit']:3s} {row['target']}")
