"""The monthly report for hub coordinators: what visitors needed, in numbers that identify nobody.

``monthly_report`` computes exact counts from the anonymised events (and response times from cases);
``public_report`` is the only way out of this module: it turns every count below
``HUBDESK_STATS_MIN_COUNT`` (default 5) into "<5" (zero stays 0: it reveals nobody), and withholds a rate
or a change computed from a hidden count. JSON, CSV, the page and the CLI all export ``public_report``.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from hubdesk.knowledge_base.schema import CATEGORY_IDS
from hubdesk.models import Case, Event, Outcome
from hubdesk.visitors import month_bounds, month_of, parse_month, shift_month, unique_visitors

TREND_MONTHS = 12
TOP_ARTICLES = 10
COUNTED_OUTCOMES = tuple(o.value for o in Outcome if o is not Outcome.GREETING)  # greetings are not questions

Public = int | str  # a count as exported: the number, or "<5"


@dataclass
class MonthlyReport:
    """Exact numbers for one month (and hub, or every hub). Never export this directly: see public_report."""

    month: str
    hub_id: str | None
    questions: int = 0
    greetings: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    reply_languages: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    feedback: int = 0
    helpful: int = 0
    top_articles: list[tuple[str, int]] = field(default_factory=list)
    unique_visitors: int = 0
    unique_visitors_final: bool = False
    cases_opened: int = 0
    cases_replied: int = 0
    median_first_reply_minutes: float | None = None
    previous_month: str = ""
    previous_questions: int = 0
    previous_categories: Counter[str] = field(default_factory=Counter)
    trend: list[tuple[str, int]] = field(default_factory=list)


def _event_filter(start: Any, end: Any, hub_id: str | None) -> list[Any]:
    conditions = [col(Event.day) >= start, col(Event.day) < end]
    if hub_id is not None:
        conditions.append(Event.hub_id == hub_id)
    return conditions


def monthly_report(*, session: Session, month: str, hub_id: str | None = None) -> MonthlyReport:
    """Count one month's events (one grouped query), with the previous month and a 12-month trend."""
    month = parse_month(month)
    start, end = month_bounds(month)
    report = MonthlyReport(month=month, hub_id=hub_id, previous_month=shift_month(month, -1))
    _count_events(session, report, start, end)
    _count_articles(session, report, start, end)
    _count_trend(session, report)
    report.unique_visitors, report.unique_visitors_final = unique_visitors(
        session=session, month=month, hub_id=hub_id
    )
    _first_replies(session, report, start, end)
    return report


def _count_events(session: Session, report: MonthlyReport, start: Any, end: Any) -> None:
    columns = (Event.outcome, Event.category, Event.language, Event.reply_language, Event.channel, Event.helpful)
    rows = session.exec(
        select(*columns, func.count())  # type: ignore[call-overload]
        .where(*_event_filter(start, end, report.hub_id))
        .group_by(*columns)
    ).all()
    for outcome, category, language, reply_language, channel, helpful, n in rows:
        if outcome == Outcome.GREETING:
            report.greetings += n
            continue
        report.questions += n
        report.outcomes[outcome] += n
        report.categories[category] += n
        report.languages[language] += n
        report.reply_languages[reply_language] += n
        report.channels[channel] += n
        if helpful is not None:
            report.feedback += n
            report.helpful += n if helpful else 0


def _count_articles(session: Session, report: MonthlyReport, start: Any, end: Any) -> None:
    n = func.count().label("n")
    rows = session.exec(
        select(Event.article_id, n)  # type: ignore[call-overload]
        .where(*_event_filter(start, end, report.hub_id), col(Event.article_id).is_not(None))
        .where(col(Event.outcome).in_(COUNTED_OUTCOMES))
        .group_by(Event.article_id)
        .order_by(n.desc(), Event.article_id)
        .limit(TOP_ARTICLES)
    ).all()
    report.top_articles = [(article_id, int(count)) for article_id, count in rows]


