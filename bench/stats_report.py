"""Bench: one million events, then time the monthly report; and what recording an event adds to a reply.

    .venv/bin/python bench/stats_report.py                       # SQLite (a temporary file)
    .venv/bin/python bench/stats_report.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Targets (issue 4): the report <= 2 s on SQLite and PostgreSQL with 1,000,000 events; recording an event
<= 2 ms (median). Events are spread over 13 months like a busy hub's history, so the 12-month trend reads
almost every row. PostgreSQL runs in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubdesk import visitors  # noqa: E402
from hubdesk.db import make_engine, session_scope, upgrade_to_head  # noqa: E402
from hubdesk.events import EventData, record_event  # noqa: E402
from hubdesk.knowledge_base.schema import CATEGORY_IDS  # noqa: E402
from hubdesk.models import Event  # noqa: E402
from hubdesk.stats import monthly_report, public_report  # noqa: E402

REPORT_MONTH = "2026-10"
FIRST_DAY = date(2025, 10, 1)
DAYS = 396  # 2025-10-01 .. 2026-10-31: thirteen months
BATCH = 20_000
OUTCOMES = ["answered"] * 6 + ["choices", "unanswered", "escalated", "greeting", "crisis"]


def rows(n: int, start: int, total: int) -> list[dict]:
    """Events ``start`` .. ``start + n`` of ``total``, in day order: events are written as questions arrive."""
    rnd = random.Random(start)
    hubs = ["example", "north", "south"]
    out = []
    for index in range(start, start + n):
        outcome = rnd.choice(OUTCOMES)
        out.append({
            "day": FIRST_DAY + timedelta(days=index * DAYS // total),
            "hub_id": rnd.choice(hubs),
            "channel": rnd.choice(("telegram", "telegram", "whatsapp", "webchat")),
            "language": rnd.choice(("uk", "uk", "ru", "nl", "en")),
            "reply_language": rnd.choice(("uk", "uk", "nl", "en")),
            "category": rnd.choice(CATEGORY_IDS),
            "outcome": outcome,
            "article_id": f"article-{rnd.randrange(120)}" if outcome == "answered" else None,
            "helpful": rnd.choice((None, None, True, False)),
        })
    return out


def fill(url: str, total: int) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        for offset in range(0, total, BATCH):
            connection.execute(insert(Event), rows(min(BATCH, total - offset), offset, total))
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE events"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def time_report(url: str, hub_id: str | None, repeats: int = 5) -> tuple[float, int]:
    engine = make_engine(url)
    timings = []
    questions = 0
    for _ in range(repeats):
        started = time.perf_counter()
        with Session(engine) as session:
            report = monthly_report(session=session, month=REPORT_MONTH, hub_id=hub_id)
            public_report(report, min_count=5)
        timings.append(time.perf_counter() - started)
        questions = report.questions
    engine.dispose()
    return statistics.median(timings), questions


def time_recording(url: str, n: int = 500) -> tuple[float, float]:
    """Median ms of record_event alone, and of the whole per-message storage work of the conversation
    (touch the visitor, count them for the month, record the event) in one session, as in production."""
    engine = make_engine(url)
    data = EventData(
        day=date.today(), hub_id="example", channel="telegram", language="uk",
        reply_language="uk", category="housing", outcome="answered", article_id="housing-rent",
    )
    alone, whole = [], []
    for i in range(n):
        started = time.perf_counter()
        with Session(engine) as session:
            record_event(session=session, data=data)
            session.commit()
        alone.append(time.perf_counter() - started)
        started = time.perf_counter()
        with session_scope(engine) as session:
            visitors.touch_visitor(session=session, channel="telegram", chat_key=str(i % 50))
            visitors.count_visitor(session=session, channel="telegram", chat_key=str(i % 50), hub_id="example",
                                   day=data.day)
            record_event(session=session, data=data)
        whole.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(alone) * 1000, statistics.median(whole) * 1000


def time_reply_overhead(url: str, n: int = 300) -> tuple[float, float]:
    """Median ms of the Dialog alone, and of the conversation's ``_answer`` (the Dialog plus the visitor,
    the month count and the event in one session): the difference is what storage adds to a reply."""
    import os

    from hubdesk import conversation, dialog
    from hubdesk.db import dispose_engines
    from hubdesk.messages import Incoming
    from hubdesk.settings import get_settings

    os.environ["HUBDESK_DATABASE_URL"] = url
    get_settings.cache_clear()
    text_ = "Як отримати BSN номер?"
    conversation._answer(Incoming("telegram", "warm-up", text_, "uk"))  # load the knowledge base first
    pure, stored = [], []
    for i in range(n):
        started = time.perf_counter()
        dialog.respond(text_, chosen_language=None, locale_hint="uk", hub_id=None)
        pure.append(time.perf_counter() - started)
        started = time.perf_counter()
        conversation._answer(Incoming("telegram", str(i % 50), text_, "uk"))
        stored.append(time.perf_counter() - started)
    dispose_engines()
    return statistics.median(pure) * 1000, statistics.median(stored) * 1000


def measure(url: str, label: str, total: int, *, verbose: bool = True) -> list[dict]:
    """Fill ``url`` with ``total`` events and measure; returns rows for bench/run_all.py."""

    def say(line: str) -> None:
        if verbose:
            print(f"[{label}] {line}", flush=True)

    upgrade_to_head(url)
    say(f"writing {total:,} events ...")
    seconds = fill(url, total)
    say(f"bulk insert: {seconds:.1f} s ({total / seconds:,.0f} events/s)")
    name = f"monthly report ({label}, {total:,} events over 13 months)"
    rows = []
    for hub in (None, "example"):
        median, questions = time_report(url, hub)
        say(f"monthly report {REPORT_MONTH} hub={hub or 'all'}: median {median * 1000:.0f} ms "
            f"({questions:,} questions in the month)")
        rows.append({"benchmark": name, "metric": f"report, {'every hub' if hub is None else 'one hub'}",
                     "value": round(median * 1000), "unit": "ms", "target": "<= 2000 ms"})
    alone, whole = time_recording(url)
    say(f"record_event: median {alone:.2f} ms; visitor + month count + event: median {whole:.2f} ms")
    pure, stored = time_reply_overhead(url)
    say(f"a reply: Dialog alone median {pure:.2f} ms, with storage median {stored:.2f} ms "
        f"(storage adds {stored - pure:.2f} ms)")
    rows += [
        {"benchmark": name, "metric": "recording one event", "value": round(alone, 2), "unit": "ms",
         "target": "<= 2 ms"},
        {"benchmark": name, "metric": "storage added to a reply (visitor, month count, event)",
         "value": round(stored - pure, 2), "unit": "ms", "target": "<= 2 ms"},
    ]
    return rows


def on_postgres(base: str, fn) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run ``fn(url)`` in a schema of its own, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        return fn(f"{base}{sep}options=-csearch_path%3D{schema}")
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(quick: bool = False) -> list[dict]:
    """The bench/run_all.py interface: SQLite, and PostgreSQL when HUBDESK_BENCH_POSTGRES_URL is set."""
    import os

    total = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(f"sqlite:///{tmp}/bench.db", "SQLite", total, verbose=False)
    base = os.environ.get("HUBDESK_BENCH_POSTGRES_URL")
    if base:
        rows += on_postgres(base, lambda url: measure(url, "PostgreSQL", total, verbose=False))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a temporary schema is used and dropped")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/bench.db", "SQLite", args.events)
    if args.postgres:
        on_postgres(args.postgres, lambda url: measure(url, "PostgreSQL", args.events))
    return 0


if __name__ == "__main__":
    sys.exit(main())
