"""The case API: roles, the hub rule, every transition (legal and illegal), bad input, and replies reaching
the visitor through the relay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from hubdesk import cases
from hubdesk.models import Case, CaseMessage, utcnow
from tests.utils.cases import FakeChannel, make_case, make_user, on_the_relay


@pytest.fixture
def channel(client: TestClient) -> Iterator[FakeChannel]:
    """A fake Telegram (and WhatsApp) on the relay, plus a volunteer listener; removed afterwards."""
    with on_the_relay() as fake:
        yield fake


@pytest.fixture
def volunteer(session: Session) -> dict[str, str]:
    return make_user(session, role="volunteer", hub_id="example", name="Olena")[1]


def fresh(engine: Engine, case_id: int) -> Case:
    with Session(engine) as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


# ---- roles and the hub rule -----------------------------------------------------------------------------


def test_the_queue_needs_a_login(client: TestClient) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases/1").status_code == 401
    assert client.post("/api/v1/cases/1/claim").status_code == 401
    bad = {"Authorization": "Bearer hd_not-a-real-token"}
    assert client.get("/api/v1/cases", headers=bad).status_code == 401


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "admin"])
def test_every_role_can_work_the_queue(client: TestClient, session: Session, channel: FakeChannel, role: str) -> None:
    _, headers = make_user(session, role=role, hub_id=None)
    case = make_case(session)
    listed = client.get("/api/v1/cases", headers=headers).json()
    assert [c["id"] for c in listed["data"]] == [case.id]
    assert client.post(f"/api/v1/cases/{case.id}/claim", headers=headers).status_code == 200
    assert client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "Hi"}, headers=headers).status_code == 200
    assert client.post(f"/api/v1/cases/{case.id}/close", headers=headers).status_code == 200


def test_a_revoked_account_is_locked_out(client: TestClient, session: Session) -> None:
    user, headers = make_user(session)
    user.revoked_at = utcnow()
    session.add(user)
    session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_a_hub_volunteer_sees_and_touches_only_their_hub(
    client: TestClient, session: Session, channel: FakeChannel
) -> None:
    _, north = make_user(session, hub_id="north", name="Nina")
    ours = make_case(session, hub_id="north", chat_key="1")
    theirs = make_case(session, hub_id="example", chat_key="2")

    listed = client.get("/api/v1/cases", headers=north).json()
    assert [c["id"] for c in listed["data"]] == [ours.id]
    assert listed["count"] == 1
    assert client.get(f"/api/v1/cases/{ours.id}", headers=north).status_code == 200
    # Another hub's case answers exactly like a case that does not exist.
    other = client.get(f"/api/v1/cases/{theirs.id}", headers=north)
    missing = client.get("/api/v1/cases/999999", headers=north)
    assert other.status_code == missing.status_code == 404
    for action in ("claim", "close", "reopen"):
        assert client.post(f"/api/v1/cases/{theirs.id}/{action}", headers=north).status_code == 404
    reply = client.post(f"/api/v1/cases/{theirs.id}/reply", json={"text": "hello"}, headers=north)
    assert reply.status_code == 404
    assert fresh(session.get_bind(), theirs.id).status == "open"
    assert channel.sent == []  # nothing reached the other hub's visitor
    # Asking for another hub's queue explicitly is refused.
    assert client.get("/api/v1/cases?hub=example", headers=north).status_code == 403
    assert client.get("/api/v1/cases?hub=north", headers=north).json()["count"] == 1


@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_a_hub_coordinator_or_volunteer_is_limited_but_an_admin_is_not(
    client: TestClient, session: Session, role: str
) -> None:
    _, limited = make_user(session, role=role, hub_id="north")
    _, admin = make_user(session, role="admin", hub_id="north", name="Admin")
    _, everywhere = make_user(session, role=role, hub_id=None, name="Roaming")
    make_case(session, hub_id="north", chat_key="1")
    make_case(session, hub_id="example", chat_key="2")
    assert client.get("/api/v1/cases", headers=limited).json()["count"] == 1
    assert client.get("/api/v1/cases", headers=admin).json()["count"] == 2
    assert client.get("/api/v1/cases", headers=everywhere).json()["count"] == 2


# ---- the queue ------------------------------------------------------------------------------------------


def test_urgent_first_then_oldest_first_and_paged(client: TestClient, session: Session, volunteer: dict) -> None:
    old = make_case(session, chat_key="1")
    middle = make_case(session, chat_key="2")
    urgent = make_case(session, chat_key="3", urgent=True, category="mental_health")
    old.created_at = utcnow() - timedelta(hours=3)
    middle.created_at = utcnow() - timedelta(hours=2)
    session.add_all([old, middle])
    session.commit()

    listed = client.get("/api/v1/cases", headers=volunteer).json()
    assert [c["id"] for c in listed["data"]] == [urgent.id, old.id, middle.id]
    page = client.get("/api/v1/cases?limit=1&offset=1", headers=volunteer).json()
    assert [c["id"] for c in page["data"]] == [old.id]
    assert page["count"] == 3
    first = listed["data"][0]
    assert first["urgent"] is True
    assert first["language"] == "uk"
    assert first["channel"] == "telegram"
    assert first["text"] == "Мені не платять зарплату вже два місяці"
    assert first["awaiting_volunteer"] is True
    assert "chat_key" not in first  # the route back to the visitor never leaves the server


def test_filters(client: TestClient, session: Session, volunteer: dict, channel: FakeChannel) -> None:
    a = make_case(session, chat_key="1", language="nl")
    b = make_case(session, chat_key="2", channel="whatsapp", urgent=True)
    c = make_case(session, chat_key="3")
    client.post(f"/api/v1/cases/{c.id}/close", headers=volunteer)

    def ids(query: str) -> list[int]:
        response = client.get("/api/v1/cases" + query, headers=volunteer)
        assert response.status_code == 200, response.text
        return [x["id"] for x in response.json()["data"]]

    assert ids("?language=nl") == [a.id]
    assert ids("?channel=whatsapp") == [b.id]
    assert ids("?urgent=true") == [b.id]
    assert ids("?urgent=false") == [a.id, c.id]
    assert ids("?status=closed") == [c.id]
    assert ids("?status=open&status=claimed&status=answered") == [b.id, a.id]
    assert ids("?hub=example") == [b.id, a.id, c.id]


@pytest.mark.parametrize(
    "query", ["?status=lost", "?limit=0", "?limit=101", "?offset=-1", "?channel=fax", "?language=ukr", "?urgent=maybe"]
)
def test_bad_filters_are_422(client: TestClient, volunteer: dict, query: str) -> None:
    response = client.get("/api/v1/cases" + query, headers=volunteer)
    assert response.status_code == 422
    assert response.json()["detail"]


# ---- transitions ----------------------------------------------------------------------------------------


def test_claim_reply_close_reopen_and_the_visitor_hears_each(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    case = make_case(session, chat_key="555")
    channel.notices.clear()

    claimed = client.post(f"/api/v1/cases/{case.id}/claim", headers=volunteer)
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "claimed"
    assert claimed.json()["claimed_by_name"] == "Olena"
    assert channel.texts_to("555")[-1].startswith("Волонтер")  # told in Ukrainian that someone has it

    replied = client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "Зверніться до FairWork."}, headers=volunteer)
    assert replied.status_code == 200, replied.text
    body = replied.json()
    assert body["delivered"] is True
    assert body["case"]["status"] == "answered"
    assert body["case"]["awaiting_volunteer"] is False
    assert [m["sender"] for m in body["case"]["messages"]] == ["visitor", "volunteer"]
    assert body["case"]["messages"][1]["author_name"] == "Olena"
    # The visitor gets the volunteer's own words, marked in their language as coming from a volunteer.
    assert channel.texts_to("555")[-1] == "💬 **Відповідь волонтера:**\nЗверніться до FairWork."
    stored = fresh(session.get_bind(), case.id)
    assert stored.first_reply_at is not None and stored.answered_at is not None
    assert stored.first_reply_at >= stored.created_at

    closed = client.post(f"/api/v1/cases/{case.id}/close", headers=volunteer)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    assert str(case.id) in channel.texts_to("555")[-1]

    reopened = client.post(f"/api/v1/cases/{case.id}/reopen", headers=volunteer)
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"
    assert reopened.json()["claimed_by"] is None
    assert channel.kinds() == ["claimed", "replied", "closed", "reopened"]
    assert [n.case_id for n in channel.notices] == [case.id] * 4
    assert len(channel.sent) == 4


def test_a_second_reply_keeps_the_first_reply_time(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    case = make_case(session)
    client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "one"}, headers=volunteer)
    first = fresh(session.get_bind(), case.id).first_reply_at
    client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "two"}, headers=volunteer)
    again = fresh(session.get_bind(), case.id)
    assert again.first_reply_at == first
    assert again.answered_at is not None and again.answered_at >= first
    assert again.status == "answered"


def test_replying_to_an_open_case_claims_it(client: TestClient, session: Session, channel: FakeChannel) -> None:
    user, headers = make_user(session, name="Petro")
    case = make_case(session)
    body = client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "Hi"}, headers=headers).json()
    assert body["case"]["claimed_by"] == user.id
    assert body["case"]["status"] == "answered"


def test_english_and_dutch_visitors_get_their_own_prefix(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    nl = make_case(session, chat_key="nl", language="nl")
    ru = make_case(session, chat_key="ru", language="ru")
    client.post(f"/api/v1/cases/{nl.id}/reply", json={"text": "Bel de gemeente."}, headers=volunteer)
    client.post(f"/api/v1/cases/{ru.id}/reply", json={"text": "Так."}, headers=volunteer)
    assert channel.texts_to("nl") == ["💬 **Antwoord van een vrijwilliger:**\nBel de gemeente."]
    assert channel.texts_to("ru") == ["💬 **Відповідь волонтера:**\nТак."]  # Russian speakers are answered in Ukrainian


def test_claiming_your_own_case_again_is_a_no_op(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    case = make_case(session)
    client.post(f"/api/v1/cases/{case.id}/claim", headers=volunteer)
    again = client.post(f"/api/v1/cases/{case.id}/claim", headers=volunteer)
    assert again.status_code == 200
    assert again.json()["status"] == "claimed"
    assert channel.kinds().count("claimed") == 1


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (["claim"], "claim", "is already claimed by Olena"),
        (["reply"], "claim", "is already claimed by Olena"),
        (["close"], "claim", "is closed: reopen it first to claim it"),
        (["close"], "reply", "is closed: reopen it first to reply it"),
        (["close"], "close", "is already closed"),
        ([], "reopen", "is open, not closed: only a closed case can be reopened"),
        (["claim"], "reopen", "is claimed, not closed"),
        (["reply"], "reopen", "is answered, not closed"),
    ],
)
def test_illegal_transitions_are_409_with_a_clear_message(
    client: TestClient, session: Session, channel: FakeChannel, setup: list[str], action: str, message: str
) -> None:
    _, olena = make_user(session, name="Olena")
    _, other = make_user(session, name="Taras")
    case = make_case(session)
    for step in setup:
        kwargs = {"json": {"text": "ok"}} if step == "reply" else {}
        assert client.post(f"/api/v1/cases/{case.id}/{step}", headers=olena, **kwargs).status_code == 200
    before = fresh(session.get_bind(), case.id).status
    sent = len(channel.sent)
    kwargs = {"json": {"text": "late"}} if action == "reply" else {}
    response = client.post(f"/api/v1/cases/{case.id}/{action}", headers=other, **kwargs)
    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"Case {case.id} {message}")
    assert fresh(session.get_bind(), case.id).status == before
    assert len(channel.sent) == sent  # an illegal step tells the visitor nothing


def test_a_purged_case_cannot_be_reopened(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    case = make_case(session)
    client.post(f"/api/v1/cases/{case.id}/close", headers=volunteer)
    cases.purge(session=session, now=utcnow() + timedelta(days=31), retention_days=30)
    response = client.post(f"/api/v1/cases/{case.id}/reopen", headers=volunteer)
    assert response.status_code == 409
    assert "purged" in response.json()["detail"]
    detail = client.get(f"/api/v1/cases/{case.id}", headers=volunteer).json()
    assert detail["text"] is None and detail["purged_at"] is not None
    assert [m["text"] for m in detail["messages"]] == [None]


def test_reopen_is_refused_while_the_visitor_has_another_open_case(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    first = make_case(session, chat_key="77")
    client.post(f"/api/v1/cases/{first.id}/close", headers=volunteer)
    second = make_case(session, chat_key="77", text="another question")
    assert second.id != first.id
    response = client.post(f"/api/v1/cases/{first.id}/reopen", headers=volunteer)
    assert response.status_code == 409
    assert f"case {second.id}" in response.json()["detail"]


# ---- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {"text": 5}, {"message": "hi"}]
)
def test_bad_reply_bodies_are_422(client: TestClient, session: Session, volunteer: dict, body: dict) -> None:
    case = make_case(session)
    response = client.post(f"/api/v1/cases/{case.id}/reply", json=body, headers=volunteer)
    assert response.status_code == 422
    with Session(session.get_bind()) as s:
        assert len(s.exec(select(CaseMessage).where(CaseMessage.sender == "volunteer")).all()) == 0


def test_a_non_json_body_is_422(client: TestClient, session: Session, volunteer: dict) -> None:
    case = make_case(session)
    response = client.post(
        f"/api/v1/cases/{case.id}/reply", content=b"\xff\x00", headers={**volunteer, "Content-Type": "application/json"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/cases/0", "/api/v1/cases/abc", "/api/v1/cases/-3"])
def test_bad_ids_are_422(client: TestClient, volunteer: dict, path: str) -> None:
    assert client.get(path, headers=volunteer).status_code == 422


@pytest.mark.parametrize("action", ["claim", "close", "reopen"])
def test_unknown_cases_are_404(client: TestClient, volunteer: dict, action: str) -> None:
    response = client.post(f"/api/v1/cases/424242/{action}", headers=volunteer)
    assert response.status_code == 404
    assert response.json()["detail"] == "Case 424242 does not exist."


def test_a_reply_the_channel_refuses_is_kept_and_reported(
    client: TestClient, session: Session, channel: FakeChannel, volunteer: dict
) -> None:
    case = make_case(session, channel="whatsapp")  # no WhatsApp sender registered in this test
    body = client.post(f"/api/v1/cases/{case.id}/reply", json={"text": "Hello"}, headers=volunteer).json()
    assert body["delivered"] is False
    assert "whatsapp" in body["delivery_error"]
    assert body["case"]["messages"][-1]["text"] == "Hello"
    channel.fail = True
    tg = make_case(session, chat_key="9")
    body = client.post(f"/api/v1/cases/{tg.id}/reply", json={"text": "Hello"}, headers=volunteer).json()
    assert body["delivered"] is False
    assert body["delivery_error"] == "the platform refused the message"


def test_the_openapi_documents_the_case_routes(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/reply"):
        assert path in paths
    assert "409" in paths["/api/v1/cases/{case_id}/close"]["post"]["responses"]
