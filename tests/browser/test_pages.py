"""The volunteer and coordinator pages as people use them: in Ukrainian and Dutch, names instead of ids."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser_harness import DESKTOP, PHONE, LiveApp, log_in, screenshot
from tests.utils.stats import add_known_month

# Words of the English interface (and the old raw ids) that must not show on a Ukrainian or Dutch page.
ENGLISH = re.compile(
    r"\b(Log in|Log out|Waiting|Closed|Claim|Close|Reopen|guess|hub:|Send reply|Knowledge base|Visitor|waiting|"
    r"opened|Topic|Articles|URGENT|Web chat|Show more|Your reply)\b"
)
RAW_IDS = re.compile(
    r"\b(open|claimed|answered|closed|webchat|telegram|whatsapp|uk-latn|ru-latn|unknown|mental_health|"
    r"healthcare|residence|registration|childcare|education|housing|travel_return|other)\b"
)


def ask_for_a_person(live_app: LiveApp, new_page, text: str) -> None:
    visitor = new_page(viewport=PHONE, locale="uk-UA")
    visitor.goto(live_app.url + "/chat")
    visitor.fill("#text", "Як записатися до сімейного лікаря?")
    visitor.keyboard.press("Enter")
    expect(visitor.locator(".msg.bot", has_text="huisarts").last).to_be_visible()
    visitor.fill("#text", text)
    visitor.keyboard.press("Enter")
    expect(visitor.locator(".msg.bot").last).to_contain_text("1")


@pytest.mark.parametrize("lang", ["uk", "nl"])
def test_the_volunteer_page_shows_no_english_words_and_no_raw_ids(live_app: LiveApp, new_page, lang: str) -> None:
    ask_for_a_person(live_app, new_page, "Хочу поговорити з волонтером")
    page = new_page(viewport=PHONE, locale="en-US")  # an English browser: the choice on the login page wins
    log_in(page, live_app, live_app.add_user("Olena"), lang=lang)
    expect(page.locator("#cases li")).to_have_count(1)
    for text in (page.locator("body").inner_text(), page.title()):
        assert not ENGLISH.findall(text), ENGLISH.findall(text)
        assert not RAW_IDS.findall(text), RAW_IDS.findall(text)
    expect(page.locator("#cases li")).to_contain_text({"uk": "🩺 Медицина", "nl": "🩺 Zorg"}[lang])
    screenshot(page, f"volunteer-page-{lang}.png")

    page.locator("#cases li").first.click()
    expect(page.locator("#case-head")).to_be_visible()
    page.get_by_role("button", name={"uk": "Взяти собі", "nl": "Oppakken"}[lang]).click()
    expect(page.locator("#notice")).to_be_visible()
    page.locator("#kb-open").click()
    expect(page.locator("#kb-list li").first).to_be_visible()
    text = "\n".join([page.locator("header").inner_text(), page.locator("#case-head").inner_text(),
                      page.locator("#actions").inner_text(), page.locator("#reply-form").inner_text(),
                      page.locator("#kb .row").first.inner_text(), page.locator("#notice").inner_text()])
    assert not ENGLISH.findall(text), ENGLISH.findall(text)
    assert not RAW_IDS.findall(text), RAW_IDS.findall(text)
    page.locator("#case-head").scroll_into_view_if_needed()
    screenshot(page, f"volunteer-case-{lang}.png")

    page.reload()  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_the_volunteer_can_switch_the_page_language(live_app: LiveApp, new_page) -> None:
    page = new_page(viewport=DESKTOP, locale="uk-UA")
    log_in(page, live_app, live_app.add_user("Piet"))
    expect(page.locator(".tab").first).to_have_text("Чекають")
    page.select_option("#lang", "nl")
    expect(page.locator(".tab").first).to_have_text("Wachtend")
    page.goto(live_app.url + "/volunteer")
    expect(page.locator(".tab").first).to_have_text("Wachtend")


def test_the_coordinator_page_renders_its_chart(live_app: LiveApp, new_page) -> None:
    from hubdesk.db import make_engine

    engine = make_engine(live_app.database_url)
    with Session(engine) as session:
        add_known_month(session)
    engine.dispose()
    page = new_page(viewport=DESKTOP, locale="nl-NL")
    page.goto(live_app.url + "/coordinator?month=2026-10")
    page.fill("input[name=token]", live_app.add_user("Marta", role="coordinator"))
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/coordinator\?month=2026-10"))  # back where the login began
    bars = page.locator("svg rect.bar:not(.hidden)")
    expect(bars.first).to_be_visible()
    assert bars.count() >= 3
    widest = max(bars.nth(i).bounding_box()["width"] for i in range(bars.count()))
    assert widest > 100  # drawn to scale, not collapsed
    expect(page.locator("svg polyline.line")).to_be_visible()
    body = page.locator("main").inner_text().replace("housing-rent", "")  # the fixture's made-up article id
    assert "Russisch" in body and "Webchat" in body
    assert not RAW_IDS.findall(body), RAW_IDS.findall(body)
    screenshot(page, "coordinator-page.png")


def test_a_volunteer_links_telegram_with_a_code_from_the_page(live_app: LiveApp, new_page) -> None:
    from hubdesk.db import make_engine
    from hubdesk.users import link_telegram

    page = new_page(viewport=PHONE, locale="uk-UA")
    log_in(page, live_app, live_app.add_user("Iryna"))
    expect(page.locator("#telegram-state")).to_contain_text("Не прив'язано")
    page.get_by_role("button", name="Прив'язати Telegram").click()
    code = page.locator("#telegram-code code")
    expect(code).to_have_text(re.compile(r"^/link [2-9A-Z]{8}$"))
    screenshot(page, "volunteer-telegram-link-uk.png")
    engine = make_engine(live_app.database_url)
    with Session(engine) as session:  # what the bot does when the volunteer sends the code
        assert link_telegram(session=session, code=code.inner_text().split()[1], telegram_user_id=4242) is not None
    engine.dispose()
    expect(page.locator("#telegram-state")).to_contain_text("Прив'язано:", timeout=8_000)
    expect(page.get_by_role("button", name="Відв'язати")).to_be_visible()
