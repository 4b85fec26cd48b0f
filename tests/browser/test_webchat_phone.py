"""The web chat on a phone (390x844): a new answer opens at its first line, its buttons are reachable, and
the input's placeholder is not cut."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, PHONE, LiveApp, screenshot

# How far the first line of an element is inside the chat log's visible area (negative: scrolled away above).
FIRST_LINE = """el => { const log = document.getElementById('log').getBoundingClientRect();
  const box = el.getBoundingClientRect(); return {top: box.top - log.top, bottom: log.bottom - box.top}; }"""
PLACEHOLDER_FITS = """el => { const style = getComputedStyle(el); const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d'); ctx.font = style.font;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: ctx.measureText(el.placeholder).width, room}; }"""


def assert_first_line_in_view(answer) -> None:
    where = answer.evaluate(FIRST_LINE)
    assert where["top"] >= 0 and where["bottom"] >= 24, where  # its first line is on screen


@pytest.mark.parametrize(("locale", "placeholder"), [("uk-UA", "Напишіть питання…"), ("nl-NL", "Stel uw vraag…"),
                                                     ("en-US", "Ask a question…")])
def test_the_placeholder_fits_a_phone(live_app: LiveApp, new_page, locale: str, placeholder: str) -> None:
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(live_app.url + "/chat")
    expect(page.locator(".msg.bot").first).to_be_visible()
    box = page.locator("#text")
    expect(box).to_have_attribute("placeholder", placeholder)
    fits = box.evaluate(PLACEHOLDER_FITS)
    assert fits["text"] <= fits["room"], fits


def test_a_long_answer_opens_at_its_first_line_with_its_buttons_reachable(live_app: LiveApp, new_page) -> None:
    page = new_page(viewport=PHONE, locale="uk-UA")
    page.goto(live_app.url + "/chat")
    menu = page.locator(".msg.bot").first
    expect(menu).to_contain_text("Оберіть тему")
    assert_first_line_in_view(menu)  # the menu is longer than the screen: it opens at "Choose a topic"

    page.fill("#text", "Як записатися до сімейного лікаря?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.bot", has_text="huisarts").last
    expect(answer).to_be_visible()
    expect(answer.get_by_role("button", name="Меню")).to_be_attached()
    page.wait_for_timeout(300)
    assert_first_line_in_view(answer)
    screenshot(page, "webchat-phone-uk.png")
    # The buttons (the last row is "Ask a volunteer / Menu") are a scroll away, and not under the input.
    last_row = answer.locator(".row").last
    last_row.scroll_into_view_if_needed()
    row, form = last_row.bounding_box(), page.locator("#form").bounding_box()
    assert row is not None and form is not None and row["y"] + row["height"] <= form["y"] + 1
    shown = page.locator(".msg.bot").count()
    last_row.get_by_role("button", name="Запитати волонтера").click()
    expect(page.locator(".msg.bot")).to_have_count(shown + 1)
    handed_over = page.locator(".msg.bot").last
    expect(handed_over).to_contain_text("звернення")
    assert_first_line_in_view(handed_over)
    # A short answer fits whole: the view goes to the end, so its buttons are on screen at once.
    cancel = handed_over.get_by_role("button").last
    expect(cancel).to_be_in_viewport()


def test_the_web_chat_in_dutch_on_a_desktop(live_app: LiveApp, new_page) -> None:
    page = new_page(viewport=DESKTOP, locale="nl-NL")
    page.goto(live_app.url + "/chat")
    page.fill("#text", "mag ik werken met tijdelijke bescherming")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.bot", has_text="werkvergunning").last
    expect(answer).to_be_visible()
    assert_first_line_in_view(answer)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    screenshot(page, "webchat-desktop-nl.png")
