"""Announcements on WhatsApp (the fake Graph API) and in the web chat: consent by word and tap, delivery
inside the 24-hour window, the template or a counted skip outside it, the web chat's poll."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from hubdesk.models import Subscription, Visitor, utcnow
from hubdesk.settings import get_settings
from hubdesk.users import create_user
from tests.test_whatsapp import WA, graph, no_internet, texts, wa, wa_settings  # noqa: F401 (fixtures)
from tests.utils.whatsapp import text_payload

TEXTS = {"uk": "Нові правила щодо житла.", "nl": "Nieuwe regels voor huisvesting."}
OTHER = "31687654321"


@pytest.fixture(autouse=True)
def quick_sender(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBDESK_ANNOUNCEMENT_POLL_SECONDS", "0.1")
    monkeypatch.setenv("HUBDESK_ANNOUNCEMENT_RATE", "200")
    monkeypatch.setenv("HUBDESK_ANNOUNCEMENT_CHAT_INTERVAL", "0")
    get_settings.cache_clear()


def send_and_wait(client: TestClient, session: Session) -> dict:
    _, token = create_user(session=session, name="Coordinator", role="coordinator")
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/announcements", headers=headers, json={"hub": "example", "text": TEXTS}).json()
    assert client.post(f"/api/v1/announcements/{created['id']}/send", headers=headers).status_code == 200
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/announcements/{created['id']}", headers=headers).json()
        if body["status"] == "sent":
            return body
        time.sleep(0.05)
    raise AssertionError(f"not sent: {body}")


def announcements(messages: list[dict]) -> list[str]:
    return [t for t in texts(messages) if t.startswith("📣")]


@pytest.mark.parametrize("template", [None, "hub_news"])
def test_whatsapp_subscribers_in_the_window_get_it_outside_only_the_template(
    wa: WA, monkeypatch: pytest.MonkeyPatch, template: str | None  # noqa: F811
) -> None:
    if template:
        monkeypatch.setenv("WHATSAPP_ANNOUNCEMENT_TEMPLATE", template)
        get_settings.cache_clear()
        from hubdesk.announcements.sender import couriers
        from hubdesk.bot.whatsapp.announce import WhatsAppCourier

        courier, _ = couriers.get("whatsapp")  # type: ignore[misc]
        assert isinstance(courier, WhatsAppCourier)
        courier.template = template
    subscribed = wa.say("новини")
    assert any("підписані на новини" in t for t in texts(subscribed))
    wa.post(text_payload("Goedemorgen, mag ik werken met een uitkering?", wa_id=OTHER))  # a Dutch reader
    assert wa.post(text_payload("nieuws", wa_id=OTHER)).status_code == 200
    wa.session.expire_all()
    assert len(wa.session.exec(select(Subscription)).all()) == 2
    other = wa.session.exec(select(Visitor).where(Visitor.chat_key == OTHER)).one()
    other.wa_last_inbound_at = utcnow() - timedelta(hours=25)  # their window has closed
    wa.session.add(other)
    wa.session.commit()
    before = len(wa.graph.messages)
    body = send_and_wait(wa.client, wa.session)
    sent = wa.graph.messages[before:]
    mine = [m for m in sent if m["to"] != OTHER]
    assert len(announcements(mine)) == 1 and "Нові правила щодо житла" in announcements(mine)[0]
    theirs = [m for m in sent if m["to"] == OTHER]
    if template:
        assert theirs == [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": OTHER,
                           "type": "template", "template": {"name": "hub_news", "language": {"code": "nl"}}}]
        assert (body["counts"]["sent"], body["counts"]["template"], body["counts"]["unreachable"]) == (2, 1, 0)
    else:
        assert theirs == []
        assert (body["counts"]["sent"], body["counts"]["unreachable"]) == (1, 1)


def test_whatsapp_news_off_unsubscribes(wa: WA) -> None:  # noqa: F811
    wa.say("news")
    off = wa.say("news off")
    assert any("unsubscribed" in t for t in texts(off))
    wa.session.expire_all()
    assert wa.session.exec(select(Subscription)).all() == []


def test_the_web_chat_subscribes_and_receives_through_its_poll(client: TestClient, session: Session) -> None:
    chat = {"session": "websession-news-01"}
    tapped = client.post("/api/v1/chat/button", json={**chat, "action": "n:on", "locale": "uk"}).json()
    assert "підписані" in tapped["replies"][0]["html"]
    client.post("/api/v1/chat", json={**chat, "text": "nieuws"})  # again: still one subscription
    never = {"session": "websession-news-02"}
    client.post("/api/v1/chat", json={**never, "text": "Привіт"})
    assert len(session.exec(select(Subscription)).all()) == 1
    body = send_and_wait(client, session)
    assert (body["counts"]["recipients"], body["counts"]["sent"]) == (1, 1)
    updates = client.get("/api/v1/chat/updates", params={"session": chat["session"]}).json()
    assert any("Нові правила щодо житла" in u["text"] for u in updates["data"])
    assert client.get("/api/v1/chat/updates", params={"session": never["session"]}).json()["count"] == 0
    off = client.post("/api/v1/chat", json={**chat, "text": "відписатися"}).json()
    assert "відписалися" in off["replies"][0]["html"]
