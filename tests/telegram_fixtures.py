"""Fixtures every Telegram test uses: the fake Bot API server and the bot running against it (webhook mode).

Loaded as a pytest plugin from ``tests/conftest.py`` so the three Telegram test modules share one copy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from hubdesk import throttle
from hubdesk.bot.telegram import send
from hubdesk.settings import Settings
from tests import fake_telegram as tg
from tests.fake_telegram import FakeBotApi
from tests.telegram_harness import Harness, configure, webhook_harness


@pytest.fixture
def bot_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotApi]:
    tg.loopback_only(monkeypatch)
    monkeypatch.setattr(send, "BACKOFF", 0.05)
    monkeypatch.setattr(throttle, "clock", lambda: datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC))
    with tg.running() as fake:
        yield fake


@pytest.fixture
async def bot(
    settings: Settings, engine, bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    configure(monkeypatch, bot_api, webhook=True)
    async with webhook_harness(bot_api) as harness:
        yield harness
