"""The hand-off as a visitor lives it, through the conversation every channel calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from hubdesk import conversation
from hubdesk.messages import ButtonAction, Incoming, Reply
from hubdesk.models import Case, CaseMessage, Visitor
from tests.utils.cases import FakeChannel, make_user, on_the_relay

CHAT = "70070070"
UNANSWERABLE = "Скільки важить слон в зоопарку Амстердама?"  # nothing fits: the bot offers a volunteer
ANSWERED = "Як отримати BSN?"


@pytest.fixture
def fake(engine: Engine) -> Iterator[FakeChannel]:
    with on_the_relay() as fake:
        yield fake


async def say(text: str) -> list[Reply]:
    return await conversation.handle_message(Incoming("telegram", CHAT, text, "uk"))


async def tap(action: str) -> list[Reply]:
    return await conversation.handle_button("telegram", CHAT, action, "uk")


def all_cases(engine: Engine) -> list[Case]:
    with Session(engine) as s:
        return list(s.exec(select(Case).order_by(Case.id)).all())


def texts_of(engine: Engine, case_id: int) -> list[tuple[str, str | None]]:
    with Session(engine) as s:
        rows = s.exec(select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)).all()
        return [(m.sender, m.text) for m in rows]


def actions(replies: list[Reply]) -> list[str]:
    return [b.action for r in replies for row in r.buttons for b in row]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I don't want to live anymore", "mental_health"),
        ("Мій чоловік мене б'є", "mental_health"),
        ("хочу покінчити з цим", "mental_health"),
        ("mijn vader praat raar en zijn mond hangt scheef", "healthcare"),
        ("Дякую за все. Кішку віддала сусідці, ключі під килимком. Прощавайте всі", "mental_health"),
    ],
)
async def test_the_issue_12_messages_each_open_an_urgent_case(engine: Engine, fake: FakeChannel, text: str,
                                                               category: str) -> None:
    replies = await say(text)
    assert "112" in replies[0].text and "113" in replies[0].text
    [case] = all_cases(engine)
    assert case.urgent is True and case.category == category
    assert [(n.kind, n.urgent) for n in fake.notices] == [("opened", True)]


async def test_a_crisis_opens_an_urgent_case_at_once(engine: Engine, fake: FakeChannel) -> None:
    replies = await say("я хочу покінчити з собою")
    assert "112" in replies[0].text  # the emergency reply comes first
    [case] = all_cases(engine)
    assert case.urgent is True
    assert case.status == "open"
    assert case.category == "mental_health"
    assert case.language == "uk"
    assert f"{case.id}" in replies[-1].text
    assert ButtonAction.CANCEL_CASE in actions(replies)
    assert [(n.kind, n.urgent, n.case_id) for n in fake.notices] == [("opened", True, case.id)]
    assert fake.notices[0].text == "я хочу покінчити з собою"


async def test_an_explicit_request_opens_a_case_and_says_when_volunteers_answer(
    engine: Engine, fake: FakeChannel
) -> None:
    replies = await say("хочу поговорити з людиною")
    [case] = all_cases(engine)
    assert case.urgent is False
    assert texts_of(engine, case.id) == [("visitor", "хочу поговорити з людиною")]
    [reply] = replies
    assert reply.text.startswith(f"Я передав ваше питання волонтерам (звернення №{case.id}).")
    assert "Коли: волонтери відповідають у будні з 10:00 до 18:00 (приклад)." in reply.text  # hubs.yaml
    assert actions(replies) == [ButtonAction.CANCEL_CASE]
    assert fake.kinds() == ["opened"]


async def test_an_unanswered_question_waits_for_the_volunteer_button(engine: Engine, fake: FakeChannel) -> None:
    replies = await say(UNANSWERABLE)
    assert ButtonAction.VOLUNTEER in actions(replies)
    assert all_cases(engine) == []  # only an offer so far
    with Session(engine) as s:
        assert s.exec(select(Visitor.last_question)).one() == UNANSWERABLE

    replies = await tap(ButtonAction.VOLUNTEER)
    [case] = all_cases(engine)
    assert texts_of(engine, case.id) == [("visitor", UNANSWERABLE)]  # no need to type it again
    assert f"№{case.id}" in replies[0].text
    assert actions(replies) == [ButtonAction.CANCEL_CASE]
    with Session(engine) as s:
        assert s.exec(select(Visitor.last_question)).one() is None  # handed over, not kept twice

    again = await tap(ButtonAction.VOLUNTEER)  # a second tap reminds, it does not open another case
    assert len(all_cases(engine)) == 1
    assert f"№{case.id}" in again[0].text


async def test_an_answered_question_is_not_kept(engine: Engine, fake: FakeChannel) -> None:
    """Issue 15, item 9: only what a hand-off needs is remembered; an answer makes an older question moot."""
    await say(UNANSWERABLE)
    with Session(engine) as s:
        assert s.exec(select(Visitor.last_question)).one() == UNANSWERABLE
    replies = await say(ANSWERED)
    assert "BSN" in replies[0].text
    with Session(engine) as s:
        assert s.exec(select(Visitor.last_question, Visitor.last_category)).one() == (None, "registration")
    replies = await tap(ButtonAction.VOLUNTEER)
    [case] = all_cases(engine)
    assert texts_of(engine, case.id) == []  # the visitor writes their question for the volunteer
    assert case.category == "registration"  # filed under the topic of the answer
    assert "Напишіть своє питання тут одним повідомленням" in replies[0].text


async def test_the_volunteer_button_without_a_question_asks_for_one(engine: Engine, fake: FakeChannel) -> None:
    replies = await tap(ButtonAction.VOLUNTEER)
    [case] = all_cases(engine)
    assert texts_of(engine, case.id) == []
    assert "Напишіть своє питання тут одним повідомленням" in replies[0].text
    await say("Як отримати BSN для дитини?")
    assert texts_of(engine, case.id) == [("visitor", "Як отримати BSN для дитини?")]


async def test_while_a_case_is_open_messages_join_it_and_the_bot_says_so(engine: Engine, fake: FakeChannel) -> None:
    await say("хочу поговорити з людиною")
    replies = await say("Як зареєструватися в gemeente?")  # a question the bot could answer: it still joins
    [case] = all_cases(engine)
    assert [r.text for r in replies] == [f"Я додав це до вашого питання для волонтерів (звернення №{case.id})."]
    assert texts_of(engine, case.id)[-1] == ("visitor", "Як зареєструватися в gemeente?")
    assert fake.kinds() == ["opened", "visitor_message"]
    assert fake.notices[-1].text == "Як зареєструватися в gemeente?"


async def test_a_crisis_inside_an_open_case_makes_it_urgent(engine: Engine, fake: FakeChannel) -> None:
    await say("хочу поговорити з людиною")
    replies = await say("я хочу покінчити з собою")
    assert "112" in replies[0].text
    [case] = all_cases(engine)
    assert case.urgent is True
    assert fake.notices[-1].urgent is True


async def test_the_visitor_can_cancel(engine: Engine, fake: FakeChannel) -> None:
    await say("хочу поговорити з людиною")
    replies = await tap(ButtonAction.CANCEL_CASE)
    [case] = all_cases(engine)
    assert case.status == "closed"
    assert case.closed_at is not None
    assert replies[0].text.startswith(f"Ваше питання (звернення №{case.id}) скасовано.")
    assert fake.kinds() == ["opened", "cancelled"]
    nothing = await tap(ButtonAction.CANCEL_CASE)
    assert nothing[0].text == "У вас немає відкритого питання до волонтерів."
    # Writing again afterwards talks to the bot, not to the closed case.
    await say("Як зареєструватися в gemeente?")
    assert len(texts_of(engine, case.id)) == 2  # the question and the note that it was withdrawn


async def test_the_whole_loop_from_visitor_to_page_and_back(
    client: TestClient, session: Session, engine: Engine, fake: FakeChannel
) -> None:
    _, volunteer = make_user(session, hub_id="example")
    await say("хочу поговорити з людиною")
    [case] = all_cases(engine)

    answer = client.post(
        f"/api/v1/cases/{case.id}/reply", json={"text": "Добрий день! Чим допомогти?"}, headers=volunteer
    )
    assert answer.json()["delivered"] is True
    assert fake.texts_to(CHAT)[-1] == "💬 **Відповідь волонтера:**\nДобрий день! Чим допомогти?"

    await say("Мені потрібна допомога з листом від IND")  # the visitor answers back into the case
    detail = client.get(f"/api/v1/cases/{case.id}", headers=volunteer).json()
    assert [m["sender"] for m in detail["messages"]] == ["visitor", "volunteer", "visitor"]
    assert detail["awaiting_volunteer"] is True

    client.post(f"/api/v1/cases/{case.id}/close", headers=volunteer)
    assert fake.texts_to(CHAT)[-1].startswith(f"Волонтер закрив ваше питання (звернення №{case.id}).")
    assert fake.kinds() == ["opened", "replied", "visitor_message", "closed"]
