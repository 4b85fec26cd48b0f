"""A case for volunteers is about the question it hands over: its topic and language, not the request's words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from hubdesk import conversation
from hubdesk.messages import ButtonAction, Incoming, Reply
from hubdesk.models import Case, Event
from tests.utils.cases import FakeChannel, on_the_relay

CHAT = "80080080"
HUISARTS_UK = "Як записатися до сімейного лікаря?"
TAX_UK = "Як повернути податок?"


@pytest.fixture
def fake(engine: Engine) -> Iterator[FakeChannel]:
    with on_the_relay() as fake:
        yield fake


async def say(text: str, channel: str = "webchat", locale: str = "en-US") -> list[Reply]:
    return await conversation.handle_message(Incoming(channel, CHAT, text, locale))  # type: ignore[arg-type]


async def tap(action: str, channel: str = "webchat", locale: str = "en-US") -> list[Reply]:
    return await conversation.handle_button(channel, CHAT, action, locale)  # type: ignore[arg-type]


def the_case(engine: Engine) -> Case:
    with Session(engine) as s:
        [case] = s.exec(select(Case)).all()
        return case


def last_event(engine: Engine) -> Event:
    with Session(engine) as s:
        return s.exec(select(Event).order_by(Event.id.desc())).first()  # type: ignore[union-attr]


@pytest.mark.parametrize("request_text", ["Хочу поговорити з волонтером", "Можна з людиною поговорити?"])
@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "webchat"])
async def test_asking_for_a_person_after_a_question_files_the_case_under_its_topic(
    engine: Engine, fake: FakeChannel, channel: str, request_text: str
) -> None:
    await say(HUISARTS_UK, channel)
    await say(request_text, channel)
    case = the_case(engine)
    assert (case.category, case.language) == ("healthcare", "uk")
    assert [(n.kind, n.category, n.language) for n in fake.notices] == [("opened", "healthcare", "uk")]
    escalation = last_event(engine)
    assert (escalation.outcome, escalation.category, escalation.language) == ("escalated", "healthcare", "uk")


async def test_the_volunteer_button_after_a_question_files_the_case_under_its_topic(
    engine: Engine, fake: FakeChannel
) -> None:
    await say(TAX_UK)
    await tap(ButtonAction.VOLUNTEER)
    case = the_case(engine)
    assert (case.category, case.language) == ("tax", "uk")


async def test_a_case_opened_without_a_question_takes_the_topic_of_what_the_visitor_writes_next(
    engine: Engine, fake: FakeChannel
) -> None:
    await tap(ButtonAction.VOLUNTEER, locale="uk-UA")
    assert the_case(engine).category == "other"
    await say(TAX_UK)
    assert the_case(engine).category == "tax"
    await say(HUISARTS_UK)  # a second topic in the same case does not move it again
    assert the_case(engine).category == "tax"


async def test_a_request_with_nothing_before_it_keeps_the_requests_own_guess(engine: Engine, fake: FakeChannel) -> None:
    await say("Хочу поговорити з волонтером")
    assert the_case(engine).language == "uk"
