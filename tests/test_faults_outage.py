"""A database outage while a visitor is in crisis or asks for a person (issue 15, item 1).

The database is really taken away (``tests.utils.faults``: a TCP proxy cut on PostgreSQL, the file moved
away on SQLite). The urgent case must be kept on local disk and opened once the database is back, exactly
once; the visitor is told only what happened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from hubdesk import cases, conversation, journal
from hubdesk.db import get_engine
from hubdesk.messages import Incoming, Reply
from hubdesk.models import Case, CaseMessage
from hubdesk.settings import get_settings
from tests.utils.cases import FakeChannel, on_the_relay
from tests.utils.faults import DatabaseFault

CRISIS = "я хочу покінчити з собою"
PERSON = "I want to talk to a person"
FALSE_PROMISE = "I have also asked a volunteer"
FALSE_PROMISE_UK = "Я також попросив волонтера"


@pytest.fixture
def fake(database_fault: DatabaseFault) -> Iterator[FakeChannel]:
    with on_the_relay() as fake:
        yield fake


async def say(text: str, chat: str = "555001", lang: str = "uk") -> list[Reply]:
    return await conversation.handle_message(Incoming("telegram", chat, text, lang))


def all_cases() -> list[tuple[Case, list[str | None]]]:
    with Session(get_engine()) as session:
        found = []
        for case in session.exec(select(Case).order_by(Case.id)).all():
            texts = session.exec(select(CaseMessage.text).where(CaseMessage.case_id == case.id)).all()
            found.append((case, list(texts)))
        return found


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_a_crisis_during_an_outage_is_journalled_and_opened_when_the_database_is_back(
    database_fault: DatabaseFault, fake: FakeChannel
) -> None:
    database_fault.cut()
    replies = await say(CRISIS)
    assert "112" in replies[0].text and "113" in replies[0].text  # the emergency numbers, at once
    assert "Я передав ваше повідомлення волонтерам хабу" in text_of(replies)  # true: the journal has it
    assert FALSE_PROMISE_UK not in text_of(replies)
    assert journal.count() == 1 and fake.notices == []
    database_fault.restore()

    await say("дякую", chat="555999")  # the next message that reaches the database opens the case
    [(case, texts)] = all_cases()
    assert (case.urgent, case.status, case.channel, case.chat_key, case.category) == (
        True, "open", "telegram", "555001", "mental_health")
    assert texts == [CRISIS]
    assert journal.count() == 0
    assert [(n.kind, n.urgent, n.case_id) for n in fake.notices] == [("opened", True, case.id)]
    [told] = fake.texts_to("555001")  # the visitor gets the case number once it exists
    assert str(case.id) in told


async def test_a_request_for_a_person_during_an_outage_is_kept_in_a_sentence_that_reads(
    database_fault: DatabaseFault, fake: FakeChannel
) -> None:
    database_fault.cut()
    replies = await say(PERSON, lang="en")
    said = text_of(replies)
    assert "They answer volunteers answer" not in said and "They answer" not in said
    assert said.startswith("I have passed your message to the volunteers of the hub.")
    assert "When: volunteers answer on weekdays from 10:00 to 18:00 (example)." in said
    database_fault.restore()
    await cases.perform(journal.replay())
    [(case, texts)] = all_cases()
    assert (case.urgent, case.chat_key) == (False, "555001") and texts == [PERSON]


async def test_when_even_the_journal_fails_the_visitor_is_not_promised_a_volunteer(
    database_fault: DatabaseFault, fake: FakeChannel, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the journal's directory should be")
    monkeypatch.setenv("HUBDESK_JOURNAL_PATH", str(blocked / "journal.sqlite3"))
    get_settings.cache_clear()
    database_fault.cut()
    crisis = text_of(await say(CRISIS))
    person = text_of(await say(PERSON, chat="555002", lang="en"))
    assert "112" in crisis and "не зміг зараз передати ваше повідомлення" in crisis
    assert "Я передав" not in crisis and FALSE_PROMISE_UK not in crisis
    assert "cannot reach the volunteers of the hub just now" in person and "passed" not in person


async def test_every_urgent_case_of_an_outage_is_kept_exactly_once(
    database_fault: DatabaseFault, fake: FakeChannel
) -> None:
    """The figure for the issue: cases asked for during an outage vs cases in the database afterwards."""
    database_fault.cut()
    for n in range(10):
        await say(CRISIS, chat=f"60{n:04d}")
        await say(PERSON, chat=f"61{n:04d}", lang="en")
    assert journal.count() == 20
    database_fault.restore()
    # Two replays at once (the background job and a message): each entry becomes one case, not two.
    first, second = await asyncio.gather(asyncio.to_thread(journal.replay), asyncio.to_thread(journal.replay))
    again = journal.replay()
    kept = all_cases()
    assert len(kept) == 20 and journal.count() == 0
    assert sum(case.urgent for case, _ in kept) == 10
    assert len(first.notices) + len(second.notices) + len(again.notices) == 20


def test_the_app_opens_journalled_cases_when_it_starts_again(database_fault: DatabaseFault) -> None:
    """A restart after the outage: nothing arrives, the background job finds the journal at start-up."""
    database_fault.cut()
    with on_the_relay():
        asyncio.run(say(CRISIS))
    database_fault.restore()
    from hubdesk.api.main import create_app

    with TestClient(create_app()):
        deadline = time.monotonic() + 10
        while not all_cases() and time.monotonic() < deadline:
            time.sleep(0.05)
    [(case, texts)] = all_cases()
    assert case.urgent and texts == [CRISIS] and journal.count() == 0


# ---- NUL characters (PostgreSQL refuses them; they took the outage path above) ----------------------------


async def test_nul_characters_are_cleaned_on_every_way_into_the_database(
    database_fault: DatabaseFault, fake: FakeChannel
) -> None:
    from hubdesk.users import create_user

    replies = await say("I want to talk to a person\x00 please", lang="en")  # Telegram and every channel
    assert "passed your question to the volunteers" in text_of(replies)
    with Session(get_engine()) as session:
        user, _ = create_user(session=session, name="Ol\x00ena", role="volunteer")
        [(case, texts)] = all_cases()
        cases.reply(session=session, case_id=case.id or 0, text="Hello\x00 there", user=user)
        assert user.name == "Ol ena"
    [(case, texts)] = all_cases()
    assert texts == ["I want to talk to a person  please", "Hello  there"]
    assert journal.count() == 0


def test_nul_characters_in_the_web_chat_are_cleaned(database_fault: DatabaseFault) -> None:
    from hubdesk.api.main import create_app

    with on_the_relay(), TestClient(create_app()) as client:
        response = client.post("/api/v1/chat", json={"session": "nulnulnul1", "text": "I want to talk to a person\x00"})
        assert response.status_code == 200
    [(case, texts)] = all_cases()
    assert texts == ["I want to talk to a person"]


# ---- end to end on Telegram (the fake Bot API server) -----------------------------------------------------


async def test_a_telegram_crisis_during_an_outage_reaches_the_volunteers_group_once_the_database_is_back(
    database_fault: DatabaseFault, bot_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.telegram_harness import VOLUNTEERS, configure, webhook_harness

    visitor = 5553001
    configure(monkeypatch, bot_api, webhook=True)
    async with webhook_harness(bot_api) as bot:
        database_fault.cut()
        sent = await bot.say(visitor, CRISIS)
        told = "\n".join(m["text"] for m in sent)
        assert "112" in sent[0]["text"] and "Я передав ваше повідомлення волонтерам хабу" in told
        assert FALSE_PROMISE_UK not in told and bot_api.sent(VOLUNTEERS) == []
        database_fault.restore()
        await bot.say(5553999, "привіт")  # the next message that reaches the database opens the case
        [post] = await bot_api.wait_sent(VOLUNTEERS, 1)
        assert post["text"].startswith("🚨 <b>ТЕРМІНОВО</b>") and CRISIS in post["text"]
        [(case, _)] = all_cases()
        number = await bot_api.wait_for(
            lambda: [m for m in bot_api.sent(visitor)[len(sent):] if str(case.id) in m["text"]])
        assert len(number) == 1
