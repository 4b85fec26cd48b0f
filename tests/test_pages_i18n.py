"""Every page in uk, nl and en, the person's choice remembered, ids shown by their names, one login screen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from hubdesk.api.pages.volunteer import STRINGS
from hubdesk.users import create_user
from tests.utils.stats import add_known_month

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "api" / "static" / "volunteer.js"
TEMPLATE = ROOT / "api" / "static" / "volunteer.html"
SAME_IN_DUTCH = {"Hub: {hub}", "Console", "{days} d", "{minutes} min"}  # the Dutch words are the English ones
RAW_IDS = ("mental_health", "uk-latn", "ru-latn", "webchat", "travel_return")


def log_in(client: TestClient, session: Session, role: str = "volunteer") -> None:
    _, token = create_user(session=session, name="Olena", role=role, hub_id="example")
    assert client.post("/api/v1/login/cookie", json={"token": token}).status_code == 200


def page_data(html: str) -> dict:
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, flags=re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_volunteer_page_sends_you_to_the_one_login_page(client: TestClient) -> None:
    response = client.get("/volunteer", params={"lang": "nl"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fvolunteer&lang=nl"
    login = client.get(response.headers["location"])
    assert 'lang="nl"' in login.text and 'value="/volunteer"' in login.text


def test_the_login_page_takes_each_account_to_its_page(client: TestClient, session: Session) -> None:
    _, volunteer = create_user(session=session, name="V", role="volunteer")
    _, coordinator = create_user(session=session, name="C", role="coordinator")
    went = client.post("/login", data={"token": volunteer}, follow_redirects=False)
    assert went.headers["location"] == "/volunteer"
    went = client.post("/login", data={"token": coordinator}, follow_redirects=False)
    assert went.headers["location"] == "/coordinator"
    went = client.post("/login", data={"token": volunteer, "next": "/volunteer"}, follow_redirects=False)
    assert went.headers["location"] == "/volunteer"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("uk", ["Чекають", "Закриті", "Надіслати відповідь", "База знань", "Вийти"]),
        ("nl", ["Wachtend", "Afgesloten", "Antwoord versturen", "Kennisbank", "Uitloggen"]),
        ("en", ["Waiting", "Closed", "Send reply", "Knowledge base", "Log out"]),
    ],
)
def test_the_volunteer_page_speaks_the_chosen_language(
    client: TestClient, session: Session, lang: str, words: list[str]
) -> None:
    log_in(client, session)
    html = client.get("/volunteer", params={"lang": lang}).text
    assert f'<html lang="{lang}">' in html and "{{" not in html
    for word in words:
        assert word in html
    data = page_data(html)
    assert data["lang"] == lang
    assert set(data["strings"]) == set(STRINGS)
    assert data["names"]["statuses"]["claimed"] == {"uk": "Взято", "nl": "Opgepakt", "en": "Claimed"}[lang]
    assert data["names"]["languages"]["uk-latn"] == {
        "uk": "українська латиницею", "nl": "Oekraïens in Latijnse letters", "en": "Ukrainian in Latin letters"
    }[lang]
    assert data["names"]["categories"]["mental_health"].endswith(
        {"uk": "Психологічна підтримка", "nl": "Psychische hulp", "en": "Mental health"}[lang]
    )
    if lang != "en":  # nothing left in English: every word of the page and the script is translated
        untranslated = [s for s, text in data["strings"].items() if text == s and re.search(r"[a-z]{3}", s)]
        assert set(untranslated) <= SAME_IN_DUTCH if lang == "nl" else untranslated == []


def test_the_language_choice_is_remembered(client: TestClient, session: Session) -> None:
    log_in(client, session)
    client.get("/volunteer", params={"lang": "nl"})
    again = client.get("/volunteer", headers={"Accept-Language": "uk-UA,uk;q=0.9"})
    assert '<html lang="nl">' in again.text
    assert 'lang="nl">' in client.get("/login").text  # the same choice on every page
    client.get("/login", params={"lang": "uk"}, headers={"Accept-Language": "en"})
    assert '<html lang="uk">' in client.get("/volunteer").text


def test_the_script_and_the_template_use_only_known_words() -> None:
    used = set(re.findall(r'\bt\("((?:[^"\\\\]|\\\\.)*)"', SCRIPT.read_text(encoding="utf-8")))
    used |= set(re.findall(r'(?:label|done): "([^"]+)"', SCRIPT.read_text(encoding="utf-8")))
    used |= set(re.findall(r"\{\{([^{}]+)\}\}", TEMPLATE.read_text(encoding="utf-8")))
    assert used - set(STRINGS) == set()
    assert set(STRINGS) - used <= {"Close"}  # kb-close and the action share one msgid


def test_the_coordinator_page_shows_names_not_ids(client: TestClient, session: Session) -> None:
    add_known_month(session)
    log_in(client, session, role="coordinator")
    for lang, names in {
        "uk": ["російська", "Веб-чат", "Voorbeeldhub"],
        "nl": ["Russisch", "Webchat", "Oekraïens"],
    }.items():
        html = client.get("/coordinator", params={"month": "2026-10", "lang": lang}).text
        for name in names:
            assert name in html, (lang, name)
        cells = re.findall(r"<td>([^<]*)</td>", html)
        assert not set(cells) & {"uk", "ru", "nl", "en", "telegram", "whatsapp", "webchat", *RAW_IDS}, cells
        assert "Українська" in html and "Nederlands" in html  # the language switch
