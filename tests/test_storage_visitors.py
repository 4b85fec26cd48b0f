"""Visitor preferences, forgetting, and the monthly keyed-hash unique-visitor count."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from hubdesk import visitors
from hubdesk.hubs import UnknownHubError
from hubdesk.models import ALL_HUBS, MonthKey, MonthVisitor, MonthVisitorCount, Visitor, utcnow

NOV = date(2026, 11, 10)
DEC = date(2026, 12, 1)


def count(session: Session, channel: str, chat_key: str, hub: str = "example", day: date = NOV) -> None:
    visitors.count_visitor(session=session, channel=channel, chat_key=chat_key, hub_id=hub, day=day)
    session.commit()


def test_touch_creates_once_and_remembers_choices(session: Session) -> None:
    first = visitors.touch_visitor(session=session, channel="telegram", chat_key="42")
    session.commit()
    visitors.set_language(session=session, channel="telegram", chat_key="42", language="nl")
    visitors.set_hub(session=session, channel="telegram", chat_key="42", hub_id="example")
    again = visitors.touch_visitor(session=session, channel="telegram", chat_key="42")
    session.commit()
    assert again.id == first.id
    assert (again.language, again.hub_id) == ("nl", "example")
    assert len(session.exec(select(Visitor)).all()) == 1


def test_whatsapp_visitors_remember_the_24_hour_window(session: Session) -> None:
    visitor = visitors.touch_visitor(session=session, channel="whatsapp", chat_key="31612345678")
    session.commit()
    assert visitor.wa_last_inbound_at is not None
    assert utcnow() - visitor.wa_last_inbound_at < timedelta(seconds=5)


def test_bad_language_and_unknown_hub_are_refused(session: Session) -> None:
    with pytest.raises(ValueError):
        visitors.set_language(session=session, channel="telegram", chat_key="42", language="ru")
    with pytest.raises(UnknownHubError):
        visitors.set_hub(session=session, channel="telegram", chat_key="42", hub_id="atlantis")


def test_forget_deletes_the_visitor(session: Session) -> None:
    visitors.set_language(session=session, channel="telegram", chat_key="42", language="uk")
    assert visitors.forget_visitor(session=session, channel="telegram", chat_key="42") is True
    assert session.exec(select(Visitor)).all() == []
    assert visitors.forget_visitor(session=session, channel="telegram", chat_key="42") is False


def test_inactive_visitors_are_purged(session: Session) -> None:
    old = utcnow() - timedelta(days=visitors.VISITOR_RETENTION_DAYS + 1)
    session.add(Visitor(channel="telegram", chat_key="old", last_seen_at=old))
    session.add(Visitor(channel="telegram", chat_key="new"))
    session.commit()
    assert visitors.purge_inactive_visitors(session=session) == 1
    assert [v.chat_key for v in session.exec(select(Visitor)).all()] == ["new"]


def test_a_visitor_is_counted_once_per_month_and_hub(session: Session) -> None:
    count(session, "telegram", "42")
    count(session, "telegram", "42")
    count(session, "telegram", "42", hub="other-hub")
    count(session, "whatsapp", "42")  # a different chat on another channel is another visitor
    count(session, "telegram", "43")
    assert visitors.live_visitor_counts(session=session, month="2026-11") == {
        "example": 3,
        "other-hub": 1,
        ALL_HUBS: 3,
    }
    hashes = session.exec(select(MonthVisitor.visitor_hash)).all()
    assert len(hashes) == 4 and all(len(h) == 64 and int(h, 16) >= 0 for h in hashes)  # hex digests only


def test_closing_a_month_keeps_the_count_and_destroys_key_and_hashes(session: Session) -> None:
    for chat in ("1", "2", "3"):
        count(session, "telegram", chat)
    key_before = session.get(MonthKey, "2026-11")
    assert key_before is not None and key_before.key is not None

    counts = visitors.close_month(session=session, month="2026-11", today=date(2026, 12, 2))

    assert counts == {"example": 3, ALL_HUBS: 3}
    count(session, "telegram", "1", day=DEC)  # December is open
    session.expire_all()
    closed = session.get(MonthKey, "2026-11")
    assert closed is not None and closed.key is None and isinstance(closed.closed_at, datetime)
    assert session.exec(select(MonthVisitor).where(MonthVisitor.month == "2026-11")).all() == []
    stored = {(c.hub_id, c.count) for c in session.exec(select(MonthVisitorCount)).all()}
    assert stored == {("example", 3), (ALL_HUBS, 3)}
    assert visitors.unique_visitors(session=session, month="2026-11", hub_id=None) == (3, True)
    assert visitors.unique_visitors(session=session, month="2026-12", hub_id="example") == (1, False)
    # A late message for a closed month cannot recreate its key or hashes.
    count(session, "telegram", "4")
    assert session.get(MonthKey, "2026-11").key is None  # type: ignore[union-attr]
    assert visitors.unique_visitors(session=session, month="2026-11", hub_id="example") == (3, True)


def test_only_past_months_close_and_close_past_months_finds_them(session: Session) -> None:
    count(session, "telegram", "1", day=date(2026, 10, 3))
    with pytest.raises(visitors.MonthError):
        visitors.close_month(session=session, month="2026-10", today=date(2026, 10, 31))
    assert visitors.close_past_months(session=session, today=date(2026, 10, 31)) == []
    assert visitors.close_past_months(session=session, today=date(2026, 11, 30)) == ["2026-10"]
    assert visitors.close_past_months(session=session, today=date(2026, 11, 30)) == []


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-11-01", "abcd-ef"])
def test_parse_month_refuses_malformed_months(bad: str) -> None:
    with pytest.raises(visitors.MonthError):
        visitors.parse_month(bad)


def test_month_arithmetic() -> None:
    assert visitors.shift_month("2026-01", -1) == "2025-12"
    assert visitors.shift_month("2026-11", 2) == "2027-01"
    assert visitors.month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))


def test_a_concurrent_first_contact_does_not_fail(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes may create the same visitor at once: the loser's savepoint rolls back, it reads the row."""
    session.add(Visitor(channel="telegram", chat_key="42", language="uk"))
    session.commit()
    real = visitors.get_visitor
    calls = iter([None])  # the first lookup misses, as if the other process had not committed yet
    monkeypatch.setattr(visitors, "get_visitor", lambda **kw: next(calls, None) or real(**kw))
    visitor = visitors.touch_visitor(session=session, channel="telegram", chat_key="42")
    session.commit()
    assert visitor.language == "uk"
    assert len(session.exec(select(Visitor)).all()) == 1


def test_the_first_visitor_of_a_new_month_closes_the_previous_months(session: Session) -> None:
    count(session, "telegram", "1", day=date(2026, 10, 3))
    count(session, "telegram", "2", day=date(2026, 10, 4))
    count(session, "telegram", "1", day=NOV)
    session.expire_all()
    assert session.get(MonthKey, "2026-10").key is None  # type: ignore[union-attr]
    assert visitors.unique_visitors(session=session, month="2026-10", hub_id="example") == (2, True)
    assert visitors.unique_visitors(session=session, month="2026-11", hub_id="example") == (1, False)


def test_a_counted_visitor_is_not_counted_again_and_a_new_hub_is(session: Session) -> None:
    visitor = visitors.touch_visitor(session=session, channel="telegram", chat_key="42")
    for hub in ("example", "example", "north"):
        visitors.count_visitor(session=session, channel="telegram", chat_key="42", hub_id=hub, day=NOV, visitor=visitor)
        session.commit()
    assert visitor.counted_for == "2026-11:north"
    assert visitors.live_visitor_counts(session=session, month="2026-11") == {"example": 1, "north": 1, ALL_HUBS: 1}
