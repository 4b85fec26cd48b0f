"""The web chat relay (volunteer replies collected by polling), the knowledge-base read API and the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from hubdesk.models import WebchatOutbox
from hubdesk.relay import relay
from tests.utils.cases import make_case, make_user

SESSION_ID = "b7f3c2a1d9e84f60"


@pytest.fixture
def relay_reset(client: TestClient) -> Iterator[None]:
    yield
    relay.clear()


@pytest.fixture
def volunteer(session: Session) -> dict[str, str]:
    return make_user(session, hub_id="example")[1]


def test_a_reply_from_the_page_reaches_the_web_chat_until_acknowledged(
    client: TestClient, session: Session, volunteer: dict, relay_reset: None
) -> None:
    case = make_case(session, channel="webchat", chat_key=SESSION_ID, language="nl")
    assert client.get(f"/api/v1/chat/updates?session={SESSION_ID}").json() == {"data": [], "count": 0, "cursor": 0}

    body = client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "Bel **UWV** op maandag."}, headers=volunteer)
    assert body.json()["delivered"] is True
    client.post(f"/api/v1/cases/{case.id}/close", headers=volunteer)

    updates = client.get("/api/v1/chat/updates", params={"session": SESSION_ID}).json()
    assert updates["count"] == 2
    first, second = updates["data"]
    assert first["text"] == "💬 **Antwoord van een vrijwilliger:**\nBel **UWV** op maandag."
    assert first["html"] == "💬 <strong>Antwoord van een vrijwilliger:</strong><br>Bel <strong>UWV</strong> op maandag."
    assert first["buttons"] == []
    assert second["text"].startswith(f"Een vrijwilliger heeft uw vraag (nummer {case.id}) afgesloten.")
    assert updates["cursor"] == second["id"] > first["id"]
    # A lost response or a reload: the same poll again hands out the same messages, nothing is lost.
    again = client.get("/api/v1/chat/updates", params={"session": SESSION_ID}).json()
    assert [m["id"] for m in again["data"]] == [first["id"], second["id"]]
    # The page has shown the first: acknowledging it deletes it and only the second is still handed out.
    partly = client.get("/api/v1/chat/updates", params={"session": SESSION_ID, "after": first["id"]}).json()
    assert [m["id"] for m in partly["data"]] == [second["id"]]
    # Both shown: the next poll acknowledges both and nothing waits in the table (for any worker process).
    done = client.get("/api/v1/chat/updates", params={"session": SESSION_ID, "after": updates["cursor"]}).json()
    assert done == {"data": [], "count": 0, "cursor": updates["cursor"]}
    with Session(session.get_bind()) as s:
        assert s.exec(select(WebchatOutbox)).all() == []


def test_an_acknowledgement_only_deletes_that_sessions_messages(
    client: TestClient, session: Session, volunteer: dict, relay_reset: None
) -> None:
    mine = make_case(session, channel="webchat", chat_key=SESSION_ID)
    theirs = make_case(session, channel="webchat", chat_key="someone-else-123")
    client.post(f"/api/v1/cases/{theirs.id}/reply", json={"text": "for them"}, headers=volunteer)
    client.post(f"/api/v1/cases/{mine.id}/reply", json={"text": "for me"}, headers=volunteer)
    [message] = client.get(f"/api/v1/chat/updates?session={SESSION_ID}").json()["data"]
    client.get(f"/api/v1/chat/updates?session={SESSION_ID}&after={message['id']}")
    [left] = client.get("/api/v1/chat/updates?session=someone-else-123").json()["data"]
    assert "for them" in left["text"]


def test_one_session_never_sees_another_sessions_messages(
    client: TestClient, session: Session, volunteer: dict, relay_reset: None
) -> None:
    case = make_case(session, channel="webchat", chat_key=SESSION_ID)
    client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "private"}, headers=volunteer)
    assert client.get("/api/v1/chat/updates?session=someone-else-123").json()["count"] == 0
    assert client.get(f"/api/v1/chat/updates?session={SESSION_ID}").json()["count"] == 1


def test_the_web_chat_messages_survive_in_the_database_not_in_memory(
    client: TestClient, session: Session, volunteer: dict, relay_reset: None
) -> None:
    case = make_case(session, channel="webchat", chat_key=SESSION_ID)
    client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "stored"}, headers=volunteer)
    with Session(session.get_bind()) as s:
        [row] = s.exec(select(WebchatOutbox)).all()
        assert row.chat_key == SESSION_ID and "stored" in row.payload


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?session=",
        "?session=short",
        "?session=has%20space%20inside",
        "?session=" + "x" * 200,
        f"?session={SESSION_ID}&after=-1",
        f"?session={SESSION_ID}&after=last",
    ],
)
def test_bad_session_ids_are_422(client: TestClient, query: str) -> None:
    assert client.get("/api/v1/chat/updates" + query).status_code == 422


# ---- knowledge base -------------------------------------------------------------------------------------


def test_kb_articles_by_category_and_one_article(client: TestClient, volunteer: dict) -> None:
    assert client.get("/api/v1/kb/articles").status_code == 401
    listed = client.get("/api/v1/kb/articles?category=work", headers=volunteer).json()
    assert listed["count"] == len(listed["data"]) > 0
    assert {a["category"] for a in listed["data"]} == {"work"}
    ids = [a["id"] for a in listed["data"]]
    assert "work-without-permit" in ids
    article = client.get("/api/v1/kb/articles/work-without-permit", headers=volunteer).json()
    assert set(article["answer_html"]) == {"uk", "nl", "en"}
    assert "<strong>" in article["answer_html"]["uk"] and "**" not in article["answer_plain"]["uk"]
    assert article["sources"][0]["url"].startswith("https://")
    assert article["title"]["nl"] == "Mag ik werken zonder werkvergunning?"
    everything = client.get("/api/v1/kb/articles", headers=volunteer).json()
    assert everything["count"] > listed["count"]


def test_kb_unknown_article_and_category(client: TestClient, volunteer: dict) -> None:
    assert client.get("/api/v1/kb/articles/no-such-article", headers=volunteer).status_code == 404
    response = client.get("/api/v1/kb/articles?category=astrology", headers=volunteer)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "category"]]  # the schema's shape


def test_hub_placeholders_are_filled_for_the_volunteer(client: TestClient, volunteer: dict) -> None:
    kb_hub = client.get("/api/v1/kb/articles?category=hub", headers=volunteer).json()["data"]
    assert kb_hub  # the shipped knowledge base has hub articles with placeholders
    for summary in kb_hub:
        article = client.get(f"/api/v1/kb/articles/{summary['id']}", headers=volunteer).json()
        assert "{hub_" not in article["answer_plain"]["uk"]


# ---- the page -------------------------------------------------------------------------------------------


def test_the_volunteer_page_is_served_without_a_cdn(client: TestClient, volunteer: dict) -> None:
    page = client.get("/volunteer", headers=volunteer)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'name="viewport"' in page.text
    for asset in ("/volunteer/volunteer.js", "/volunteer/volunteer.css"):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    script = client.get("/volunteer/volunteer.js").text
    for endpoint in ("/login?next=/volunteer", "/cases", "/kb/articles", "/users/me"):
        assert endpoint in script
    for text in (page.text, script, client.get("/volunteer/volunteer.css").text):
        assert "http://" not in text and "https://" not in text  # nothing loaded from elsewhere


def test_the_page_can_log_in_with_the_cookie_and_work(
    client: TestClient, session: Session, relay_reset: None
) -> None:
    user, headers = make_user(session, hub_id="example")
    token = headers["Authorization"].removeprefix("Bearer ")
    assert client.post("/api/v1/login/cookie", json={"token": token}).status_code == 200
    case = make_case(session, channel="webchat", chat_key=SESSION_ID)
    assert client.get("/api/v1/cases").json()["count"] == 1  # the cookie alone is enough
    assert client.post(f"/api/v1/cases/{case.id}/claim").json()["claimed_by"] == user.id
