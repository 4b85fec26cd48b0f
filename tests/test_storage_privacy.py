"""Nothing personal in the statistics: identifiable text goes through the conversation, then every column
of every table and the log output are searched for it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import hubdesk.models  # noqa: F401
from hubdesk import conversation, events
from hubdesk.messages import ButtonAction, Incoming

NAME = "Оксана Шевчишина"
PHONE = "+31 6 9876 5432"
CHAT_KEY = "7700123"
# Where a visitor's own words may live while a volunteer needs them; ``forget`` empties all of these.
PERSONAL_COLUMNS = {("visitors", "last_question"), ("case_messages", "text"), ("webchat_outbox", "payload")}
NEEDLES = ("Оксана", "Шевчишина", "9876", "98765432", "69876")


@pytest.fixture(autouse=True)
def empty_queue() -> Iterator[None]:
    events.pending_events.clear()
    yield
    events.pending_events.clear()


# Random by design: a keyed hash or a random key can contain any run of digits ("…9876…") by chance.
RANDOM_COLUMNS = {("month_visitors", "visitor_hash"), ("month_keys", "key")}


def found(engine: Engine, needles: tuple[str, ...]) -> set[tuple[str, str]]:
    """(table, column) pairs whose stored value contains any needle, over every table and column (digits
    also when written apart, as phone numbers are)."""
    hits: set[tuple[str, str]] = set()
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, date | datetime):  # "…09:34:56.987612" is no phone
                        continue
                    if (table.name, column) in RANDOM_COLUMNS:
                        continue
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    digits = "".join(ch for ch in text if ch.isdigit())
                    if any(n in text or (n.isdigit() and n in digits) for n in needles):
                        hits.add((table.name, column))
    return hits


def ask(text: str) -> Incoming:
    return Incoming(channel="telegram", chat_key=CHAT_KEY, text=text, locale_hint="uk")


async def test_an_answered_question_leaves_no_trace_of_the_visitor(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replies = await conversation.handle_message(ask("Як отримати BSN номер? Оксана"))
    feedback = [b.action for r in replies for row in r.buttons for b in row if b.action.startswith("f:")]
    assert feedback, "expected an answer with feedback buttons"
    await conversation.handle_button("telegram", CHAT_KEY, feedback[0])
    await conversation.handle_message(ask(f"Дякую! {NAME}, {PHONE}"))

    # The question is remembered on the visitor row only (for a tap on "Ask a volunteer"), never elsewhere.
    assert found(engine, NEEDLES) <= {("visitors", "last_question")}
    # The chat id is routing data of the visitor row only, never in the statistics tables.
    assert found(engine, (CHAT_KEY,)) <= {("visitors", "chat_key")}
    assert not any(n in caplog.text for n in (*NEEDLES, CHAT_KEY))
    await conversation.forget("telegram", CHAT_KEY)
    assert found(engine, (*NEEDLES, CHAT_KEY)) == set()
    with engine.connect() as connection:
        assert len(connection.execute(select(hubdesk.models.Event)).all()) == 2


async def test_unanswered_and_escalated_text_stays_out_of_statistics_and_is_forgotten(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await conversation.handle_message(ask(f"Мене звати {NAME}, мій телефон {PHONE}, qwertz blorp"))
    await conversation.handle_button("telegram", CHAT_KEY, ButtonAction.VOLUNTEER)  # the question becomes a case
    await conversation.handle_message(ask(f"Я хочу поговорити з людиною. {NAME} {PHONE}"))
    await conversation.handle_message(ask(f"Я хочу вбити себе. {NAME}"))  # crisis: urgent case

    assert found(engine, NEEDLES) <= PERSONAL_COLUMNS
    assert found(engine, (CHAT_KEY,)) <= {("visitors", "chat_key"), ("cases", "chat_key")}
    assert not any(n in caplog.text for n in (*NEEDLES, CHAT_KEY))

    await conversation.forget("telegram", CHAT_KEY)

    assert found(engine, NEEDLES) == set()
    assert found(engine, (CHAT_KEY,)) == set()
    with engine.connect() as connection:
        outcomes = [row.outcome for row in connection.execute(select(hubdesk.models.Event))]
    assert "crisis" in outcomes  # the anonymous counts survive forgetting