def _count_trend(session: Session, report: MonthlyReport) -> None:
    """Questions per month for the 12 months ending with the report's month, and the previous month's mix.

    Both queries read only (hub_id,) day, outcome and category: covering indexes make them index-only scans.
    """
    first = shift_month(report.month, -(TREND_MONTHS - 1))
    start, _ = month_bounds(first)
    _, end = month_bounds(report.month)
    counted = col(Event.outcome) != Outcome.GREETING.value
    per_day = session.exec(
        select(Event.day, func.count())  # type: ignore[call-overload]
        .where(*_event_filter(start, end, report.hub_id), counted)
        .group_by(Event.day)
    ).all()
    per_month: Counter[str] = Counter()
    for day, n in per_day:  # at most ~366 rows, summed per month here: portable across backends
        per_month[month_of(day)] += n
    report.trend = [(m, per_month[m]) for m in (shift_month(first, i) for i in range(TREND_MONTHS))]
    report.previous_questions = per_month[report.previous_month]
    previous_start, previous_end = month_bounds(report.previous_month)
    per_category = session.exec(
        select(Event.category, func.count())  # type: ignore[call-overload]
        .where(*_event_filter(previous_start, previous_end, report.hub_id), counted)
        .group_by(Event.category)
    ).all()
    report.previous_categories = Counter({category: int(n) for category, n in per_category})


def _first_replies(session: Session, report: MonthlyReport, start: Any, end: Any) -> None:
    """Cases opened this month, and the median time until a volunteer first replied to them."""
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC)
    query = select(Case.created_at, Case.first_reply_at).where(
        col(Case.created_at) >= since, col(Case.created_at) < until
    )
    if report.hub_id is not None:
        query = query.where(Case.hub_id == report.hub_id)
    rows = session.exec(query).all()
    waits = [(replied - created).total_seconds() / 60 for created, replied in rows if replied is not None]
    report.cases_opened = len(rows)
    report.cases_replied = len(waits)
    report.median_first_reply_minutes = round(statistics.median(waits), 1) if waits else None


# -- export: the "<5" rule lives here and only here ----------------------------------------------------


class Masker:
    """Hides counts below the threshold, and anything derived from a hidden count."""

    def __init__(self, min_count: int):
        self.min_count = min_count
        self.hidden = f"<{min_count}"

    def count(self, n: int) -> Public:
        return self.hidden if 0 < n < self.min_count else n

    def shown(self, n: int) -> bool:
        return not 0 < n < self.min_count

    def rate(self, part: int, whole: int) -> float | None:
        if whole == 0 or not (self.shown(part) and self.shown(whole)):
            return None
        return round(part / whole, 3)

    def change(self, now: int, before: int) -> int | None:
        return now - before if self.shown(now) and self.shown(before) else None

    def counter(self, counts: Counter[str], keys: tuple[str, ...] = ()) -> dict[str, Public]:
        ordered = list(keys) + sorted(k for k in counts if k not in keys)
        return {key: self.count(counts[key]) for key in ordered}


def public_report(report: MonthlyReport, *, min_count: int) -> dict[str, Any]:
    """The report as every export shows it: small counts as "<5", rates and changes only from shown counts."""
    m = Masker(min_count)
    q = report.questions
    return {
        "month": report.month,
        "hub": report.hub_id,
        "min_count": min_count,
        "totals": {
            "questions": m.count(q),
            "greetings": m.count(report.greetings),
            "unique_visitors": m.count(report.unique_visitors),
            "unique_visitors_final": report.unique_visitors_final,
            "cases_opened": m.count(report.cases_opened),
        },
        "rates": {
            name: {"count": m.count(report.outcomes[outcome]), "rate": m.rate(report.outcomes[outcome], q)}
            for name, outcome in (
                ("answered", Outcome.ANSWERED),
                ("choices", Outcome.CHOICES),
                ("unanswered", Outcome.UNANSWERED),
                ("escalation", Outcome.ESCALATED),
                ("crisis", Outcome.CRISIS),
            )
        }
        | {
            "helpful": {
                "count": m.count(report.helpful),
                "of": m.count(report.feedback),
                "rate": m.rate(report.helpful, report.feedback),
            }
        },
        "first_reply": {
            "cases_replied": m.count(report.cases_replied),
            # a median of fewer than min_count waits could describe one person's case
            "median_minutes": report.median_first_reply_minutes if m.shown(report.cases_replied) else None,
        },
        "categories": [
            {
                "id": category,
                "count": m.count(report.categories[category]),
                "previous": m.count(report.previous_categories[category]),
                "change": m.change(report.categories[category], report.previous_categories[category]),
            }
            for category in _category_order(report)
        ],
        "languages": m.counter(report.languages, ("uk", "ru", "nl", "en")),
        "reply_languages": m.counter(report.reply_languages, ("uk", "nl", "en")),
        "channels": m.counter(report.channels, ("telegram", "whatsapp", "webchat")),
        "top_articles": [{"id": article, "count": m.count(n)} for article, n in report.top_articles],
        "previous_month": {
            "month": report.previous_month,
            "questions": m.count(report.previous_questions),
            "change": m.change(q, report.previous_questions),
        },
        "trend": [{"month": month, "questions": m.count(n)} for month, n in report.trend],
    }


