"""The database-backed guards shared by the channels: per-chat rate limit and delivery de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from hubdesk import throttle
from hubdesk.models import ProcessedUpdate, RateLimitWindow

NOON = datetime(2026, 11, 22, 12, 0, 5, tzinfo=UTC)


def at(moment: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "clock", lambda: moment)


def test_limit_per_chat_and_minute(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    at(NOON, monkeypatch)
    verdicts = [throttle.hit(session=session, channel="telegram", chat_key="1", limit=3) for _ in range(5)]
    assert verdicts == [throttle.Verdict.ALLOW] * 3 + [throttle.Verdict.NOTIFY, throttle.Verdict.DROP]
    assert throttle.hit(session=session, channel="whatsapp", chat_key="1", limit=3) is throttle.Verdict.ALLOW
    at(NOON + timedelta(minutes=1), monkeypatch)
    assert throttle.hit(session=session, channel="telegram", chat_key="1", limit=3) is throttle.Verdict.ALLOW


def test_expired_windows_are_deleted(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    at(NOON, monkeypatch)
    throttle.hit(session=session, channel="telegram", chat_key="old", limit=20)
    at(NOON + throttle.WINDOW_KEEP + timedelta(minutes=1), monkeypatch)
    throttle.hit(session=session, channel="telegram", chat_key="new", limit=20)
    assert [row.chat_key for row in session.exec(select(RateLimitWindow))] == ["new"]


def test_first_delivery_once(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    at(NOON, monkeypatch)
    assert throttle.first_delivery(session=session, source="telegram", key="42") is True
    assert throttle.first_delivery(session=session, source="telegram", key="42") is False
    assert throttle.first_delivery(session=session, source="whatsapp", key="42") is True
    throttle.hit(session=session, channel="telegram", chat_key="1", limit=20)
    at(NOON + throttle.PROCESSED_KEEP + timedelta(hours=1), monkeypatch)
    assert throttle.prune(session=session, sources=("telegram",)) == 1
    assert [(r.source, r.key) for r in session.exec(select(ProcessedUpdate))] == [("whatsapp", "42")]
    assert session.exec(select(RateLimitWindow)).first() is None


def test_both_fail_open_without_a_database(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    with Session(engine) as session:
        assert throttle.hit(session=session, channel="telegram", chat_key="1", limit=1) is throttle.Verdict.ALLOW
        assert throttle.first_delivery(session=session, source="telegram", key="1") is True
    engine.dispose()


def test_a_claim_and_a_count_share_the_callers_transaction(session: Session) -> None:
    """The Telegram guard claims the update and counts the message in one transaction: a duplicate claim
    must not raise (and so roll back the count), and nothing is kept until the caller commits."""
    assert throttle.claim_delivery(session=session, source="telegram", key="7") is True
    assert throttle.count_message(session=session, channel="telegram", chat_key="1", limit=5) is throttle.Verdict.ALLOW
    assert throttle.claim_delivery(session=session, source="telegram", key="7") is False
    session.rollback()
    assert session.exec(select(ProcessedUpdate)).all() == []
    assert session.exec(select(RateLimitWindow)).all() == []
