"""Logs never carry a visitor's words or chat id at INFO or above: through answers, crises, hand-offs to a
volunteer, a database outage and a failing write (whose SQL error would quote the text if it were logged)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from hubdesk import conversation, events
from hubdesk.logs import JsonFormatter
from hubdesk.messages import ButtonAction, Incoming
from hubdesk.relay import relay
from hubdesk.settings import get_settings
from tests.utils.cases import FakeChannel

CHAT = "770011223344"  # the Telegram chat id: personal too
MARK = "Zoryana-Kvitka-7731"  # a "name" no code or catalog contains
MESSAGES = {
    "answered": f"Як отримати BSN номер? Мене звати {MARK}",
    "unanswered": f"qwertz blorp fnord {MARK}",
    "human": f"Хочу поговорити з волонтером, я {MARK}",
    "joins the case": f"Ще одне питання від {MARK}: коли відповісте?",
    "crisis": f"Я не хочу більше жити, {MARK}",
}


@pytest.fixture(autouse=True)
def channel(engine: Engine) -> Iterator[FakeChannel]:
    fake = FakeChannel()
    relay.register_sender("telegram", fake.sender("telegram"))
    relay.register_case_listener(fake.listen)
    events.pending_events.clear()
    yield fake
    relay.clear()
    events.pending_events.clear()


def leaks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every INFO+ record (as the JSON formatter writes it, traceback included) that names the visitor."""
    formatter = JsonFormatter()
    return [
        line
        for record in caplog.records
        if record.levelno >= logging.INFO
        for line in [formatter.format(record)]
        if MARK in line or CHAT in line
    ]


def message(body: str) -> Incoming:
    return Incoming(channel="telegram", chat_key=CHAT, text=body, locale_hint="uk")


async def test_no_visitor_text_at_info_through_a_whole_conversation(
    caplog: pytest.LogCaptureFixture, channel: FakeChannel
) -> None:
    caplog.set_level(logging.DEBUG)
    for key in ("answered", "unanswered"):
        assert await conversation.handle_message(message(MESSAGES[key]))
    await conversation.handle_button("telegram", CHAT, ButtonAction.VOLUNTEER)  # the unanswered one goes to a person
    await conversation.handle_message(message(MESSAGES["joins the case"]))
    await conversation.handle_button("telegram", CHAT, ButtonAction.CANCEL_CASE)
    await conversation.handle_message(message(MESSAGES["human"]))
    await conversation.handle_message(message(MESSAGES["crisis"]))
    await conversation.forget("telegram", CHAT)

    assert channel.notices, "volunteers were told about the cases (so the hand-off paths really ran)"
    assert any(MARK in n.text for n in channel.notices)  # ...with the text, where it belongs
    assert leaks(caplog) == []


async def test_no_visitor_text_at_info_when_the_database_is_down(
    caplog: pytest.LogCaptureFixture, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("HUBDESK_DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/hubdesk.db")
    get_settings.cache_clear()
    for body in MESSAGES.values():
        assert await conversation.handle_message(message(body))
    assert any(r.levelno >= logging.WARNING for r in caplog.records)
    assert leaks(caplog) == []


async def test_no_visitor_text_at_info_when_a_write_fails(
    caplog: pytest.LogCaptureFixture, engine: Engine
) -> None:
    """A failed INSERT of a case message quotes its parameters in the exception: that must not reach the log."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE case_messages"))
    caplog.set_level(logging.DEBUG)
    for key in ("human", "crisis"):
        assert await conversation.handle_message(message(MESSAGES[key]))
    await conversation.handle_button("telegram", CHAT, ButtonAction.VOLUNTEER)
    assert any(r.levelno >= logging.WARNING for r in caplog.records)
    assert leaks(caplog) == []


def test_database_errors_in_logs_do_not_quote_their_parameters(
    caplog: pytest.LogCaptureFixture, engine: Engine
) -> None:
    """SQL errors carry the statement's parameters (a chat id, a text) unless the engine hides them."""
    from sqlmodel import Session

    from hubdesk import throttle

    with engine.begin() as connection:
        connection.execute(text("DROP TABLE rate_limit_windows"))
    caplog.set_level(logging.DEBUG)
    with Session(engine) as session:
        verdict = throttle.hit(session=session, channel="telegram", chat_key=CHAT, limit=5)
    assert verdict is throttle.Verdict.ALLOW  # fails open
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info]
    assert logged, "the failure was logged with its traceback"
    assert leaks(caplog) == []
