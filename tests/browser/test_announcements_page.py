"""A coordinator writes an announcement in Ukrainian and Dutch on the page, previews it, sends it; a subscribed
Telegram visitor gets it in Ukrainian, a visitor who did not subscribe gets nothing. The real ``hubdesk run``
(webhook mode) against the fake Bot API, driven in Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests import fake_telegram as tg
from tests.browser_harness import DESKTOP, LiveApp, screenshot
from tests.telegram_harness import SECRET
from tests.utils.live import app_env, hubdesk_run

SUBSCRIBED, NOT_SUBSCRIBED = 4_400_001, 4_400_002


@pytest.fixture
def telegram_app(tmp_path: Path) -> Iterator[tuple[LiveApp, tg.FakeBotApi]]:
    with tg.running() as fake:
        database_url = f"sqlite:///{tmp_path / 'hubdesk.db'}"
        env = app_env(tmp_path, database_url, HUBDESK_ANNOUNCEMENT_POLL_SECONDS="0.2",
                      TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.url,
                      TELEGRAM_WEBHOOK_URL="https://hub.example.org/telegram/webhook", TELEGRAM_WEBHOOK_SECRET=SECRET)
        with hubdesk_run(env, tmp_path / "server.log") as url:
            deadline = time.monotonic() + 30
            while not fake.webhook_url:
                if time.monotonic() > deadline:
                    pytest.fail("hubdesk run did not set its Telegram webhook")
                time.sleep(0.2)
            yield LiveApp(url=url, database_url=database_url, env=env), fake


def say(app: LiveApp, fake: tg.FakeBotApi, chat_id: int, text: str) -> list[dict]:
    before = len(fake.sent(chat_id))
    update = tg.message(fake.next_update_id(), text, chat_id=chat_id, lang="uk")
    response = httpx.post(app.url + "/telegram/webhook", json=update, timeout=10,
                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 200
    deadline = time.monotonic() + 15
    while len(fake.sent(chat_id)) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    return fake.sent(chat_id)[before:]


def test_a_coordinator_writes_previews_and_sends_and_only_the_subscriber_gets_it(telegram_app, new_page) -> None:
    app, fake = telegram_app
    subscribed = say(app, fake, SUBSCRIBED, "/news")
    assert "підписані на новини" in subscribed[-1]["text"]
    say(app, fake, NOT_SUBSCRIBED, "Привіт")

    page = new_page(viewport=DESKTOP, locale="uk-UA")
    page.goto(app.url + "/coordinator/announcements")
    page.fill("input[name=token]", app.add_user("Mariia", role="coordinator"))
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.get_by_role("heading", name="Написати оголошення")).to_be_visible()
    page.locator("input[name=topics][value=housing]").check()
    page.fill("textarea[name=text_uk]", "З 1 лютого змінюються правила щодо житла. **Приходьте на консультацію.**")
    page.fill("textarea[name=text_nl]", "Vanaf 1 februari veranderen de regels voor huisvesting.")
    page.get_by_role("button", name="Попередній перегляд").click()

    expect(page.locator("[data-status=draft]")).to_be_visible()
    expect(page.locator("[data-flag=missing]")).to_have_count(1)  # no English: flagged before sending
    expect(page.locator("[data-flag=missing]")).to_contain_text("англійська")
    uk = page.locator("[data-preview=uk] .bubble.tg")
    expect(uk).to_contain_text("З 1 лютого змінюються правила щодо житла")
    expect(uk.locator("b", has_text="Приходьте на консультацію.")).to_be_visible()  # Telegram's bold, rendered
    expect(page.locator("[data-preview=nl] .bubble.wa")).to_contain_text("*Nieuws van")  # WhatsApp's own markup
    screenshot(page, "announcement-preview-uk.png")
    assert all("📣" not in m["text"] for m in fake.sent())  # a preview sends nothing

    page.get_by_role("button", name="Надіслати зараз").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not page.locator("[data-status=sent]").count():
        time.sleep(0.5)
        page.reload()
    expect(page.locator("[data-status=sent]")).to_be_visible()
    expect(page.locator("[data-count=sent] b")).to_have_text("1")

    got = [m for m in fake.sent(SUBSCRIBED) if m["text"].startswith("📣")]
    assert len(got) == 1
    assert "З 1 лютого змінюються правила щодо житла" in got[0]["text"]
    assert "<b>Приходьте на консультацію.</b>" in got[0]["text"]
    assert [m for m in fake.sent(NOT_SUBSCRIBED) if m["text"].startswith("📣")] == []
