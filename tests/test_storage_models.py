"""The tables behave as the services expect on both backends: UTC timestamps, uniqueness, cascades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hubdesk.models import Case, CaseMessage, ProcessedUpdate, User, Visitor, VolunteerPost


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    amsterdam = timezone(timedelta(hours=1))
    seen = datetime(2026, 11, 22, 10, 30, tzinfo=amsterdam)
    session.add(Visitor(channel="telegram", chat_key="42", last_seen_at=seen))
    session.commit()
    session.expire_all()
    visitor = session.exec(select(Visitor)).one()
    assert visitor.last_seen_at == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert visitor.last_seen_at.tzinfo is UTC


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(Visitor(channel="telegram", chat_key="42", last_seen_at=datetime(2026, 11, 22, 10, 30)))
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()


def test_visitor_is_unique_per_channel_and_chat(session: Session) -> None:
    session.add(Visitor(channel="telegram", chat_key="42"))
    session.add(Visitor(channel="whatsapp", chat_key="42"))
    session.commit()
    session.add(Visitor(channel="telegram", chat_key="42"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_processed_update_is_unique_per_source_and_key(session: Session) -> None:
    session.add(ProcessedUpdate(source="telegram", key="1001"))
    session.commit()
    session.add(ProcessedUpdate(source="telegram", key="1001"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_deleting_a_case_deletes_its_messages_and_posts(session: Session) -> None:
    volunteer = User(name="Olena", role="volunteer", token_hash="a" * 64)
    case = Case(channel="telegram", chat_key="42", language="uk", category="housing")
    session.add_all([volunteer, case])
    session.commit()
    session.add(CaseMessage(case_id=case.id, sender="volunteer", author_user_id=volunteer.id, text="Hi"))
    session.add(VolunteerPost(chat_id=-100123, message_id=7, case_id=case.id))
    session.commit()
    assert case.status == "open"
    session.delete(case)
    session.commit()
    assert session.exec(select(CaseMessage)).all() == []
    assert session.exec(select(VolunteerPost)).all() == []


def test_case_message_needs_an_existing_case(session: Session) -> None:
    session.add(CaseMessage(case_id=999, sender="visitor", text="?"))
    with pytest.raises(IntegrityError):
        session.commit()
