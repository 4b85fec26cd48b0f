"""The web chat as a visitor uses it, and the volunteer page as a volunteer answers it, in a real browser:
from the visitor's first message to the volunteer's reply on the visitor's screen, in Ukrainian and Dutch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, PHONE, LiveApp, log_in, screenshot

REPLY_WITHIN_MS = 8_000  # "within seconds": the page polls every 2.5 s

LOOPS = {
    "uk": {
        "locale": "uk-UA",
        "question": "Як записатися до сімейного лікаря?",
        "ask": "Хочу поговорити з волонтером",
        "claim": "Взяти собі",
        "reply": "Добрий день! Запишіться до huisarts за телефоном.",
        "claimed": "узяв ваше питання",
        "topic": "🩺 Медицина",
    },
    "nl": {
        "locale": "nl-NL",
        "question": "Hoe schrijf ik me in bij een huisarts?",
        "ask": "Ik wil met een vrijwilliger praten",
        "claim": "Oppakken",
        "reply": "Goedemiddag! Bel de praktijk en vraag of ze nieuwe patiënten aannemen.",
        "claimed": "heeft uw vraag",
        "topic": "🩺 Zorg",
    },
}


@pytest.mark.parametrize("lang", ["uk", "nl"])
def test_a_volunteer_reply_reaches_the_open_web_chat_and_survives_a_reload(
    live_app: LiveApp, new_page, lang: str
) -> None:
    loop = LOOPS[lang]
    visitor = new_page(viewport=PHONE, locale=loop["locale"])
    visitor.goto(live_app.url + "/chat")
    expect(visitor.locator(".msg.bot").first).to_be_visible()
    visitor.fill("#text", loop["question"])
    visitor.keyboard.press("Enter")
    expect(visitor.locator(".msg.bot", has_text="huisarts").last).to_be_visible()
    visitor.fill("#text", loop["ask"])
    visitor.keyboard.press("Enter")
    handed_over = visitor.locator(".msg.bot", has_text=re.compile(r"\(\D*1\)"))
    expect(handed_over).to_be_visible()

    volunteer = new_page(viewport=DESKTOP, locale=loop["locale"])
    log_in(volunteer, live_app, live_app.add_user("Olena"))
    case = volunteer.locator("#cases li").first
    expect(case).to_contain_text(loop["topic"])  # filed under the question's topic, not the request's words
    case.click()
    volunteer.get_by_role("button", name=loop["claim"]).click()
    volunteer.fill("#reply-text", loop["reply"])
    volunteer.locator("#reply-form button[type=submit]").click()
    expect(volunteer.locator("#messages li.volunteer", has_text=loop["reply"])).to_be_visible()
    screenshot(volunteer, f"volunteer-reply-desktop-{lang}.png")

    reply = visitor.locator(".msg.bot", has_text=loop["reply"])
    expect(reply).to_be_visible(timeout=REPLY_WITHIN_MS)
    expect(visitor.locator(".msg.bot", has_text=loop["claimed"])).to_have_count(1)
    screenshot(visitor, f"webchat-volunteer-reply-{lang}.png")

    visitor.reload()
    expect(reply).to_be_visible()
    expect(reply).to_have_count(1)
    # Shown and kept: the next poll acknowledges it, and the outbox is empty.
    visitor.wait_for_timeout(3_000)
    expect(reply).to_have_count(1)
    session = visitor.evaluate("localStorage.getItem('hubdesk-session')")
    assert live_app.get("/api/v1/chat/updates", params={"session": session, "after": 10**9}).json()["count"] == 0
