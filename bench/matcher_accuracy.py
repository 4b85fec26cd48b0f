"""The matcher on the labelled development set, beside a plain rapidfuzz baseline, judged the same way.

HubDesk: every question through ``hubdesk ask --jsonl`` (the real command, one process), judged by the
shared ``run_eval.py``'s ``judge``. Baseline: ``rapidfuzz.process.extractOne`` with ``fuzz.WRatio`` over the
article titles in Ukrainian, Dutch and English (rapidfuzz's ``default_process``: lower case, no punctuation);
it answers (with that article's category) when the score is at least 60 and escalates otherwise. Both run in
the same invocation, on the same questions.

    .venv/bin/python bench/matcher_accuracy.py [--show-misses]

The set lives outside the repository: ``$HUBDESK_EVAL_DIR`` (default /work/shared/eval) with dev.jsonl and
run_eval.py; without it this benchmark reports that it was skipped.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubdesk.knowledge_base import load_knowledge_base  # noqa: E402

EVAL_DIR = Path(os.environ.get("HUBDESK_EVAL_DIR", "/work/shared/eval"))
BASELINE_CUTOFF = 60


def _judge_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_eval", EVAL_DIR / "run_eval.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(EVAL_DIR / "run_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def questions() -> list[dict[str, Any]]:
    with (EVAL_DIR / "dev.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def hubdesk_answers(texts: list[str]) -> list[dict[str, Any]]:
    """One ``hubdesk ask --jsonl`` run, exactly as run_eval.py calls it."""
    hubdesk = Path(sys.executable).parent / "hubdesk"
    stdin = "".join(t.replace("\n", " ") + "\n" for t in texts)
    done = subprocess.run([str(hubdesk), "ask", "--jsonl"], input=stdin, capture_output=True, text=True,
                          timeout=600, check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(texts):
        raise RuntimeError(f"{len(texts)} questions but {len(answers)} answers")
    return answers


def baseline_answers(texts: list[str]) -> list[dict[str, Any]]:
    """rapidfuzz WRatio against every article title (uk, nl, en); answer at >= 60, else escalate."""
    kb = load_knowledge_base()
    choices: list[str] = []
    owners: list[Any] = []
    for article in kb.articles.values():
        for lang in ("uk", "nl", "en"):
            choices.append(getattr(article.title, lang))
            owners.append(article)
    answers = []
    for text in texts:
        best = process.extractOne(text, choices, scorer=fuzz.WRatio, processor=utils.default_process)
        if best is None or best[1] < BASELINE_CUTOFF:
            answers.append({"action": "escalate", "category": "other", "article": None})
        else:
            article = owners[best[2]]
            answers.append({"action": "answer", "category": article.category, "article": article.id})
    return answers


def score(judge: Any, qs: list[dict[str, Any]], answers: list[dict[str, Any]]) -> dict[str, Any]:
    """The run_eval.py summary numbers, plus per-kind tallies and the misses."""
    tally: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    false_crisis = 0
    misses = []
    for q, r in zip(qs, answers, strict=True):
        kind, ok = judge(q, r)
        tally[kind][0] += ok
        tally[kind][1] += 1
        false_crisis += q["action"] != "crisis" and r.get("action") == "crisis"
        if not ok:
            misses.append(f"{q['id']} [{kind}] want {q['category']}/{q['action']} got "
                          f"{r.get('category')}/{r.get('action')}: {q['text'][:80]}")
    total_ok = sum(ok for ok, _ in tally.values())
    total = sum(n for _, n in tally.values())
    topic_ok, topic_n = tally.get("topic", [0, 0])
    crisis_ok, crisis_n = tally.get("crisis", [0, 0])
    return {
        "score": total_ok / total,
        "topic": topic_ok / max(topic_n, 1),
        "crisis_recall": crisis_ok / max(crisis_n, 1),
        "false_crisis": false_crisis,
        "kinds": {kind: (ok, n) for kind, (ok, n) in sorted(tally.items())},
        "misses": misses,
    }


def evaluate() -> dict[str, dict[str, Any]]:
    judge = _judge_module().judge
    qs = questions()
    texts = [q["text"] for q in qs]
    return {
        "HubDesk": score(judge, qs, hubdesk_answers(texts)),
        "rapidfuzz baseline": score(judge, qs, baseline_answers(texts)),
        "_n": {"questions": len(qs)},
    }


def run(quick: bool = False) -> list[dict]:
    """Rows for bench/run_all.py (the set is small: quick changes nothing)."""
    if not (EVAL_DIR / "dev.jsonl").exists() or not (EVAL_DIR / "run_eval.py").exists():
        raise FileNotFoundError(f"no development set at {EVAL_DIR} (set HUBDESK_EVAL_DIR)")
    results = evaluate()
    n = results.pop("_n")["questions"]
    label = f"matcher accuracy (dev set, {n} questions)"
    rows = []
    for metric, key, unit in (("overall score", "score", "%"), ("topic questions right", "topic", "%"),
                              ("crisis recall", "crisis_recall", "%"), ("false crisis", "false_crisis", "")):
        for system, result in results.items():
            value = result[key] * 100 if unit == "%" else result[key]
            rows.append({"benchmark": label, "metric": f"{metric}: {system}",
                         "value": round(value, 1) if unit == "%" else value, "unit": unit, "target": ""})
    return rows


if __name__ == "__main__":
    results = evaluate()
    print(f"{results.pop('_n')['questions']} questions")
    for system, result in results.items():
        kinds = ", ".join(f"{kind} {ok}/{n}" for kind, (ok, n) in result["kinds"].items())
        print(f"{system:20s} score {result['score']:.3f} topic {result['topic']:.3f} "
              f"crisis_recall {result['crisis_recall']:.3f} false_crisis {result['false_crisis']}  ({kinds})")
        if "--show-misses" in sys.argv:
            print("\n".join("  MISS " + miss for miss in result["misses"]))
