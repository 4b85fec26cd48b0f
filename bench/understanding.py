"""Understanding on messages nobody tuned for: today's lexical engine, the encoder alone, and the fusion.

The held-out sets under ``bench/heldout/`` were written separately from the training corpus, by other
helpers, on other days, with no shared templates, and nothing is ever trained or tuned on them:

- ``topics.jsonl``: topical questions over the 13 topics in uk, ru, nl, en and Latin-script uk/ru (some
  copied from municipal FAQ pages), personal cases, requests for a person, off-topic messages, greetings;
- ``crisis.jsonl``: crisis messages (every kind), hard negatives that only look alarming, and concern.

Each engine answers every message through the real Dialog; lines are judged as ``shared/eval/run_eval.py``
judges them. One table: topic accuracy per language, direct answers vs choices, off-topic messages without
an article, crisis recall, false alarms, time per message (p50/p99) and resident memory.

    .venv/bin/python bench/understanding.py [--quick] [--show-misses]
"""

from __future__ import annotations

import collections
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

HELDOUT = ROOT / "bench" / "heldout"
TOPICAL = {"residence", "registration", "work", "tax", "money", "childcare", "education", "language",
           "healthcare", "mental_health", "housing", "travel_return", "hub"}
LANGS = ("uk", "ru", "nl", "en", "uk-latn", "ru-latn", "mixed")
TARGETS = {"topic right": ">= 92 %", "direct answers (of right)": ">= 75 %", "off-topic without article": ">= 90 %",
           "crisis recall": ">= 99 %", "false crisis (of non-crisis)": "<= 1 %", "p99 per message": "<= 30 ms",
           "resident memory": "<= 250 MB"}


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (HELDOUT / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def judge(q: dict, r) -> tuple[str, bool]:
    """The same rules as shared/eval/run_eval.py."""
    cats = {q["category"], *q.get("also", [])}
    if q["action"] == "crisis":
        return "crisis", r.action == "crisis"
    if q["action"] == "greeting":
        return "greeting", r.action in ("greeting", "answer", "choose")
    if q["action"] == "escalate" and q["category"] == "other":
        return "human request", r.action == "escalate"
    if q["action"] == "escalate":
        return "personal case", r.action == "escalate" or (r.action in ("answer", "choose") and r.category in cats)
    if q["category"] == "other":
        return "out of scope", r.action == "escalate" or r.category == "other" or not r.article
    return "topic", r.action in ("answer", "choose") and r.category in cats


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def engines():
    """(name, answerer) for each engine, built the way HubDesk builds them."""
    from hubdesk.engine.answerer import Answerer, load_answerer
    from hubdesk.engine.lexicon import load_lexicon

    fused = load_answerer()
    lexical = Answerer(fused.kb, load_lexicon())  # no trained model: the engine as it was before issue 12
    semantic = Answerer(fused.kb, load_lexicon(), model=fused.model, encoder=fused.encoder, mode="semantic")
    return [("lexical (before)", lexical), ("encoder alone", semantic), ("fused", fused)]


def evaluate(answerer, questions: list[dict], show_misses: bool = False) -> dict:
    import numpy as np

    from hubdesk.dialog import respond

    tally: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    by_lang: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    by_origin: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    direct = false_crisis = non_crisis = concern_seen = concern_flagged = 0
    times = []
    for q in questions:
        started = time.perf_counter()
        r = respond(q["text"], answerer=answerer)
        times.append((time.perf_counter() - started) * 1000)
        kind, ok = judge(q, r)
        tally[kind][0] += ok
        tally[kind][1] += 1
        if kind == "topic":
            by_lang[q["lang"]][0] += ok
            by_lang[q["lang"]][1] += 1
            origin = by_origin["copied from FAQ pages" if q.get("source", "").startswith("faq:") else "written"]
            origin[0] += ok
            origin[1] += 1
            direct += ok and r.action == "answer"
        if q["action"] != "crisis":
            non_crisis += 1
            false_crisis += r.action == "crisis"
        if q.get("tier") == "concern":
            concern_seen += 1
            concern_flagged += r.tier == "concern"
        if show_misses and not ok:
            print(f"  MISS [{kind}] want {q['category']}/{q['action']} got {r.category}/{r.action}: {q['text'][:100]}")
    topic_ok, topic_n = tally["topic"]
    out_ok, out_n = tally["out of scope"]
    crisis_ok, crisis_n = tally["crisis"]
    return {
        "topic right": 100 * topic_ok / max(1, topic_n),
        "direct answers (of right)": 100 * direct / max(1, topic_ok),
        "off-topic without article": 100 * out_ok / max(1, out_n),
        "crisis recall": 100 * crisis_ok / max(1, crisis_n),
        "false crisis (of non-crisis)": 100 * false_crisis / max(1, non_crisis),
        "false crisis (count)": false_crisis,
        "concern recognised": 100 * concern_flagged / max(1, concern_seen),
        "personal case handled": 100 * tally["personal case"][0] / max(1, tally["personal case"][1]),
        "person asked for -> volunteer": 100 * tally["human request"][0] / max(1, tally["human request"][1]),
        "p50 per message": float(np.percentile(times, 50)),
        "p99 per message": float(np.percentile(times, 99)),
        "by language": {lang: 100 * ok / n for lang, (ok, n) in sorted(by_lang.items(), key=lambda kv: LANGS.index(
            kv[0]) if kv[0] in LANGS else 99)},
        "by origin": {origin: 100 * ok / n for origin, (ok, n) in sorted(by_origin.items(), reverse=True)},
        "counts": {k: v[1] for k, v in tally.items()},
    }


def run(quick: bool = False) -> list[dict]:
    """Topic metrics on the topical set; crisis recall on the crisis set; false alarms over both."""
    topical, safety = load("topics.jsonl"), load("crisis.jsonl")
    if quick:
        topical, safety = topical[::8], safety[::8]
    rows = []
    show = "--show-misses" in sys.argv
    for name, answerer in engines():
        on_topics = evaluate(answerer, topical, show)
        on_safety = evaluate(answerer, safety, show)
        non_crisis = sum(q["action"] != "crisis" for q in topical + safety)
        false_alarms = on_topics["false crisis (count)"] + on_safety["false crisis (count)"]
        merged = {
            **{k: on_topics[k] for k in ("topic right", "direct answers (of right)", "off-topic without article",
                                         "personal case handled", "person asked for -> volunteer")},
            "crisis recall": on_safety["crisis recall"],
            "false crisis (of non-crisis)": 100 * false_alarms / max(1, non_crisis),
            "false crisis on ordinary questions (count)": on_topics["false crisis (count)"],
            "false crisis on hard negatives (count)": on_safety["false crisis (count)"],
            "hard negatives: topic right": on_safety["topic right"],
            "concern recognised": on_safety["concern recognised"],
            "p50 per message": on_topics["p50 per message"],
            "p99 per message": on_topics["p99 per message"],
        }
        for metric, value in merged.items():
            unit = "ms" if metric.startswith("p") and "message" in metric else "" if "count" in metric else "%"
            rows.append({"benchmark": f"understanding: {name}", "metric": metric, "value": round(value, 1),
                         "unit": unit, "target": TARGETS.get(metric, "") if name == "fused" else ""})
        for group, value in [*on_topics["by language"].items(), *on_topics["by origin"].items()]:
            rows.append({"benchmark": f"understanding: {name}", "metric": f"topic right, {group}",
                         "value": round(value, 1), "unit": "%", "target": ""})
    rows.append({"benchmark": "understanding: fused", "metric": "resident memory (this process, 3 engines)",
                 "value": round(rss_mb(), 1), "unit": "MB", "target": ""})
    return rows


def main() -> int:
    rows = run(quick="--quick" in sys.argv)
    engines_seen = list(dict.fromkeys(r["benchmark"].split(": ", 1)[1] for r in rows))
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    value = {(r["benchmark"].split(": ", 1)[1], r["metric"]): f"{r['value']} {r['unit']}".strip() for r in rows}
    print("| metric | " + " | ".join(engines_seen) + " | target |")
    print("|---|" + "---:|" * len(engines_seen) + "---|")
    for metric in metrics:
        cells = [value.get((e, metric), "") for e in engines_seen]
        print(f"| {metric} | " + " | ".join(cells) + f" | {TARGETS.get(metric, '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
