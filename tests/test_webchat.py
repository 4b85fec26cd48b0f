"""The local web chat: the page, and the same Dialog over its JSON API."""


def test_the_page_is_served_without_external_resources(client):
    page = client.get("/chat")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text  # no CDN


def test_a_question_gets_an_answer_with_buttons(client):
    question = "mag ik werken met tijdelijke bescherming"
    res = client.post("/api/v1/chat", json={"session": "websession01", "text": question})
    assert res.status_code == 200
    reply = res.json()["replies"][0]
    assert "werkvergunning" in reply["html"]
    actions = [b["action"] for row in reply["buttons"] for b in row]
    assert "volunteer" in actions and any(a.startswith("f:") for a in actions)


def test_the_menu_button_lists_categories(client):
    res = client.post("/api/v1/chat/button", json={"session": "websession01", "action": "menu", "locale": "nl"})
    assert res.status_code == 200
    labels = [b["label"] for row in res.json()["replies"][0]["buttons"] for b in row]
    assert any("Werk" in label for label in labels)


def test_reply_html_is_escaped(client):
    res = client.post("/api/v1/chat", json={"session": "websession01", "text": "<script>alert(1)</script>"})
    assert res.status_code == 200
    assert "<script>" not in res.json()["replies"][0]["html"]


def test_bad_bodies_are_422(client):
    assert client.post("/api/v1/chat", json={"session": "x", "text": "hi"}).status_code == 422
    assert client.post("/api/v1/chat", json={"session": "websession01", "text": ""}).status_code == 422
    too_long = client.post("/api/v1/chat", json={"session": "websession01", "text": "a" * 5000})
    assert too_long.status_code == 422
    not_json = client.post("/api/v1/chat", content=b"not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422


def test_control_characters_and_emoji_get_a_polite_reply(client):
    res = client.post("/api/v1/chat", json={"session": "websession01", "text": "\x00\x07 🙏"})
    assert res.status_code == 200
    assert res.json()["replies"]


def test_every_answer_says_the_conversations_language(client):
    """The page's own words (placeholder, errors) follow the conversation, not the browser."""
    first = client.post("/api/v1/chat/button", json={"session": "websession02", "action": "menu", "locale": "en-US"})
    assert first.json()["language"] == "en"
    dutch = client.post("/api/v1/chat", json={"session": "websession02", "text": "mag ik werken met een uitkering?",
                                              "locale": "en-US"})
    assert dutch.json()["language"] == "nl"
    tap = client.post("/api/v1/chat/button", json={"session": "websession02", "action": "menu", "locale": "en-US"})
    assert tap.json()["language"] == "nl"


def test_feedback_counts_only_from_the_session_the_answer_went_to(client, engine, monkeypatch):
    """Issue 15, item 7: "f:<event id>:0" for ids 1-300 set "not helpful" on 300 other visitors' answers."""
    from sqlmodel import Session, select

    from hubdesk.models import Event
    from hubdesk.settings import get_settings

    monkeypatch.setenv("HUBDESK_RATE_LIMIT_PER_MINUTE", "1000")  # the sweep below, not the throttle, is tested
    monkeypatch.setenv("HUBDESK_WEBCHAT_CLIENT_PER_MINUTE", "1000")
    get_settings.cache_clear()
    question = "mag ik werken met tijdelijke bescherming"
    answer = client.post("/api/v1/chat", json={"session": "visitor-one", "text": question})
    actions = [b["action"] for row in answer.json()["replies"][-1]["buttons"] for b in row]
    helpful = next(a for a in actions if a.startswith("f:") and a.split(":")[2] == "1")
    event_id = int(helpful.split(":")[1])

    def verdict() -> bool | None:
        with Session(engine) as session:
            return session.exec(select(Event.helpful).where(Event.id == event_id)).one()

    for forged in [f"f:{n}:0" for n in range(1, 301)] + [helpful, helpful.replace(":1:", ":0:")]:
        tap = client.post("/api/v1/chat/button", json={"session": "someone-else", "action": forged})
        assert tap.status_code == 200
    assert verdict() is None
    assert client.post("/api/v1/chat/button", json={"session": "visitor-one", "action": helpful}).status_code == 200
    assert verdict() is True
    not_helpful = next(a for a in actions if a.startswith("f:") and a.split(":")[2] == "0")
    client.post("/api/v1/chat/button", json={"session": "visitor-one", "action": not_helpful})
    assert verdict() is True  # once
