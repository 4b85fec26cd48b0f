"""A tap in the web chat answers in the conversation's language, not the browser's."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser_harness import PHONE, LiveApp


def test_a_ukrainian_question_in_an_english_browser_keeps_ukrainian_after_a_tap(live_app: LiveApp, new_page) -> None:
    page = new_page(viewport=PHONE, locale="en-US")
    page.goto(live_app.url + "/chat")
    expect(page.locator(".msg.bot", has_text="Choose a topic")).to_be_visible()  # nothing written yet: the locale
    page.fill("#text", "Як записатися до сімейного лікаря?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.bot", has_text="huisarts").last
    expect(answer).to_be_visible()
    answer.get_by_role("button", name="Меню").click()
    expect(page.locator(".msg.bot").last).to_contain_text("Оберіть тему")
    page.locator(".msg.bot").last.get_by_role("button", name="💼 Робота").click()
    last = page.locator(".msg.bot").last
    expect(last.get_by_role("button").first).to_be_visible()
    last.get_by_role("button").first.click()
    expect(page.locator(".msg.bot").last).not_to_contain_text("Choose")
    text = page.locator(".msg.bot").last.inner_text()
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in text)
    assert cyrillic > len(text) / 3, text
