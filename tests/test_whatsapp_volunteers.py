"""WhatsApp visitors and the volunteers' Telegram group: one queue, one group, replies back over WhatsApp.

Both channels run in one app (its real lifespan): Telegram against the fake Bot API, WhatsApp against the
fake Graph API, both on 127.0.0.1. Statistics count WhatsApp as a channel of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from hubdesk import stats, throttle
from hubdesk.bot.telegram import send
from hubdesk.bot.whatsapp import active_channel
from hubdesk.messages import ButtonAction
from hubdesk.models import Case
from hubdesk.settings import Settings, get_settings
from tests import fake_telegram as tg
from tests.telegram_harness import VOLUNTEERS, Harness, configure, webhook_harness
from tests.utils.whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    WA_ID,
    FakeGraph,
    GraphServer,
    button_payload,
    signed,
    text_payload,
)

VOLUNTEER = 7770001


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    tg.loopback_only(monkeypatch)
    monkeypatch.setattr(send, "BACKOFF", 0.05)
    monkeypatch.setattr(throttle, "clock", lambda: datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC))
    with GraphServer() as fake:
        yield fake


@pytest.fixture
async def both(settings: Settings, engine: Any, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
               ) -> AsyncIterator[tuple[Harness, FakeGraph]]:
    with tg.running() as bot_api:
        configure(monkeypatch, bot_api, webhook=True)
        for name, value in (("WHATSAPP_TOKEN", TOKEN), ("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID),
                            ("WHATSAPP_APP_SECRET", APP_SECRET), ("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN),
                            ("WHATSAPP_API_BASE_URL", graph.url)):
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        async with webhook_harness(bot_api) as harness:
            assert active_channel() is not None
            yield harness, graph


async def whatsapp(harness: Harness, payload: dict[str, Any]) -> httpx.Response:
    body, headers = signed(payload)
    response = await harness.client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_a_whatsapp_case_reaches_the_group_and_the_group_reply_reaches_whatsapp(
    both: tuple[Harness, FakeGraph], engine: Any
) -> None:
    bot, graph = both
    await whatsapp(bot, text_payload("Я отримала дивний лист від IND про продовження документа, що робити?"))
    await whatsapp(bot, button_payload(ButtonAction.VOLUNTEER, "Запитати волонтера"))
    post = (await bot.fake.wait_sent(VOLUNTEERS, 1))[0]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.channel == "whatsapp" and case.chat_key == WA_ID
    assert str(case.id) in post["text"] and "IND" in post["text"]
    assert WA_ID not in post["text"]  # the group never sees the phone number

    before = len(graph.to(WA_ID))
    reply_to = tg.bot_post(post["_message_id"], VOLUNTEERS)
    update = tg.message(bot.fake.next_update_id(), "Добрий день! Надішліть фото листа, будь ласка.",
                        chat_id=VOLUNTEERS, user_id=VOLUNTEER, lang="uk", chat_type="supergroup", reply_to=reply_to)
    assert (await bot.post(update)).status_code == 200
    relayed = await bot.fake.wait_for(lambda: graph.to(WA_ID)[before:])
    assert relayed[0]["type"] == "text"
    assert "Надішліть фото листа" in relayed[0]["text"]["body"] and "волонтер" in relayed[0]["text"]["body"].lower()
    with Session(engine) as session:
        assert session.get(Case, case.id).status == "answered"


async def test_statistics_count_whatsapp_as_its_own_channel(both: tuple[Harness, FakeGraph], engine: Any) -> None:
    bot, _ = both
    await whatsapp(bot, text_payload("Як отримати BSN?"))
    await whatsapp(bot, text_payload("Як відкрити рахунок у банку?", wa_id="31687654321"))
    await bot.say(5552002, "Як отримати BSN?")
    with Session(engine) as session:
        report = stats.monthly_report(session=session, month=datetime.now(UTC).strftime("%Y-%m"))
    assert report.channels["whatsapp"] == 2
    assert report.channels["telegram"] == 1
