"""Helpers for the Telegram tests: configure the bot at the fake Bot API server and talk to it as a visitor.

The real FastAPI app (with its lifespan) runs the real python-telegram-bot Application; updates come in
through the webhook route (``Harness``) or through long polling from the fake server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hubdesk.settings import get_settings
from tests import fake_telegram as tg
from tests.fake_telegram import FakeBotApi

SECRET = "webhook-secret-for-tests-0123456789"
VOLUNTEERS = -1001234567890
RUSSIAN_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")
UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")


def configure(
    monkeypatch: pytest.MonkeyPatch, fake: FakeBotApi, *, webhook: bool, volunteers: int | None = VOLUNTEERS
) -> None:
    """Point the settings at the fake server (the test's own database stays as the ``settings`` fixture set it)."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.url)
    if webhook:
        monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://hub.example.org/telegram/webhook")
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    if volunteers is not None:
        monkeypatch.setenv("TELEGRAM_VOLUNTEER_CHAT_ID", str(volunteers))
    get_settings.cache_clear()


@asynccontextmanager
async def running_app() -> AsyncIterator[FastAPI]:
    from hubdesk.api.main import create_app

    app = create_app()
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class Harness:
    """One running app in webhook mode, and a visitor's view of it."""

    app: FastAPI
    client: httpx.AsyncClient
    fake: FakeBotApi

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        """Deliver an update as Telegram does, and wait until the bot has handled it."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        response = await self.client.post("/telegram/webhook", json=update, headers=headers)
        await self.app.state.telegram.idle()
        return response

    async def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver an update; return the messages the bot sent to that chat because of it."""
        body = update.get("message") or update.get("edited_message") or update["callback_query"]["message"]
        chat_id = body["chat"]["id"]
        before = len(self.fake.sent(chat_id))
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return self.fake.sent(chat_id)[before:]

    async def say(self, chat_id: int, text: str | None, lang: str | None = "uk", **kwargs: Any) -> list[dict]:
        return await self.send(tg.message(self.fake.next_update_id(), text, chat_id=chat_id, lang=lang, **kwargs))

    async def tap(self, chat_id: int, data: str, lang: str | None = "uk") -> list[dict[str, Any]]:
        return await self.send(tg.callback(self.fake.next_update_id(), data, chat_id=chat_id, lang=lang))


@asynccontextmanager
async def webhook_harness(fake: FakeBotApi) -> AsyncIterator[Harness]:
    async with running_app() as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Harness(app, client, fake)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button of a sent message."""
    markup = message.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def assert_ukrainian(messages: list[dict[str, Any]]) -> None:
    """Every message reads as Ukrainian: no Russian-only letters, and Ukrainian letters where there are words."""
    assert messages, "the bot said nothing"
    for message in messages:
        assert not RUSSIAN_ONLY.search(message["text"]), message["text"]
        assert UKRAINIAN_ONLY.search(message["text"]), message["text"]
