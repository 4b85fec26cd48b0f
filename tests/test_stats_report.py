"""The monthly report's numbers, exact on a known fixture, and the "<5" rule in every export."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select

from hubdesk.models import Case
from hubdesk.stats import Masker, monthly_report, public_report, report_csv, report_table
from tests.utils.stats import add_known_month


def test_exact_numbers_for_one_hub(session: Session) -> None:
    add_known_month(session)
    r = monthly_report(session=session, month="2026-10", hub_id="example")
    assert (r.questions, r.greetings) == (18, 4)
    assert dict(r.outcomes) == {"answered": 11, "choices": 2, "unanswered": 3, "escalated": 1, "crisis": 1}
    assert dict(r.categories) == {"housing": 6, "work": 5, "tax": 2, "other": 4, "mental_health": 1}
    assert dict(r.previous_categories) == {"housing": 10, "work": 2}
    assert dict(r.languages) == {"uk": 11, "ru": 5, "nl": 2}
    assert dict(r.reply_languages) == {"uk": 16, "nl": 2}
    assert dict(r.channels) == {"telegram": 11, "whatsapp": 5, "webchat": 2}
    assert (r.helpful, r.feedback) == (3, 4)
    assert r.top_articles == [("housing-rent", 6), ("work-permit", 5)]
    assert (r.previous_month, r.previous_questions) == ("2026-09", 12)
    assert r.trend[0] == ("2025-11", 7) and r.trend[-2:] == [("2026-09", 12), ("2026-10", 18)]
    assert len(r.trend) == 12 and sum(n for _, n in r.trend) == 37
    assert (r.cases_opened, r.cases_replied, r.median_first_reply_minutes) == (6, 5, 30.0)
    assert (r.unique_visitors, r.unique_visitors_final) == (6, False)


def test_exact_numbers_for_every_hub(session: Session) -> None:
    add_known_month(session)
    r = monthly_report(session=session, month="2026-10")
    assert r.questions == 23
    assert r.categories["housing"] == 11
    assert r.top_articles[0] == ("housing-rent", 11)
    assert (r.cases_opened, r.median_first_reply_minutes) == (7, 35.0)
    assert r.unique_visitors == 6  # chat "1" wrote to both hubs: one visitor


def test_an_empty_month_is_all_zeros(session: Session) -> None:
    r = monthly_report(session=session, month="2031-02")
    public = public_report(r, min_count=5)
    assert public["totals"]["questions"] == 0
    assert public["rates"]["answered"] == {"count": 0, "rate": None}
    assert public["first_reply"] == {"cases_replied": 0, "median_minutes": None}


def test_small_counts_are_hidden_in_json(session: Session) -> None:
    add_known_month(session)
    p = public_report(monthly_report(session=session, month="2026-10", hub_id="example"), min_count=5)
    assert p["totals"]["questions"] == 18 and p["totals"]["greetings"] == "<5"
    assert p["rates"]["answered"] == {"count": 11, "rate": 0.611}
    assert p["rates"]["crisis"] == {"count": "<5", "rate": None}  # a rate would reveal the hidden count
    assert p["rates"]["helpful"] == {"count": "<5", "of": "<5", "rate": None}
    categories = {row["id"]: row for row in p["categories"]}
    assert categories["housing"] == {"id": "housing", "count": 6, "previous": 10, "change": -4}
    assert categories["work"] == {"id": "work", "count": 5, "previous": "<5", "change": None}
    assert categories["mental_health"]["count"] == "<5"
    assert categories["residence"] == {"id": "residence", "count": 0, "previous": 0, "change": 0}
    assert p["languages"] == {"uk": 11, "ru": 5, "nl": "<5", "en": 0}
    assert p["first_reply"] == {"cases_replied": 5, "median_minutes": 30.0}
    assert p["previous_month"] == {"month": "2026-09", "questions": 12, "change": 6}
    assert [row["questions"] for row in p["trend"]] == [7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 18]
    assert _no_small_numbers(p, 5)


def test_a_higher_threshold_hides_more(session: Session) -> None:
    add_known_month(session)
    p = public_report(monthly_report(session=session, month="2026-10", hub_id="example"), min_count=10)
    assert p["top_articles"] == [{"id": "housing-rent", "count": "<10"}, {"id": "work-permit", "count": "<10"}]
    assert p["first_reply"] == {"cases_replied": "<10", "median_minutes": None}
    assert _no_small_numbers(p, 10)


def test_small_counts_are_hidden_in_csv_and_table(session: Session) -> None:
    add_known_month(session)
    p = public_report(monthly_report(session=session, month="2026-10", hub_id="example"), min_count=5)
    rows = list(csv.reader(io.StringIO(report_csv(p))))
    assert rows[0] == ["section", "item", "count", "rate", "previous", "change"]
    by_key = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_key[("totals", "questions")] == ["18", "", "12", "6"]
    assert by_key[("rates", "crisis")] == ["<5", "", "", ""]
    assert by_key[("category", "work")] == ["5", "", "<5", ""]
    assert by_key[("language", "nl")] == ["<5", "", "", ""]
    for section, item in by_key:
        count = by_key[(section, item)][0]
        if count.isdigit() and section not in ("first_reply",):
            assert not 0 < int(count) < 5, (section, item, count)
    table = report_table(p)
    assert "greetings" not in table or "<5" in table
    assert "housing" in table and "Counts below 5 are shown as <5." in table


def test_masker() -> None:
    m = Masker(5)
    assert [m.count(n) for n in (0, 1, 4, 5, 9)] == [0, "<5", "<5", 5, 9]
    assert m.rate(5, 10) == 0.5 and m.rate(4, 10) is None and m.rate(0, 10) == 0.0 and m.rate(0, 0) is None
    assert m.change(10, 5) == 5 and m.change(10, 3) is None


def _no_small_numbers(value: object, threshold: int, key: str = "") -> bool:
    """No integer count between 1 and threshold-1 anywhere (rates, medians and the threshold itself aside)."""
    if isinstance(value, dict):
        return all(_no_small_numbers(v, threshold, k) for k, v in value.items())
    if isinstance(value, list):
        return all(_no_small_numbers(v, threshold, key) for v in value)
    if isinstance(value, bool) or not isinstance(value, int) or key in ("min_count", "change"):
        return True
    return not 0 < value < threshold


async def test_a_conversation_shows_up_in_the_report(engine, session: Session) -> None:  # type: ignore[no-untyped-def]
    """End to end: questions through the conversation, a case answered by a volunteer, then the report."""
    from hubdesk import cases, conversation
    from hubdesk.events import today
    from hubdesk.messages import Incoming
    from hubdesk.users import create_user
    from hubdesk.visitors import month_of

    for chat in ("1", "2", "3"):
        await conversation.handle_message(Incoming("telegram", chat, "Як отримати BSN номер?", "uk"))
    await conversation.handle_message(Incoming("telegram", "4", "Я хочу поговорити з людиною", "uk"))
    volunteer, _ = create_user(session=session, name="Olena", role="volunteer")
    [case] = session.exec(select(Case)).all()
    cases.reply(session=session, case_id=case.id, text="Добрий день!", user=volunteer)

    r = monthly_report(session=session, month=month_of(today()))
    assert r.outcomes["answered"] == 3 and r.outcomes["escalated"] == 1
    assert (r.cases_opened, r.cases_replied) == (1, 1)
    assert r.median_first_reply_minutes is not None and r.median_first_reply_minutes < 1
    assert r.unique_visitors == 4
