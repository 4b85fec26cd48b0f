"""The web chat as a visitor uses it, and the volunteer page as a volunteer answers it, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, PHONE, LiveApp, log_in

REPLY_WITHIN_MS = 8_000  # "within seconds": the page polls every 2.5 s


def test_a_volunteer_reply_reaches_the_open_web_chat_and_survives_a_reload(live_app: LiveApp, new_page) -> None:
    visitor = new_page(viewport=PHONE, locale="uk-UA")
    visitor.goto(live_app.url + "/chat")
    expect(visitor.locator(".msg.bot").first).to_be_visible()
    visitor.fill("#text", "Хочу поговорити з волонтером")
    visitor.keyboard.press("Enter")
    handed_over = visitor.locator(".msg.bot", has_text=re.compile(r"\(\D*1\)"))
    expect(handed_over).to_be_visible()

    volunteer = new_page(viewport=DESKTOP, locale="en-US")
    log_in(volunteer, live_app, live_app.add_user("Olena"))
    volunteer.locator("#cases li").first.click()
    volunteer.get_by_role("button", name=re.compile("Claim|Взяти|Oppakken")).click()
    volunteer.fill("#reply-text", "Добрий день! Запишіться до huisarts за телефоном.")
    volunteer.locator("#reply-form button[type=submit]").click()

    reply = visitor.locator(".msg.bot", has_text="Запишіться до huisarts за телефоном.")
    expect(reply).to_be_visible(timeout=REPLY_WITHIN_MS)
    expect(visitor.locator(".msg.bot", has_text="узяв ваше питання")).to_have_count(1)

    visitor.reload()
    expect(reply).to_be_visible()
    expect(reply).to_have_count(1)
    # Shown and kept: the next poll acknowledges it, and the outbox is empty.
    visitor.wait_for_timeout(3_000)
    expect(reply).to_have_count(1)
    session = visitor.evaluate("localStorage.getItem('hubdesk-session')")
    assert live_app.get("/api/v1/chat/updates", params={"session": session, "after": 10**9}).json()["count"] == 0