def _category_order(report: MonthlyReport) -> list[str]:
    extra = sorted(set(report.categories) - set(CATEGORY_IDS))  # a retired id still shows up in old months
    return [*CATEGORY_IDS, *extra]


def report_csv(public: dict[str, Any]) -> str:
    """One flat table for a spreadsheet: section, item, count, rate, previous, change."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "count", "rate", "previous", "change"])
    writer.writerow(["report", "month", public["month"], "", public["previous_month"]["month"], ""])
    writer.writerow(["report", "hub", public["hub"] or "all", "", "", ""])
    totals = public["totals"]
    previous = public["previous_month"]
    writer.writerow(["totals", "questions", totals["questions"], "", previous["questions"], _blank(previous["change"])])
    for name in ("greetings", "unique_visitors", "cases_opened"):
        writer.writerow(["totals", name, totals[name], "", "", ""])
    for name, rate in public["rates"].items():
        writer.writerow(["rates", name, rate["count"], _blank(rate["rate"]), "", ""])
    writer.writerow(["first_reply", "median_minutes", _blank(public["first_reply"]["median_minutes"]), "", "", ""])
    writer.writerow(["first_reply", "cases_replied", public["first_reply"]["cases_replied"], "", "", ""])
    for row in public["categories"]:
        writer.writerow(["category", row["id"], row["count"], "", row["previous"], _blank(row["change"])])
    for section in ("languages", "reply_languages", "channels"):
        for item, count in public[section].items():
            writer.writerow([section.rstrip("s"), item, count, "", "", ""])
    for row in public["top_articles"]:
        writer.writerow(["article", row["id"], row["count"], "", "", ""])
    for row in public["trend"]:
        writer.writerow(["trend", row["month"], row["questions"], "", "", ""])
    return out.getvalue()


def _blank(value: Any) -> Any:
    return "" if value is None else value


def report_table(public: dict[str, Any]) -> str:
    """A plain-text table for the terminal (``hubdesk stats``)."""
    totals, rates = public["totals"], public["rates"]
    lines = [
        f"HubDesk monthly report {public['month']} · hub: {public['hub'] or 'all'}",
        f"questions {totals['questions']} (previous month {public['previous_month']['questions']}, "
        f"change {_dash(public['previous_month']['change'])}) · unique visitors {totals['unique_visitors']}"
        + ("" if totals["unique_visitors_final"] else " (month open)"),
        "",
    ]
    for name, rate in rates.items():
        extra = f" of {rate['of']}" if "of" in rate else ""
        lines.append(f"  {name:<12} {rate['count']!s:>7}{extra}  {_percent(rate['rate'])}")
    median = public["first_reply"]["median_minutes"]
    lines += [f"  first reply  median {_dash(median)} min over {public['first_reply']['cases_replied']} cases", ""]
    lines.append(f"  {'category':<16} {'count':>7} {'previous':>9} {'change':>7}")
    for row in public["categories"]:
        lines.append(f"  {row['id']:<16} {row['count']!s:>7} {row['previous']!s:>9} {_dash(row['change'])!s:>7}")
    for section in ("languages", "reply_languages", "channels"):
        items = ", ".join(f"{k} {v}" for k, v in public[section].items()) or "-"
        lines.append(f"\n  {section.replace('_', ' ')}: {items}")
    if public["top_articles"]:
        lines.append("\n  top articles:")
        lines += [f"    {row['count']!s:>7}  {row['id']}" for row in public["top_articles"]]
    lines.append("\n  trend: " + ", ".join(f"{row['month']} {row['questions']}" for row in public["trend"]))
    lines.append(f"\nCounts below {public['min_count']} are shown as <{public['min_count']}.")
    return "\n".join(lines)


def _dash(value: Any) -> Any:
    return "-" if value is None else value


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"
